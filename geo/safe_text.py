"""
Sink-side text safety: make any value safe for the place it is written to.

Every value read from a file is hostile. These helpers are applied where a value is
*written* (HTML, a terminal, an XLSX cell, a CSV cell), never where it is read, so the
data keep their original text everywhere else.

- :func:`html_text` and :func:`html_attr` escape for HTML element text and attribute values.
- :func:`html_url` lets only web, mail and relative links through to an ``href``.
- :func:`terminal_text` removes control characters and escape sequences.
- :func:`xlsx_text` drops characters openpyxl refuses, guards formulas and truncates to
  Excel's cell limit.
- :func:`csv_cell` guards text a spreadsheet would run as a formula.
- :func:`markdown_text` escapes text for Streamlit's Markdown (messages, captions, labels).
- :func:`script_json` writes data as JSON for a ``<script>`` that a template engine renders.


- :func:`docx_text` drops characters a Word document (XML 1.0) cannot hold.
"""

from __future__ import annotations

import json
import math
import re

import markupsafe

__all__ = [
    "EXCEL_CELL_LIMIT",
    "FORMULA_PREFIXES",
    "REPLACEMENT",
    "csv_cell",
    "docx_text",
    "html_attr",
    "html_text",
    "html_url",
    "is_missing",
    "markdown_text",
    "script_json",
    "terminal_text",
    "xlsx_text",
]

#: Shown in place of a character that cannot be written safely.
REPLACEMENT = "\ufffd"
#: Excel's limit on the characters in one cell.
EXCEL_CELL_LIMIT = 32_767
#: First characters that make a spreadsheet read a text cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_TRUNCATED = " [truncated]"
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# C0 controls, DEL, C1 controls, and Unicode bidi/format controls that can hide or
# reorder text in a terminal (Trojan Source style).
_TERMINAL_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
# Characters a JSON string may not carry raw into a <script> that Jinja renders again:
# the HTML parser ends the script at "</", and "{{", "{%" or "{#" would run as a template.
_SCRIPT_STRING_ESCAPES = str.maketrans({c: f"\\u{ord(c):04x}" for c in "<>&'{}\u2028\u2029"})
# Every ASCII punctuation character CommonMark lets a backslash escape: covers emphasis,
# links and images, headings, lists, tables, code, HTML, Streamlit's ``:colour[...]`` and
# ``:material/...:`` directives and ``$...$`` maths.
_MARKDOWN_SPECIAL = re.compile(r"""([!-/:-@\[-`{-~])""")
_AUTOLINK = re.compile(r"(?i)\\:\\/\\/|\bwww\\\.|\\@")
_SAFE_URL = re.compile(r"(?i)(https?:|mailto:|[#/?.]|[^:/?#]*([/?#]|$))")

_DOCX_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 refuses (python-docx raises on them), and C1 controls (DEL to 0x9f)."""

ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
"""The characters openpyxl refuses in a cell (its own pattern, checked equal by a test).

Written here so that every `geo` command does not import openpyxl (about 60 ms) to
escape text it may never write to a workbook."""


def is_missing(value: object) -> bool:
    """
    Return True for None, NaN and pandas' missing markers.

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(0), is_missing("")
    (True, True, False, False)
    """
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        import pandas as pd

        return value is pd.NA or value is pd.NaT
    except ImportError:  # pragma: no cover - pandas is a dependency
        return False


def _as_text(value: object) -> str:
    return "" if is_missing(value) else str(value)


def html_text(value: object) -> str:
    """
    Escape any value for HTML element text; None and NaN become "".

    Parameters
    ----------
    value
        Anything; it is turned into text with ``str`` first.

    Returns
    -------
    str
        Text with ``& < > " '`` escaped, safe inside an element or a quoted attribute,
        and with ``{ }`` as character references: folium and branca hand rendered HTML
        back to Jinja2 as a template, where ``{{ ... }}`` from data would run on the server.
        The browser shows ``&#123;`` as ``{``, so the text reads the same.

    Examples
    --------
    >>> html_text('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&#34;alert(1)&#34;&gt;'
    >>> html_text("{{ lipsum.__globals__ }}")
    '&#123;&#123; lipsum.__globals__ &#125;&#125;'
    >>> html_text(None), html_text(12)
    ('', '12')
    """
    return _template_inert(str(markupsafe.escape(_as_text(value))))


def _template_inert(escaped: str) -> str:
    """Write the braces of already-escaped HTML as character references."""
    return escaped.replace("{", "&#123;").replace("}", "&#125;")


def html_attr(value: object) -> str:
    r"""
    Escape any value for a quoted HTML attribute value.

    Quotes are escaped as well as ``& < >``, and line breaks become spaces, so the value
    cannot close its attribute or its tag. Always put the result inside double quotes.

    Parameters
    ----------
    value
        Anything; None and NaN become "".

    Returns
    -------
    str
        The escaped text.

    Examples
    --------
    >>> html_attr('x" onmouseover="alert(1)')
    'x&#34; onmouseover=&#34;alert(1)'
    >>> html_attr("two\nlines")
    'two lines'
    """
    text = re.sub(r"[\r\n\t]", " ", _as_text(value))
    return _template_inert(str(markupsafe.escape(text)))


def html_url(value: object) -> str:
    """
    Return an escaped link target, or "#" for schemes other than http, https and mailto.

    Parameters
    ----------
    value
        A link from data.

    Returns
    -------
    str
        The escaped URL, or ``"#"`` for ``javascript:``, ``data:`` and other schemes.

    Examples
    --------
    >>> html_url("https://www.police.uk/?a=1&b=2")
    'https://www.police.uk/?a=1&amp;b=2'
    >>> html_url(" JaVaScRiPt:alert(1)"), html_url("data:text/html,x"), html_url("notes.html")
    ('#', '#', 'notes.html')
    """
    text = re.sub(r"[\x00-\x20\x7f]", "", _as_text(value))
    if not text or not _SAFE_URL.match(text):
        return "#"
    return _template_inert(str(markupsafe.escape(text)))


def terminal_text(value: object, keep_newlines: bool = False) -> str:
    r"""
    Return text with no control characters or escape sequences, for a terminal.

    Every control character (ESC, BEL, backspace, carriage return, C1 controls) and every
    invisible or bidirectional formatting character is replaced with U+FFFD, so a value
    cannot move the cursor, recolour, retitle or hide text in the user's terminal.

    Parameters
    ----------
    value
        Anything; None and NaN become "".
    keep_newlines
        Keep line feeds (for multi-line messages); otherwise they are replaced too.

    Returns
    -------
    str
        Printable text.

    Examples
    --------
    >>> print(ascii(terminal_text("High Street\x1b[2J\x1b]0;pwned\x07")))
    'High Street\ufffd[2J\ufffd]0;pwned\ufffd'
    >>> print(ascii(terminal_text("a\nb")), ascii(terminal_text("a\nb", keep_newlines=True)))
    'a\ufffdb' 'a\nb'
    """
    text = _as_text(value)
    if keep_newlines:
        return "\n".join(_TERMINAL_UNSAFE.sub(REPLACEMENT, line) for line in text.split("\n"))
    return _TERMINAL_UNSAFE.sub(REPLACEMENT, text)


def csv_cell(value: object) -> object:
    r"""
    Guard a CSV cell against formula injection; numbers and plain numeric text unchanged.

    Text starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe,
    so a spreadsheet shows it as text instead of running it. Text that is just a number
    (``-3``, ``+1.5``) is left alone, as are non-text values.

    Parameters
    ----------
    value
        The cell value.

    Returns
    -------
    object
        The guarded text, or the value unchanged.

    Examples
    --------
    >>> csv_cell('=HYPERLINK("http://x")'), csv_cell("@SUM(A1)")
    ('\'=HYPERLINK("http://x")', "'@SUM(A1)")
    >>> csv_cell("-1+cmd|' /C calc'!A0")
    "'-1+cmd|' /C calc'!A0"
    >>> csv_cell("On or near Station Road"), csv_cell(-3), csv_cell("-3.5"), csv_cell(None)
    ('On or near Station Road', -3, '-3.5', None)
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def xlsx_text(value: object) -> object:
    r"""
    Make a value safe for an openpyxl cell; non-text values pass through unchanged.

    Characters openpyxl refuses (``ILLEGAL_CHARACTERS_RE``: most C0 controls) become
    U+FFFD, text a spreadsheet would run as a formula gets a leading apostrophe (openpyxl
    would otherwise store ``=...`` as a formula), and text longer than Excel's 32,767-char
    cell limit is cut with a ``[truncated]`` marker.

    Parameters
    ----------
    value
        The cell value. Numbers, dates and booleans are returned as they are; None stays
        None (an empty cell).

    Returns
    -------
    object
        Safe text, or the value unchanged.

    Examples
    --------
    >>> print(ascii(xlsx_text("Bad\x00cell\x1b")))
    'Bad\ufffdcell\ufffd'
    >>> xlsx_text("=cmd|' /C calc'!A0"), xlsx_text(2.5)
    ("'=cmd|' /C calc'!A0", 2.5)
    >>> long = xlsx_text("x" * 40_000)
    >>> len(long), long.endswith("[truncated]")
    (32767, True)
    """
    if not isinstance(value, str):
        return value
    text = str(csv_cell(ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value)))
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - len(_TRUNCATED)] + _TRUNCATED
    return text


def markdown_text(value: object) -> str:
    r"""
    Escape any value so Streamlit's Markdown shows it as the same text, and nothing more.

    Every ASCII punctuation character gets a backslash, so data cannot make an image
    (``![x](http://host/a.png)``, which the browser would fetch), a link, a heading, emphasis,
    a table, inline HTML, a coloured ``:red[...]`` directive or ``$maths$``. Line breaks
    become spaces, so a value cannot start a block of its own. Use it for every value
    from data in ``st.error``, ``st.info``, ``st.success``, ``st.warning``, ``st.markdown``,
    ``st.caption``, titles and widget labels.

    Parameters
    ----------
    value
        Anything; None and NaN become "".

    Returns
    -------
    str
        Markdown source that renders as the original text.

    Examples
    --------
    >>> print(markdown_text("![x](http://host/a.png)"))
    \!\[x\]\(http&#8203;\:\/\/host\/a\.png\)
    >>> print(markdown_text("Camera 3 :red[out]"))
    Camera 3 \:red\[out\]
    >>> print(markdown_text("see http://x.org or www.x.org or a@x.org"))
    see http&#8203;\:\/\/x\.org or w&#8203;ww\.x\.org or a&#8203;\@x\.org
    >>> markdown_text("two\nlines"), markdown_text(None)
    ('two lines', '')
    """
    text = re.sub(r"[\r\n]+", " ", _as_text(value))
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    # GFM turns bare URLs, www. names and e-mail addresses into links even when escaped: a
    # zero-width space (as an entity, so it survives) after their first character stops it
    return _AUTOLINK.sub(lambda m: _cut(m.group(0)), escaped)


def _cut(found: str) -> str:
    """Put a zero-width space where it cannot be escaped: before a backslash, or after a w."""
    return "w&#8203;" + found[1:] if found[0] in "wW" else "&#8203;" + found


def script_json(value: object) -> str:
    r"""
    Return `value` as JSON text that is inert inside a ``<script>`` and to a template engine.

    folium and branca render a map's script and hand the result back to Jinja2 as a new
    template, so JSON written with Jinja's ``tojson`` still carries ``{{ ... }}`` from data
    into that second pass. Here every string (keys included) has ``< > & ' { }`` and the
    JavaScript line separators written as ``\uXXXX`` escapes: JavaScript reads the same
    text, the HTML parser sees no tag, and Jinja sees no delimiter. Structural braces stay.

    Parameters
    ----------
    value
        Dicts, lists, tuples, strings, numbers (NumPy ones too), booleans and None.

    Returns
    -------
    str
        A JSON document (valid JSON and a JavaScript literal).

    Raises
    ------
    ValueError
        If a number is not finite (JSON has no NaN).

    Examples
    --------
    >>> print(script_json({"name": "{{7*7}} </script>", "n": [1, 2.5, None, True]}))
    {"name": "\u007b\u007b7*7\u007d\u007d \u003c/script\u003e", "n": [1, 2.5, null, true]}
    >>> import json; json.loads(script_json(["{% x %}"]))
    ['{% x %}']
    """
    if isinstance(value, dict):
        items = (f"{script_json(str(k))}: {script_json(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(script_json(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).translate(_SCRIPT_STRING_ESCAPES)
    if hasattr(value, "item") and not isinstance(value, bool):  # NumPy scalars
        value = value.item()
    return json.dumps(value, allow_nan=False)


def docx_text(value: object) -> str:
    r"""
    Make any value safe for a Word document's text (python-docx); None and NaN become "".

    Characters XML 1.0 cannot hold (C0 controls other than tab and line breaks, lone
    surrogates, U+FFFE and U+FFFF), on which python-docx raises, and C1 controls become
    U+FFFD, as `xlsx_text` does for a spreadsheet cell. Word runs no formulas in text,
    so nothing else needs guarding.

    Examples
    --------
    >>> print(ascii(docx_text("Bad\x00cell\x1b and\ttab")))
    'Bad\ufffdcell\ufffd and\ttab'
    >>> docx_text(None), docx_text(3)
    ('', '3')
    """
    return _DOCX_UNSAFE.sub(REPLACEMENT, _as_text(value))
