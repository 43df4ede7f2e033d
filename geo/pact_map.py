"""The public PACT map: ward and square counts from `geo.pact.public_view`, never a point.

Moved out of `geo.maps` (which this module builds on, and which `geo.pact`
must not import). `public_map` draws only frames that pass
`geo.pact.check_public`: wards filled in reds by their rounded count, and
optionally the 500 m squares on top in blues with a heavy outline, so the two
never read as one scale. `count_legend` and `square_legend` give the app the
legends of those colours; `offline_page` is the downloadable page (title with
area and period, legend, the police.uk / Open Government Licence credit,
Leaflet inlined) and `public_csv` the downloadable table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import folium
import geopandas as gpd
import pandas as pd

from geo._validate import check_gdf
from geo.export import safe_frame
from geo.maps import (
    COUNT_BREAKS,
    DEFAULT_MAP_SETTINGS,
    SUPPRESSED_COLOUR,
    _geojson_frame,
    base_map,
    standalone_html,
)
from geo.pact import ROUNDING_BASE, PublicView, check_public
from geo.safe_text import html_text
from geo.settings import MapSettings

SQUARE_BREAKS: tuple[tuple[int, str], ...] = (
    (200, "#08306b"),
    (100, "#08519c"),
    (50, "#2171b5"),
    (20, "#4292c6"),
    (10, "#6baed6"),
    (5, "#9ecae1"),
)
"""(lowest count, colour) classes for square counts, highest first: blues, apart from wards."""

SQUARE_OUTLINE = "#08306b"
"""The squares' outline: dark blue and heavy, distinct from the grey ward borders."""

CREDIT = (
    "Source: police.uk (data.police.uk), Contains public sector information licensed under "
    "the Open Government Licence v3.0. Ward boundaries: Office for National Statistics, OGL v3.0."
)
"""The credit every public map and table carries."""


def count_colour(count: object, breaks: Sequence[tuple[int, str]] = COUNT_BREAKS) -> str:
    """
    Return the fill colour of a public count (missing = suppressed).

    Examples
    --------
    >>> count_colour(7), count_colour(250), count_colour(None)
    ('#fcbba1', '#99000d', '#e0e0e0')
    """
    if count is None or pd.isna(count):
        return SUPPRESSED_COLOUR
    return next((colour for low, colour in breaks if count >= low), SUPPRESSED_COLOUR)


def public_map(
    wards: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame | None = None,
    *,
    settings: MapSettings = DEFAULT_MAP_SETTINGS,
) -> folium.Map:
    """
    Draw a PACT map from public-safe ward (and square) counts only.

    Parameters
    ----------
    wards
        ``ward_name``, ``count`` (the number shown, missing when suppressed),
        ``shown``, ``change`` and polygons in EPSG:27700, as
        `geo.pact.public_view` gives.
    cells
        Optional square counts (``cell_id``, ``count``, ``shown``, polygons).
    settings
        Basemap, asset location and the public rules the frames must obey.

    Returns
    -------
    folium.Map
        Wards shaded in reds with tooltips in words; squares on top in blues
        with a heavy dark-blue outline; only the listed columns reach the page.

    Raises
    ------
    GeoInputError
        If a frame has point geometries or a count below the threshold
        (`geo.pact.check_public`), or lacks the columns.
    """
    rules = settings.public
    check_gdf(wards, name="wards", columns=["ward_name", "count", "shown", "change"])
    check_public(wards, rules, name="wards")
    m = base_map(tuple(wards.total_bounds), settings=settings)
    with_squares = cells is not None and len(cells) > 0
    folium.GeoJson(
        _geojson_frame(wards, ["ward_name", "count", "shown", "change"]),
        name="Wards",
        style_function=_count_fill(
            "#3c3c3c", weight=1.5, opacity=0.35 if with_squares else 0.6, breaks=COUNT_BREAKS
        ),
        tooltip=folium.GeoJsonTooltip(
            fields=["ward_name", "shown", "change"], aliases=["Ward", "Incidents", "Change"]
        ),
    ).add_to(m)
    if cells is not None and with_squares:
        check_gdf(cells, name="cells", columns=["count", "shown"])
        check_public(cells, rules, name="cells")
        _public_cell_layer(cells, rules.cell_m).add_to(m)
    return m


def _count_fill(
    outline: str,
    *,
    weight: float,
    opacity: float,
    breaks: Sequence[tuple[int, str]],
    dash: str | None = None,
) -> Callable[[dict], dict]:
    """Return a style function filling each area by its public ``count``."""

    def style(feature: dict) -> dict:
        fill = count_colour(feature["properties"]["count"], breaks)
        return {
            "color": outline,
            "weight": weight,
            "fillColor": fill,
            "fillOpacity": opacity,
            "dashArray": dash,
        }

    return style


def _public_cell_layer(cells: gpd.GeoDataFrame, cell_m: float) -> folium.GeoJson:
    return folium.GeoJson(
        _geojson_frame(cells, ["count", "shown"]),
        name=f"{cell_m:.0f} m squares",
        style_function=_count_fill(
            SQUARE_OUTLINE, weight=2.5, opacity=0.8, breaks=SQUARE_BREAKS, dash=None
        ),
        tooltip=folium.GeoJsonTooltip(
            fields=["shown"], aliases=[f"Incidents in this {cell_m:.0f} m square"]
        ),
    )


def count_legend(
    min_count: int, breaks: Sequence[tuple[int, str]] = COUNT_BREAKS
) -> list[tuple[str, str]]:
    """
    Return (colour, label) pairs for public counts (rounded to base 5), lowest first.

    Examples
    --------
    >>> count_legend(5)[:3]
    [('#e0e0e0', 'fewer than 5'), ('#fcbba1', '5'), ('#fc9272', '10 to 15')]
    """
    ordered = list(reversed(breaks))
    pairs = [(SUPPRESSED_COLOUR, f"fewer than {min_count}")]
    for i, (low, colour) in enumerate(ordered):
        if i + 1 == len(ordered):
            pairs.append((colour, f"{low} or more"))
            continue
        high = ordered[i + 1][0] - ROUNDING_BASE
        pairs.append((colour, str(low) if high <= low else f"{low} to {high}"))
    return pairs


def square_legend(min_count: int) -> list[tuple[str, str]]:
    """
    Return (colour, label) pairs for the squares' counts, lowest first.

    Squares below the threshold are not drawn at all, so the first pair is
    the lowest drawn class.

    Examples
    --------
    >>> square_legend(5)[0]
    ('#9ecae1', '5')
    """
    return count_legend(min_count, SQUARE_BREAKS)[1:]


def view_map(
    view: PublicView,
    *,
    squares: bool,
    settings: MapSettings = DEFAULT_MAP_SETTINGS,
    legend: bool = True,
) -> folium.Map:
    """
    Draw the map of a public view: its wards, and its squares if asked.

    Parameters
    ----------
    view
        From `geo.pact.public_view`.
    squares
        Whether to draw the squares.
    settings
        Map settings (their ``public`` rules must be the view's).
    legend
        Whether to draw the legend on the map (so it shows wherever the map does).

    Returns
    -------
    folium.Map
        With a layer control to switch wards and squares.
    """
    m = public_map(view.wards, view.cells if squares else None, settings=settings)
    folium.LayerControl(collapsed=False).add_to(m)
    if legend:
        m.get_root().html.add_child(folium.Element(_overlay(view, squares=squares, full=False)))
    return m


def map_title(view: PublicView) -> str:
    """
    Return the map's title: area and period.

    Examples
    --------
    >>> from geo.pact import PactArea, Period
    >>> class V:  # a stand-in with the two attributes used
    ...     area, period = PactArea("Swanley", ("Hextable",)), Period("2025-07", "2025-09")
    >>> map_title(V())
    'Swanley PACT area: recorded crime and ASB, July to September 2025'
    """
    return f"{view.area.name} PACT area: recorded crime and ASB, {view.period.label}"


def offline_page(
    view: PublicView, *, squares: bool, settings: MapSettings = DEFAULT_MAP_SETTINGS
) -> str:
    """
    Return the public map as one HTML page that opens offline, titled, with legend and credit.

    Parameters
    ----------
    view
        From `geo.pact.public_view`.
    squares
        Whether to draw the squares (and their legend).
    settings
        Map settings.

    Returns
    -------
    str
        The page: Leaflet inlined, the title (area and period), the total and
        trend, a legend of every layer drawn, how counts are rounded and
        suppressed, and the police.uk / Open Government Licence credit. Every
        value from data is HTML-escaped here.
    """
    m = view_map(view, squares=squares, settings=settings, legend=False)
    m.get_root().html.add_child(folium.Element(_overlay(view, squares=squares)))
    return standalone_html(m, title=map_title(view))


_BOX = (
    "position:fixed;z-index:1000;background:rgba(255,255,255,0.92);padding:6px 10px;"
    "font:13px/1.35 sans-serif;border:1px solid #888;border-radius:4px;"
)


def _overlay(view: PublicView, *, squares: bool, full: bool = True) -> str:
    """Return the map's legend box (and with `full`, its title, notes and credit), escaped."""
    rules = view.rules
    legends = [("Incidents in the ward", count_legend(rules.min_count))]
    if squares:
        square = f"Incidents in the {rules.cell_m:.0f} m square"
        legends.append((square, square_legend(rules.min_count)))
    item = "display:block" if not full else "display:inline-block;margin-right:8px"
    rows = "".join(
        f"<div><b>{html_text(title)}</b><br>"
        + "".join(
            f'<span style="{item};white-space:nowrap">'
            f'<span style="display:inline-block;width:12px;height:12px;background:{colour};'
            f'border:1px solid #555;vertical-align:middle;margin-right:3px"></span>'
            f"{html_text(text)}</span>"
            for colour, text in pairs
        )
        + "</div>"
        for title, pairs in legends
    )
    note = (
        f"Counts are rounded to the nearest {ROUNDING_BASE}; counts below {rules.min_count} "
        f"read 'fewer than {rules.min_count}'. Periods are whole calendar quarters. "
        "No incident's location is shown."
    )
    title = (
        f'<div id="pact-title" style="{_BOX}top:8px;left:60px;right:180px;text-align:center">'
        f'<b style="font-size:16px">{html_text(map_title(view))}</b><br>'
        f"Total: {html_text(view.total.shown)}; {html_text(view.change)}</div>"
    )
    notes = (
        f'<div style="color:#444">{html_text(note)}</div>'
        f'<div id="pact-credit" style="color:#444">{html_text(CREDIT)}</div>'
    )
    if not full:  # beside the map's shapes, under the layer control, one class a line
        return (
            f'<div id="pact-legend" style="{_BOX}top:{84 if squares else 56}px;right:10px;'
            f'font-size:12px">{rows}</div>'
        )
    return (
        f'{title}<div id="pact-legend" style="{_BOX}bottom:52px;left:8px;max-width:60%">'
        f"{rows}{notes}</div>"
    )


def public_table(view: PublicView, *, squares: bool) -> pd.DataFrame:
    """
    Return the view's numbers as one table in words: the area, each ward, each square.

    Parameters
    ----------
    view
        From `geo.pact.public_view`.
    squares
        Whether to list the squares.

    Returns
    -------
    pandas.DataFrame
        ``Place``, ``Kind``, the period's count, the same quarter a year
        earlier and the change, all text as shown.
    """
    label = f"Incidents, {view.period.label}"
    rows = [
        {
            "Place": f"All of {view.area.name}",
            "Kind": "PACT area",
            label: view.total.shown,
            "Same quarter a year earlier": "no comparison data"
            if view.last_year is None
            else view.last_year.shown,
            "Change": view.change,
        }
    ]
    rows += [
        {
            "Place": w.ward_name,
            "Kind": "Ward",
            label: w.shown,
            "Same quarter a year earlier": w.last_year,
            "Change": w.change,
        }
        for w in view.wards.itertuples()
    ]
    if squares:
        rows += [
            {"Place": c.cell_id, "Kind": f"{view.rules.cell_m:.0f} m square", label: c.shown}
            for c in view.cells.itertuples()
        ]
    return pd.DataFrame(rows)


def public_csv(view: PublicView, *, squares: bool, now: dt.datetime | None = None) -> bytes:
    """
    Return the view's table as CSV, formula-safe, followed by its about text.

    Parameters
    ----------
    view
        From `geo.pact.public_view`.
    squares
        Whether to list the squares.
    now
        When it is generated (for the about text); defaults to now.

    Returns
    -------
    bytes
        UTF-8 CSV: the table (`public_table`), a blank line, then rows
        ``About,<text>`` saying what the numbers are, how they are protected,
        the sources and the licence.
    """
    table = safe_frame(public_table(view, squares=squares))
    few = view.rules.min_count
    about = [
        map_title(view),
        f"Sources: {', '.join(view.sources)}.",
        f"Counts are rounded to the nearest {ROUNDING_BASE}; counts below {few} read 'fewer "
        f"than {few}'; squares with fewer are not listed. Public periods are whole calendar "
        "quarters that never overlap, so no two tables can be subtracted.",
        CREDIT,
        f"Generated {(now or dt.datetime.now(dt.UTC)).isoformat(timespec='seconds')}.",
    ]
    about_rows = safe_frame(pd.DataFrame({"Place": ["About"] * len(about), "Kind": about}))
    text = table.to_csv(index=False) + "\n" + about_rows.to_csv(index=False, header=False)
    return text.encode("utf-8")
