"""No text from data ever runs as a template (issue 18).

folium and branca render a map's script and hand the result back to Jinja2 as a new template,
so ``{{ ... }}`` inside a popup, tooltip, label, legend or title would be evaluated on the server
a second time: HTML escaping alone does not stop it (the payload needs no ``< > & "``). Every map,
page and export here is built from data whose every text field carries template payloads,
including one that would create a directory if it ran, and the tests check that nothing ran and
the payload text is still there.
"""

import argparse
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.boundaries import read_wards
from geo.cli import map as cli_map
from geo.datasets import get_path
from geo.maps import standalone_html
from geo.maps.internal import internal_map
from geo.maps.pact import offline_page, public_csv, view_map
from geo.pact import PactArea, public_view, view_json
from geo.periods import months_window
from geo.safe_text import html_text, script_json
from geo.settings import PublicMapRules
from geo.testing import ORIGIN, make_incidents, make_plan_rows, make_ward_grid

HOSTILE_CSV = Path(__file__).parent / "fixtures" / "hostile_html" / "hostile_police.csv"

CANARY = "{{ lipsum.__globals__.os.mkdir(lipsum.__globals__.os.environ.GEO_TEMPLATE_CANARY) }}"
"""Creates the directory named by $GEO_TEMPLATE_CANARY if Jinja ever evaluates it."""

PAYLOADS = [
    CANARY,
    "{{ lipsum.__name__ }}",  # generate_lorem_ipsum if evaluated
    "{% for i in range(3) %}Z{% endfor %}",  # ZZZ if evaluated
    "{# hidden #}",  # vanishes if evaluated
    "![x](http://127.0.0.1:9/md.png) [click](http://127.0.0.1:9/)",
    '=HYPERLINK("http://127.0.0.1:9/","y")',
]


@pytest.fixture
def canary(tmp_path, monkeypatch):
    path = tmp_path / "template-ran"
    monkeypatch.setenv("GEO_TEMPLATE_CANARY", str(path))
    return path


def assert_nothing_ran(html: str, canary: Path) -> None:
    assert not canary.exists(), "a template payload from data ran on the server"
    assert "generate_lorem_ipsum" not in html
    assert "ZZZ" not in html
    assert "lipsum.__name__" in html  # the payload is still there, as text


def test_the_canary_runs_when_data_reaches_folium_raw(canary):
    """The attack is real: a raw property in a GeoJson popup is evaluated by the second pass."""
    feature = gpd.GeoDataFrame(
        {"name": [CANARY + " {{ lipsum.__name__ }}"]},
        geometry=[shapely.Point(0.19, 51.27)],
        crs=4326,
    )
    m = folium.Map(tiles=None)
    folium.GeoJson(feature, tooltip=folium.GeoJsonTooltip(fields=["name"])).add_to(m)
    html = m.get_root().render()
    assert canary.exists()
    assert "generate_lorem_ipsum" in html


def test_the_same_property_escaped_at_the_sink_is_inert(canary):
    feature = gpd.GeoDataFrame(
        {"name": [html_text(CANARY + " {{ lipsum.__name__ }}")]},
        geometry=[shapely.Point(0.19, 51.27)],
        crs=4326,
    )
    m = folium.Map(tiles=None)
    folium.GeoJson(feature, tooltip=folium.GeoJsonTooltip(fields=["name"])).add_to(m)
    html = m.get_root().render()
    assert not canary.exists()
    assert "generate_lorem_ipsum" not in html


def hostile_layers():
    wards = read_wards(get_path("wards"))
    wards.loc[wards.index[: len(PAYLOADS)], "ward_name"] = PAYLOADS
    x0, y0 = ORIGIN
    incidents = make_incidents([(10 * i, 5 * i) for i in range(len(PAYLOADS))])
    incidents["location"] = PAYLOADS
    incidents.loc[incidents.index[::2], "source"] = "csu_log"
    hotspots = gpd.GeoDataFrame(
        {
            "hotspot_id": [PAYLOADS[1]],
            "category": ["asb"],
            "rank": [1],
            "n_incidents": [12],
            "n_prior": [4],
            "trend": [2.0],
            "trend_class": [PAYLOADS[2]],
            "harm": [12.0],
            "gi_bin": [3],
            "ward_names": [PAYLOADS[:2]],
            "top_locations": [PAYLOADS],
        },
        geometry=[shapely.box(x0 - 50, y0 - 50, x0 + 150, y0 + 150)],
        crs="EPSG:27700",
    )
    deployments = gpd.GeoDataFrame(
        {
            "resource": ["cctv", "patrol"],
            "unit": [PAYLOADS[0], PAYLOADS[3]],
            "site_name": [PAYLOADS[1], PAYLOADS[4]],
            "reason": [PAYLOADS[2], PAYLOADS[5]],
        },
        geometry=[shapely.Point(x0, y0), shapely.Point(x0 + 30, y0)],
        crs="EPSG:27700",
    )
    return wards, incidents, hotspots, deployments


def test_the_internal_map_with_template_payloads_everywhere_runs_nothing(canary):
    wards, incidents, hotspots, deployments = hostile_layers()
    m = internal_map(wards, incidents, hotspots=hotspots, deployments=deployments)

    html = m.get_root().render()
    page = standalone_html(internal_map(wards, incidents), title=CANARY)

    assert_nothing_ran(html, canary)
    assert_nothing_ran(page, canary)


def test_the_outcomes_map_with_template_payloads_everywhere_runs_nothing(canary):
    import datetime as dt

    from geo.maps.outcomes import outcomes_map

    wards, _, _, _ = hostile_layers()
    x0, y0 = ORIGIN
    kinds = ["cctv", "patrol", "eva", "speed_board", "cctv", "patrol"]
    ranges = [(5.0, 2.0, 9.0), (0.0, -4.0, 4.0), (1.0, -2.0, 3.0), (-6.0, -11.0, -1.0)] * 2
    records, rows = [], []
    for i, (kind, payload) in enumerate(zip(kinds, PAYLOADS, strict=True)):
        fewer, low, high = ranges[i]
        before = 1 if i == 2 else 12
        target = {"before": before, "during": 8, "fewer": fewer, "low": low, "high": high}
        unit, site = payload, PAYLOADS[-1 - i]
        records.append(
            {
                "kind": kind,
                "unit": unit,
                "site": site,
                "from": "2025-05-05",
                "to": "2025-06-29",
                "target": target,
                "net": None,
                "wdq": None,
                "words": " ".join(PAYLOADS),
            }
        )
        start, end = dt.date(2025, 5, 5), dt.date(2025, 6, 29)
        rows.append((kind, unit, site, x0 + 40 * (i % 2), y0, start, end))
    deployments = pd.DataFrame(rows, columns=["kind", "unit", "site", "x", "y", "start", "end"])

    m = outcomes_map({"deployments": records}, deployments, wards)

    assert_nothing_ran(m.get_root().render(), canary)
    assert_nothing_ran(standalone_html(m, title=CANARY), canary)


def test_geo_map_on_the_hostile_fixture_runs_nothing(canary, tmp_path):
    out = tmp_path / "map.html"
    parser = argparse.ArgumentParser()
    cli_map.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["map", str(HOSTILE_CSV), "--week", "2025-10-06", "--out", str(out)])

    assert args.run(args) == 0

    html = out.read_text(encoding="utf-8")
    assert not canary.exists()
    assert "generate_lorem_ipsum" not in html
    assert "ZZZ" not in html
    assert "lipsum.__name__" in html


def hostile_view():
    wards = make_ward_grid(2, 1)
    wards["ward_name"] = [PAYLOADS[0], PAYLOADS[1]]
    incidents = make_incidents([(100, 100)] * 20 + [(1100, 100)] * 7, occurred="2025-01-15")
    incidents["source"] = "police.uk"
    incidents["ward_name"] = [wards.ward_name[0]] * 20 + [wards.ward_name[1]] * 7
    incidents["location"] = PAYLOADS[2]
    area = PactArea(" ".join(PAYLOADS[1:4]), tuple(wards.ward_name))
    return public_view(
        incidents,
        wards,
        area=area,
        period=months_window("2025-01", "2025-03"),
        rules=PublicMapRules(),
        covered=pd.period_range("2025-01", "2025-03", freq="M"),
    )


def test_the_public_pact_page_and_map_with_template_names_run_nothing(canary):
    view = hostile_view()

    page = offline_page(view, squares=True)
    app_map = view_map(view, squares=True).get_root().render()
    table = public_csv(view, squares=True).decode("utf-8")

    assert_nothing_ran(page, canary)
    assert_nothing_ran(app_map, canary)
    assert "generate_lorem_ipsum" not in table
    assert "{{ lipsum.__name__ }}" in str(view_json(view, squares=True))  # data keeps its own text


def test_script_json_round_trips_every_payload():
    import json

    text = script_json({"rows": PAYLOADS, PAYLOADS[1]: "</script>"})
    assert "{{" not in text
    assert "{%" not in text
    assert "{#" not in text
    assert "</" not in text
    assert json.loads(text) == {"rows": PAYLOADS, PAYLOADS[1]: "</script>"}


def test_no_template_of_ours_writes_data_with_tojson():
    """Jinja's tojson leaves { } raw for the second pass: our templates use script_json."""
    geo_dir = Path(__file__).parent.parent / "geo"
    offenders = [
        f"{path.relative_to(geo_dir)}:{n}"
        for path in sorted(geo_dir.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "|tojson" in line.replace(" ", "")
    ]
    assert offenders == []


def test_the_printable_plan_writes_template_payloads_as_inert_text(canary, tmp_path):
    import datetime as dt

    from geo.plan_export import printable_plan, sheet_of_stored
    from geo.store import load_plan, save_plan

    week = dt.date(2025, 10, 6)
    rows = make_plan_rows([ORIGIN], week).assign(
        unit=PAYLOADS[0], site_name=PAYLOADS[1], reason=PAYLOADS[2], note=PAYLOADS[3]
    )
    db = tmp_path / "plans.sqlite"
    save_plan(db, week=week, deployments=rows, status="approved", saved_by=CANARY, base_version=0)

    page = printable_plan(sheet_of_stored(load_plan(db, week=week)))

    assert not canary.exists()
    assert "{{" not in page
    assert "{%" not in page
    assert "&#123;&#123; lipsum.__name__ &#125;&#125;" in page  # shown as the text it is
