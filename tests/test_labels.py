import re

import pandas as pd
import pytest

from geo.labels import (
    COLUMN_NAMES,
    SIGNIFICANCE,
    category_words,
    display_frame,
    hotspot_title,
    pattern_words,
    significance_words,
)
from geo.taxonomy import CATEGORIES, LABELS

SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def test_every_heading_is_words():
    assert not [v for v in COLUMN_NAMES.values() if SNAKE.match(v)]
    assert all(v[:1].isupper() for v in COLUMN_NAMES.values())


def test_categories_in_words():
    assert [category_words(c) for c in CATEGORIES] == [LABELS[c] for c in CATEGORIES]
    assert category_words("asb+criminal_damage") == "ASB and criminal damage"
    assert category_words("burglary+vehicle_crime") == "Burglary and vehicle crime"


def test_every_bin_and_class_has_words():
    assert [significance_words(b) for b in range(3, -4, -1)] == list(SIGNIFICANCE.values())
    assert significance_words(1) == "hot spot, 90 % confidence"
    assert significance_words(-3) == "cold spot, 99 % confidence"
    for code in ("new", "emerging", "persistent", "intermittent", "diminishing"):
        assert pattern_words(code) == code.capitalize()


def test_display_frame_of_real_hotspots(police_sample, wards):
    from geo.hotspots import find_hotspots
    from geo.incidents import load_incidents
    from geo.settings import HotspotParams

    incidents = load_incidents([police_sample], wards=wards).accepted
    spots = find_hotspots(
        incidents,
        categories="asb",
        as_of="2025-09",
        months=1,
        wards=wards,
        params=HotspotParams(min_incidents=3),
    )
    assert len(spots)
    shown = display_frame(spots, "hotspots")
    assert not [c for c in shown.columns if SNAKE.match(c) or c in ("x", "y")]
    assert "geometry" not in shown.columns
    assert set(shown["Significance"]) <= set(SIGNIFICANCE.values())
    assert set(shown["Category"]) == {"Anti-social behaviour"}
    title = hotspot_title(spots.iloc[0])
    assert title.startswith("Rank 1: ")
    assert title.endswith(f", {spots.iloc[0]['n_incidents']} incidents")
    assert "Swanley" in title  # the first ward of the sample's busiest hotspot


def test_display_frame_of_a_plan_drops_ids_and_names_kinds():
    plan = pd.DataFrame(
        {
            "resource": ["cctv", "patrol"],
            "site_id": ["544153:145916"] * 2,
            "x": [544153.0] * 2,
            "y": [145916.0] * 2,
            "hotspot_ids": ["ASB+CD-55250-15530"] * 2,
            "numbers": ["{}"] * 2,
        }
    )
    shown = display_frame(plan, "plan")
    assert list(shown.columns) == ["Resource", "Hotspots"]
    assert shown["Resource"].tolist()[0] == "Mobile CCTV"


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        display_frame(pd.DataFrame(), "maps")
