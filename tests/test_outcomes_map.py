"""The outcomes map: one symbol per judged deployment, by kind and verdict, text escaped."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import folium
import pandas as pd
import pytest

from geo._errors import GeoInputError
from geo.maps import resource_styles
from geo.maps.outcomes import (
    MORE_COLOUR,
    VERDICTS,
    outcome_layer,
    outcomes_map,
    placed_outcomes,
    ring_layer,
)
from geo.outcomes import DEFAULT_OUTCOME_SETTINGS, DEPLOYMENT_FIELDS, evaluate_outcomes
from geo.outcomes.planting import busy_sites, plant_reduction
from geo.pipeline import load
from geo.testing import ORIGIN, make_ward_grid

SETTINGS = replace(DEFAULT_OUTCOME_SETTINGS, view_radius_m=100.0)
HOSTILE_SITE = '<img src=x onerror="alert(1)"> High St'
X0, Y0 = ORIGIN


def deployment(kind, unit, site, dx, target, words):
    """One outcomes record and its row in the deployments table (May-June 2025)."""
    rec = {
        "kind": kind,
        "unit": unit,
        "site": site,
        "from": "2025-05-05",
        "to": "2025-06-29",
        "target": target,
        "net": None if target is None else {"fewer": 1.0, "low": -5.0, "high": 7.0},
        "wdq": None,
        "words": words,
    }
    row = {
        "kind": kind,
        "unit": unit,
        "site": site,
        "x": X0 + dx,
        "y": Y0,
        "start": dt.date(2025, 5, 5),
        "end": dt.date(2025, 6, 29),
    }
    return rec, row


def small_outcomes():
    """Five deployments of a quarter: four judged (one of each verdict) and one not."""
    made = [
        deployment(
            "cctv",
            "Camera 1",
            "High Street, Swanley",
            0,
            {"before": 14, "during": 3, "fewer": 8.2, "low": 2.1, "high": 13.9},
            "May-Jun 2025 against Mar-Apr 2025: about 8 fewer ASB and criminal damage "
            "incidents than expected at the camera site (95 % range 2 to 14)",
        ),
        deployment(
            "patrol",
            "PCSO 1",
            HOSTILE_SITE,
            0,  # the same place as Camera 1: the two symbols are spread apart
            {"before": 9, "during": 7, "fewer": -1.3, "low": -6.0, "high": 4.4},
            "May-Jun 2025 against Mar-Apr 2025: no clear change at the patrolled hotspot",
        ),
        deployment(
            "eva",
            "EVA 1",
            "Rec ground",
            900,
            {"before": 1, "during": 1, "fewer": 0.4, "low": -2.0, "high": 3.0},
            "May-Jun 2025 against Mar-Apr 2025: too few incidents to tell at the EVA site",
        ),
        deployment(
            "speed_board",
            "Board 1",
            "London Road",
            2000,
            {"before": 10, "during": 16, "fewer": -6.3, "low": -11.0, "high": -1.2},
            "May-Jun 2025 against Mar-Apr 2025: about 6 more collisions and speeding reports",
        ),
        deployment(
            "cctv",
            "Camera 2",
            "Station Approach",
            3000,
            None,
            "no data for Mar 2025, so it cannot be judged",
        ),
    ]
    outcomes = {
        "period": {"from": "2025-05-05", "to": "2025-06-29"},
        "deployments": [rec for rec, _ in made],
        "by_kind": [],
    }
    frame = pd.DataFrame([row for _, row in made], columns=list(DEPLOYMENT_FIELDS))
    return outcomes, frame


def symbols(layer: folium.FeatureGroup) -> dict[str, tuple[str, str, int]]:
    """Unit -> (the symbol's CSS class, its HTML, features drawn with it) of an outcome layer."""
    out = {}
    for child in layer._children.values():
        icon = child.marker.icon.options
        for feature in child.data["features"]:
            out[feature["properties"]["unit"]] = (
                icon["class_name"],
                icon["html"],
                len(child.data["features"]),
            )
    return out


def test_one_symbol_per_judged_deployment_coloured_by_kind_and_marked_by_verdict():
    outcomes, frame = small_outcomes()
    placed = placed_outcomes(outcomes, frame, settings=SETTINGS)

    assert list(placed["unit"]) == ["Camera 1", "PCSO 1", "EVA 1", "Board 1"]  # not Camera 2
    assert dict(zip(placed["unit"], placed["verdict"], strict=True)) == {
        "Camera 1": "fewer",
        "PCSO 1": "unclear",
        "EVA 1": "too_few",
        "Board 1": "more",
    }
    drawn = symbols(outcome_layer(placed))
    assert set(drawn) == {"Camera 1", "PCSO 1", "EVA 1", "Board 1"}
    styles = resource_styles()
    for unit, kind in [
        ("Camera 1", "cctv"),
        ("PCSO 1", "patrol"),
        ("EVA 1", "eva"),
        ("Board 1", "speed_board"),
    ]:
        colour, letter, _ = styles[kind]
        css, html, _ = drawn[unit]
        assert colour in html
        assert f">{letter}</div>" in html
        assert css == f"geo-symbol geo-outcome-{placed.set_index('unit').loc[unit, 'verdict']}"
    assert "background:#6a3d9a;color:#fff" in drawn["Camera 1"][1]  # filled
    assert "background:#fff;color:#1f78b4;border:3px solid" in drawn["PCSO 1"][1]  # hollow
    assert "dashed" in drawn["EVA 1"][1]
    assert f"border:3px solid {MORE_COLOUR};border-radius:3px" in drawn["Board 1"][1]  # square


def test_rings_are_the_kinds_reach_and_buffer():
    outcomes, frame = small_outcomes()
    placed = placed_outcomes(outcomes, frame, settings=SETTINGS)
    rings = [c.options for c in ring_layer(placed)._children.values()]

    assert [(r["radius"], r.get("dashArray")) for r in rings] == [
        (100.0, None),  # the camera view radius of the settings
        (400.0, "4 6"),  # and the 300 m buffer ring beyond it
        (150.0, None),
        (450.0, "4 6"),
        (150.0, None),
        (450.0, "4 6"),
        (600.0, None),
        (900.0, "4 6"),
    ]
    assert all(r["interactive"] is False for r in rings)  # clicks reach the symbols


def test_shared_place_symbols_are_spread_apart():
    outcomes, frame = small_outcomes()
    layer = outcome_layer(placed_outcomes(outcomes, frame, settings=SETTINGS))
    anchors = {
        f["properties"]["unit"]: tuple(child.marker.icon.options["icon_anchor"])
        for child in layer._children.values()
        for f in child.data["features"]
    }
    assert anchors["Camera 1"] != anchors["PCSO 1"]
    assert anchors["EVA 1"] == (12, 12)


def test_hostile_site_name_reaches_the_page_escaped():
    outcomes, frame = small_outcomes()
    m = outcomes_map(outcomes, frame, make_ward_grid(3, 2), settings=SETTINGS)
    html = m.get_root().render()

    assert "<img src=x" not in html
    # HTML-escaped, then folium's JSON writes "&" as \u0026
    assert "\\u0026lt;img src=x onerror=\\u0026#34;alert(1)\\u0026#34;\\u0026gt; High St" in html
    assert "about 8 fewer ASB and criminal damage incidents" in html  # the words, in the popup
    assert "cdn." not in html  # offline: no basemap, Leaflet from the app's files
    for words in VERDICTS.values():
        assert words in html  # the legend explains every symbol


def test_no_judged_deployment_no_map_and_a_lost_place_is_an_error():
    outcomes, frame = small_outcomes()
    unjudged = {**outcomes, "deployments": outcomes["deployments"][-1:]}
    assert outcomes_map(unjudged, frame, make_ward_grid(1, 1)) is None

    with pytest.raises(GeoInputError, match=r"'Board 1' at 'London Road'.*has no place"):
        placed_outcomes(outcomes, frame[frame["unit"] != "Board 1"], settings=SETTINGS)


# each verdict and how the outcomes' own words begin the claim
WORDS = {
    "fewer": re.compile(r": about \d+ fewer .* than expected at the camera site"),
    "unclear": re.compile(r": no clear change at the camera site"),
    "too_few": re.compile(r": too few incidents to tell at the camera site"),
    "more": re.compile(r": about \d+ more .* than expected at the camera site"),
}


def test_verdicts_agree_with_the_words_on_real_months():
    incidents = load().accepted
    # every incident taken out at 16 busy camera sites: some clear, most too small to tell
    sites = busy_sites(incidents, ["2022-02", "2022-03"], n=16)
    planted = plant_reduction(incidents, sites, first="2022-04", last="2022-05", share=1.0, seed=7)
    result = evaluate_outcomes(planted.planted, planted.deployments)
    placed = placed_outcomes(result, planted.deployments)

    assert len(placed) == sum(r["target"] is not None for r in result["deployments"]) == 16
    assert set(placed["verdict"]) == {"fewer", "unclear", "too_few"}
    for found, words in zip(placed["verdict"], placed["words"], strict=True):
        assert WORDS[found].search(words), (found, words)
