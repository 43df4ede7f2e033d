"""You said, we did: what the partnership did in a PACT area, in words a resident can read.

The sergeant marks deployments publishable (``geo plan --week W --publish "EVA 1"``,
`geo.plan_notes.add_publish`); nothing else is ever listed. From the approved plans
of a quarter, `public_actions` lists per ward of the area, in words:

- **Environmental Visual Audits** held, by month ("An Environmental Visual Audit
  was held in Swanley St Mary's in August 2025");
- **speed indicator boards**: how many roads and how many weeks in the quarter;
- **PCSO patrols**: hours in the ward in the quarter, rounded
  (`PublishRules.hours_base`), never which days or times;
- **mobile CCTV cameras** only when the unit chooses (`PublishRules.cameras`),
  as sites and weeks without naming the sites.

Nothing public gives a day or a time of day: the finest date is a month (EVAs),
patrols and boards are for the whole quarter, so no one can learn when a patrol
comes. A deployment marked ``not done`` is left out (a patrol's visits marked not
done give no hours; cut short gives the minutes or days actually given); unmarked
visits and stays count as planned. The words hold site text from the plan
(road and place names), which is escaped at each sink, never here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo._config import Bound, check_keys, read_toml
from geo._errors import GeoInputError
from geo.datasets import get_path
from geo.plan_notes import is_published, marks_of
from geo.settings import PublishRules
from geo.store import deployments_since

KIND_ORDER: tuple[str, ...] = ("eva", "speed_board", "patrol", "cctv")
"""The kinds of deployment "you said, we did" can list, in the order they are listed."""

SECTION = "you_said_we_did"
"""The table of ``pact_areas.toml`` holding `PublishRules`."""

HOURS_BOUND = Bound(True, 1, 10, "hours")
"""The allowed ``hours_base``."""


@dataclass(frozen=True, slots=True)
class PublicAction:
    """
    One thing done in one ward, as the public page says it.

    Attributes
    ----------
    ward
        The ward's name.
    kind
        One of `KIND_ORDER`.
    words
        The sentence ("Speed indicator boards stood on 3 roads in Hextable for 5
        weeks in total"); site text in it is raw (escape at the sink).
    places
        The road or place names (boards, EVAs), raw; empty for patrols and cameras.
    """

    ward: str
    kind: str
    words: str
    places: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        """Return ``{"ward", "kind", "words", "places"}`` as `geo pact --json` prints it."""
        return {"ward": self.ward, "kind": self.kind, "words": self.words, "places": [*self.places]}


def read_publish_rules(path: str | Path | None = None) -> PublishRules:
    """
    Read the ``[you_said_we_did]`` table of ``pact_areas.toml`` (defaults when absent).

    Raises
    ------
    GeoInputError
        One line naming the file and key: an unknown key, ``cameras`` not true or
        false, ``hours_base`` not a whole number from 1 to 10.

    Examples
    --------
    >>> read_publish_rules()
    PublishRules(cameras=False, hours_base=5)
    """
    path = Path(path) if path is not None else get_path("pact_areas")
    raw = read_toml(path, "PACT areas").get(SECTION, {})
    table = check_keys(raw, ["cameras", "hours_base"], file=path.name, where=f"[{SECTION}]")
    cameras = table.get("cameras", False)
    if not isinstance(cameras, bool):
        shown = str(cameras)[:40]
        msg = f"{path.name}: {SECTION}.cameras = {shown!r} is not allowed: give true or false"
        raise GeoInputError(msg)
    hours = HOURS_BOUND.check(
        table.get("hours_base", 5), file=path.name, key=f"{SECTION}.hours_base"
    )
    return PublishRules(cameras=cameras, hours_base=int(hours))


def public_actions(
    deployments: pd.DataFrame,
    wards: gpd.GeoDataFrame,
    *,
    months: Sequence[str],
    rules: PublishRules,
) -> tuple[PublicAction, ...]:
    """
    List what was done in each ward in the quarter, from deployments marked publishable.

    Parameters
    ----------
    deployments
        Approved plans' rows (`geo.store.deployments_since`): ``resource``,
        ``site_name``, ``site_id``, ``x``, ``y`` (EPSG:27700), ``start``,
        ``end``, ``numbers``, ``outcome``.
    wards
        The area's wards (``ward_name``, polygons, EPSG:27700), in the area's order.
    months
        The quarter's months (``YYYY-MM``); a deployment counts in the month it starts.
    rules
        Whether cameras may be listed; how patrol hours are rounded.

    Returns
    -------
    tuple of PublicAction
        By ward (in `wards` order), then by kind (`KIND_ORDER`), then by month.
        Only rows marked publishable, of a listed kind, not marked not done,
        inside one of `wards`.
    """
    rows = _publishable(deployments, months=months, rules=rules)
    if rows.empty:
        return ()
    placed = _ward_of(rows, wards)
    out: list[PublicAction] = []
    for ward in wards["ward_name"]:
        here = placed[placed["ward"] == ward]
        for kind in KIND_ORDER:
            mine = here[here["resource"] == kind]
            if len(mine):
                out.extend(_SAY[kind](str(ward), mine, rules))
    return tuple(out)


def _publishable(
    deployments: pd.DataFrame, *, months: Sequence[str], rules: PublishRules
) -> pd.DataFrame:
    if deployments.empty:
        return deployments.assign(given=pd.Series(dtype=float), month=pd.Series(dtype=str))
    kinds = set(KIND_ORDER) - (set() if rules.cameras else {"cctv"})
    records = []
    for row in deployments.to_dict("records"):
        if row.get("resource") not in kinds or not is_published(row):
            continue
        month = str(row.get("start", ""))[:7]
        if month not in months:
            continue
        given = _given(row)
        if given > 0:
            records.append({**row, "given": given, "month": month})
    return pd.DataFrame(records, columns=[*deployments.columns, "given", "month"])


def _given(row: Mapping[str, object]) -> float:
    """Minutes (patrols) or days (stays) actually given: planned, less what is marked otherwise."""
    marks = marks_of(row)
    numbers = row.get("numbers") if isinstance(row.get("numbers"), dict) else {}
    if row.get("resource") == "patrol":
        visits = numbers.get("schedule") or []  # type: ignore[union-attr]
        if not visits:
            return 0.0 if _not_done(marks.get("stay")) else float(numbers.get("minutes", 0) or 0)  # type: ignore[union-attr]
        return sum(
            _part(marks.get(f"visit {int(v['visit'])}"), float(v["minutes"]), "minutes")
            for v in visits
        )
    start = dt.date.fromisoformat(str(row["start"])[:10])
    end = dt.date.fromisoformat(str(row["end"])[:10])
    return _part(marks.get("stay"), float((end - start).days + 1), "days")


def _not_done(mark: object) -> bool:
    return isinstance(mark, dict) and mark.get("status") == "not done"


def _part(mark: object, planned: float, unit: str) -> float:
    if not isinstance(mark, dict):
        return planned
    if mark.get("status") == "not done":
        return 0.0
    if mark.get("status") == "cut short":
        return float(mark.get(unit) or 0)
    return planned


def _ward_of(rows: pd.DataFrame, wards: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each row's ward (by its point), rows outside every ward or without a point left out."""
    x = pd.to_numeric(rows["x"], errors="coerce")
    y = pd.to_numeric(rows["y"], errors="coerce")
    rows = rows[x.notna() & y.notna()]
    points = gpd.GeoDataFrame(
        rows.reset_index(drop=True),
        geometry=gpd.points_from_xy(x[rows.index], y[rows.index]),
        crs=wards.crs,
    )
    joined = gpd.sjoin(points, wards[["ward_name", "geometry"]], how="inner", predicate="within")
    joined = joined[~joined.index.duplicated()]
    return pd.DataFrame(joined.drop(columns=["geometry", "index_right"])).rename(
        columns={"ward_name": "ward"}
    )


def place_of(site_name: object) -> str:
    """
    Return the road or place of a plan's site name ("High Street, Hextable" -> "High Street").

    Examples
    --------
    >>> place_of("College Road, Hextable"), place_of("On or near Hextable Green")
    ('College Road', 'Hextable Green')
    """
    text = " ".join(str(site_name).split())
    text = text.rsplit(", ", 1)[0] if ", " in text else text
    return text[len("On or near ") :] if text.casefold().startswith("on or near ") else text


def _month_words(month: str) -> str:
    return pd.Period(month, "M").strftime("%B %Y")


def _say_eva(ward: str, rows: pd.DataFrame, rules: PublishRules) -> list[PublicAction]:  # noqa: ARG001
    out = []
    for month, held in rows.groupby("month", sort=True):
        n = len(held)
        places = tuple(sorted({place_of(s) for s in held["site_name"]}))
        what = (
            "An Environmental Visual Audit was"
            if n == 1
            else f"{n} Environmental Visual Audits were"
        )
        out.append(
            PublicAction(
                ward, "eva", f"{what} held in {ward} in {_month_words(str(month))}", places
            )
        )
    return out


def _weeks(days: float) -> str:
    weeks = max(1, round(days / 7))
    return "1 week" if weeks == 1 else f"{weeks} weeks"


def _say_boards(ward: str, rows: pd.DataFrame, rules: PublishRules) -> list[PublicAction]:  # noqa: ARG001
    roads = tuple(sorted({place_of(s) for s in rows["site_name"]}))
    n = len(roads)
    head = (
        "A speed indicator board stood on 1 road"
        if n == 1
        else f"Speed indicator boards stood on {n} roads"
    )
    total = " in total" if len(rows) > 1 else ""
    words = f"{head} in {ward} for {_weeks(float(rows['given'].sum()))}{total} in the quarter"
    return [PublicAction(ward, "speed_board", words, roads)]


def _say_cameras(ward: str, rows: pd.DataFrame, rules: PublishRules) -> list[PublicAction]:  # noqa: ARG001
    n = rows["site_id"].nunique()
    head = (
        "A mobile CCTV camera stood at 1 site"
        if n == 1
        else f"Mobile CCTV cameras stood at {n} sites"
    )
    total = " in total" if len(rows) > 1 else ""
    words = f"{head} in {ward} for {_weeks(float(rows['given'].sum()))}{total} in the quarter"
    return [PublicAction(ward, "cctv", words)]


def patrol_hours_words(minutes: float, base: int) -> str:
    """
    Say patrol time rounded to `base` hours ("about 20 hours", "less than 5 hours").

    Examples
    --------
    >>> patrol_hours_words(1190, 5), patrol_hours_words(100, 5), patrol_hours_words(200, 1)
    ('about 20 hours', 'less than 5 hours', 'about 3 hours')
    """
    hours = minutes / 60
    rounded = int((hours + base / 2) // base * base)
    if rounded < base:
        return f"less than {base} hour{'s' if base > 1 else ''}"
    return f"about {rounded} hour{'s' if rounded > 1 else ''}"


def _say_patrols(ward: str, rows: pd.DataFrame, rules: PublishRules) -> list[PublicAction]:
    hours = patrol_hours_words(float(rows["given"].sum()), rules.hours_base)
    return [PublicAction(ward, "patrol", f"PCSO patrols: {hours} in {ward} in the quarter")]


_SAY = {"eva": _say_eva, "speed_board": _say_boards, "patrol": _say_patrols, "cctv": _say_cameras}


def quarter_actions(
    db: Path | None,
    wards: gpd.GeoDataFrame,
    *,
    months: Sequence[str],
    rules: PublishRules,
) -> tuple[PublicAction, ...]:
    """
    Read the quarter's approved plans from the plan store and list what may be published.

    Parameters
    ----------
    db
        The plan store; None or a missing file lists nothing.
    wards
        The area's wards, in the area's order.
    months
        The quarter's months (``YYYY-MM``).
    rules
        See `public_actions`.

    Returns
    -------
    tuple of PublicAction
        As `public_actions`.
    """
    if db is None or not Path(db).exists() or not months:
        return ()
    first = dt.date.fromisoformat(f"{min(months)}-01")
    last = pd.Period(max(months), "M").end_time.date()
    rows = deployments_since(
        Path(db), since=first - dt.timedelta(days=6), before=last + dt.timedelta(days=1)
    )
    return public_actions(rows, wards, months=months, rules=rules)
