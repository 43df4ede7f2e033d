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

from collections.abc import Mapping

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


def speed_sites(
    evidence: pd.DataFrame,
    *,
    since: pd.Timestamp | None = None,
    link_m: float = 400.0,
    attach_m: float = 250.0,
) -> pd.DataFrame:
    """
    Score each stretch of road with speeding evidence, for choosing speed board sites.

    Evidence rows naming the same road within `link_m` of each other (chained) form
    one site. Rows with no road (STATS19 collisions) join the nearest site within
    `attach_m`, or form a site of their own. A site's score is the sum of its
    evidence weights (see `evidence_weight`) since `since`.

    Parameters
    ----------
    evidence
        Accepted incidents of category ``speeding`` (from `geo.incidents.load_incidents`
        on speeding files), with ``weight``, ``road``, ``speed_limit_mph``, ``source``
        and ``evidence`` columns, in EPSG:27700. Other categories are ignored.
    since
        Only evidence on or after this date counts; None counts all.
    link_m, attach_m
        Distances in metres, as above.

    Returns
    -------
    pandas.DataFrame
        One row per site: ``site_id`` (``road|ward_code``), ``road``, ``ward_name``,
        ``speed_limit_mph`` (the highest seen), ``score``, ``x``, ``y`` (the
        weighted centre, BNG), counts ``n_surveys``, ``n_speedwatch``,
        ``n_complaints``, ``n_collisions`` and ``latest_survey`` (text); sorted by
        score, highest first, then by ``site_id``.
    """
    rows = evidence[evidence["category"] == "speeding"]
    if since is not None:
        rows = rows[rows["occurred"] >= since]
    if rows.empty:
        return pd.DataFrame(columns=SITE_COLUMNS)
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
            "evidence": rows["evidence"],
        }
    ).reset_index(drop=True)
    frame["site"] = _site_keys(frame, link_m=link_m, attach_m=attach_m)
    sites = [_site_row(g) for _, g in frame.groupby("site", sort=True)]
    table = pd.DataFrame(sites, columns=SITE_COLUMNS)
    return table.sort_values(["score", "site_id"], ascending=[False, True], ignore_index=True)


SITE_COLUMNS = [
    "site_id", "road", "ward_name", "speed_limit_mph", "score", "x", "y",
    "n_surveys", "n_speedwatch", "n_complaints", "n_collisions", "latest_survey",
]  # fmt: skip
"""Columns of `speed_sites`."""


def _site_keys(frame: pd.DataFrame, *, link_m: float, attach_m: float) -> np.ndarray:
    """Group rows into sites: same road chained within `link_m`; road-less rows attach."""
    from sklearn.cluster import DBSCAN

    keys = np.empty(len(frame), dtype=object)
    named = frame["road"] != ""
    for road, group in frame[named].groupby("road", sort=True):
        xy = group[["x", "y"]].to_numpy()
        labels = DBSCAN(eps=link_m, min_samples=1).fit(xy).labels_
        keys[group.index.to_numpy()] = [f"{road}#{label}" for label in labels]
    anchors = frame[named]
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


def _site_row(g: pd.DataFrame) -> dict[str, object]:
    """Summarise one site's evidence rows."""
    w = g["weight"].to_numpy()
    total = float(w.sum())
    cx = float((g["x"] * w).sum() / total) if total > 0 else float(g["x"].mean())
    cy = float((g["y"] * w).sum() / total) if total > 0 else float(g["y"].mean())
    named = g[g["road"] != ""]
    road = named["road"].iloc[0] if len(named) else f"unnamed road in {g['ward_name'].iloc[0]}"
    ward = (named if len(named) else g)["ward_code"].mode().sort_values().iloc[0]
    surveys = g[g["source"] == "speed_survey"].sort_values("occurred", kind="stable")
    return {
        "site_id": f"{road}|{ward}",
        "road": road,
        "ward_name": g.loc[g["ward_code"] == ward, "ward_name"].iloc[0],
        "speed_limit_mph": float(g["limit"].max()) if g["limit"].notna().any() else np.nan,
        "score": round(total, 2),
        "x": cx,
        "y": cy,
        "n_surveys": int((g["source"] == "speed_survey").sum()),
        "n_speedwatch": int((g["source"] == "speedwatch").sum()),
        "n_complaints": int((g["source"] == "complaint").sum()),
        "n_collisions": int((g["source"] == "collision").sum()),
        "latest_survey": surveys["evidence"].iloc[-1] if len(surveys) else "",
    }
