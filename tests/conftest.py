from pathlib import Path

import pytest
from hypothesis import settings

import geo.home
from geo.boundaries import read_wards
from geo.datasets import get_path
from geo.home import APP_NAME

# Property tests explore the same examples on every run: deterministic, like every test here.
settings.register_profile("deterministic", derandomize=True)
settings.load_profile("deterministic")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def geo_home(tmp_path_factory, monkeypatch):
    """Every test keeps its state (plan store, uploads, caches) in a fresh GEO_HOME.

    The library's own default (`geo.home.geo_home` with no folder: the user's data
    folder, from `platformdirs`) is the same folder, through ``XDG_DATA_HOME``, so a
    test calling the library directly never writes to the real data folder.
    """
    data = tmp_path_factory.mktemp("xdg_data")
    home = data / APP_NAME
    home.mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("GEO_HOME", str(home))
    assert geo.home.geo_home() == home
    return home


@pytest.fixture(scope="session")
def wards():
    """The shipped 26 Sevenoaks wards, in EPSG:27700."""
    return read_wards(get_path("wards"))


@pytest.fixture(scope="session")
def police_sample() -> Path:
    """40 real police.uk rows (see tests/fixtures/README.md)."""
    return FIXTURES / "police_uk_2025-09_sample.csv"


@pytest.fixture
def parsed_files(monkeypatch) -> list[str]:
    """The names of the tables the loader parses during the test, in order (not from cache)."""
    from geo import incidents

    calls: list[str] = []
    real = incidents.parse_table

    def counting(table, context):
        calls.append(table.source)
        return real(table, context)

    monkeypatch.setattr(incidents, "parse_table", counting)
    return calls
