"""The CSU's quarterly report, drafted: priorities, success measures, hotspots, deployments, PACT.

`build_report` gathers one quarter's contents from the loaded incidents, the plan store
and (when given) the outcomes of `geo outcomes`, as a list of plain blocks (headings,
paragraphs, tables, pictures). `report_docx` writes them as a Word document the
partnership edits (python-docx); `report_html` as one printable page that opens
offline. Each sink makes the data safe where it writes them: `geo.safe_text.docx_text`
for Word, `geo.safe_text.html_text` for HTML.

The report is internal (OFFICIAL-SENSITIVE): it names hotspot places. Its PACT section
shows only what the public PACT pages show (`geo.pact.public_view`: rounded counts,
small counts suppressed).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo._errors import GeoInputError
from geo.export import about_block, about_text
from geo.labels import category_words, hotspot_title, resource_words
from geo.pact import period_refusal, public_months, public_view, read_pact_areas
from geo.periods import Window, change_words, months_window
from geo.pipeline import SPEED_SOURCES, Loaded, category_hotspots, monday_of
from geo.report_figures import hotspot_map, month_chart
from geo.safe_text import docx_text, html_text
from geo.settings import DEFAULT_SETTINGS, Settings
from geo.store import deployments_since
from geo.targets import Measure, MeasureResult, evaluate_measures, read_targets
from geo.taxonomy import CATEGORIES

PRIORITIES: tuple[str, ...] = ("asb", "burglary", "speeding")
"""The partnership's priorities, first in the report (speeding stands for road safety)."""

HOTSPOT_CATEGORIES: tuple[str, ...] = ("asb+criminal_damage", "burglary")
"""The hotspot categories the report maps (as the plan's cameras and patrols use them)."""

HOTSPOTS_PER_CATEGORY = 5
"""The top hotspots of each category the report lists and maps."""

CHART_MONTHS = 24
"""Months the chart covers, ending with the quarter."""

CHART_SERIES: tuple[str, ...] = ("asb", "burglary", "vehicle_crime", "criminal_damage")
"""Categories drawn month by month."""

NOT_LOADED = "not loaded"
"""A count whose months are not all loaded (unknown, never zero)."""

NO_OUTCOMES = (
    "Outcomes not evaluated: this report was made without `geo outcomes`, so it says "
    "nothing about whether the deployments worked."
)
"""What the report says when it is given no outcomes."""


# --- blocks ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading (level 1 or 2)."""

    text: str
    level: int = 1


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph of text."""

    text: str


@dataclass(frozen=True, slots=True)
class Table:
    """A table: a header row and rows of text."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Picture:
    """A PNG picture with its caption."""

    png: bytes
    caption: str


Block = Heading | Para | Table | Picture


@dataclass(frozen=True, slots=True, eq=False)
class QuarterReport:
    """
    One quarter's report, ready to write.

    Attributes
    ----------
    quarter
        The quarter (three months).
    name
        The quarter as asked, e.g. ``2025-Q1``.
    title
        The report's title.
    blocks
        The contents in order.
    measures
        The success measures, judged.
    about
        The provenance (`geo.export.about_block`).
    """

    quarter: Window
    name: str
    title: str
    blocks: tuple[Block, ...]
    measures: tuple[MeasureResult, ...]
    about: Mapping[str, str]


# --- the quarter -------------------------------------------------------------------------------


def parse_quarter(text: str) -> Window:
    """
    Read a quarter written ``YYYY-Qn`` (``2025-Q1``, case ignored).

    Raises
    ------
    GeoInputError
        If it is written otherwise.

    Examples
    --------
    >>> q = parse_quarter("2025-Q1")
    >>> q.first, q.last
    ('2025-01', '2025-03')
    >>> parse_quarter("2024-q4").long_words()
    'October to December 2024'
    """
    match = re.fullmatch(r"\s*(\d{4})-[Qq]([1-4])\s*", str(text))
    if match is None:
        msg = f"--quarter {text!r}: write it YYYY-Qn with n from 1 to 4, e.g. 2025-Q1"
        raise GeoInputError(msg)
    year, n = int(match.group(1)), int(match.group(2))
    return months_window(f"{year}-{3 * n - 2:02d}", f"{year}-{3 * n:02d}")


def quarter_name(quarter: Window) -> str:
    """
    Name a quarter ``YYYY-Qn``.

    Examples
    --------
    >>> quarter_name(months_window("2025-07", "2025-09"))
    '2025-Q3'
    """
    return f"{quarter.first[:4]}-Q{(int(quarter.first[5:]) + 2) // 3}"


def check_quarter(quarter: Window, covered: frozenset[pd.Period]) -> None:
    """
    Refuse a quarter whose three months are not all loaded, in one line.

    Raises
    ------
    GeoInputError
        Naming the months that are not loaded and the quarters that are.
    """
    reason = period_refusal(quarter, covered)
    if reason is None:
        return
    loaded = sorted({quarter_name(_quarter_of(m)) for m in covered})
    full = [q for q in loaded if period_refusal(parse_quarter(q), covered) is None]
    msg = f"{quarter_name(quarter)}: {reason}; quarters with data: {', '.join(full) or 'none'}"
    raise GeoInputError(msg)


def loaded_quarters(covered: frozenset[pd.Period]) -> list[str]:
    """
    Return the quarters whose three months are loaded, as ``YYYY-Qn``, oldest first.

    Examples
    --------
    >>> loaded_quarters(frozenset(pd.period_range("2024-12", "2025-07", freq="M")))
    ['2025-Q1', '2025-Q2']
    """
    names = sorted({quarter_name(_quarter_of(m)) for m in covered})
    return [q for q in names if period_refusal(parse_quarter(q), covered) is None]


def _quarter_of(month: pd.Period) -> Window:
    return parse_quarter(f"{month.year}-Q{(month.month + 2) // 3}")


# --- contents ----------------------------------------------------------------------------------


def build_report(
    loaded: Loaded,
    quarter: Window,
    *,
    db: Path | None = None,
    outcomes: Mapping[str, object] | None = None,
    measures: Sequence[Measure] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    now: dt.datetime | None = None,
) -> QuarterReport:
    """
    Gather one quarter's report.

    Parameters
    ----------
    loaded
        The loaded incidents and wards (`geo.pipeline.load`).
    quarter
        The quarter (`parse_quarter`); its three months must be loaded.
    db
        The plan store: the deployments of the quarter's approved weeks. None: the
        report says no store was read.
    outcomes
        What `geo.outcomes.evaluate_outcomes` returned (``by_kind`` and
        ``deployments``, each with ``words``), or None: the report says the outcomes
        were not evaluated.
    measures
        The success measures; default `geo.targets.read_targets`.
    settings
        Hotspot and public-map settings.
    now
        The time the report is made (default: now).

    Returns
    -------
    QuarterReport
        The contents.

    Raises
    ------
    GeoInputError
        If the quarter's months are not all loaded.
    """
    incidents = loaded.accepted
    covered = public_months(incidents)
    check_quarter(quarter, covered)
    name = quarter_name(quarter)
    before = quarter.year_before()
    measures = tuple(measures) if measures is not None else read_targets()
    judged = evaluate_measures(incidents, quarter, measures, covered=covered)
    about = about_block(
        title=f"Community Safety Unit quarterly report, {quarter.long_words()}",
        period=f"{quarter.first} to {quarter.last}, compared with {before.first} to {before.last}",
        sources=[Path(s).name for s in loaded.sources],
        now=now,
        extra={
            "months loaded": _months_loaded(covered),
            "handling": "OFFICIAL-SENSITIVE: internal to the CSU and partners (names places). "
            "The PACT section shows only what the public PACT pages show.",
        },
    )
    blocks: list[Block] = [
        Heading(about["title"]),
        Para(
            f"Draft for the partnership to edit. Police.uk records for {quarter.long_words()}, "
            f"compared with {before.long_words()}. "
            f"Generated {about['generated'][:16].replace('T', ' ')} "
            "UTC by geo; its sources are listed at the end."
        ),
        *_priority_blocks(incidents, quarter, covered),
        *_measure_blocks(judged, quarter),
        *_hotspot_blocks(loaded, quarter, covered, settings),
        *_deployment_blocks(db, quarter, outcomes),
        *_pact_blocks(loaded, quarter, covered, settings),
        Heading("About this report", 2),
        *[Para(line) for line in about_text(about).splitlines() if line.strip()],
    ]
    return QuarterReport(
        quarter=quarter,
        name=name,
        title=about["title"],
        blocks=tuple(blocks),
        measures=judged,
        about=about,
    )


def _months_loaded(covered: frozenset[pd.Period]) -> str:
    """Write the loaded months as runs, e.g. "2024-01 to 2024-04; 2025-01 to 2025-09"."""
    months = sorted(covered)
    runs: list[list[pd.Period]] = []
    for m in months:
        if runs and m - runs[-1][-1] == 1 * m.freq:
            runs[-1].append(m)
        else:
            runs.append([m])
    return "; ".join(str(r[0]) if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in runs) or "none"


def _count(rows: pd.DataFrame, period: Window, covered: frozenset[pd.Period]) -> int | None:
    """Count rows in `period`, or None when a month of it is not loaded (unknown, not zero)."""
    if not set(period.month_index()) <= covered:
        return None
    return int(period.contains(rows["occurred"]).sum())


def priority_table(
    incidents: pd.DataFrame, quarter: Window, covered: frozenset[pd.Period]
) -> Table:
    """
    Return the categories' counts in the quarter and the year before, with the change.

    The priorities (ASB, burglary, road safety) come first, then every other category
    of `geo.taxonomy.CATEGORIES` with incidents in either period. Road safety counts the
    speeding evidence (collisions, speed surveys, Speedwatch, complaints) and is known
    only for months that have some; other categories count police.uk records and CSU
    log rows, known for the months police.uk covers.
    """
    before = quarter.year_before()
    speed = incidents["source"].isin(SPEED_SOURCES)
    speed_months = frozenset(pd.to_datetime(incidents.loc[speed, "occurred"]).dt.to_period("M"))
    present = set(incidents["category"][quarter.contains(incidents["occurred"])])
    present |= set(incidents["category"][before.contains(incidents["occurred"])])
    order = [*PRIORITIES, *(c for c in CATEGORIES if c in present and c not in PRIORITIES)]
    rows = []
    for category in order:
        if category == "speeding":
            chosen, months, label = incidents[speed], speed_months, "Road safety and speeding"
        else:
            chosen = incidents[~speed & (incidents["category"] == category)]
            months, label = covered, category_words(category)
        now, then = _count(chosen, quarter, months), _count(chosen, before, months)
        change = "no data" if now is None else change_words(now, then)
        rows.append((label, _shown(now), _shown(then), change))
    header = ("Category", quarter.long_words(), before.long_words(), "Change")
    return Table(header, tuple(rows))


def _shown(count: int | None) -> str:
    return NOT_LOADED if count is None else f"{count:,}"


def _priority_blocks(
    incidents: pd.DataFrame, quarter: Window, covered: frozenset[pd.Period]
) -> list[Block]:
    table = priority_table(incidents, quarter, covered)
    return [
        Heading("Priorities", 2),
        Para(
            "Anti-social behaviour, burglary and road safety first, then the other "
            f"categories recorded. A count shown as '{NOT_LOADED}' is unknown: its months "
            "are not in the data (never read as zero). Road safety counts speeding evidence "
            "(collisions, speed surveys, Speedwatch, complaints) where any is loaded."
        ),
        table,
    ]


def measure_table(results: Sequence[MeasureResult], quarter: Window) -> Table:
    """Return the success measures as a table whose header names both years."""
    before = quarter.year_before()
    header = (
        "Measure",
        "Target",
        quarter.long_words(),
        before.long_words(),
        "Change (95 % range)",
        "Verdict",
    )
    rows = tuple(
        (
            r.measure.label,
            r.measure.target_words,
            _shown(r.now),
            _shown(r.then),
            r.change_words,
            r.verdict,
        )
        for r in results
    )
    return Table(header, rows)


def _measure_blocks(results: Sequence[MeasureResult], quarter: Window) -> list[Block]:
    return [
        Heading("Success measures", 2),
        Para(
            "Each measure compares the quarter with the same months a year before. "
            "'Too few to tell' means the change is within chance (the E-test for two Poisson "
            "counts gives p of 0.05 or more, or the exact 95 % range of the change holds no "
            "change); 'no comparison data' means some months are not loaded."
        ),
        measure_table(results, quarter),
        *[Para(r.words) for r in results],
    ]


def _hotspot_blocks(
    loaded: Loaded, quarter: Window, covered: frozenset[pd.Period], settings: Settings
) -> list[Block]:
    frames = []
    for category in HOTSPOT_CATEGORIES:
        spots, _, _ = category_hotspots(
            loaded, category=category, as_of=quarter.last, months=3, settings=settings
        )
        frames.append(spots.sort_values("rank").head(HOTSPOTS_PER_CATEGORY))
    spots = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=loaded.wards.crs)
    spots["number"] = range(1, len(spots) + 1)
    rows = tuple(
        (
            str(s.number),
            category_words(s.category),
            _where(s._asdict()),
            str(s.ward_names),
            str(s.n_incidents),
            str(s.trend),
        )
        for s in spots.itertuples()
    )
    blocks: list[Block] = [
        Heading("Hotspots", 2),
        Para(
            f"The top {HOTSPOTS_PER_CATEGORY} hotspots of anti-social behaviour with criminal "
            f"damage, and of burglary, in {quarter.long_words()} (DBSCAN clusters ranked by harm), "
            "numbered as on the map; the trend compares with the quarter before."
        ),
    ]
    if spots.empty:
        blocks.append(Para("No hotspots in the quarter."))
    else:
        blocks.append(Table(("No.", "Category", "Where", "Wards", "Incidents", "Trend"), rows))
    blocks.append(
        Picture(
            hotspot_map(loaded.wards, spots, title=f"Hotspots, {quarter.long_words()}"),
            "Wards outlined and named; hotspots numbered as in the table "
            "(orange: ASB and criminal damage; green: burglary).",
        )
    )
    blocks.append(
        Picture(
            month_chart(
                monthly_counts(loaded.accepted, quarter, covered),
                title=f"Incidents a month, {CHART_MONTHS} months to {quarter.long_words()}",
                quarter=(quarter.first, quarter.last),
            ),
            "Police.uk records a month; the quarter is shaded. Gaps are months not loaded "
            "(unknown, not zero).",
        )
    )
    return blocks


def _where(spot: Mapping[str, object]) -> str:
    """Name a hotspot's place: its busiest location and first ward, without the count."""
    words = hotspot_title(spot).split(": ", 1)[-1]
    return words.rsplit(", ", 1)[0] if words.endswith(("incident", "incidents")) else words


def monthly_counts(
    incidents: pd.DataFrame, quarter: Window, covered: frozenset[pd.Period]
) -> pd.DataFrame:
    """
    Return police.uk counts a month for `CHART_SERIES`, missing where a month is not loaded.

    Returns
    -------
    pandas.DataFrame
        Index ``YYYY-MM`` (the `CHART_MONTHS` months to the quarter's end), one column
        per category in words.
    """
    end = pd.Period(quarter.last, "M")
    months = pd.period_range(end - (CHART_MONTHS - 1), end, freq="M")
    police = incidents[incidents["source"] == "police.uk"]
    month = pd.to_datetime(police["occurred"]).dt.to_period("M")
    table = pd.crosstab(month, police["category"]).reindex(months, fill_value=0)
    zero = pd.Series(0, index=months)
    out = pd.DataFrame(
        {category_words(c): table[c] if c in table.columns else zero for c in CHART_SERIES}
    ).astype(float)
    out.loc[[m not in covered for m in months]] = float("nan")
    out.index = [m.strftime("%Y-%m") for m in months]
    return out


def _deployment_blocks(
    db: Path | None, quarter: Window, outcomes: Mapping[str, object] | None
) -> list[Block]:
    blocks: list[Block] = [Heading("Deployments and their outcomes", 2)]
    start = pd.Period(quarter.first, "M").start_time.date()
    end = pd.Period(quarter.last, "M").end_time.date()
    if db is None:
        blocks.append(Para("No plan store was read, so the quarter's deployments are not listed."))
    else:
        done = deployments_since(db, since=monday_of(start), before=end + dt.timedelta(days=1))
        if done.empty:
            blocks.append(Para(f"No approved weeks in the plan store for {quarter.long_words()}."))
        else:
            weeks = done["week"].nunique()
            blocks.append(
                Para(
                    f"{len(done)} deployments in {weeks} approved weeks of {quarter.long_words()}."
                )
            )
            blocks.append(
                Table(
                    ("Resource", "Unit", "Site", "Week starting", "Until"),
                    tuple(
                        (
                            resource_words(r.resource),
                            str(r.unit),
                            str(r.site_name),
                            str(r.start)[:10],
                            str(r.end)[:10],
                        )
                        for r in done.itertuples()
                    ),
                )
            )
    blocks.extend(outcome_blocks(outcomes))
    return blocks


def _text(value: object) -> str:
    return "" if value is None else str(value)


def outcome_blocks(outcomes: Mapping[str, object] | None) -> list[Block]:
    """
    Return the outcomes in words: by kind, then one row per deployment.

    Parameters
    ----------
    outcomes
        ``{"period": ..., "by_kind": [...], "deployments": [...]}`` as `geo outcomes
        --json` prints it, or None.

    Returns
    -------
    list
        Blocks; with None, one paragraph saying the outcomes were not evaluated.

    Examples
    --------
    >>> outcome_blocks(None)[0].text.startswith("Outcomes not evaluated")
    True
    >>> blocks = outcome_blocks({"by_kind": [{"kind": "cctv", "deployments": 2,
    ...                                       "words": "too few incidents to tell"}]})
    >>> blocks[1].rows
    (('Mobile CCTV', '2', 'too few incidents to tell'),)
    """
    if outcomes is None:
        return [Para(NO_OUTCOMES)]
    by_kind = [k for k in _list(outcomes.get("by_kind")) if isinstance(k, Mapping)]
    each = [d for d in _list(outcomes.get("deployments")) if isinstance(d, Mapping)]
    period = outcomes.get("period")
    when = (
        f" ({_text(period.get('from'))} to {_text(period.get('to'))})"
        if isinstance(period, Mapping)
        else ""
    )
    blocks: list[Block] = [
        Para(
            f"Outcomes{when}: each deployment's area compared with places about as busy "
            "when the site was chosen; 95 % ranges given, and no claim where the range "
            "holds zero."
        )
    ]
    if by_kind:
        blocks.append(
            Table(
                ("Resource", "Deployments", "Outcome"),
                tuple(
                    (
                        resource_words(_text(k.get("kind"))),
                        _text(k.get("deployments")),
                        _text(k.get("words")),
                    )
                    for k in by_kind
                ),
            )
        )
    else:
        why = _text(outcomes.get("note")) or "no deployments were judged"
        blocks.append(Para(f"No outcomes by kind: {why}."))
    if each:
        blocks.append(
            Table(
                ("Resource", "Unit", "Site", "From", "To", "Outcome"),
                tuple(
                    (
                        resource_words(_text(d.get("kind"))),
                        _text(d.get("unit")),
                        _text(d.get("site")),
                        _text(d.get("from")),
                        _text(d.get("to")),
                        _text(d.get("words")),
                    )
                    for d in each
                ),
            )
        )
    return blocks


def table_frame(table: Table) -> pd.DataFrame:
    """Return a report table as a frame of text (for a page's table)."""
    return pd.DataFrame(list(table.rows), columns=list(table.header), dtype=str)


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


def _pact_blocks(
    loaded: Loaded, quarter: Window, covered: frozenset[pd.Period], settings: Settings
) -> list[Block]:
    rules = settings.maps.public
    blocks: list[Block] = [
        Heading("PACT areas in brief", 2),
        Para(
            "As the public PACT pages show them: counts rounded to the nearest 5, fewer "
            f"than {rules.min_count} not shown as a number, whole quarters only."
        ),
    ]
    rows = []
    for area in read_pact_areas(wards=loaded.wards):
        view = public_view(
            loaded.accepted, loaded.wards, area=area, period=quarter, rules=rules, covered=covered
        )
        issues = "; ".join(view.top_issues[:3]) or "none"
        rows.append((area.name, view.total_shown, view.change, issues))
    blocks.append(
        Table(("PACT area", "Recorded crime and ASB", "Change", "Top issues"), tuple(rows))
    )
    return blocks


# --- sinks -------------------------------------------------------------------------------------


def report_docx(report: QuarterReport) -> bytes:
    """
    Write the report as a Word document (python-docx); every text through `docx_text`.

    Returns
    -------
    bytes
        The ``.docx`` file.
    """
    from docx import Document
    from docx.shared import Inches, Pt

    doc = Document()
    doc.core_properties.title = docx_text(report.title)
    doc.core_properties.author = "geo (Sevenoaks CSU planner)"
    doc.styles["Normal"].font.size = Pt(10)
    for block in report.blocks:
        if isinstance(block, Heading):
            doc.add_heading(docx_text(block.text), level=0 if block.level == 1 else block.level - 1)
        elif isinstance(block, Para):
            doc.add_paragraph(docx_text(block.text))
        elif isinstance(block, Table):
            table = doc.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block.header, strict=True):
                cell.text = docx_text(text)
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in block.rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = docx_text(text)
            doc.add_paragraph()
        else:
            doc.add_picture(io.BytesIO(block.png), width=Inches(6.0))
            doc.add_paragraph(docx_text(block.caption), style="Caption")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


_CSS = (
    "body{font-family:sans-serif;margin:2em;max-width:60em}"
    "table{border-collapse:collapse;width:100%;margin:0.5em 0 1em}"
    "td,th{border:1px solid #999;padding:4px 8px;vertical-align:top;text-align:left}"
    "img{max-width:100%}figure{margin:1em 0;page-break-inside:avoid}"
    "figcaption{font-size:0.9em;color:#444}"
    "@media print{body{margin:0}h2{page-break-after:avoid}}"
)


def report_html(report: QuarterReport) -> str:
    """
    Write the report as one printable HTML page (pictures inline, nothing fetched).

    Every text is escaped with `html_text` where it is written.
    """
    esc = html_text
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(report.title)}</title><style>{_CSS}</style></head><body>",
    ]
    for block in report.blocks:
        if isinstance(block, Heading):
            level = 1 if block.level == 1 else 2
            parts.append(f"<h{level}>{esc(block.text)}</h{level}>")
        elif isinstance(block, Para):
            parts.append(f"<p>{esc(block.text)}</p>")
        elif isinstance(block, Table):
            head = "".join(f"<th scope='col'>{esc(h)}</th>" for h in block.header)
            body = "".join(
                "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in block.rows
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        else:
            data = base64.b64encode(block.png).decode("ascii")
            parts.append(
                f"<figure><img src='data:image/png;base64,{data}' alt='{esc(block.caption)}'>"
                f"<figcaption>{esc(block.caption)}</figcaption></figure>"
            )
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(report: QuarterReport, path: Path) -> None:
    """
    Write the report to `path`: ``.docx`` (Word) or ``.html`` (printable page).

    Raises
    ------
    GeoInputError
        If the suffix is neither, or the file cannot be written.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in {".docx", ".html"}:
        msg = f"--out {path}: write the report as .docx (Word) or .html (a printable page)"
        raise GeoInputError(msg)
    try:
        if suffix == ".docx":
            Path(path).write_bytes(report_docx(report))
        else:
            Path(path).write_text(report_html(report), encoding="utf-8")
    except OSError as err:
        msg = f"{path}: cannot write ({err.strerror})"
        raise GeoInputError(msg) from err
