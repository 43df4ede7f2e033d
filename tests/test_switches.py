"""The environment is read in one place (`geo.switches`) and passed down as arguments."""

import ast
from pathlib import Path

import pytest

from geo.switches import Switches, read_switches

REPO = Path(__file__).parents[1]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, Switches()),
        (
            {
                "GEO_HOME": "~/csu state",
                "GEO_PARSE_CACHE": "off",
                "GEO_LOCK_TIMEOUT": "0.25",
                "GEO_PUBLIC": "1",
                "GEO_PLAN_DB": "/srv/plans.sqlite",
            },
            Switches(
                home=Path("~/csu state").expanduser(),
                parse_cache=False,
                lock_timeout=0.25,
                public=True,
                plan_db=Path("/srv/plans.sqlite"),
            ),
        ),
        (
            {"GEO_PARSE_CACHE": " NO ", "GEO_PUBLIC": "TRUE"},
            Switches(parse_cache=False, public=True),
        ),
        ({"GEO_PARSE_CACHE": "0", "GEO_PUBLIC": "yes"}, Switches(parse_cache=False, public=True)),
        ({"GEO_LOCK_TIMEOUT": "0"}, Switches(lock_timeout=0.0)),
        ({"GEO_LOCK_TIMEOUT": " 12 "}, Switches(lock_timeout=12.0)),
    ],
)
def test_good_values_are_read(environ, expected):
    assert Switches.from_environ(environ) == expected


@pytest.mark.parametrize(
    "environ",
    [
        {"GEO_HOME": "   ", "GEO_PLAN_DB": ""},  # blank: the defaults
        {"GEO_PARSE_CACHE": "on", "GEO_PUBLIC": "0"},
        {"GEO_PARSE_CACHE": "maybe", "GEO_PUBLIC": "public"},  # not a recognised word
        {"GEO_LOCK_TIMEOUT": "soon"},
        {"GEO_LOCK_TIMEOUT": "-1"},
        {"GEO_LOCK_TIMEOUT": "nan"},
        {"GEO_LOCK_TIMEOUT": "inf"},
        {"GEO_LOCK_TIMEOUT": ""},
    ],
)
def test_blank_or_unusable_values_take_the_defaults(environ):
    assert Switches.from_environ(environ) == Switches()


def test_read_switches_reads_this_process(monkeypatch, tmp_path):
    monkeypatch.setenv("GEO_HOME", str(tmp_path))
    monkeypatch.setenv("GEO_LOCK_TIMEOUT", "2")
    assert read_switches() == Switches(home=tmp_path, lock_timeout=2.0)


def _reads_environment(path: Path) -> bool:
    """Tell whether a Python file names ``os.environ``, ``getenv`` or imports ``environ``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "environb"}:
            return True
        if isinstance(node, ast.alias) and node.name in {"environ", "getenv", "environb"}:
            return True
    return False


def test_only_geo_switches_reads_the_environment():
    sources = sorted([*(REPO / "geo").rglob("*.py"), *(REPO / "app_pages").rglob("*.py")])
    sources.append(REPO / "app.py")
    assert len(sources) > 80
    readers = [str(p.relative_to(REPO)) for p in sources if _reads_environment(p)]
    assert readers == ["geo/switches.py"]


def test_the_check_finds_a_read(tmp_path):
    for text in (
        "import os\nos.environ.get('X')",
        "import os\nos.getenv('X')",
        "from os import environ",
    ):
        (tmp_path / "m.py").write_text(text, encoding="utf-8")
        assert _reads_environment(tmp_path / "m.py")
    (tmp_path / "m.py").write_text("def f(environ):\n    return environ", encoding="utf-8")
    assert not _reads_environment(tmp_path / "m.py")
