"""Speeding evidence: speed surveys, Community Speedwatch, residents' complaints and collisions.

police.uk has no speeding category, so speeding evidence comes from the unit's own
records. Four file layouts are recognised from their headers (names matched
ignoring case, spaces and hyphens; a location is longitude/latitude,
easting/northing or a postcode, as for CSU logs):

speed survey summary (``source = "speed_survey"``)
    ``site, road, speed_limit_mph, period_start, vehicles, p85_mph, pct_over_limit``
    (optional ``period_end``, ``mean_mph``): one row per site and survey period,
    from a speed indicator device or an automatic traffic count.
Community Speedwatch session (``"speedwatch"``)
    ``date, site, road, speed_limit_mph, vehicles_checked, vehicles_reported``:
    vehicles reported are those over Kent's reporting threshold (25/35/46 mph in
    20/30/40 limits).
residents' complaint or PACT priority (``"complaint"``)
    ``date, complaint`` (free text) and a ``road`` or ``postcode``.
collision, DfT STATS19 layout (``"collision"``)
    ``accident_index`` (or ``collision_index``), ``date`` (dd/mm/yyyy),
    ``longitude``, ``latitude`` (or ``location_easting_osgr``/``..._northing_osgr``),
    ``speed_limit``, ``accident_severity`` (or ``collision_severity``: 1 fatal,
    2 serious, 3 slight).

Each accepted row becomes one incident of category ``speeding`` with an evidence
``weight`` (the formula is in `evidence_weight`), so hotspots and site scores are
found on the same machinery as crime. Rows are accounted for exactly as in
`geo.incidents`: every row is accepted or rejected with its line and a reason.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from geo._tables import normalise_header

SPEED_KINDS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "speed_survey": {
        "site": ("site", "site_name"),
        "road": ("road", "street"),
        "limit": ("speed_limit_mph", "speed_limit", "limit_mph"),
        "date": ("period_start", "start", "date"),
        "vehicles": ("vehicles", "vehicle_count", "count"),
        "p85": ("p85_mph", "85th_percentile_mph", "p85"),
        "pct_over": ("pct_over_limit", "percent_over_limit", "share_over_limit"),
    },
    "speedwatch": {
        "site": ("site", "site_name"),
        "road": ("road", "street"),
        "limit": ("speed_limit_mph", "speed_limit", "limit_mph"),
        "date": ("date", "session_date"),
        "checked": ("vehicles_checked", "checked"),
        "reported": ("vehicles_reported", "reported", "vehicles_over_threshold"),
    },
    "complaint": {
        "date": ("date", "received", "date_received"),
        "text": ("complaint", "text", "details", "priority"),
        "road": ("road", "street", "location"),
    },
    "collision": {
        "id": ("accident_index", "collision_index"),
        "date": ("date",),
        "limit": ("speed_limit",),
        "severity": ("accident_severity", "collision_severity"),
    },
}
"""For each speeding layout, its fields and the header names accepted for each."""

COLLISION_WEIGHTS: Mapping[int, float] = {1: 10.0, 2: 5.0, 3: 2.0}
"""Evidence weight of a collision by STATS19 severity (1 fatal, 2 serious, 3 slight)."""

_LOCATION_FIELDS = {
    "longitude": ("longitude", "lon", "lng"),
    "latitude": ("latitude", "lat"),
    "easting": ("easting", "location_easting_osgr", "x"),
    "northing": ("northing", "location_northing_osgr", "y"),
    "postcode": ("postcode",),
}


def resolve_columns(header: list[str], fields: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """
    Map field names to the header's own column names.

    Parameters
    ----------
    header
        The file's column names.
    fields
        Field -> accepted header names (normalised: lower case, ``_`` for spaces).

    Returns
    -------
    dict
        Field -> the header's column, for the fields found.

    Examples
    --------
    >>> fields = {"site": ("site",), "limit": ("speed_limit_mph",)}
    >>> resolve_columns(["Site", "Speed limit mph"], fields)
    {'site': 'Site', 'limit': 'Speed limit mph'}
    """
    by_norm = {normalise_header(h): h for h in header}
    found = {}
    for field, names in fields.items():
        for name in names:
            if name in by_norm:
                found[field] = by_norm[name]
                break
    return found


def speed_kind(header: list[str]) -> str | None:
    """
    Tell which speeding layout a header belongs to, or None.

    A layout matches when all its fields are present and the file has a location
    (longitude/latitude, easting/northing or postcode), except complaints, which may
    give only a road.

    Examples
    --------
    >>> speed_kind(["date", "site", "road", "speed_limit_mph", "vehicles_checked",
    ...             "vehicles_reported", "easting", "northing"])
    'speedwatch'
    >>> speed_kind(["date", "category", "postcode"]) is None
    True
    """
    where = resolve_columns(header, _LOCATION_FIELDS)
    located = {"longitude", "latitude"} <= where.keys() or {"easting", "northing"} <= where.keys()
    located = located or "postcode" in where
    for kind, fields in SPEED_KINDS.items():
        if len(resolve_columns(header, fields)) == len(fields) and located:
            return kind
    return None


def location_columns(header: list[str]) -> dict[str, str]:
    """Return the location fields (longitude, latitude, easting, northing, postcode) found."""
    return resolve_columns(header, _LOCATION_FIELDS)


def evidence_weight(kind: str, fields: pd.DataFrame) -> pd.Series:
    """
    Score how strongly each row points to a speeding problem at its place.

    Parameters
    ----------
    kind
        One of `SPEED_KINDS`.
    fields
        Parsed numeric fields: ``limit``, ``p85``, ``pct_over`` (0-100) for
        surveys; ``checked``, ``reported`` for Speedwatch; ``severity`` for
        collisions.

    Returns
    -------
    pandas.Series
        Non-negative weights (NaN where the inputs are unusable).

    Notes
    -----
    - survey: ``10 * pct_over / 100 + max(0, p85 - (1.1 * limit + 2))``: the share
      over the limit, plus how far the 85th-percentile speed is past the NPCC
      enforcement threshold (limit + 10 % + 2 mph). 40 % over and a p85 of 38 mph
      in a 30 limit scores 4 + 3 = 7.
    - Speedwatch: ``25 * reported / checked``: 12 of 100 reported scores 3.
    - complaint: 1 each (a resident's report is evidence of concern, not of speed).
    - collision: `COLLISION_WEIGHTS` by severity (10 fatal, 5 serious, 2 slight).
      STATS19 without contributory factors does not say speed was involved, so a
      collision is a proxy for road danger at the place.

    Examples
    --------
    >>> f = pd.DataFrame({"limit": [30.0], "p85": [38.0], "pct_over": [40.0]})
    >>> evidence_weight("speed_survey", f).tolist()
    [7.0]
    """
    if kind == "speed_survey":
        excess = (fields["p85"] - (1.1 * fields["limit"] + 2)).clip(lower=0)
        return (10 * fields["pct_over"] / 100 + excess).round(2)
    if kind == "speedwatch":
        checked = fields["checked"].where(fields["checked"] > 0)
        return (25 * fields["reported"] / checked).round(2)
    if kind == "complaint":
        return pd.Series(1.0, index=fields.index)
    return fields["severity"].map(COLLISION_WEIGHTS).astype(float)


def numeric(frame: pd.DataFrame, cols: Mapping[str, str], names: tuple[str, ...]) -> pd.DataFrame:
    """Return the named fields of `frame` as floats (NaN where not a number)."""
    return pd.DataFrame(
        {n: pd.to_numeric(frame[cols[n]], errors="coerce") for n in names if n in cols},
        index=frame.index,
    )


def bad_numbers(kind: str, fields: pd.DataFrame) -> np.ndarray:
    """Flag rows whose numbers cannot be right (negative counts, limits outside 5-70 mph, ...)."""
    bad = np.zeros(len(fields), dtype=bool)
    if "limit" in fields and kind != "collision":
        bad |= ~fields["limit"].between(5, 70).to_numpy()
    if kind == "speed_survey":
        bad |= ~(fields["vehicles"] >= 0).to_numpy() | ~fields["p85"].between(0, 200).to_numpy()
        bad |= ~fields["pct_over"].between(0, 100).to_numpy()
    if kind == "speedwatch":
        bad |= ~(fields["checked"] > 0).to_numpy() | ~(fields["reported"] >= 0).to_numpy()
        bad |= (fields["reported"] > fields["checked"]).to_numpy()
    if kind == "collision":
        bad |= ~fields["severity"].isin(list(COLLISION_WEIGHTS)).to_numpy()
    return bad


def collision_road(rows: pd.DataFrame, header: list[str]) -> pd.Series:
    """
    Name the road of each STATS19 collision from ``first_road_class`` and ``first_road_number``.

    Parameters
    ----------
    rows
        The file's rows (text).
    header
        The file's column names.

    Returns
    -------
    pandas.Series
        ``"M25"``, ``"A21(M)"``, ``"A225"``, ``"B2027"``; ``"unclassified"`` for C and
        unclassified roads (STATS19 gives them no number); ``""`` when the file has no
        road columns or the class is missing.

    Examples
    --------
    >>> rows = pd.DataFrame({"first_road_class": ["3", "1", "6", "-1"],
    ...                      "first_road_number": ["225", "25", "0", "-1"]})
    >>> collision_road(rows, list(rows.columns)).tolist()
    ['A225', 'M25', 'unclassified', '']
    """
    cols = resolve_columns(header, _ROAD_FIELDS)
    if len(cols) < len(_ROAD_FIELDS):
        return pd.Series("", index=rows.index)
    road_class = pd.to_numeric(rows[cols["road_class"]], errors="coerce")
    number = pd.to_numeric(rows[cols["road_number"]], errors="coerce")
    text = number.where(number > 0).astype("Int64").astype(str)
    names = {1: "M" + text, 2: "A" + text + "(M)", 3: "A" + text, 4: "B" + text}
    road = pd.Series("", index=rows.index, dtype=object)
    for code, name in names.items():
        pick = (road_class == code) & (number > 0)
        road[pick] = name[pick]
    road[road_class.isin([5, 6])] = "unclassified"
    return road


_ROAD_FIELDS = {"road_class": ("first_road_class",), "road_number": ("first_road_number",)}

_NOT_STREETS = frozenset(
    {
        "",
        "hospital",
        "parking area",
        "petrol station",
        "police station",
        "supermarket",
        "shopping area",
        "pedestrian subway",
        "nightclub",
        "swanley police station",
    }
)
_ROAD_NUMBER = r"^(?:[ABM]\d+(?:\(M\))?)$"
_MOTORWAY = r"^(?:M\d+|A\d+\(M\))$"


def street_points(folder: Path | None = None) -> pd.DataFrame:
    """
    Return the street names of the police.uk anonymised map points, for naming sites.

    Parameters
    ----------
    folder
        A folder of police.uk ``*-street.csv`` files; None reads the shipped months.

    Returns
    -------
    pandas.DataFrame
        ``x``, ``y`` (BNG) and ``street`` (``Location`` without "On or near "), one
        row per distinct point; generic places ("Parking Area", "Supermarket") and
        bare road numbers are left out.

    Examples
    --------
    >>> streets = street_points()
    >>> bool((streets["street"] == "High Street").any())
    True
    """
    return _street_points(str(folder) if folder is not None else "").copy()


@functools.lru_cache(maxsize=4)
def _street_points(folder: str) -> pd.DataFrame:
    """Read `street_points` once per folder (given as text, for the cache)."""
    from geo.crs import lonlat_to_bng
    from geo.datasets import get_path

    where = Path(folder) if folder else get_path("police_uk")
    usecols = ["Longitude", "Latitude", "Location"]
    frames = [pd.read_csv(f, usecols=usecols) for f in sorted(where.glob("*-street.csv"))]
    if not frames:
        return pd.DataFrame({"x": [], "y": [], "street": []})
    pts = pd.concat(frames, ignore_index=True).dropna().drop_duplicates(ignore_index=True)
    street = pts["Location"].astype(str).str.replace(r"^On or near ", "", regex=True)
    street = street.str.replace(r"'S\b", "'s", regex=True).str.strip()
    keep = ~street.str.lower().isin(_NOT_STREETS) & ~street.str.contains("/", regex=False)
    keep &= ~street.str.match(_ROAD_NUMBER)
    x, y = lonlat_to_bng(pts["Longitude"].to_numpy(float), pts["Latitude"].to_numpy(float))
    return pd.DataFrame({"x": x, "y": y, "street": street})[keep.to_numpy()].reset_index(drop=True)


def nearest_street(
    x: np.ndarray, y: np.ndarray, streets: pd.DataFrame, *, within_m: float = 300.0
) -> np.ndarray:
    """
    Name the street of the nearest police.uk map point to each point ("" if none within reach).

    Examples
    --------
    >>> streets = pd.DataFrame({"x": [0.0, 500.0], "y": [0.0, 0.0], "street": ["A Rd", "B Rd"]})
    >>> nearest_street(np.array([100.0, 480.0, 2000.0]), np.zeros(3), streets).tolist()
    ['A Rd', 'B Rd', '']
    """
    if len(streets) == 0 or len(x) == 0:
        return np.full(len(x), "", dtype=object)
    from scipy.spatial import cKDTree

    d, i = cKDTree(streets[["x", "y"]].to_numpy()).query(np.column_stack([x, y]))
    names = streets["street"].to_numpy(dtype=object)[i]
    return np.where(d <= within_m, names, "").astype(object)


def speed_sites(
    evidence: pd.DataFrame,
    *,
    since: pd.Timestamp | None = None,
    collision_years: int = 5,
    max_limit_mph: float = 40.0,
    link_m: float = 400.0,
    attach_m: float = 250.0,
    streets: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """
    Score each stretch of road with speeding evidence, for choosing speed board sites.

    Evidence rows naming the same road within `link_m` of each other (chained) form
    one site. A STATS19 collision names its road by number (``A225``, see
    `collision_road`); a collision on a C or unclassified road takes the street of
    the nearest police.uk map point, so surveys, Speedwatch sessions and complaints
    that name that street join it. Rows on roads over `max_limit_mph` never share a
    site with rows at or under it, so a 60 mph stretch cannot make a 30 mph site
    ineligible (nor the reverse); motorway rows count as over it. Rows with no road
    at all (collisions from files without road columns) join the nearest site within
    `attach_m`, or form a site of their own. A site's score is the sum of its evidence weights (see
    `evidence_weight`).

    Parameters
    ----------
    evidence
        Accepted incidents of category ``speeding`` (from `geo.incidents.load_incidents`
        on speeding files), with ``weight``, ``road``, ``speed_limit_mph``, ``source``
        and ``evidence`` columns, in EPSG:27700. Other categories are ignored.
    since
        Surveys, Speedwatch sessions and complaints count on or after this date; None
        counts all.
    collision_years
        Collisions count from 1 January of ``since.year - collision_years`` (STATS19 is
        published a year or more in arrears, so a collision older than the evidence
        window still counts; its year is given in `site_reason`).
    max_limit_mph
        The highest limit a board may go on (sites are split at it, as above).
    link_m, attach_m
        Distances in metres, as above.
    streets
        Street names of map points (`street_points`); None reads the shipped months.

    Returns
    -------
    pandas.DataFrame
        One row per site: ``site_id`` (``road|ward_code``, made unique), ``road``
        (the road's name; for a numbered road with collisions, "A225 at High
        Street"), ``ward_name``, ``speed_limit_mph`` (the highest seen), ``score``,
        ``x``, ``y`` (the weighted centre, BNG), counts ``n_surveys``,
        ``n_speedwatch``, ``n_complaints``, ``n_collisions``, ``latest_survey``
        (text), ``n_fatal``, ``n_serious``, ``collision_years`` (``"2023"`` or
        ``"2022-2023"``), ``collision_m`` (the farthest collision from the centre) and
        ``motorway`` (never a board site, whatever its limit: a motorway's 40 mph
        roadworks or junction stretch is still a motorway); sorted by score, highest
        first, then by ``site_id``.
    """
    rows = evidence[evidence["category"] == "speeding"]
    if since is not None:
        crash = rows["source"] == "collision"
        crash_since = pd.Timestamp(year=since.year - collision_years, month=1, day=1)
        rows = rows[
            (~crash & (rows["occurred"] >= since)) | (crash & (rows["occurred"] >= crash_since))
        ]
    if rows.empty:
        return pd.DataFrame(columns=SITE_COLUMNS)
    streets = street_points() if streets is None else streets
    frame = pd.DataFrame(
        {
            "road": rows["road"].fillna("").astype(str).str.strip(),
            "ward_code": rows["ward_code"].astype(str),
            "ward_name": rows["ward_name"].astype(str),
            "limit": rows["speed_limit_mph"],
            "weight": rows["weight"].fillna(0.0),
            "x": rows.geometry.x,
            "y": rows.geometry.y,
            "source": rows["source"],
            "occurred": rows["occurred"],
            "evidence": rows["evidence"].fillna("").astype(str),
        }
    ).reset_index(drop=True)
    unclassified = frame["road"] == "unclassified"
    frame.loc[unclassified, "road"] = nearest_street(
        frame.loc[unclassified, "x"].to_numpy(), frame.loc[unclassified, "y"].to_numpy(), streets
    )
    frame["road"] = _join_collision_roads(frame, streets, attach_m=attach_m)
    frame["fast"] = _limit_side(frame, max_limit_mph)
    frame["site"] = _site_keys(frame, link_m=link_m, attach_m=attach_m)
    positions = frame.groupby("site", sort=True).indices
    members = [positions[k] for k in sorted(positions)]
    table = pd.DataFrame(_site_rows(frame, members), columns=SITE_COLUMNS)
    near = nearest_street(table["x"].to_numpy(), table["y"].to_numpy(), streets)
    roads = frame["road"].to_numpy(dtype=object)
    wards = frame["ward_name"].to_numpy(dtype=object)
    table["road"] = [
        _site_name(roads[rows], wards[rows], street)
        for rows, street in zip(members, near, strict=True)
    ]
    table["site_id"] = table["road"] + "|" + table["site_id"]
    dup = table.groupby("site_id").cumcount()
    table["site_id"] = table["site_id"].where(
        dup == 0, table["site_id"] + "|" + (dup + 1).astype(str)
    )
    return table.sort_values(["score", "site_id"], ascending=[False, True], ignore_index=True)


SITE_COLUMNS = [
    "site_id",
    "road",
    "ward_name",
    "speed_limit_mph",
    "score",
    "x",
    "y",
    "n_surveys",
    "n_speedwatch",
    "n_complaints",
    "n_collisions",
    "latest_survey",
    "n_fatal",
    "n_serious",
    "collision_years",
    "collision_m",
    "motorway",
]
"""Columns of `speed_sites`."""


def site_reason(site: Mapping[str, object] | pd.Series) -> str:
    """
    Say in words what evidence a speeding site has.

    Parameters
    ----------
    site
        One row of `speed_sites`.

    Returns
    -------
    str
        Collisions (count, the fatal and serious among them, their years and spread),
        the latest survey, Speedwatch sessions and complaints, then the limit.

    Examples
    --------
    >>> site = {"n_collisions": 4, "n_fatal": 0, "n_serious": 1, "collision_years": "2023",
    ...         "collision_m": 150, "latest_survey": "", "n_speedwatch": 2,
    ...         "n_complaints": 0, "speed_limit_mph": 30.0}
    >>> site_reason(site)
    '4 collisions, 1 serious, in 2023 within 150 m; 2 Speedwatch sessions; 30 mph'
    """
    parts = []
    n = int(site["n_collisions"])
    if n:
        severe = [(int(site["n_fatal"]), "fatal"), (int(site["n_serious"]), "serious")]
        words = [f"{k} {word}" for k, word in severe if k] or (
            ["slight"] if n == 1 else ["all slight"]
        )
        spread = f" within {int(site['collision_m'])} m" if n > 1 else ""
        parts.append(
            f"{n} collision{'s' if n != 1 else ''}, {', '.join(words)}, in "
            f"{site['collision_years']}{spread}"
        )
    if site["latest_survey"]:
        parts.append(f"latest survey: {site['latest_survey']}")
    for count, word in (
        (site["n_speedwatch"], "Speedwatch session"),
        (site["n_complaints"], "complaint"),
    ):
        if int(count):
            parts.append(f"{int(count)} {word}{'s' if int(count) != 1 else ''}")
    limit = site["speed_limit_mph"]
    parts.append(f"{float(limit):.0f} mph" if pd.notna(limit) else "limit unknown")
    return "; ".join(parts)


def _join_collision_roads(
    frame: pd.DataFrame, streets: pd.DataFrame, *, attach_m: float
) -> pd.Series:
    """
    Give a survey, session or complaint the road number of collisions on its road.

    A row naming "High Street" (or "A225 High Street") within `attach_m` of a
    collision on the A225 whose nearest police.uk street is High Street is
    relabelled "A225", so that it adds to the collisions' site.
    """
    road = frame["road"].copy()
    crash = (frame["source"] == "collision").to_numpy() & road.str.match(_ROAD_NUMBER).to_numpy()
    if not crash.any():
        return road
    cx, cy = frame["x"].to_numpy()[crash], frame["y"].to_numpy()[crash]
    numbers = road.to_numpy()[crash]
    near = np.char.lower(nearest_street(cx, cy, streets).astype(str))
    others = np.flatnonzero(~(frame["source"] == "collision").to_numpy() & (road != "").to_numpy())
    for i in others:
        text = str(road.iat[i])
        d = np.hypot(cx - frame["x"].iat[i], cy - frame["y"].iat[i])
        words = set(text.upper().replace(",", " ").split())
        match = (d <= attach_m) & (np.isin(numbers, list(words)) | (near == text.lower()))
        if match.any():
            road.iat[i] = numbers[np.flatnonzero(match)[np.argmin(d[match])]]
    return road


def _limit_side(frame: pd.DataFrame, max_limit_mph: float) -> np.ndarray:
    """Flag rows over the limit; a row with no limit takes the side of its road's nearest row."""
    fast = (frame["limit"] > max_limit_mph).to_numpy(dtype=bool, copy=True)
    fast |= frame["road"].str.match(_MOTORWAY).to_numpy(dtype=bool)  # at any limit
    known = frame["limit"].notna().to_numpy()
    for i in np.flatnonzero(~known & (frame["road"] != "").to_numpy()):
        same = np.flatnonzero(known & (frame["road"] == frame.at[i, "road"]).to_numpy())
        if len(same):
            d = np.hypot(
                frame["x"].to_numpy()[same] - frame.at[i, "x"],
                frame["y"].to_numpy()[same] - frame.at[i, "y"],
            )
            fast[i] = fast[same[int(np.argmin(d))]]
    return fast


def chain_labels(xy: np.ndarray, link_m: float) -> np.ndarray:
    """
    Label points chained within `link_m` of each other (DBSCAN with one point a core).

    Connected components of the graph of pairs at most `link_m` apart, numbered in
    order of each chain's first point: what ``DBSCAN(eps=link_m, min_samples=1)``
    gives, without importing scikit-learn.

    Examples
    --------
    >>> chain_labels(np.array([[0.0, 0], [90, 0], [500, 0], [170, 0]]), 100).tolist()
    [0, 0, 1, 0]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    pairs = cKDTree(xy).query_pairs(link_m, output_type="ndarray")
    n = len(xy)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _site_keys(frame: pd.DataFrame, *, link_m: float, attach_m: float) -> np.ndarray:
    """Group rows into sites: same road and limit side chained within `link_m`; road-less attach."""
    keys = np.empty(len(frame), dtype=object)
    named = frame["road"] != ""
    xy = frame[["x", "y"]].to_numpy(dtype=float)
    anchors = frame[named]
    groups = anchors.groupby(["road", "fast"], sort=True).indices  # positions in `anchors`
    for road, fast in sorted(groups):
        rows = anchors.index.to_numpy()[groups[road, fast]]  # labels of `frame`'s RangeIndex
        labels = chain_labels(xy[rows], link_m)
        side = "|over" if fast else ""
        keys[rows] = [f"{road}{side}#{label}" for label in labels]
    for i in np.flatnonzero(~named.to_numpy()):
        x, y = frame.at[i, "x"], frame.at[i, "y"]
        if len(anchors):
            d = np.hypot(anchors["x"].to_numpy() - x, anchors["y"].to_numpy() - y)
            j = int(np.argmin(d))
            if d[j] <= attach_m:
                keys[i] = keys[anchors.index[j]]
                continue
        keys[i] = f"#{round(x, -1):.0f},{round(y, -1):.0f}"
    return keys


def _site_name(roads: np.ndarray, wards: np.ndarray, street: str) -> str:
    """Name a site from its rows' roads and wards (in row order) and its nearest street.

    Its first named road, as "A225 at High Street" for a numbered road; else the street.
    """
    named = roads[roads != ""]
    if len(named):
        road = str(named[0])
        numbered = bool(re.match(_ROAD_NUMBER, road))
        return f"{road} at {street}" if numbered and street and street != road else road
    return street or f"unnamed road in {wards[0]}"


def _site_rows(frame: pd.DataFrame, groups: list[np.ndarray]) -> list[dict[str, object]]:
    """
    Summarise every site's evidence rows, as `_site_row` does for one, on arrays.

    One pass of NumPy per site instead of a dozen pandas selections (196 sites on the
    shipped data: about 1.1 s with `_site_row`, a few hundredths with this).
    """
    w, x, y = (frame[c].to_numpy(dtype=float) for c in ("weight", "x", "y"))
    road, source = frame["road"].to_numpy(dtype=object), frame["source"].to_numpy(dtype=object)
    ward_code = frame["ward_code"].to_numpy(dtype=object)
    ward_name = frame["ward_name"].to_numpy(dtype=object)
    limit = frame["limit"].to_numpy(dtype=float)
    occurred = frame["occurred"].to_numpy()
    year = frame["occurred"].dt.year.to_numpy(dtype=float)
    evidence = frame["evidence"].to_numpy(dtype=object)
    severity = frame["evidence"].str.split().str[0].to_numpy(dtype=object)
    motorway = frame["road"].str.match(_MOTORWAY).to_numpy(dtype=bool)
    out = []
    for p in groups:
        total = float(w[p].sum())
        cx = float((x[p] * w[p]).sum() / total) if total > 0 else float(x[p].mean())
        cy = float((y[p] * w[p]).sum() / total) if total > 0 else float(y[p].mean())
        named = p[road[p] != ""]
        codes, counts = np.unique(
            ward_code[named if len(named) else p].astype(str), return_counts=True
        )
        ward = codes[int(np.argmax(counts))]  # the commonest; the first in order on a tie
        surveys = p[source[p] == "speed_survey"]
        surveys = surveys[np.argsort(occurred[surveys], kind="stable")]
        crashes = p[source[p] == "collision"]
        years = sorted({int(v) for v in year[crashes] if not np.isnan(v)})
        span = "" if not years else str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
        far = float(np.hypot(x[crashes] - cx, y[crashes] - cy).max()) if len(crashes) else 0.0
        out.append(
            {
                "site_id": ward,
                "road": "",
                "ward_name": ward_name[p[ward_code[p].astype(str) == ward][0]],
                "speed_limit_mph": float(np.nanmax(limit[p]))
                if (~np.isnan(limit[p])).any()
                else np.nan,
                "score": round(total, 2),
                "x": cx,
                "y": cy,
                "n_surveys": len(surveys),
                "n_speedwatch": int((source[p] == "speedwatch").sum()),
                "n_complaints": int((source[p] == "complaint").sum()),
                "n_collisions": len(crashes),
                "latest_survey": evidence[surveys[-1]] if len(surveys) else "",
                "n_fatal": int((severity[crashes] == "fatal").sum()),
                "n_serious": int((severity[crashes] == "serious").sum()),
                "collision_years": span,
                "collision_m": int(np.ceil(far / 10.0) * 10),
                "motorway": bool(motorway[named].any()),
            }
        )
    return out


def _site_row(g: pd.DataFrame) -> dict[str, object]:
    """Summarise one site's evidence rows (``road`` and ``site_id`` are named afterwards)."""
    w = g["weight"].to_numpy()
    total = float(w.sum())
    cx = float((g["x"] * w).sum() / total) if total > 0 else float(g["x"].mean())
    cy = float((g["y"] * w).sum() / total) if total > 0 else float(g["y"].mean())
    named = g[g["road"] != ""]
    ward = (named if len(named) else g)["ward_code"].mode().sort_values().iloc[0]
    surveys = g[g["source"] == "speed_survey"].sort_values("occurred", kind="stable")
    crashes = g[g["source"] == "collision"]
    severity = crashes["evidence"].str.split().str[0]
    years = sorted(crashes["occurred"].dt.year.dropna().astype(int).unique())
    span = "" if not years else str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
    far = np.hypot(crashes["x"] - cx, crashes["y"] - cy).max() if len(crashes) else 0.0
    return {
        "site_id": ward,
        "road": "",
        "ward_name": g.loc[g["ward_code"] == ward, "ward_name"].iloc[0],
        "speed_limit_mph": float(g["limit"].max()) if g["limit"].notna().any() else np.nan,
        "score": round(total, 2),
        "x": cx,
        "y": cy,
        "n_surveys": int((g["source"] == "speed_survey").sum()),
        "n_speedwatch": int((g["source"] == "speedwatch").sum()),
        "n_complaints": int((g["source"] == "complaint").sum()),
        "n_collisions": len(crashes),
        "latest_survey": surveys["evidence"].iloc[-1] if len(surveys) else "",
        "n_fatal": int((severity == "fatal").sum()),
        "n_serious": int((severity == "serious").sum()),
        "collision_years": span,
        "collision_m": int(np.ceil(far / 10.0) * 10),
        "motorway": bool(named["road"].str.match(_MOTORWAY).any()),
    }
