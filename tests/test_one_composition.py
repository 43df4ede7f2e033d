"""The CLI and the app compose the same way: same files, same hotspots (issue 23).

`geo hotspots` and the app's Hotspots page both go through `geo.pipeline.category_hotspots`, with
one set of defaults (`geo.pipeline.window_choice`): the window ends at the latest
police.uk month and is `settings.plan.hotspot_months` long.
"""

import json

import pytest

from app_pages import _cache
from geo import cli, pipeline
from geo.settings import DEFAULT_SETTINGS


@pytest.mark.parametrize("category", ["asb+criminal_damage", "burglary"])
def test_geo_hotspots_lists_what_the_hotspots_page_lists(tmp_path, category):
    out = tmp_path / "hotspots.geojson"
    assert cli.main(["hotspots", "--category", category, "--out", str(out)]) == 0

    from_cli = json.loads(out.read_text(encoding="utf-8"))["features"]
    files = _cache.shipped_files()
    loaded = _cache.load(files)
    # the page's defaults: the latest month offered, and the first window length offered
    as_of = _cache.months_of(loaded.accepted)[-1]
    months = DEFAULT_SETTINGS.plan.hotspot_months
    spots, _ = _cache.hotspots(files, category, as_of, months, "harm")

    assert [f["properties"]["hotspot_id"] for f in from_cli] == spots["hotspot_id"].tolist()
    assert [f["properties"]["n_incidents"] for f in from_cli] == spots["n_incidents"].tolist()
    assert len(spots) > 0


def test_the_default_window_is_the_same_for_every_caller():
    loaded = pipeline.load()
    as_of, months, weeks = pipeline.window_choice(loaded.accepted)
    assert (as_of, months, weeks) == ("2025-09", DEFAULT_SETTINGS.plan.hotspot_months, None)
    # a window in weeks ends on the last dated incident's day
    day, none, four = pipeline.window_choice(loaded.accepted, weeks=4)
    assert (len(day), none, four) == (10, None, 4)
