"""The users' words: display names for columns, categories, bins, classes and kinds.

Tables inside the tool keep short internal codes (``n_incidents``, ``gi_bin``
3, ``asb+criminal_damage``); pages and exports show them in words through this
one table, so a sergeant, a PACT panel and a task-and-finish group read the same
names everywhere. Internal codes stay in ``--json`` output and in GeoJSON
``properties`` only.

Examples
--------
>>> column_words("n_prior"), category_words("asb+criminal_damage")
('Incidents in the previous period', 'ASB and criminal damage')
>>> significance_words(3), pattern_words("emerging")
('hot spot, 99 % confidence', 'Emerging')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

import pandas as pd

from geo.taxonomy import LABELS

COLUMN_NAMES: MappingProxyType[str, str] = MappingProxyType(
    {
        # hotspots and priority wards
        "hotspot_id": "Hotspot reference",
        "category": "Category",
        "rank": "Rank",
        "n_incidents": "Incidents",
        "n_prior": "Incidents in the previous period",
        "change_pct": "Change (%)",
        "trend": "Trend",
        "trend_class": "Pattern",
        "harm": "Harm (crime harm days)",
        "gi_bin": "Significance",
        "ward_names": "Wards",
        "ward_name": "Ward",
        "ward_code": "Ward code (ONS)",
        "top_locations": "Most frequent locations",
        # incidents
        "incident_id": "Incident reference",
        "source_category": "Category as recorded",
        "source": "Source",
        "occurred": "Date",
        "date_precision": "Date known to",
        "location": "Location",
        "source_file": "Source file",
        "line": "Line in source file",
        "weight": "Evidence weight",
        # plans
        "resource": "Resource",
        "unit": "Unit",
        "site_name": "Site",
        "hotspot_ids": "Hotspots",
        "start": "From",
        "end": "To",
        "weeks_on_site": "Weeks on site",
        "reason": "Why",
        "status": "Status",
        "changed_by": "Changed by",
        "changed_at": "Changed at",
        "change": "Change",
        # places
        "longitude": "Longitude (WGS84)",
        "latitude": "Latitude (WGS84)",
        "easting": "Easting (British National Grid, m)",
        "northing": "Northing (British National Grid, m)",
        "wkt_bng": "Shape (WKT, British National Grid)",
    }
)
"""Internal column name -> its heading in pages and exports."""

HIDDEN_COLUMNS: frozenset[str] = frozenset(
    {"site_id", "centroid_x", "centroid_y", "x", "y", "numbers", "geometry"}
)
"""Columns never shown to users as they are (raw ids, bare BNG metres, JSON, shapes)."""

SIGNIFICANCE: MappingProxyType[int, str] = MappingProxyType(
    {
        3: "hot spot, 99 % confidence",
        2: "hot spot, 95 % confidence",
        1: "hot spot, 90 % confidence",
        0: "not significant",
        -1: "cold spot, 90 % confidence",
        -2: "cold spot, 95 % confidence",
        -3: "cold spot, 99 % confidence",
    }
)
"""Getis-Ord Gi* bin (`geo.hotspots.confidence_bins`) -> words."""

TREND_CLASSES: MappingProxyType[str, tuple[str, str]] = MappingProxyType(
    {
        "new": ("New", "None in the previous period, some now."),
        "emerging": ("Emerging", "At least one and a half times the previous period's rate."),
        "persistent": ("Persistent", "Incidents in every month with data, now and before."),
        "intermittent": ("Intermittent", "Busy in some months, quiet in others."),
        "diminishing": ("Diminishing", "At most two thirds of the previous period's rate."),
        "": ("", "Nothing in this period."),
    }
)
"""Pattern code (`geo.periods.trend_class`) -> (word, sentence)."""

_SHORT_CATEGORY = {"asb": "ASB", "criminal_damage": "criminal damage"}

PRECISION: MappingProxyType[str, str] = MappingProxyType(
    {"month": "the month only", "day": "the day", "minute": "the minute"}
)
"""``date_precision`` code -> words."""

KINDS = ("hotspots", "wards", "incidents", "plan")
"""Tables `display_frame` knows."""


def column_words(name: str) -> str:
    """
    Return a column's heading; an unknown column loses its underscores.

    Examples
    --------
    >>> column_words("gi_bin"), column_words("some_new_field")
    ('Significance', 'Some new field')
    """
    if name in COLUMN_NAMES:
        return COLUMN_NAMES[name]
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def category_words(code: str) -> str:
    """
    Return a category, or a ``+``-joined set of them, in words.

    Examples
    --------
    >>> category_words("burglary"), category_words("asb")
    ('Burglary', 'Anti-social behaviour')
    >>> category_words("asb+criminal_damage+burglary")
    'ASB, criminal damage and burglary'
    >>> category_words("fly_tipping")
    'Fly-tipping'
    """
    parts = [c for c in str(code).split("+") if c]
    if len(parts) == 1:
        return LABELS.get(parts[0], column_words(parts[0]))
    words = [_SHORT_CATEGORY.get(c, LABELS.get(c, c.replace("_", " ")).lower()) for c in parts]
    text = ", ".join(words[:-1]) + " and " + words[-1]
    return text[:1].upper() + text[1:]


def significance_words(value: object) -> str:
    """
    Return a Gi* bin in words (an unknown or missing bin: "not tested").

    Examples
    --------
    >>> significance_words(-2), significance_words(None)
    ('cold spot, 95 % confidence', 'not tested')
    """
    try:
        return SIGNIFICANCE[int(value)]  # type: ignore[call-overload]
    except (TypeError, ValueError, KeyError):
        return "not tested"


def pattern_words(code: object) -> str:
    """
    Return a pattern code as a word ("emerging" -> "Emerging").

    Examples
    --------
    >>> pattern_words("persistent"), pattern_words(None)
    ('Persistent', '')
    """
    key = "" if code is None or (isinstance(code, float) and math.isnan(code)) else str(code)
    return TREND_CLASSES.get(key, (key.capitalize(), ""))[0]


def resource_words(key: str) -> str:
    """
    Return a resource kind as a heading ("cctv" -> "Mobile CCTV").

    Examples
    --------
    >>> resource_words("cctv"), resource_words("drone")
    ('Mobile CCTV', 'Drone')
    """
    from geo.plan.registry import kind

    found = kind(str(key))
    return found.title if found is not None else column_words(str(key))


def hotspot_title(row: Mapping[str, object] | pd.Series) -> str:
    """
    Name a hotspot for a picker: rank, busiest location, first ward, incidents.

    Examples
    --------
    >>> hotspot_title({"rank": 1, "top_locations": "On or near High Street: 9; Bank Street: 2",
    ...                "ward_names": "Sevenoaks Town and St John's; Kippington",
    ...                "n_incidents": 14})
    "Rank 1: High Street, Sevenoaks Town and St John's, 14 incidents"
    >>> hotspot_title({"rank": 2, "top_locations": "", "ward_names": "", "n_incidents": 1})
    'Rank 2: 1 incident'
    """
    place = str(row.get("top_locations") or "").split(";")[0].rsplit(":", 1)[0].strip()
    place = place.removeprefix("On or near ").strip()
    ward = str(row.get("ward_names") or "").split(";")[0].strip()
    n = int(row.get("n_incidents") or 0)  # type: ignore[call-overload]
    where = ", ".join(p for p in (place, ward) if p)
    count = f"{n} incident{'s' if n != 1 else ''}"
    return f"Rank {row.get('rank')}: " + (f"{where}, {count}" if where else count)


def display_frame(frame: pd.DataFrame, kind: str = "hotspots") -> pd.DataFrame:
    """
    Return a copy of `frame` for people: codes in words, headings in words, no raw ids.

    Columns in `HIDDEN_COLUMNS` (shapes, bare BNG metres, site ids, JSON) are
    dropped; categories, Gi* bins, patterns and resource kinds become words;
    every heading comes from `COLUMN_NAMES`. Values are left as they are
    otherwise (dates stay dates), so exports can format them.

    Parameters
    ----------
    frame
        A table of `kind` with internal column names.
    kind
        One of `KINDS`; an incidents table's hotspot references become the
        column "Hotspot".

    Returns
    -------
    pandas.DataFrame
        The table in the users' words.

    Examples
    --------
    >>> table = pd.DataFrame({"rank": [1], "category": ["asb+criminal_damage"], "gi_bin": [3],
    ...                       "trend_class": ["new"], "centroid_x": [552500.0]})
    >>> display_frame(table).iloc[0].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'Rank': 1, 'Category': 'ASB and criminal damage',
     'Significance': 'hot spot, 99 % confidence', 'Pattern': 'New'}
    """
    if kind not in KINDS:
        msg = f"kind must be one of {KINDS}, not {kind!r}"
        raise ValueError(msg)
    out = pd.DataFrame(frame).drop(columns=[c for c in frame.columns if c in HIDDEN_COLUMNS])
    converters = {
        "category": category_words,
        "gi_bin": significance_words,
        "trend_class": pattern_words,
        "resource": resource_words,
        "date_precision": lambda v: PRECISION.get(v, v),
    }
    for col, convert in converters.items():
        if col in out.columns:
            out[col] = out[col].map(convert)
    names = dict(COLUMN_NAMES)
    if kind == "incidents":
        names["hotspot_id"] = "Hotspot"
    return out.rename(columns={c: names.get(c, column_words(c)) for c in out.columns})
