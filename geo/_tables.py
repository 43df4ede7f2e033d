"""Read a CSV or XLSX file into a table of strings, keeping every row's line number.

Real exports are messy: UTF-8 with or without a byte-order mark, Windows-1252
from Excel, quoted commas, blank lines, rows with too few or too many fields.
`read_table` copes with all of these and never drops a data row: a row whose
field count does not fit the header comes back in ``malformed`` with its line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo._errors import InputFileError

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
    """

    source: str
    header: list[str]
    rows: pd.DataFrame
    malformed: pd.DataFrame
    encoding: str

    @property
    def rows_in(self) -> int:
        """Data rows read, well-formed or not (blank lines are not rows)."""
        return len(self.rows) + len(self.malformed)


def read_table(path: Path) -> RawTable:
    """
    Read a CSV or XLSX file into a `RawTable`.

    Parameters
    ----------
    path
        A ``.csv``/``.txt`` or ``.xlsx``/``.xlsm`` file.

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
        return _read_csv(path)
    msg = f"{path.name}: not a CSV or XLSX file (suffix {path.suffix or 'none'!r})"
    raise InputFileError(msg)


def _looks_like_utf16(head: bytes) -> bool:
    """Tell whether NUL bytes sit on every other byte, as in UTF-16 text with no BOM."""
    sample = head[: len(head) - len(head) % 2]
    if len(sample) < 8:
        return False
    even, odd = sample[0::2], sample[1::2]
    half = len(sample) // 2
    return max(even.count(0), odd.count(0)) >= 0.4 * half and min(
        even.count(0), odd.count(0)
    ) <= 0.05 * half


def _decode(data: bytes, source: str) -> tuple[str, str]:
    """Decode bytes as UTF-16 with a BOM, UTF-8 (with or without BOM), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as err:
            msg = f"{source}: not readable as UTF-16 text ({err.reason} at byte {err.start})"
            raise InputFileError(msg) from err
    if not data.strip():
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
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _read_csv(path: Path) -> RawTable:
    text, encoding = _decode(path.read_bytes(), path.name)
    csv.field_size_limit(2**31 - 1)  # long fields are rejected per row, not per file
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            records.append((reader.line_num, row))
    except csv.Error as err:
        msg = f"{path.name}: not readable as CSV near line {reader.line_num} ({err})"
        raise InputFileError(msg) from err
    return _to_table(records, source=path.name, encoding=encoding)


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


def _read_xlsx(path: Path) -> RawTable:
    import openpyxl

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
    header = [cell.strip() for cell in records[0][1]]
    while header and not header[-1]:
        header.pop()
    if not header:
        msg = f"{source}: the first row is not a header"
        raise InputFileError(msg)
    check_unique_header(header, source)
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
