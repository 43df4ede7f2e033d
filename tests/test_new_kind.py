"""A new resource kind is one `register_kind` and its own module: nothing else changes (#23).

The toy kind here (dispersal orders) is registered by the test alone. With no other change
to the library, the CLI or the app, it is read from ``resources.toml``, planned, set for
the week from ``geo plan`` (its own ``--orders`` option, ``--out-of-service``) and from the
week page (its own input, its units in the out-of-service list), approved and stored,
drawn on the map, exported to XLSX and the printable page, and put in the calendar.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path

import icalendar
import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo._config import Bound
from geo.cli import main
from geo.plan.context import PlanContext, usable_units
from geo.plan.registry import read_resources, register_kind, unregister_kind
from geo.plan.sites import hotspot_places
from geo.plan_export import printable_plan, sheet_of_stored
from geo.resources import Resources, WeekOverrides
from geo.schema import Deployment, ResourceKind, WeekAmount, week_dates
from geo.store import load_plan

APP = Path(__file__).parents[1] / "app.py"
WEEK = dt.date(2025, 10, 6)
COLOUR = "#e31a1c"


@dataclass(frozen=True, slots=True, kw_only=True)
class DispersalResources:
    """The toy kind's section, ``[dispersal]``."""

    orders: int = 3


def order_units(resources: Resources) -> tuple[str, ...]:
    return tuple(f"Order {i}" for i in range(1, resources.of("dispersal").orders + 1))


def order_capacity(resources: Resources, overrides: WeekOverrides) -> float:
    units = usable_units(
        order_units(resources), overrides.amount("dispersal"), overrides.out_of_service
    )
    return float(len(units))


def order_at(context: PlanContext, site: dict, before: dict) -> Deployment:
    start, end = week_dates(context.week)
    return Deployment(
        resource="dispersal",
        unit=str(before["unit"]),
        site_id=str(site["site_id"]),
        site_name=str(site["site_name"]),
        x=float(site["x"]),
        y=float(site["y"]),
        start=start,
        end=end,
        hotspot_ids=str(site.get("hotspot_ids", "")),
        reason=f"{before['unit']} covers {site['site_name']}, a lasting hotspot.",
    )


def plan_orders(context: PlanContext):
    """One order per usable unit, at the hotspots in order, skipping sites off limits."""
    units = usable_units(
        order_units(context.resources),
        context.overrides.amount("dispersal"),
        context.overrides.out_of_service,
    )
    places = hotspot_places(context)
    places = places[~places["site_id"].isin(context.overrides.excluded_sites)]
    rows = [
        order_at(context, site, {"unit": unit})
        for unit, site in zip(units, places.to_dict("records"), strict=False)
    ]
    return rows, []


@pytest.fixture
def dispersal():
    """Register the toy kind for one test, then remove it."""
    kind = register_kind(
        ResourceKind(
            key="dispersal",
            label="dispersal order",
            title="Dispersal orders",
            metric="Dispersal orders",
            letter="D",
            colour=COLOUR,
            order=50,
            planner=plan_orders,
            settings=DispersalResources,
            bounds={"orders": Bound(True, 0, 10)},
            units=order_units,
            capacity=order_capacity,
            amount=WeekAmount(
                setting="orders",
                flag="orders",
                help="at most this many dispersal orders",
                label="Dispersal orders this week",
            ),
            overrides=("out_of_service", "excluded_sites"),
            candidates=hotspot_places,
            site_row=order_at,
            export_columns=("unit", "site_name", "reason", "status"),
        )
    )
    yield kind
    unregister_kind("dispersal")


@pytest.fixture
def resources_file(tmp_path):
    """The shipped resources plus the toy kind's own section."""
    shipped = (Path(__file__).parents[1] / "geo" / "shipped" / "resources.toml").read_text()
    path = tmp_path / "resources.toml"
    path.write_text(shipped + "\n[dispersal]\norders = 3\n", encoding="utf-8")
    return path


def geo(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main([str(a) for a in args])
    return status, out.getvalue()


def orders_of(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    return frame[frame["resource"] == "dispersal"]


@pytest.mark.usefixtures("dispersal")
def test_its_section_is_read_and_checked(resources_file, tmp_path):
    assert read_resources(resources_file).of("dispersal").orders == 3
    bad = tmp_path / "bad.toml"
    bad.write_text("[dispersal]\norders = 99\n", encoding="utf-8")
    status, _ = geo("plan", "--week", WEEK, "--resources", bad, "--db", tmp_path / "p.sqlite")
    assert status == 2  # one line: bad.toml: dispersal.orders = 99 is not allowed


@pytest.mark.usefixtures("dispersal")
def test_the_cli_plans_sets_approves_exports_and_schedules_it(resources_file, tmp_path):
    db = tmp_path / "plans.sqlite"
    common = ("plan", "--week", WEEK, "--resources", resources_file, "--db", db)
    # the kind's own option and its named units, from the registry
    status, out = geo(*common, "--orders", "2", "--out-of-service", "order 1", "--json")
    assert status == 0
    summary = json.loads(out)
    assert orders_of(summary["deployments"])["unit"].tolist() == ["Order 2", "Order 3"]
    assert summary["resources"]["dispersal"]["available"] == 2.0  # 3 owned, 1 out, cap 2
    # approved and stored, exported to XLSX with the rest of the plan
    xlsx = tmp_path / "plan.xlsx"
    status, _ = geo(*common, "--orders", "1", "--approve", "--by", "PS 1", "--out", xlsx)
    assert status == 0
    stored = load_plan(db, week=WEEK)
    [unit] = stored.deployments.loc[stored.deployments["resource"] == "dispersal", "unit"]
    assert unit == "Order 1"
    book = openpyxl.load_workbook(xlsx)
    cells = [c.value for row in book[book.sheetnames[0]].iter_rows() for c in row]
    assert "dispersal order" in cells
    # its printed table has its own columns, in its order
    page = printable_plan(sheet_of_stored(stored))
    section = page.split("<h2>Dispersal orders</h2>")[1].split("<h2>")[0]
    assert "<tr><th>Unit</th><th>Site</th><th>Why</th><th>Status</th></tr>" in section
    # in the calendar: a stay from Monday to Sunday
    ics = tmp_path / "plan.ics"
    assert geo(*common, "--out", ics)[0] == 0
    events = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    [event] = [e for e in events if str(e["SUMMARY"]).startswith("Order 1 at ")]
    assert event.decoded("DTSTART") == WEEK
    assert event.decoded("DTEND") == WEEK + dt.timedelta(days=7)


@pytest.mark.usefixtures("dispersal")
def test_the_week_page_offers_it_and_maps_it(resources_file, monkeypatch, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "resources.toml").write_text(resources_file.read_text(), encoding="utf-8")
    monkeypatch.setenv("GEO_HOME", str(home))
    monkeypatch.setenv("GEO_PLAN_DB", str(tmp_path / "plans.sqlite"))
    monkeypatch.syspath_prepend(str(APP.parent))
    from app_pages import _auth, _ui

    monkeypatch.setattr(_auth, "_is_local", lambda: True)
    monkeypatch.setattr(_auth, "server_address", lambda: "127.0.0.1")
    drawn: list[str] = []  # each map the page shows, as HTML
    monkeypatch.setattr(_ui, "show_map", lambda m, **_: drawn.append(m.get_root().render()))
    at = AppTest.from_file(str(APP), default_timeout=180).run()
    at.switch_page("app_pages/week.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Order 2" in at.multiselect(key="out-of-service").options
    amount = at.number_input(key="amount-dispersal")
    assert amount.label == "Dispersal orders this week"
    assert amount.value == 3

    def shown_orders() -> list[str]:
        [rows] = [d.value for d in at.dataframe if "Why" in d.value]
        return rows.loc[rows["Resource"] == "dispersal order", "Unit"].tolist()

    assert shown_orders() == ["Order 1", "Order 2", "Order 3"]
    amount.set_value(1).run()
    assert not at.exception, [e.message for e in at.exception]
    assert shown_orders() == ["Order 1"]
    # the map draws it with its own symbol and legend entry
    assert COLOUR in drawn[-1]
    assert "D: Dispersal order" in drawn[-1]
