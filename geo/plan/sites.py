"""Candidate sites in words a sergeant can tell apart, and a site chosen by those words.

Several candidate sites can share one name: police.uk snaps incidents to anonymous
map points named after the nearest street, so three points in one car park are all
"On or near Parking Area, Ash and New Ash Green". `site_labels` gives each of a
kind's sites a label of its own: its name (street and ward), and where names repeat,
where it lies from the centre of the hotspot it is in ("120 m NE of the hotspot
centre"), or from the middle of the sites sharing its name; a grid reference
settles any tie left. `resolve_site` turns a label, an id or an unambiguous name
back into one candidate of the right kind.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from geo._errors import GeoInputError

if TYPE_CHECKING:
    from geo.plan.context import PlanContext

COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
"""Eight compass points, clockwise from grid north."""


def bearing_words(dx: float, dy: float) -> str:
    """
    Say an offset in metres on the grid as a distance and a compass point.

    Examples
    --------
    >>> bearing_words(84.0, 86.0), bearing_words(0.0, -1234.0), bearing_words(3.0, 2.0)
    ('120 m NE', '1230 m S', 'under 10 m')
    """
    distance = math.hypot(dx, dy)
    if distance < 10:
        return "under 10 m"
    point = COMPASS[round(math.degrees(math.atan2(dx, dy)) % 360 / 45) % 8]
    return f"{round(distance, -1):.0f} m {point}"


def _centres(hotspots: gpd.GeoDataFrame | None) -> dict[str, tuple[float, float]]:
    if hotspots is None or hotspots.empty:
        return {}
    c = hotspots.geometry.centroid
    return {h: (x, y) for h, x, y in zip(hotspots["hotspot_id"], c.x, c.y, strict=True)}


def _detail(site: Mapping[str, object], centres: dict, middle: tuple[float, float]) -> str:
    """Where a site lies from its hotspot's centre, or from the middle of its namesakes."""
    x, y = float(site["x"]), float(site["y"])  # type: ignore[arg-type]
    first = str(site.get("hotspot_ids") or "").split(";")[0].strip()
    if first in centres and site.get("resource") not in {"eva", "patrol"}:
        cx, cy = centres[first]
        return f"{bearing_words(x - cx, y - cy)} of the hotspot centre"
    return f"{bearing_words(x - middle[0], y - middle[1])} of the middle of the sites so named"


def site_labels(candidates: pd.DataFrame, hotspots: gpd.GeoDataFrame | None = None) -> pd.Series:
    """
    Return a label per candidate site, unique within its kind.

    Parameters
    ----------
    candidates
        ``resource``, ``site_id``, ``site_name``, ``x``, ``y`` and optionally
        ``hotspot_ids`` (one row per site of a kind).
    hotspots
        The week's hotspots (``hotspot_id``, outlines), to say where a site lies from
        its hotspot's centre.

    Returns
    -------
    pandas.Series
        The labels, aligned with `candidates`: the name alone where it is the only
        site of its kind so named, else the name with a distinguishing detail.

    Examples
    --------
    >>> c = pd.DataFrame({"resource": ["cctv"] * 3, "site_id": ["0:0", "100:0", "0:500"],
    ...                   "site_name": ["Car park, Ash", "Car park, Ash", "High St, Ash"],
    ...                   "x": [0.0, 100, 0], "y": [0.0, 0, 500]})
    >>> site_labels(c).tolist()
    ['Car park, Ash (50 m W of the middle of the sites so named)', \
'Car park, Ash (50 m E of the middle of the sites so named)', 'High St, Ash']
    """
    if candidates.empty:
        return pd.Series([], dtype=object, index=candidates.index)
    centres = _centres(hotspots)
    labels = candidates["site_name"].astype(str).copy()
    for _, group in candidates.groupby(["resource", "site_name"], sort=False):
        if len(group) < 2:
            continue
        middle = (float(group["x"].mean()), float(group["y"].mean()))
        for idx, site in group.iterrows():
            labels[idx] = f"{site['site_name']} ({_detail(site.to_dict(), centres, middle)})"
    tied = labels.groupby(candidates["resource"]).transform(lambda s: s.duplicated(keep=False))
    for idx in labels.index[tied.astype(bool)]:
        site = candidates.loc[idx]
        labels[idx] = labels[idx][:-1] + f"; grid {float(site['x']):.0f} {float(site['y']):.0f})"
    return labels


def resolve_site(candidates: pd.DataFrame, resource: str, text: str) -> dict[str, object]:
    """
    Return the candidate site of kind `resource` that `text` names: a label, an id or a name.

    Parameters
    ----------
    candidates
        The week's candidate sites with ``site_label`` (`geo.pipeline.candidate_sites`).
    resource
        The kind the site is for (``cctv``).
    text
        What was chosen or typed; case and repeated spaces are ignored.

    Raises
    ------
    GeoInputError
        In one line: the site is not one of this kind's candidates, or its name is
        shared by several (their labels are listed).
    """
    key = " ".join(str(text).split()).casefold()
    own = candidates[candidates["resource"] == resource]
    for column in ("site_label", "site_id", "site_name"):
        if column not in own:
            continue
        hit = own[own[column].astype(str).map(lambda v: " ".join(v.split()).casefold()) == key]
        if len(hit) == 1:
            return hit.iloc[0].to_dict()
        if len(hit) > 1:
            names = "; ".join(hit.get("site_label", hit["site_id"]).astype(str))
            msg = f"{len(hit)} {resource} sites are called {text!r}: choose one of {names}"
            raise GeoInputError(msg)
    msg = f"{text!r} is not a candidate {resource} site this week (list them with --sites)"
    raise GeoInputError(msg)


def resolve_sites(
    candidates: pd.DataFrame, given: Sequence[str], *, resource: str | None = None
) -> tuple[str, ...]:
    """
    Turn site labels, names or ids (a picker's or typed) into candidate site ids.

    The one way sites are chosen by name, for ``geo plan --exclude/--pin`` and the
    week page's pickers: case is ignored; a name several sites share gives them all.

    Parameters
    ----------
    candidates
        The week's candidate sites (``site_id``, ``site_label``, ``site_name``,
        ``resource``).
    given
        What the user chose or typed.
    resource
        Only this kind's sites (the pinned cameras), or None for any.

    Raises
    ------
    GeoInputError
        For a name that matches no candidate site (the message lists close names).
    """
    if resource is not None:
        candidates = candidates[candidates["resource"] == resource]
    out = []
    for text in given:
        key = text.strip().casefold()
        hit = candidates[
            (candidates["site_id"].str.casefold() == key)
            | (candidates["site_label"].str.casefold() == key)
            | (candidates["site_name"].str.casefold() == key)
        ]
        if hit.empty:
            close = difflib.get_close_matches(text, candidates["site_label"].unique().tolist(), 3)
            msg = f"no candidate site called {text!r}" + (
                f"; did you mean {', '.join(repr(c) for c in close)}?"
                if close
                else " (list them with --sites)"
            )
            raise GeoInputError(msg)
        out.extend(str(i) for i in hit["site_id"])  # a shared name: every site so named
    return tuple(dict.fromkeys(out))


def site_id(x: float, y: float) -> str:
    """
    Return a site's id: its British National Grid easting and northing to the metre.

    Examples
    --------
    >>> site_id(552500.4, 155299.6)
    '552500:155300'
    """
    return f"{x:.0f}:{y:.0f}"


def site_xy(identifier: str) -> tuple[float, float] | None:
    """
    Return the point of a grid-reference site id, or None for another kind of id.

    Examples
    --------
    >>> site_xy("552500:155300"), site_xy("ASB-5525-1553")
    ((552500.0, 155300.0), None)
    """
    parts = identifier.split(":")
    try:
        return (float(parts[0]), float(parts[1])) if len(parts) == 2 else None
    except ValueError:
        return None


def off_limits(sites: pd.DataFrame, excluded: frozenset[str], radius_m: float) -> np.ndarray:
    """
    Tell which sites are off limits: an excluded site and everything within `radius_m` of it.

    Examples
    --------
    >>> s = pd.DataFrame({"site_id": ["0:0", "60:0", "300:0"], "x": [0.0, 60, 300],
    ...                   "y": [0.0, 0, 0]})
    >>> off_limits(s, frozenset({"0:0"}), 100).tolist()
    [True, True, False]
    """
    out = sites["site_id"].isin(excluded).to_numpy().copy()
    points = [p for p in (site_xy(e) for e in excluded) if p is not None]
    x, y = sites["x"].to_numpy(dtype=float), sites["y"].to_numpy(dtype=float)
    for px, py in points:
        out |= np.hypot(x - px, y - py) <= radius_m
    return out


def hotspot_places(context: PlanContext) -> pd.DataFrame:
    """
    Return the week's hotspots as sites (their centres), for kinds that go to a hotspot.

    EVAs and PCSO patrols go to a hotspot as a whole; the site is named by the
    hotspot's busiest location and its ward.
    """
    spots = context.hotspots
    if spots.empty:
        return pd.DataFrame(columns=["site_id", "site_name", "x", "y", "hotspot_ids"])
    return pd.DataFrame(
        {
            "site_id": spots["hotspot_id"],
            "site_name": spots["top_locations"].str.split(":").str[0] + ", " + spots["ward_names"],
            "x": spots.geometry.centroid.x,
            "y": spots.geometry.centroid.y,
            "hotspot_ids": spots["hotspot_id"],
        }
    )
