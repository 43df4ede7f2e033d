"""The public PACT map: ward and square counts from `geo.pact.public_view`, never a point.

Moved out of `geo.maps` (which this module builds on, and which `geo.pact`
must not import). `public_map` draws only frames that pass
`geo.pact.check_public`: wards filled in reds by their rounded count, and
optionally the 500 m squares on top in blues with a heavy outline, so the two
never read as one scale (both single-hue ramps light to dark, readable in
greys and with any colour blindness). Ward names are permanent labels inside
each ward and GeoNames places are named, with the functions of
`geo.maps.places`; the legend folds away (folded at first on a phone).
`count_legend` and `square_legend` give the legends of those colours;
`offline_page` is the downloadable page (heading with area and period, the map,
the same numbers as text tables, the police.uk / Open Government Licence and
GeoNames credits, Leaflet inlined) and `public_csv` the downloadable table.
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
    places,
    standalone_html,
)
from geo.pact import PublicView, check_public
from geo.safe_text import html_text, script_json
from geo.settings import MapSettings, PublicMapRules

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
    "the Open Government Licence v3.0. Ward boundaries: Office for National Statistics, OGL v3.0. "
    f"{places.GEONAMES_CREDIT}."
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
    trend: bool = True,
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
    trend
        Whether the wards' ``change`` reaches the page (not when the year
        before is not loaded).

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
    fields = ["ward_name", "shown", "change"] if trend else ["ward_name", "shown"]
    folium.GeoJson(
        _geojson_frame(wards, ["ward_name", "count", *fields[1:]]),
        name="Wards",
        style_function=_count_fill(
            "#3c3c3c", weight=1.5, opacity=0.35 if with_squares else 0.6, breaks=COUNT_BREAKS
        ),
        tooltip=folium.GeoJsonTooltip(
            fields=fields, aliases=["Ward", "Incidents", "Change"][: len(fields)]
        ),
    ).add_to(m)
    if cells is not None and with_squares:
        check_gdf(cells, name="cells", columns=["name", "count", "shown"])
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
        _geojson_frame(cells, ["name", "count", "shown"]),
        name=f"{cell_m:.0f} m squares",
        style_function=_count_fill(
            SQUARE_OUTLINE, weight=2.5, opacity=0.8, breaks=SQUARE_BREAKS, dash=None
        ),
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "shown"], aliases=["Square", f"Incidents in this {cell_m:.0f} m square"]
        ),
    )


def count_legend(
    min_count: int,
    breaks: Sequence[tuple[int, str]] = COUNT_BREAKS,
    *,
    base: int = PublicMapRules().rounding_base,
) -> list[tuple[str, str]]:
    """
    Return (colour, label) pairs for public counts (rounded to `base`), lowest first.

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
        high = ordered[i + 1][0] - base
        pairs.append((colour, str(low) if high <= low else f"{low} to {high}"))
    return pairs


def square_legend(
    min_count: int, *, base: int = PublicMapRules().rounding_base
) -> list[tuple[str, str]]:
    """
    Return (colour, label) pairs for the squares' counts, lowest first.

    Squares below the threshold are not drawn at all, so the first pair is
    the lowest drawn class.

    Examples
    --------
    >>> square_legend(5)[0]
    ('#9ecae1', '5')
    """
    return count_legend(min_count, SQUARE_BREAKS, base=base)[1:]


_PACT_CSS = """
.geo-label-ward{font:700 14px/1.15 system-ui,sans-serif;color:#111;font-style:normal;
 text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff,0 0 2px #fff;white-space:normal;
 width:9em;text-align:center}
.geo-label-place{font-size:12px;color:#333;font-style:italic}
.pact-legend-toggle{font:600 13px system-ui,sans-serif;padding:4px 8px;background:#fff;
 border:2px solid rgba(0,0,0,.35);border-radius:4px;cursor:pointer;color:#111}
@media (max-width:600px){.geo-label-ward{font-size:12px;width:7em}.geo-legend{font-size:11px}}
"""


class _PactMapScript(folium.MacroElement):
    """
    A button folding the legends away (folded at first on a narrow screen), and the frame title.

    The title goes on the frame the map is drawn in (the app's component frame), so a
    screen reader names it; text reaches the page as JSON data only.
    """

    _template = folium.template.Template(
        """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var spec = {{ this.spec_json }};
  try { if (window.frameElement) { window.frameElement.setAttribute("title", spec.title); } }
  catch (e) {}
  map.getContainer().setAttribute("role", "region");
  map.getContainer().setAttribute("aria-label", spec.title);
  var control = L.control({position: "bottomleft"});
  control.onAdd = function () {
    var button = L.DomUtil.create("button", "pact-legend-toggle");
    button.type = "button";
    var shown = window.innerWidth > 600;
    function sync() {
      var boxes = map.getContainer().querySelectorAll(".geo-legend");
      boxes.forEach(function (b) { b.style.display = shown ? "" : "none"; });
      button.textContent = shown ? spec.hide : spec.show;
      button.setAttribute("aria-expanded", shown ? "true" : "false");
    }
    L.DomEvent.on(button, "click", function (e) {
      L.DomEvent.stop(e); shown = !shown; sync();
    });
    map.whenReady(function () { setTimeout(sync, 0); });
    L.DomEvent.disableClickPropagation(button);
    return button;
  };
  control.addTo(map);
})();
{% endmacro %}
"""
    )

    def __init__(self, title: str) -> None:
        super().__init__()
        self._name = "PactMapScript"
        self.spec = {"title": str(title), "hide": "Hide legend", "show": "Show legend"}
        self.spec_json = script_json(self.spec)


def view_map(
    view: PublicView,
    *,
    squares: bool,
    settings: MapSettings = DEFAULT_MAP_SETTINGS,
    legend: bool = True,
) -> folium.Map:
    """
    Draw the map of a public view: its wards named, its places named, its squares if asked.

    Parameters
    ----------
    view
        From `geo.pact.public_view`.
    squares
        Whether to draw the squares.
    settings
        Map settings (basemap: none, online or pmtiles; their ``public`` rules must be
        the view's).
    legend
        Whether to draw the legends on the map (with a button that folds them away).

    Returns
    -------
    folium.Map
        Ward names as permanent labels inside each ward (no hover needed), GeoNames
        place names (`geo.maps.places`), a layer control, and the frame titled
        with the map's title.
    """
    m = public_map(
        view.wards, view.cells if squares else None, settings=settings, trend=view.comparable
    )
    places.add_css(m)
    m.get_root().header.add_child(folium.Element(f"<style>{_PACT_CSS}</style>"), name="pact_css")
    places.place_labels(bounds=tuple(view.wards.total_bounds)).add_to(m)
    places.ward_labels(view.wards, min_zoom=0).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    if legend:
        rules = view.rules
        places.legend_control(
            "Incidents in the ward",
            count_legend(rules.min_count, base=rules.rounding_base),
            position="bottomright",
        ).add_to(m)
        if squares:
            places.legend_control(
                f"Incidents in the {rules.cell_m:.0f} m square",
                square_legend(rules.min_count, base=rules.rounding_base),
                position="bottomright",
            ).add_to(m)
    _PactMapScript(map_title(view)).add_to(m)
    return m


def map_title(view: PublicView) -> str:
    """
    Return the map's title: area and period.

    Examples
    --------
    >>> from geo.pact import PactArea
    >>> from geo.periods import months_window
    >>> class V:  # a stand-in with the two attributes used
    ...     area, period = PactArea("Swanley", ("Hextable",)), months_window("2025-07", "2025-09")
    >>> map_title(V())
    'Swanley PACT area: recorded crime and ASB, July to September 2025'
    """
    return f"{view.area.name} PACT area: recorded crime and ASB, {view.period.long_words()}"


def offline_page(
    view: PublicView, *, squares: bool, settings: MapSettings = DEFAULT_MAP_SETTINGS
) -> str:
    """
    Return the public map as one HTML page that opens offline, with its numbers as tables.

    Parameters
    ----------
    view
        From `geo.pact.public_view`.
    squares
        Whether to draw the squares (and their legend and table).
    settings
        Map settings.

    Returns
    -------
    str
        The page: Leaflet inlined; a heading (area and period), the total and
        trend; the map (ward and place names on it, a legend that folds away);
        then the same numbers as text tables (the map's text alternative: wards
        with their top issues, the area's top issues, squares by name), how
        counts are rounded and suppressed, and the credits. Every value from
        data is escaped here (`geo.safe_text.html_text`).
    """
    m = view_map(view, squares=squares, settings=settings, legend=True)
    m.get_root().header.add_child(folium.Element(f"<style>{_PAGE_CSS}</style>"), name="page_css")
    m.get_root().html.add_child(folium.Element(_page_top(view)), name="pact_top")
    page = standalone_html(m, title=map_title(view))
    page = page.replace(_NO_ZOOM, "initial-scale=1.0")  # let a phone zoom the text (axe)
    head, tail = page.replace("<html>", '<html lang="en">', 1).rsplit("</body>", 1)
    return head + _page_bottom(view, squares=squares) + "</body>" + tail


_NO_ZOOM = "initial-scale=1.0, maximum-scale=1.0, user-scalable=no"
"""What folium's page header says to stop a phone zooming (WCAG 1.4.4; axe meta-viewport)."""

_PAGE_CSS = """
html,body{height:auto!important;margin:0;font:15px/1.4 system-ui,sans-serif;color:#111}
.folium-map{height:62vh!important;min-height:300px;border-top:1px solid #888;
 border-bottom:1px solid #888}
.pact-text{padding:6px 12px;max-width:1100px}
.pact-text h1{font-size:20px;margin:6px 0 2px}
.pact-text h2{font-size:17px;margin:14px 0 4px}
.pact-text h3{font-size:15px;margin:8px 0 2px}
.pact-text p{margin:4px 0}
.pact-table{border-collapse:collapse;width:100%;table-layout:auto}
.pact-table th,.pact-table td{border:1px solid #999;padding:4px 6px;text-align:left;
 vertical-align:top;overflow-wrap:anywhere}
.pact-table th{background:#eee}
.pact-note{color:#333}
@media (max-width:600px){body{font-size:13px}.pact-text{padding:4px 6px}
 .pact-table th,.pact-table td{padding:3px 4px}}
"""


def _page_top(view: PublicView) -> str:
    note = view.year_before_note
    return (
        '<header class="pact-text">'
        f"<h1>{html_text(map_title(view))}</h1>"
        f"<p>Total: <b>{html_text(view.total.shown)}</b>"
        + (f"; {html_text(view.change)}" if view.comparable else "")
        + "</p>"
        + (f'<p class="pact-note">{html_text(note)}</p>' if note else "")
        + "</header>"
    )


def _html_table(frame: pd.DataFrame, caption: str) -> str:
    head = "".join(f'<th scope="col">{html_text(c)}</th>' for c in frame.columns)
    rows = "".join(
        "<tr>"
        + "".join(
            (f'<th scope="row">{html_text(v)}</th>' if k == 0 else f"<td>{html_text(v)}</td>")
            for k, v in enumerate(row)
        )
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return (
        f'<table class="pact-table"><caption class="pact-note">{html_text(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def _page_bottom(view: PublicView, *, squares: bool) -> str:
    rules = view.rules
    parts = ['<main class="pact-text">', "<h2>The numbers on the map, by ward</h2>"]
    parts.append(_html_table(view.table, f"Incidents by ward, {view.period.long_words()}"))
    parts.append("<h2>Top issues in the whole area</h2>")
    items = "".join(f"<li>{html_text(words)}</li>" for words in view.top_issues)
    parts.append(f"<ul>{items}</ul>" if items else "<p>None with 5 or more.</p>")
    parts.append(_actions_html(view))
    if squares:
        parts.append(f"<h2>{rules.cell_m:.0f} m squares with {rules.min_count} or more</h2>")
        frame = pd.DataFrame(
            {"Square": view.cells["name"], "Incidents": view.cells["shown"]}, dtype=object
        )
        parts.append(_html_table(frame, "Squares with fewer are not shown"))
    note = (
        f"Counts are rounded to the nearest {rules.rounding_base}; counts below {rules.min_count} "
        f"read 'fewer than {rules.min_count}'. Periods are whole calendar quarters. "
        "No incident's location is shown."
    )
    if view.csu is not None:
        note += (
            " CSU log reports are counted on their own, never added to police.uk numbers: "
            f"{view.csu.total.shown} in the area."
        )
    parts.append(f'<p class="pact-note">{html_text(note)}</p>')
    parts.append(f'<p class="pact-note" id="pact-credit">{html_text(CREDIT)}</p></main>')
    return "".join(parts)


ACTIONS_HEADING = "You said, we did"
"""The heading of what the partnership did in the quarter."""

NO_ACTIONS = "Nothing has been marked for publication for this quarter yet."
"""What the page says when no deployment of the quarter is marked publishable."""


def actions_by_ward(view: PublicView) -> list[tuple[str, list[str]]]:
    """
    Return "you said, we did" grouped by ward, in the area's order: (ward, sentences).

    Each sentence is raw text with its roads or places after a colon (escape at the sink).
    """
    grouped: dict[str, list[str]] = {}
    for action in view.actions:
        where = f" ({'; '.join(action.places)})" if action.places else ""
        grouped.setdefault(action.ward, []).append(f"{action.words}{where}.")
    return list(grouped.items())


def _actions_html(view: PublicView) -> str:
    parts = [f"<h2>{html_text(ACTIONS_HEADING)}, {html_text(view.period.long_words())}</h2>"]
    grouped = actions_by_ward(view)
    if not grouped:
        return parts[0] + f"<p>{html_text(NO_ACTIONS)}</p>"
    for ward, sentences in grouped:
        items = "".join(f"<li>{html_text(words)}</li>" for words in sentences)
        parts.append(f"<h3>{html_text(ward)}</h3><ul>{items}</ul>")
    return "".join(parts)


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
        ``Place``, ``Kind``, the period's count, ``Top issues`` and, only when
        the year before is loaded, the same quarter a year earlier and the
        change; ``CSU log reports`` (their own rounded series) when included;
        then one row per "you said, we did" sentence (``Kind`` "You said, we
        did", the ward as ``Place``, the sentence under ``Top issues``); all text
        as shown.
    """
    label = f"Incidents, {view.period.long_words()}"
    earlier = "Same quarter a year earlier"
    area = {
        "Place": f"All of {view.area.name}",
        "Kind": "PACT area",
        label: view.total.shown,
        "Top issues": "; ".join(i.words for i in view.issues),
    }
    if view.comparable:
        area |= {earlier: view.last_year.shown, "Change": view.change}
    csu = {} if view.csu is None else {n: c.shown for n, c, _ in view.csu.wards}
    if view.csu is not None:
        area["CSU log reports"] = view.csu.total.shown
    rows = [area]
    for w in view.wards.itertuples():
        row = {
            "Place": w.ward_name,
            "Kind": "Ward",
            label: w.shown,
            "Top issues": view.ward_issue_words(w.ward_name),
        }
        if view.comparable:
            row |= {earlier: w.last_year, "Change": w.change}
        if view.csu is not None:
            row["CSU log reports"] = csu[w.ward_name]
        rows.append(row)
    if squares:
        rows += [
            {"Place": c.name, "Kind": f"{view.rules.cell_m:.0f} m square", label: c.shown}
            for c in view.cells.itertuples()
        ]
    rows += [
        {"Place": ward, "Kind": ACTIONS_HEADING, "Top issues": words}
        for ward, sentences in actions_by_ward(view)
        for words in sentences
    ]
    return pd.DataFrame(rows).fillna("")


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
        f"Sources: {', '.join(view.sources)}"
        + (
            "; CSU logs, as their own column, never added to police.uk counts." if view.csu else "."
        ),
        *([view.year_before_note] if view.year_before_note else []),
        f"Counts are rounded to the nearest {view.rules.rounding_base}; counts below {few} "
        f"read 'fewer "
        f"than {few}'; squares with fewer are not listed. Public periods are whole calendar "
        "quarters that never overlap, so no two tables can be subtracted.",
        CREDIT,
        f"Generated {(now or dt.datetime.now(dt.UTC)).isoformat(timespec='seconds')}.",
    ]
    about_rows = safe_frame(pd.DataFrame({"Place": ["About"] * len(about), "Kind": about}))
    text = table.to_csv(index=False) + "\n" + about_rows.to_csv(index=False, header=False)
    return text.encode("utf-8")
