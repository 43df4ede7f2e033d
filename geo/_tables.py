"""Read a CSV or XLSX file into a table of strings, keeping every row's line number.

Real exports are messy: UTF-8 with or without a byte-order mark, Windows-1252
from Excel, UTF-16 with a BOM, quoted commas and line breaks, blank lines, rows with
too few or too many fields. `read_table` copes with all of these and never drops a
data row: a row whose field count does not fit the header comes back in
``malformed`` with its line.

CSV files are read by pyarrow's columnar CSV reader (every column as text, bad rows
caught by its invalid-row handler and re-read with the ``csv`` module to fit or
report them); line numbers are recovered from the positions of the non-empty lines,
and only the columns a caller selects are turned into pandas columns. A row's line is
the line it ends on, as the ``csv`` module counts.
"""

from __future__ import annotations

import codecs
import csv
import ctypes
import ctypes.util
import datetime as dt
import functools
import io
import queue
import re
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pa_csv

from geo._errors import InputFileError

PLAIN_FIELD_LIMIT = 32_767
"""Fields longer than this (Excel's cell limit) are checked row by row by the loader."""

_POOL = pa.default_memory_pool()
"""Arrow's own allocator (mimalloc in the wheels): half the time of the C allocator for a
whole-file read. It keeps freed pages for reuse, so `release_memory` hands them back
between files."""

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

_STR_TYPES = {
    pa.string(): pd.StringDtype("pyarrow", na_value=np.nan),
    pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan),
}
"""Arrow text becomes pandas' ``str`` dtype without a copy into Python strings."""

T = TypeVar("T")

Select = Callable[[list[str]], list[str]]
"""Given a file's header, the columns to keep."""

CSV_SUFFIXES = frozenset({".csv", ".txt"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})


@dataclass(frozen=True, slots=True, eq=False)
class RawTable:
    """
    The rows of one input file, as text.

    Attributes
    ----------
    source
        The file's name, for messages and the rejection table.
    header
        Column names, stripped of spaces.
    rows
        One row per well-formed data row, all values as ``str``, with a
        ``line`` column holding its line (CSV) or row number (XLSX) in the file.
    malformed
        ``line``, ``reason`` (``malformed row``) and ``detail`` of every data row
        that could not be split into the header's fields.
    encoding
        The text encoding used (``utf-8``, ``utf-8-sig``, ``cp1252``, ``utf-16``), or ``xlsx``.
    plain_text
        True when the reader has proved that no field holds a control character or
        is longer than `PLAIN_FIELD_LIMIT` characters, so per-field checks can be skipped.
    """

    source: str
    header: list[str]
    rows: pd.DataFrame
    malformed: pd.DataFrame
    encoding: str
    plain_text: bool = False

    @property
    def rows_in(self) -> int:
        """Data rows read, well-formed or not (blank lines are not rows)."""
        return len(self.rows) + len(self.malformed)


def read_table(path: Path, select: Select | None = None) -> RawTable:
    """
    Read a CSV or XLSX file into a `RawTable`.

    Parameters
    ----------
    path
        A ``.csv``/``.txt`` or ``.xlsx``/``.xlsm`` file.
    select
        Given the header, return the columns to keep (CSV only; blank rows and
        malformed rows are still judged on every column). None keeps them all.

    Returns
    -------
    RawTable
        Its header, rows and malformed rows.

    Raises
    ------
    InputFileError
        If the file is missing, empty, binary, of another type, or has no header.
    """
    if not path.is_file():
        msg = f"{path.name}: no such file ({path})"
        raise InputFileError(msg)
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(path)
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, select)
    msg = f"{path.name}: not a CSV or XLSX file (suffix {path.suffix or 'none'!r})"
    raise InputFileError(msg)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_memory() -> None:
    """
    Hand freed memory back to the system between files.

    Each file's bytes and table are parsed and dropped; without this Arrow's pool and
    the C heap (glibc's ``malloc_trim``; elsewhere nothing) keep the pages, and the peak
    memory of a many-file load grows with the number of files.
    """
    _POOL.release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


READ_BUDGET = 16 << 20
"""A CSV larger than this many bytes is read in pieces of about this size (`iter_tables`).

Parsing a piece takes about ten times its size in memory (text columns, checks, the
rows kept); 16 MiB pieces (about 80,000 police.uk rows) held a 405 MB file of 1.97 M
rows to 463 MiB at peak, against 1.3 GiB for ``pandas.read_csv`` of it, and were no
slower than larger pieces."""


def iter_tables(
    path: Path, select: Select | None = None, *, budget: int | None = None
) -> Iterator[RawTable]:
    """
    Read a file as one `RawTable`, or a CSV larger than `budget` bytes as several.

    A large CSV is cut only after a line feed with an even number of double quotes
    before it in its piece, so no quoted field is split; each piece keeps the file's
    header, encoding and line numbers, and the pieces' rows together are the rows of
    `read_table` on the whole file. At most about twice `budget` bytes of the file are
    held at a time. UTF-16 files are read whole.

    Parameters
    ----------
    path
        A CSV or XLSX file.
    select
        As for `read_table`.
    budget
        Bytes per piece; None for `READ_BUDGET`.

    Yields
    ------
    RawTable
        One per piece, in file order.

    Raises
    ------
    InputFileError
        As `read_table` does.
    """
    budget = READ_BUDGET if budget is None else budget
    if (
        path.suffix.lower() not in CSV_SUFFIXES
        or not path.is_file()
        or path.stat().st_size <= budget
    ):
        yield read_table(path, select)
        return
    encoding = _file_encoding(path)
    if encoding == "utf-16":
        yield read_table(path, select)
        return
    source = path.name
    pieces = _pieces(path, budget)
    first = b""
    for piece in pieces:  # blank lines before the header join the header's piece
        first += _transcode(piece, encoding, start=not first)
        if first.strip():
            break
    raw_header, header_end = _header(first, source)
    options = {"source": source, "encoding": encoding, "select": select}
    yield _csv_table(first, raw_header, skip=header_end, first_line=0, **options)
    line = first.count(b"\n")
    for piece in pieces:
        data = _transcode(piece, encoding, start=False)
        if data.strip():
            yield _csv_table(data, raw_header, skip=0, first_line=line, **options)
        line += data.count(b"\n")


def read_ahead(items: Iterator[T], *, depth: int = 1) -> Iterator[T]:
    """
    Run `items` in a background thread, at most `depth` items ahead of the consumer.

    The reader's heavy parts (file reads, Arrow's parser, NumPy scans) let other Python
    threads run, so the next table is read while this one is parsed. An exception in
    `items` is raised to the consumer at the point it happened; a consumer that stops
    early stops the thread.

    Parameters
    ----------
    items
        Any iterator.
    depth
        How many items may wait.

    Yields
    ------
    object
        The items of `items`, in order.

    Examples
    --------
    >>> list(read_ahead(iter(range(5))))
    [0, 1, 2, 3, 4]
    """
    waiting: queue.SimpleQueue = queue.SimpleQueue()
    slots = threading.Semaphore(depth)  # an item is made only when there is room for it
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            while True:
                while not slots.acquire(timeout=0.1):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
                item = next(items, done)
                waiting.put((item, None))
                if item is done:
                    return
        except BaseException as err:  # handed to the consumer, raised there
            waiting.put((done, err))

    thread = threading.Thread(target=produce, name="geo-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, err = waiting.get()
            slots.release()
            if err is not None:
                raise err
            if item is done:
                return
            yield item
    finally:
        stop.set()
        thread.join()


def _pieces(path: Path, budget: int) -> Iterator[bytes]:
    """Yield the file's bytes in pieces of about `budget`, each ending a CSV record."""
    carry = b""
    with path.open("rb") as handle:
        while block := handle.read(budget):
            buf = carry + block
            cut = _record_end(buf)
            carry = buf[cut:]
            if cut:
                yield buf[:cut]
    if carry:
        yield carry


def _record_end(buf: bytes) -> int:
    """Return the end of the longest prefix of `buf` that ends a CSV record (0 if none).

    That is just after the last line feed with an even number of double quotes before
    it: a quoted field's quotes (doubled inside it) always pair up. Only the end of
    `buf` is searched (from 1 MiB, widening), the quotes before it counted in place.
    """
    size = 1 << 20
    while True:
        start = max(0, len(buf) - size)
        tail = np.frombuffer(buf, dtype=np.uint8, offset=start)
        before = buf.count(b'"', 0, start)
        feeds = np.flatnonzero(tail == 10)
        quotes = np.flatnonzero(tail == 34)
        even = np.flatnonzero((np.searchsorted(quotes, feeds) + before) % 2 == 0)
        if len(even):
            return start + int(feeds[even[-1]]) + 1
        if start == 0:
            return 0
        size *= 4


def _file_encoding(path: Path) -> str:
    """Name a large file's encoding as `_to_utf8` would, reading it in blocks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
        if head.startswith(_UTF16_BOMS):
            return "utf-16"
        _sniff(head, path.name)
        bom = head.startswith(_UTF8_BOM)
        block = head[3:] if bom else head
        try:
            while block:
                if not (block.isascii() and decoder.getstate()[0] == b""):
                    decoder.decode(block)
                block = handle.read(1 << 24)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return _encoding_name(bom=bom, utf8=False)
    return _encoding_name(bom=bom, utf8=True)


def _encoding_name(*, bom: bool, utf8: bool) -> str:
    """Name the encoding read: a UTF-8 BOM wins; else UTF-8 if valid, else Windows-1252."""
    if bom:
        return "utf-8-sig"
    return "utf-8" if utf8 else "cp1252"


def _transcode(piece: bytes, encoding: str, *, start: bool) -> bytes:
    """Return a piece of a file as UTF-8, as `_to_utf8` would the whole file.

    Pieces end at line feeds, which never fall inside a UTF-8 character, so each
    piece decodes alone; `start` marks the first piece (which may hold a BOM).
    """
    if start and piece.startswith(_UTF8_BOM):
        piece = piece[3:]
    if encoding in ("cp1252", "utf-8-sig") and not piece.isascii() and not _is_utf8(piece):
        return lines_to_utf8(piece)
    return piece


def lines_to_utf8(data: bytes) -> bytes:
    r"""
    Return bytes as UTF-8, deciding each line's encoding alone: UTF-8 unless it cannot be.

    A line that is not valid UTF-8 is read as Windows-1252 (Excel's "CSV" on Windows), so a
    file with one pasted Windows-1252 row keeps its UTF-8 rows intact. Lines end at line
    feeds, which never fall inside a UTF-8 character.

    Parameters
    ----------
    data
        Text in UTF-8, Windows-1252, or a mix of the two line by line.

    Returns
    -------
    bytes
        UTF-8.

    Examples
    --------
    >>> lines_to_utf8("Café\n".encode() + "Pâtisserie\n".encode("cp1252")).decode()
    'Café\nPâtisserie\n'
    """
    out = []
    for line in data.split(b"\n"):
        if not line.isascii() and not _is_utf8(line):
            line = line.decode("cp1252", errors="replace").encode("utf-8")
        out.append(line)
    return b"\n".join(out)


def decode_text(data: bytes) -> str:
    r"""
    Decode a CSV file's bytes as `read_table` does.

    A UTF-8 byte-order mark is dropped; each line is UTF-8 unless it cannot be, then
    Windows-1252 (`lines_to_utf8`).

    Examples
    --------
    >>> decode_text(b"\xef\xbb\xbfa,b\n" + "é".encode("cp1252"))
    'a,b\né'
    """
    return lines_to_utf8(data.removeprefix(_UTF8_BOM)).decode("utf-8")


def _looks_like_utf16(head: bytes) -> bool:
    """Tell whether NUL bytes sit on every other byte, as in UTF-16 text with no BOM."""
    sample = head[: len(head) - len(head) % 2]
    if len(sample) < 8:
        return False
    even, odd = sample[0::2], sample[1::2]
    half = len(sample) // 2
    return (
        max(even.count(0), odd.count(0)) >= 0.4 * half
        and min(even.count(0), odd.count(0)) <= 0.05 * half
    )


def _sniff(data: bytes, source: str) -> None:
    """Raise if the bytes are empty, binary or UTF-16 without a BOM."""
    if not data[:4096].strip() and not data.strip():  # the whole file only if it starts blank
        msg = f"{source}: the file is empty"
        raise InputFileError(msg)
    if b"\x00" in data[:8192]:
        if _looks_like_utf16(data[:8192]):
            msg = (
                f"{source}: UTF-16 without a byte-order mark; save it as UTF-8 "
                "(or UTF-16 with a BOM)"
            )
            raise InputFileError(msg)
        msg = f"{source}: the file is binary, not CSV text"
        raise InputFileError(msg)


def _from_utf16(data: bytes, source: str) -> bytes:
    """Transcode UTF-16 text with a byte-order mark to UTF-8."""
    try:
        return data.decode("utf-16").encode("utf-8")
    except UnicodeDecodeError as err:
        msg = f"{source}: not readable as UTF-16 text ({err.reason} at byte {err.start})"
        raise InputFileError(msg) from err


def _cell_text(value: object) -> str:
    """Render one spreadsheet cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        # Excel stores a date as a datetime at midnight: treat that as a day, not a time
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


XLSX_MAX_CELLS = 2_000_000
"""Most cells (rows x columns of the first sheet, declared or found) an XLSX may span.

openpyxl makes a Python value per cell of the sheet's extent, padding every row to the
widest; 2 M cells (100,000 rows of 20 columns, twenty years of a busy CSU log) take
about 250 MB. One cell at ``XFD1048576`` spans 17 billion."""

XLSX_MAX_BYTES = 200 << 20
"""Most bytes the members of an XLSX (a zip) may hold once uncompressed."""

_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c\b")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([A-Z0-9:$]+)\"")
_REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")


def _column_number(letters: str) -> int:
    """Return a spreadsheet column's number: ``A`` is 1, ``XFD`` is 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _extent_cells(ref: str) -> int:
    """Return the cells a range such as ``A1:XFD1048576`` spans (0 if it is not one).

    Examples
    --------
    >>> _extent_cells("A1:XFD1048576")
    17179869184
    >>> _extent_cells("B2:C11"), _extent_cells("A1")
    (20, 1)
    """
    corners = [_REF.fullmatch(part) for part in ref.split(":")]
    if not corners or any(c is None for c in corners):
        return 0
    cols = [_column_number(c.group(1)) for c in corners]
    rows = [int(c.group(2)) for c in corners]
    return (max(cols) - min(cols) + 1) * (max(rows) - min(rows) + 1)


def _first_sheet(book: zipfile.ZipFile) -> str | None:
    """Return the zip member of the workbook's first worksheet (the one read)."""
    names = sorted(
        (n for n in book.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
        key=lambda n: int(re.sub(r"\D", "", n)),
    )
    return names[0] if names else None


def check_xlsx_budget(path: Path) -> None:
    """
    Refuse an XLSX whose size would take more memory than reading a log should.

    Checked before any cell is read: the members' uncompressed bytes
    (`XLSX_MAX_BYTES`), the first sheet's declared extent (its ``<dimension ref>``)
    and its actual extent and cell count, found by streaming the sheet's XML
    (`XLSX_MAX_CELLS`). Only the zip's directory and one pass over the sheet are read.

    Parameters
    ----------
    path
        An ``.xlsx``/``.xlsm`` file.

    Raises
    ------
    InputFileError
        One line naming the file, the size found and the budget.
    """
    source = path.name
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        msg = f"{source}: not a readable XLSX workbook ({type(err).__name__})"
        raise InputFileError(msg) from err
    with book:
        total = sum(info.file_size for info in book.infolist())
        if total > XLSX_MAX_BYTES:
            msg = (
                f"{source}: the workbook unpacks to {total / 2**20:,.0f} MB, over the "
                f"{XLSX_MAX_BYTES >> 20} MB budget; save the sheet as CSV"
            )
            raise InputFileError(msg)
        sheet = _first_sheet(book)
        if sheet is None:
            return  # openpyxl says what is wrong with it
        _check_sheet_extent(book, sheet, source)


def _over_budget(source: str, what: str, cells: int) -> InputFileError:
    return InputFileError(
        f"{source}: the first sheet {what} {cells:,} cells, over the budget of "
        f"{XLSX_MAX_CELLS:,}; delete the empty rows and columns or save it as CSV"
    )


def _check_sheet_extent(book: zipfile.ZipFile, sheet: str, source: str) -> None:
    """Stream one worksheet's XML and raise if its declared or actual extent is too large."""
    max_col = max_row = 0
    min_col = min_row = 1 << 30
    cells = 0
    carry = b""
    declared_seen = False
    try:
        with book.open(sheet) as handle:
            while block := handle.read(1 << 20):
                data = carry + block
                cut = data.rfind(b">") + 1
                data, carry = data[:cut], data[cut:]
                if not declared_seen:
                    found = _DIMENSION.search(data)
                    if found is not None or b"<sheetData" in data:
                        declared_seen = True
                    if found is not None:
                        declared = _extent_cells(found.group(1).decode("ascii"))
                        if declared > XLSX_MAX_CELLS:
                            raise _over_budget(
                                source, f"declares {found.group(1).decode()}:", declared
                            )
                cells += len(_CELL_TAG.findall(data))
                for letters, digits in _CELL_REF.findall(data):
                    col, row = _column_number(letters.decode("ascii")), int(digits)
                    max_col, min_col = max(max_col, col), min(min_col, col)
                    max_row, min_row = max(max_row, row), min(min_row, row)
                if cells > XLSX_MAX_CELLS:
                    raise _over_budget(source, "holds more than", XLSX_MAX_CELLS)
                if max_col:
                    spanned = max_col * max_row
                    if spanned > XLSX_MAX_CELLS:
                        raise _over_budget(source, "spans", spanned)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as err:
        msg = f"{source}: not a readable XLSX workbook ({type(err).__name__})"
        raise InputFileError(msg) from err


def _read_xlsx(path: Path) -> RawTable:
    import openpyxl

    check_xlsx_budget(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        msg = f"{path.name}: not a readable XLSX workbook ({type(err).__name__})"
        raise InputFileError(msg) from err
    try:
        sheet = book.worksheets[0]
        records = [
            (number, [_cell_text(v) for v in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        book.close()
    return _to_table(records, source=path.name, encoding="xlsx")


def _is_blank(row: list[str]) -> bool:
    return all(not cell.strip() for cell in row)


def _to_table(records: list[tuple[int, list[str]]], *, source: str, encoding: str) -> RawTable:
    """Split numbered records into header, well-formed rows and malformed rows."""
    records = [(line, row) for line, row in records if not _is_blank(row)]
    if not records:
        msg = f"{source}: the file is empty"
        raise InputFileError(msg)
    header = clean_header(records[0][1], source)
    width = len(header)
    good_lines, good_rows, bad = [], [], []
    for line, row in records[1:]:
        fitted = _fit(row, width)
        if fitted is None:
            bad.append((line, "malformed row", f"{len(row)} fields, expected {width}"))
        else:
            good_lines.append(line)
            good_rows.append(fitted)
    rows = pd.DataFrame(good_rows, columns=header, dtype=str)
    rows.insert(0, "line", pd.Series(good_lines, dtype="int64"))
    malformed = pd.DataFrame(bad, columns=["line", "reason", "detail"]).astype({"line": "int64"})
    return RawTable(source=source, header=header, rows=rows, malformed=malformed, encoding=encoding)


def _fit(row: list[str], width: int) -> list[str] | None:
    """Return `row` cut or padded to `width`, or None if that would lose or invent data.

    Extra trailing empty fields (Excel's trailing commas) are cut. A row that is
    short by empty trailing fields only is padded when at most one field is missing
    (police.uk's always-empty ``Context`` column dropped by an editor).
    """
    if len(row) == width:
        return row
    if len(row) > width and _is_blank(row[width:]):
        return row[:width]
    if len(row) == width - 1:
        return [*row, ""]
    return None


def clean_header(raw: list[str], source: str) -> list[str]:
    """
    Return a header's names stripped, trailing empty names dropped, checked unique.

    Raises
    ------
    InputFileError
        If no name is left, or a name repeats (`check_unique_header`).

    Examples
    --------
    >>> clean_header([" Month", "Crime type ", "", ""], "f.csv")
    ['Month', 'Crime type']
    """
    header = [cell.strip() for cell in raw]
    while header and not header[-1]:
        header.pop()
    if not header:
        msg = f"{source}: the first row is not a header"
        raise InputFileError(msg)
    check_unique_header(header, source)
    return header


def check_unique_header(header: list[str], source: str) -> None:
    """
    Raise if two columns share a name (after case and spacing are folded).

    Parameters
    ----------
    header
        Column names.
    source
        The file's name, for the message.

    Raises
    ------
    InputFileError
        Naming the duplicated columns and their positions (1-based).

    Examples
    --------
    >>> check_unique_header(["Month", "Location", "month"], "a.csv")
    Traceback (most recent call last):
    ...
    geo._errors.InputFileError: a.csv: duplicate column names: 'Month' (columns 1 and 3)
    """
    seen: dict[str, list[int]] = {}
    for number, name in enumerate(header, start=1):
        seen.setdefault(normalise_header(name), []).append(number)
    dups = [(header[cols[0] - 1], cols) for cols in seen.values() if len(cols) > 1]
    if dups:
        named = "; ".join(
            f"{name!r} (columns {', '.join(map(str, cols[:-1]))} and {cols[-1]})"
            for name, cols in dups
        )
        msg = f"{source}: duplicate column names: {named}"
        raise InputFileError(msg)


def normalise_header(name: str) -> str:
    """
    Fold a column name for matching: lower case, spaces and hyphens to single ``_``.

    Examples
    --------
    >>> normalise_header(" Speed-limit  MPH ")
    'speed_limit_mph'
    """
    return "_".join(name.strip().lower().replace("-", " ").split())


# --- the columnar CSV reader -------------------------------------------------------------------


def _to_utf8(data: bytes, source: str) -> tuple[bytes, str]:
    """Return the file's bytes as UTF-8 (BOM removed) and the encoding it was in.

    UTF-16 with a BOM is transcoded; bytes that are not valid UTF-8 are read as
    Windows-1252 (or, after a UTF-8 BOM, with replacement characters).
    """
    if data.startswith(_UTF16_BOMS):
        return _from_utf16(data, source), "utf-16"
    _sniff(data, source)
    bom = data.startswith(_UTF8_BOM)
    body = data[3:] if bom else data
    encoding = _encoding_name(bom=bom, utf8=body.isascii() or _is_utf8(body))
    return _transcode(data, encoding, start=True), encoding


def _is_utf8(data: bytes) -> bool:
    """Tell whether bytes are valid UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _header(data: bytes, source: str) -> tuple[list[str], int]:
    """Return the raw header cells and the physical line it ends on (blank lines skipped).

    The first 64 KiB are read first and the first MiB only if the header may run on past
    them (or is not found in them), so a large file is not decoded for its header.
    """
    sizes = (1 << 16, 1 << 20)
    for size in sizes:
        last = size == sizes[-1] or size >= len(data)
        head = data[:size].decode("utf-8", errors="replace")
        reader = csv.reader(io.StringIO(head, newline=""))
        try:
            for row in reader:
                if _is_blank(row):
                    continue
                if not last and reader.line_num >= head.count("\n"):
                    break  # the row may be cut off by the sample: read more
                return row, reader.line_num
        except csv.Error as err:
            if not last:
                continue
            msg = f"{source}: not readable as CSV near line {reader.line_num} ({err})"
            raise InputFileError(msg) from err
        if last:
            break
    msg = f"{source}: the file is empty"
    raise InputFileError(msg)


def _line_breaks(data: bytes) -> np.ndarray:
    """Return the byte offsets of every line feed in `data`."""
    return np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)


def _nonempty_lines(data: bytes, after: int, breaks: np.ndarray) -> np.ndarray:
    """1-based numbers of the non-empty physical lines after line `after`."""
    arr = np.frombuffer(data, dtype=np.uint8)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(arr)]])
    cr = np.zeros(len(ends), dtype=bool)
    has = ends > starts
    cr[has] = arr[ends[has] - 1] == 13
    length = ends - starts - cr
    numbers = np.flatnonzero(length > 0) + 1
    return numbers[numbers > after]


def _record_lines(nonempty: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """Return the physical line each record ends on, given how many lines each spans.

    A record's line is where it ends, as the ``csv`` module counts it, so a row with a
    line break inside quotes is reported at its last line.
    """
    if len(nonempty) == len(spans):
        return nonempty
    out = np.empty(len(spans), dtype=np.int64)
    p, n = 0, len(nonempty)
    for k, span in enumerate(spans.tolist()):
        start = int(nonempty[min(p, n - 1)]) if n else k + 1
        end = start + span - 1
        out[k] = end
        while p < n and nonempty[p] <= end:
            p += 1
    return out


def _arrow_read(data: bytes, names: list[str], skip: int) -> tuple[pa.Table, list[tuple[int, str]]]:
    """Read every column as text; return the table and (record number, text) of bad rows.

    One thread: the reader numbers bad rows only then, and allocations stay in one
    heap (worker threads' heaps kept freed memory and raised the peak).
    """
    bad: list[tuple[int, str]] = []
    undecodable: list[int] = []

    def handler(row: pa_csv.InvalidRow) -> str:
        try:
            bad.append((int(row.number or 0) - skip, row.text))
        except UnicodeDecodeError:
            undecodable.append(int(row.number or 0))
        return "skip"

    table = pa_csv.read_csv(
        pa.BufferReader(pa.py_buffer(data)),
        read_options=pa_csv.ReadOptions(
            use_threads=False,
            skip_rows=skip,
            column_names=names,
            block_size=max(1 << 20, min(len(data) + 1, (1 << 31) - 1)),
        ),
        parse_options=pa_csv.ParseOptions(
            newlines_in_values=True, ignore_empty_lines=True, invalid_row_handler=handler
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
        memory_pool=_POOL,
    )
    if undecodable:  # cannot happen: the bytes were checked to be UTF-8
        msg = f"rows {undecodable[:3]} are not UTF-8"
        raise pa.ArrowInvalid(msg)
    return table, bad


def _blank_mask(columns: list[pa.ChunkedArray]) -> np.ndarray:
    """Flag the rows where every given column is empty after stripping spaces.

    Each column is checked only on the rows still blank so far, so a file whose first
    column is always filled costs one column's check.
    """
    n = len(columns[0]) if columns else 0
    candidates = np.arange(n)
    for col in columns:
        if not len(candidates):
            break
        sub = col if len(candidates) == n else col.take(pa.array(candidates))
        empty = pc.equal(pc.binary_length(pc.utf8_trim_whitespace(sub)), 0)
        candidates = candidates[empty.to_numpy(zero_copy_only=False).astype(bool)]
    blank = np.zeros(n, dtype=bool)
    blank[candidates] = True
    return blank


def _read_csv(path: Path, select: Select | None = None) -> RawTable:
    """Read a CSV with pyarrow's reader, keeping `RawTable`'s row accounting."""
    source = path.name
    data, encoding = _to_utf8(path.read_bytes(), source)
    raw_header, header_end = _header(data, source)
    return _csv_table(
        data,
        raw_header,
        skip=header_end,
        first_line=0,
        source=source,
        encoding=encoding,
        select=select,
    )


def _csv_table(
    data: bytes,
    raw_header: list[str],
    *,
    skip: int,
    first_line: int,
    source: str,
    encoding: str,
    select: Select | None,
) -> RawTable:
    """Parse UTF-8 CSV bytes whose first `skip` lines are not data rows.

    `data` is a whole file (`skip` = the header's last line) or a piece of one that
    starts at a record boundary after line `first_line` (`skip` = 0); rows are
    numbered as lines of the whole file.
    """
    names = [f"f{i}" for i in range(len(raw_header))]
    try:
        table, bad = _arrow_read(data, names, skip)
    except pa.ArrowInvalid as err:
        msg = f"{source}: not readable as CSV ({str(err).splitlines()[0]})"
        raise InputFileError(msg) from err
    header = clean_header(raw_header, source)
    width = len(header)
    records = table.num_rows + len(bad)
    bad_k = np.array([k for k, _ in bad], dtype=np.int64)
    good_k = np.setdiff1d(np.arange(1, records + 1), bad_k, assume_unique=True)
    breaks = _line_breaks(data)
    nonempty = _nonempty_lines(data, skip, breaks) + first_line
    if len(nonempty) == records:
        line_of = nonempty
    else:
        spans = np.ones(records, dtype=np.int64)
        newlines = np.zeros(table.num_rows, dtype=np.int64)
        for col in table.columns:
            newlines += pc.count_substring(col, "\n").to_numpy(zero_copy_only=False)
        spans[good_k - 1] += newlines
        spans[bad_k - 1] += np.array([text.count("\n") for _, text in bad], dtype=np.int64)
        line_of = _record_lines(nonempty, spans)
    good_lines = line_of[good_k - 1] if records else np.zeros(0, dtype=np.int64)

    blank = _blank_mask(table.columns)
    extra = np.zeros(table.num_rows, dtype=bool)
    if len(raw_header) > width:
        extra = ~_blank_mask(table.columns[width:]) & ~blank
    keep = ~blank & ~extra
    malformed = [
        (int(line), "malformed row", f"{len(raw_header)} fields, expected {width}")
        for line in good_lines[extra]
    ]
    fitted: list[tuple[int, list[str]]] = []
    for k, text in bad:
        line = int(line_of[k - 1])
        row = next(csv.reader(io.StringIO(text, newline="")), [])
        if _is_blank(row):
            continue
        fit = _fit(row, width)
        if fit is None:
            malformed.append((line, "malformed row", f"{len(row)} fields, expected {width}"))
        else:
            fitted.append((line, fit))

    wanted = header if select is None else select(header)
    index = {name: i for i, name in enumerate(header)}
    kept = table.select([index[name] for name in wanted])
    if not keep.all():
        kept = kept.filter(pa.array(keep))
    rows = pd.DataFrame(
        {"line": good_lines[keep].astype(np.int64)}
        | {name: _text(kept.column(i)) for i, name in enumerate(wanted)}
    )
    if fitted:
        more = pd.DataFrame([r for _, r in fitted], columns=header, dtype=str)[wanted]
        more.insert(0, "line", pd.Series([line for line, _ in fitted], dtype="int64"))
        rows = pd.concat([rows, more], ignore_index=True)
        rows = rows.sort_values("line", kind="stable", ignore_index=True)
    malformed.sort(key=lambda m: m[0])
    bad_rows = pd.DataFrame(
        {
            "line": np.array([m[0] for m in malformed], dtype=np.int64),
            "reason": np.array([m[1] for m in malformed], dtype=object),
            "detail": np.array([m[2] for m in malformed], dtype=object),
        }
    )
    return RawTable(
        source=source,
        header=header,
        rows=rows,
        malformed=bad_rows,
        encoding=encoding,
        plain_text=_plain_text(data, breaks),
    )


_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
"""C0 controls but tab, LF and CR, and DEL: a field holding one is rejected."""

_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)


def _plain_text(data: bytes, breaks: np.ndarray) -> bool:
    """Tell whether UTF-8 bytes hold no control character and no line over the limit.

    C0 controls (but tab, CR, LF), DEL and the UTF-8 form of C1 controls
    (``C2 80``-``C2 9F``) are looked for in the raw bytes; a field cannot be longer
    than the longest line unless it holds a line break, which this also rules out
    by requiring every line (between the `breaks`, the offsets of the line feeds) to be
    shorter than the limit.
    """
    if data.translate(None, _NOT_CONTROL):  # what is left after deleting the harmless bytes
        return False
    if not data.isascii() and b"\xc2" in data:
        arr = np.frombuffer(data, dtype=np.uint8)
        c2 = np.flatnonzero(arr[:-1] == 0xC2)
        if len(c2) and ((arr[c2 + 1] >= 0x80) & (arr[c2 + 1] <= 0x9F)).any():
            return False
    if len(data) <= PLAIN_FIELD_LIMIT:
        return True
    edges = np.concatenate([[-1], breaks, [len(data)]])
    return bool(np.diff(edges).max() <= PLAIN_FIELD_LIMIT)


def _text(column: pa.ChunkedArray) -> pd.Series:
    """Convert a pyarrow text column to a pandas string column."""
    return column.to_pandas(types_mapper=_STR_TYPES.get, memory_pool=_POOL)


def arrow_text(values: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """
    Wrap Arrow text as a pandas ``str`` column on `index`, without a copy to Python strings.

    Parameters
    ----------
    values
        A string or large-string Arrow array, one value per row of `index`.
    index
        The rows' index.

    Returns
    -------
    pandas.Series
        pandas' Arrow-backed ``str`` dtype.

    Examples
    --------
    >>> arrow_text(pa.array(["a", "b"]), pd.RangeIndex(2)).tolist()
    ['a', 'b']
    """
    out = values.to_pandas(types_mapper=_STR_TYPES.get, memory_pool=_POOL)
    out.index = index
    return out
