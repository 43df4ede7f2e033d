"""Sink-side escaping helpers against hostile strings."""

import csv
import io
import math

import openpyxl
import pandas as pd
import pytest

from geo.safe_text import (
    EXCEL_CELL_LIMIT,
    REPLACEMENT,
    csv_cell,
    html_attr,
    html_text,
    html_url,
    terminal_text,
    xlsx_text,
)

HOSTILE = [
    '<img src=x onerror="alert(1)">',
    "<script>alert(document.cookie)</script>",
    '"><svg onload=alert(1)>',
    "' onmouseover='alert(1)",
    '<a href="javascript:alert(1)">click</a>',
    "&lt;script&gt;",  # already-escaped text must be escaped again, not decoded
]


@pytest.mark.parametrize("value", HOSTILE)
def test_html_text_leaves_no_markup(value):
    out = html_text(value)
    assert "<" not in out
    assert ">" not in out
    assert '"' not in out
    assert "'" not in out
    # Escaping is reversible: the reader sees exactly the original text.
    import html

    assert html.unescape(out) == value


@pytest.mark.parametrize("value", [None, math.nan, pd.NA, pd.NaT])
def test_missing_values_become_empty(value):
    assert html_text(value) == ""
    assert html_attr(value) == ""
    assert terminal_text(value) == ""


def test_html_attr_cannot_break_out_of_quotes():
    out = html_attr('x"\nonload="alert(1)')
    assert '"' not in out
    assert "\n" not in out
    assert f'<div title="{out}">'.count('"') == 2


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "",
        None,
    ],
)
def test_html_url_refuses_script_schemes(url):
    assert html_url(url) == "#"


@pytest.mark.parametrize(
    "url", ["https://www.police.uk/", "http://example.org/a?b=1", "mailto:csu@example.org", "#top"]
)
def test_html_url_keeps_web_links(url):
    assert html_url(url).startswith(url.split("?")[0][:5])
    assert html_url(url) != "#"


@pytest.mark.parametrize(
    "value",
    [
        "\x1b[31mred\x1b[0m",
        "\x1b]0;new title\x07",
        "over\rwrite",
        "back\x08space",
        "c1\x9bcsi",
        "bidi\u202eevil",
        "zero\u200bwidth",
    ],
)
def test_terminal_text_has_no_controls(value):
    out = terminal_text(value)
    assert REPLACEMENT in out
    assert all(ch.isprintable() for ch in out)


def test_terminal_text_keeps_ordinary_text():
    assert terminal_text("On or near High Street, Sevenoaks \u2013 £5") == (
        "On or near High Street, Sevenoaks \u2013 £5"
    )
    assert terminal_text(42) == "42"


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+44 1732 000000",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1",
        "\r=1",
        '=HYPERLINK("http://x","y")',
    ],
)
def test_csv_cell_guards_formulas(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", [3, -3, 2.5, "-3", "+1.5", "1e3", "High Street", "", None])
def test_csv_cell_leaves_data_alone(value):
    assert csv_cell(value) == value


def test_csv_cell_round_trips_through_csv_writer():
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(v) for v in ["=cmd|' /C calc'!A0", 7, "Station Road"]])
    row = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert row == ["'=cmd|' /C calc'!A0", "7", "Station Road"]


def test_xlsx_text_is_accepted_by_openpyxl(tmp_path):
    hostile = "Bad\x00\x01\x0b\x1fcell =x"
    values = [
        xlsx_text(hostile),
        xlsx_text('=HYPERLINK("http://x")'),
        xlsx_text("y" * (EXCEL_CELL_LIMIT + 500)),
        xlsx_text(12.5),
        xlsx_text(None),
    ]
    book = openpyxl.Workbook()
    book.active.append(values)
    path = tmp_path / "hostile.xlsx"
    book.save(path)
    sheet = openpyxl.load_workbook(path).active
    cells = [c.value for c in sheet[1]]
    assert cells[0] == "Bad" + REPLACEMENT * 4 + "cell =x"
    assert sheet.cell(1, 2).data_type == "s"  # text, not a formula
    assert cells[1].startswith("'=")
    assert len(cells[2]) == EXCEL_CELL_LIMIT
    assert cells[2].endswith("[truncated]")
    assert cells[3] == 12.5
    assert sheet.cell(1, 5).value is None


def test_openpyxl_refuses_what_xlsx_text_removes():
    book = openpyxl.Workbook()
    with pytest.raises(openpyxl.utils.exceptions.IllegalCharacterError):
        book.active.append(["Bad\x00cell"])


def test_the_illegal_character_pattern_is_openpyxls():
    from openpyxl.cell import cell

    from geo import safe_text

    assert safe_text.ILLEGAL_CHARACTERS_RE.pattern == cell.ILLEGAL_CHARACTERS_RE.pattern
