"""
The outcomes map: did each deployment work, drawn at its site (internal: it names sites).

`outcomes_map` draws `geo.outcomes.evaluate_outcomes` (or `period_outcomes`) output on
the internal map's wards: one symbol per judged deployment, in its kind's colour and
letter (`geo.maps.resource_styles`), with the kind's reach (the target ring: a camera's
view radius, 150 m for EVAs and patrols, 600 m for boards) and the buffer ring around
it drawn faintly. The symbol says the verdict at a glance (`VERDICTS`):

- filled: fewer incidents than expected, the 95 % range above zero;
- hollow: no clear change (the range holds zero);
- hollow, dashed: too few incidents to tell;
- a square with a red edge: more incidents than expected, the range below zero.

The outcomes' JSON has no coordinates (`geo outcomes --json` keeps the issue's keys): the
places are joined back from the deployments table that was judged (`DEPLOYMENT_FIELDS`,
e.g. `geo.outcomes.approved_deployments`) on kind, unit, site and dates. Deployments that
could not be judged are not drawn (the outcome tables say why).

Every text from data (unit, site, the words) reaches the page HTML-escaped, which also
makes ``{ }`` inert for Jinja (`geo.maps` layers escape at the sink).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from types import MappingProxyType

import folium
import geopandas as gpd
import pandas as pd

from geo import maps
from geo._errors import GeoInputError
from geo.crs import BNG, to_wgs84
from geo.maps import places
from geo.outcomes import DEFAULT_OUTCOME_SETTINGS, OutcomeSettings
from geo.safe_text import html_text
from geo.settings import MapSettings

VERDICTS: Mapping[str, str] = MappingProxyType(
    {
        "fewer": "fewer incidents than expected (95 % range above zero)",
        "unclear": "no clear change (95 % range holds zero)",
        "too_few": "too few incidents to tell",
        "more": "more incidents than expected (95 % range below zero)",
    }
)
"""Verdict key -> its meaning in words (the map's legend and tooltips)."""

MORE_COLOUR = "#b2182b"
"""The edge of a symbol whose site had more incidents than expected."""

FIT_PAD_M = 300.0
"""Margin beyond the widest buffer ring when the map opens on the sites, in metres."""

PLACED_COLUMNS: tuple[str, ...] = (
    "kind",
    "unit",
    "site",
    "from",
    "to",
    "verdict",
    "words",
    "target_m",
    "outer_m",
    "geometry",
)
"""Columns of `placed_outcomes`' table."""

_HEX = re.compile(r"#[0-9a-fA-F]{3,8}")


def verdict(target: Mapping[str, float] | None, *, min_incidents: int) -> str | None:
    """
    Return a deployment's verdict key (`VERDICTS`) from its ``target`` numbers.

    The same rule as the outcomes' words: too few incidents (before plus expected
    below `min_incidents`) first, then the 95 % range. ``expected`` is ``during +
    fewer`` (``fewer`` is rounded to 0.1 in the outcomes, so a count within 0.05 of
    `min_incidents` could read differently from the words; none does on whole counts).

    Parameters
    ----------
    target
        A deployment's ``target`` (``before``, ``during``, ``fewer``, ``low``, ``high``),
        or None when it could not be judged.
    min_incidents
        `geo.outcomes.OutcomeSettings.min_incidents`.

    Returns
    -------
    str or None
        ``"fewer"``, ``"unclear"``, ``"too_few"`` or ``"more"``; None when not judged.

    Examples
    --------
    >>> t = {"before": 9, "during": 2, "fewer": 5.1, "low": 1.0, "high": 11.2}
    >>> verdict(t, min_incidents=6), verdict({**t, "low": -1.0}, min_incidents=6)
    ('fewer', 'unclear')
    >>> verdict({**t, "before": 1, "during": 0, "fewer": 1.5}, min_incidents=6)
    'too_few'
    >>> more = {"before": 9, "during": 12, "fewer": -6.0, "low": -11.0, "high": -1.5}
    >>> verdict(more, min_incidents=6), verdict(None, min_incidents=6)
    ('more', None)
    """
    if target is None:
        return None
    expected = float(target["during"]) + float(target["fewer"])
    if float(target["before"]) + expected < min_incidents:
        return "too_few"
    if float(target["low"]) > 0:
        return "fewer"
    if float(target["high"]) < 0:
        return "more"
    return "unclear"


def reach_m(kind: str, settings: OutcomeSettings = DEFAULT_OUTCOME_SETTINGS) -> tuple[float, float]:
    """
    Return a kind's target radius and the outer radius of its buffer ring, in metres.

    Parameters
    ----------
    kind
        A kind with a rule in ``settings.rules``.
    settings
        The outcome settings the deployments were judged with (the camera view radius
        is ``settings.view_radius_m``, else ``resources.toml``'s, as in the judging).

    Returns
    -------
    tuple of float
        ``(target, target + settings.buffer_m)``.

    Raises
    ------
    GeoInputError
        If no rule says what the kind is judged on.

    Examples
    --------
    >>> reach_m("patrol"), reach_m("speed_board")
    ((150.0, 450.0), (600.0, 900.0))
    """
    rule = settings.rules.get(kind)
    if rule is None:
        msg = f"no rule says what {kind!r} deployments are judged on; known: {list(settings.rules)}"
        raise GeoInputError(msg)
    radius = rule.radius_m
    if radius is None:
        from geo.plan.registry import read_resources

        radius = settings.view_radius_m or read_resources().of("cctv").view_radius_m
    return float(radius), float(radius) + settings.buffer_m


def _key(kind: object, unit: object, site: object, start: object, end: object) -> tuple:
    def day(value: object) -> str:
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    return (str(kind), str(unit), str(site), day(start), day(end))


def placed_outcomes(
    outcomes: Mapping[str, object],
    deployments: pd.DataFrame,
    *,
    settings: OutcomeSettings = DEFAULT_OUTCOME_SETTINGS,
) -> gpd.GeoDataFrame:
    """
    Return the judged deployments at their places, with their verdicts and rings.

    Parameters
    ----------
    outcomes
        `geo.outcomes.evaluate_outcomes` or `period_outcomes` output.
    deployments
        The deployments table that was judged (`geo.outcomes.DEPLOYMENT_FIELDS`, ``x``/``y``
        in EPSG:27700); matched on kind, unit, site, start and end.
    settings
        The outcome settings they were judged with (verdicts and ring sizes).

    Returns
    -------
    geopandas.GeoDataFrame
        `PLACED_COLUMNS`, one row per judged deployment (``target`` not null), points in
        EPSG:27700; ``verdict`` a `VERDICTS` key; ``target_m``/``outer_m`` the rings' radii.

    Raises
    ------
    GeoInputError
        If a judged deployment is not in `deployments` (it would be lost from the map).
    """
    places: dict[tuple, tuple[float, float]] = {}
    for rec in deployments.to_dict("records"):
        key = _key(rec["kind"], rec["unit"], rec["site"], rec["start"], rec["end"])
        places.setdefault(key, (float(rec["x"]), float(rec["y"])))
    rows, points = [], []
    for rec in outcomes.get("deployments", []):
        found = verdict(rec.get("target"), min_incidents=settings.min_incidents)
        if found is None:
            continue
        key = _key(rec["kind"], rec["unit"], rec["site"], rec["from"], rec["to"])
        if key not in places:
            msg = (
                f"the {rec['kind']} deployment {rec['unit']!r} at {rec['site']!r} from "
                f"{rec['from']} to {rec['to']} is not in the deployments table, so it has no place"
            )
            raise GeoInputError(msg)
        target_m, outer_m = reach_m(str(rec["kind"]), settings)
        rows.append(
            {
                "kind": str(rec["kind"]),
                "unit": str(rec["unit"]),
                "site": str(rec["site"]),
                "from": str(rec["from"]),
                "to": str(rec["to"]),
                "verdict": found,
                "words": str(rec["words"]),
                "target_m": target_m,
                "outer_m": outer_m,
            }
        )
        points.append(places[key])
    frame = pd.DataFrame(rows, columns=[c for c in PLACED_COLUMNS if c != "geometry"])
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(xs, ys), crs=BNG)


def _checked(colour: str) -> str:
    if not _HEX.fullmatch(colour):
        msg = f"a symbol colour must be a hex colour, got {colour!r}"
        raise GeoInputError(msg)
    return colour


def outcome_symbol(
    colour: str, letter: str, found: str, *, offset: tuple[int, int] = (0, 0)
) -> folium.DivIcon:
    """
    Return the symbol of one verdict: the kind's letter, filled, hollow or red-edged.

    Parameters
    ----------
    colour
        The kind's hex colour.
    letter
        The kind's letter (escaped here).
    found
        A `VERDICTS` key.
    offset
        Pixel offset (x right, y down), to spread symbols that share a place.

    Returns
    -------
    folium.DivIcon
        With the CSS class ``geo-outcome-<verdict>``.

    Examples
    --------
    >>> icon = outcome_symbol("#6a3d9a", "C", "fewer")
    >>> "background:#6a3d9a" in icon.options["html"], icon.options["class_name"]
    (True, 'geo-symbol geo-outcome-fewer')
    """
    if found not in VERDICTS:
        msg = f"a verdict must be one of {list(VERDICTS)}, got {found!r}"
        raise GeoInputError(msg)
    colour = _checked(colour)
    look = {
        "fewer": f"background:{colour};color:#fff;border:2px solid #fff;border-radius:50%",
        "unclear": f"background:#fff;color:{colour};border:3px solid {colour};border-radius:50%",
        "too_few": f"background:#fff;color:{colour};border:2px dashed {colour};border-radius:50%",
        "more": f"background:{colour};color:#fff;border:3px solid {MORE_COLOUR};border-radius:3px",
    }[found]
    html = (
        f'<div style="{look};box-sizing:border-box;width:24px;height:24px;line-height:18px;'
        'text-align:center;font:bold 13px/18px sans-serif;box-shadow:0 0 3px #000">'
        f"{html_text(letter)}</div>"
    )
    dx, dy = offset
    return folium.DivIcon(
        html=html,
        icon_size=(24, 24),
        icon_anchor=(12 - dx, 12 - dy),
        class_name=f"geo-symbol geo-outcome-{found}",
    )


def _when(start: str, end: str) -> str:
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return f"{first:%d %b %Y} to {last:%d %b %Y}"


def ring_layer(
    placed: gpd.GeoDataFrame, *, name: str = "Reach and buffer rings"
) -> folium.FeatureGroup:
    """
    Return each judged deployment's target ring (solid) and buffer ring (dashed), faint.

    Parameters
    ----------
    placed
        `placed_outcomes` output.
    name
        The layer's name.

    Returns
    -------
    folium.FeatureGroup
        Two ``folium.Circle`` per deployment, in metres, that take no clicks (the
        symbols above them do); no text from data.
    """
    styles = maps.resource_styles()
    group = folium.FeatureGroup(name=html_text(name))
    wgs = to_wgs84(placed[["geometry"]]) if len(placed) else placed
    for (kind, target_m, outer_m), point in zip(
        placed[["kind", "target_m", "outer_m"]].itertuples(index=False, name=None),
        wgs.geometry,
        strict=True,
    ):
        colour = _checked(styles[kind][0])
        where = [float(point.y), float(point.x)]
        rings = (
            folium.Circle(
                where,
                radius=float(target_m),
                color=colour,
                weight=1.5,
                opacity=0.6,
                fill=True,
                fill_opacity=0.06,
            ),
            folium.Circle(
                where, radius=float(outer_m), color=colour, weight=1, opacity=0.4, dash_array="4 6"
            ),
        )
        for ring in rings:
            ring.options["interactive"] = False
            ring.add_to(group)
    return group


def outcome_layer(placed: gpd.GeoDataFrame, *, name: str = "Outcomes") -> folium.FeatureGroup:
    """
    Return one symbol per judged deployment, with its words in a popup.

    Parameters
    ----------
    placed
        `placed_outcomes` output; every ``kind`` a registered resource kind.
    name
        The layer's name.

    Returns
    -------
    folium.FeatureGroup
        GeoJson sub-layers (one per kind, verdict and spread position): the tooltip
        gives kind, unit and verdict; the popup adds site, dates and the words (the
        effect with its 95 % range, or "too few to tell"). Text is HTML-escaped.

    Raises
    ------
    GeoInputError
        If a kind has no symbol (not a registered resource kind).
    """
    styles = maps.resource_styles()
    unknown = sorted(set(placed["kind"]) - set(styles))
    if unknown:
        msg = f"outcomes have unknown kinds {unknown}; expected {list(styles)}"
        raise GeoInputError(msg)
    offsets = maps.spread_offsets(placed)
    shown = placed.assign(
        what=placed["kind"].map(lambda k: styles[k][2]),
        verdict_words=placed["verdict"].map(VERDICTS),
        when=[_when(a, b) for a, b in zip(placed["from"], placed["to"], strict=True)],
        _dx=offsets[:, 0],
        _dy=offsets[:, 1],
    )
    fields = ["what", "unit", "site", "when", "verdict_words", "words"]
    group = folium.FeatureGroup(name=html_text(name))
    for (kind, found, dx, dy), rows in shown.groupby(["kind", "verdict", "_dx", "_dy"], sort=False):
        colour, letter, _words = styles[str(kind)]
        folium.GeoJson(
            maps._geojson_frame(rows, fields),
            marker=folium.Marker(
                icon=outcome_symbol(colour, letter, str(found), offset=(int(dx), int(dy))),
                z_index_offset=1000,  # above the place and ward names
            ),
            popup=folium.GeoJsonPopup(
                fields=fields, aliases=["", "Unit", "Site", "When", "Verdict", "In words"]
            ),
            tooltip=folium.GeoJsonTooltip(
                fields=["what", "unit", "verdict_words"], aliases=["", "", ""]
            ),
        ).add_to(group)
    return group


def outcome_legends(placed: gpd.GeoDataFrame) -> list[folium.MacroElement]:
    """
    Return the map's legends: the kinds shown, and what the symbols and rings mean.

    Examples
    --------
    >>> empty = placed_outcomes({"deployments": []}, pd.DataFrame())
    >>> [legend.spec["title"] for legend in outcome_legends(empty)]
    ['Kinds', 'Did it work? (at the site)']
    """
    styles = maps.resource_styles()
    present = set(placed["kind"])
    kinds = [
        (c, f"{letter}: {w}", "circle") for k, (c, letter, w) in styles.items() if k in present
    ]
    grey = "#555555"
    symbols = [
        (grey, f"filled: {VERDICTS['fewer']}", "circle"),
        (grey, f"hollow: {VERDICTS['unclear']}", "ring"),
        (grey, f"dashed: {VERDICTS['too_few']}", "dashed"),
        (MORE_COLOUR, f"red-edged square: {VERDICTS['more']}", "square"),
        (grey, "solid circle: the kind's reach (where it is judged)", "ring"),
        (grey, "dashed circle: the buffer ring (displacement)", "dashed"),
    ]
    return [
        places.legend_control("Kinds", kinds, position="bottomleft"),
        places.legend_control("Did it work? (at the site)", symbols),
    ]


def outcomes_map(
    outcomes: Mapping[str, object],
    deployments: pd.DataFrame,
    wards: gpd.GeoDataFrame,
    *,
    settings: OutcomeSettings = DEFAULT_OUTCOME_SETTINGS,
    map_settings: MapSettings = maps.DEFAULT_MAP_SETTINGS,
) -> folium.Map | None:
    """
    Build the outcomes map: wards, each judged deployment's verdict and rings, legends.

    Parameters
    ----------
    outcomes
        `geo.outcomes.evaluate_outcomes` or `period_outcomes` output.
    deployments
        The deployments table that was judged (their places).
    wards
        ``ward_name`` and polygons, EPSG:27700, for context.
    settings
        The outcome settings the deployments were judged with.
    map_settings
        Basemap (none by default: offline) and where the browser finds Leaflet.

    Returns
    -------
    folium.Map or None
        Opened on the sites with their buffer rings; None when no deployment was judged.

    Raises
    ------
    GeoInputError
        If a judged deployment is not in `deployments`.
    """
    placed = placed_outcomes(outcomes, deployments, settings=settings)
    if placed.empty:
        return None
    pad = float(placed["outer_m"].max()) + FIT_PAD_M
    minx, miny, maxx, maxy = placed.total_bounds
    m = maps.base_map((minx - pad, miny - pad, maxx + pad, maxy + pad), settings=map_settings)
    maps.ward_layer(wards).add_to(m)
    places.add_context(m, wards)
    ring_layer(placed).add_to(m)
    outcome_layer(placed).add_to(m)
    for legend in outcome_legends(placed):
        legend.add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m
