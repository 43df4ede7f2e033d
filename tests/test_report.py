"""The quarterly report: `geo report` writes Word and a printable page from the shipped data."""

import datetime as dt
import io
import zipfile

import docx
import pandas as pd
import pytest

from geo.cli import main
from geo.pipeline import load
from geo.report import build_report, parse_quarter, report_docx, report_html
from geo.schema import DEPLOYMENT_COLUMNS
from geo.store import save_plan
from geo.testing import make_plan_rows

HOSTILE = "<script>alert(1)</script>{{ 7*7 }}\x00\x1b[31m"

OUTCOMES = {  # the shape `geo outcomes --json` prints (issue 19)
    "period": {"from": "2025-01-01", "to": "2025-03-31"},
    "deployments": [
        {
            "kind": "cctv",
            "unit": "Camera 1",
            "site": "On or near " + HOSTILE,
            "from": "2025-01-06",
            "to": "2025-02-02",
            "target": {"before": 9, "during": 2, "fewer": 5.1, "low": -1.0, "high": 11.2},
            "net": {"fewer": 4.0, "low": -4.2, "high": 12.2},
            "wdq": 0.4,
            "words": "too few incidents to tell " + HOSTILE,
        }
    ],
    "by_kind": [
        {
            "kind": "cctv",
            "deployments": 10,
            "target": {"fewer": 12.3, "low": 3.1, "high": 21.5},
            "net": {"fewer": 10.0, "low": -1.0, "high": 21.0},
            "controls": "30 places with 2-16 incidents in 2024-10..12",
            "words": "about 12 fewer incidents than expected at the 10 camera sites "
            "(95 % range 3 to 21)",
        }
    ],
}


def _table_text(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def test_geo_report_writes_a_docx_word_reopens_with_map_measures_and_verdicts(tmp_path, capsys):
    out = tmp_path / "r.docx"
    assert main(["report", "--quarter", "2025-Q1", "--out", str(out)]) == 0
    assert "Success measures: All crime: met" in capsys.readouterr().out

    doc = docx.Document(str(out))
    assert len(doc.inline_shapes) == 2  # the map and the chart of months
    with zipfile.ZipFile(out) as z:
        pngs = [n for n in z.namelist() if n.startswith("word/media/")]
        assert all(z.read(n)[:8] == b"\x89PNG\r\n\x1a\n" for n in pngs)
    tables = [_table_text(t) for t in doc.tables]
    [measures] = [t for t in tables if t[0][0] == "Measure"]
    assert measures[0] == [
        "Measure",
        "Target",
        "January to March 2025",
        "January to March 2024",
        "Change (95 % range)",
        "Verdict",
    ]
    assert [(r[0], r[5]) for r in measures[1:]] == [
        ("All crime", "met"),
        ("Burglary", "too few to tell"),
        ("Vehicle crime", "too few to tell"),
        ("Anti-social behaviour", "too few to tell"),
    ]
    [priorities] = [t for t in tables if t[0][0] == "Category"]
    assert [r[0] for r in priorities[1:4]] == [
        "Anti-social behaviour",
        "Burglary",
        "Road safety and speeding",
    ]
    assert priorities[1][1:3] == ["248", "217"]
    assert priorities[3][1:] == ["not loaded", "not loaded", "no data"]  # never zero
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Anti-social behaviour" in text
    assert "Burglary" in text
    # the report judged the store itself: it holds no approved week, and says so
    assert "No outcomes by kind: no approved deployment ran between 01 January 2025" in text
    assert "Data period: 2025-01 to 2025-03, compared with 2024-01 to 2024-03." in text
    assert "2025-01-sevenoaks-street.csv" in text
    assert "Made on " in text
    [pact] = [t for t in tables if t[0][0] == "PACT area"]
    assert pact[1][:2] == ["Swanley", "460"]  # the public PACT page's own rounded count


@pytest.mark.parametrize(
    ("quarter", "words"),
    [
        ("2026-Q1", "2026-Q1: the data do not cover 2026-01, 2026-02, 2026-03"),
        ("2024-Q2", "2024-Q2: the data do not cover 2024-05, 2024-06"),
        ("2025-Q5", "--quarter '2025-Q5': write it YYYY-Qn"),
        ("Q1 2025", "--quarter 'Q1 2025': write it YYYY-Qn"),
    ],
)
def test_a_quarter_without_data_or_written_wrong_is_one_line_exit_2(
    tmp_path, capsys, quarter, words
):
    out = tmp_path / "r.docx"
    assert main(["report", "--quarter", quarter, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("geo report: ")
    assert words in err
    assert err.count("\n") == 1
    assert not out.exists()


def test_bad_out_and_outcomes_files_are_one_line(tmp_path, capsys):
    assert main(["report", "--quarter", "2025-Q1", "--out", str(tmp_path / "r.pdf")]) == 2
    assert "write the report as .docx (Word) or .html" in capsys.readouterr().err
    bad = tmp_path / "o.json"
    bad.write_text("[1, 2]")
    argv = ["report", "--quarter", "2025-Q1", "--out", str(tmp_path / "r.docx")]
    assert main([*argv, "--outcomes", str(bad)]) == 2
    assert "expected the object `geo outcomes --json` prints" in capsys.readouterr().err


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    """2025-Q1 with an approved week whose site and outcomes carry hostile text."""
    db = tmp_path_factory.mktemp("store") / "plans.sqlite"
    row = dict.fromkeys(DEPLOYMENT_COLUMNS, "")
    row.update(
        resource="cctv",
        unit="Camera 1",
        site_id="s1",
        site_name=HOSTILE,
        x=551000.0,
        y=168000.0,
        start="2025-01-06",
        end="2025-01-12",
        weeks_on_site=1,
        reason="because",
        status="approved",
        numbers={},
    )
    save_plan(
        db,
        week=dt.date(2025, 1, 6),
        deployments=pd.DataFrame([row], columns=list(DEPLOYMENT_COLUMNS)),
        status="approved",
        saved_by="PS 1",
        base_version=None,
    )
    return build_report(load(), parse_quarter("2025-Q1"), db=db, outcomes=OUTCOMES)


def test_deployments_and_outcomes_are_shown_and_hostile_text_stays_text(hostile_report):
    page = report_html(hostile_report)
    assert "<script>alert" not in page
    assert "{{ 7*7 }}" not in page
    assert "&lt;script&gt;" in page
    assert "about 12 fewer incidents than expected at the 10 camera sites" in page
    assert "<img src='data:image/png;base64," in page  # pictures inline: opens offline
    assert "http://" not in page
    assert "https://" not in page

    doc = docx.Document(io.BytesIO(report_docx(hostile_report)))
    tables = [_table_text(t) for t in doc.tables]
    [done] = [t for t in tables if t[0] == ["Resource", "Unit", "Site", "Week starting", "Until"]]
    assert done[1][:2] == ["Mobile CCTV", "Camera 1"]
    assert done[1][2].startswith("<script>alert(1)</script>{{ 7*7 }}\ufffd\ufffd")
    [by_kind] = [t for t in tables if t[0] == ["Resource", "Deployments", "Outcome"]]
    assert by_kind[1][:2] == ["Mobile CCTV", "10"]
    assert by_kind[1][2].startswith("about 12 fewer incidents")
    [each] = [t for t in tables if t[0][-1] == "Outcome" and t[0][1] == "Unit"]
    assert each[1][1] == "Camera 1"
    assert each[1][5].startswith("too few incidents to tell")


def test_geo_report_judges_the_quarters_approved_deployments_itself(tmp_path):
    from geo.outcomes.planting import busy_sites

    incidents = load().accepted
    db = tmp_path / "plans.sqlite"
    sites = busy_sites(incidents, ["2024-12", "2025-01"], n=5)
    for week in range(4):  # four approved weeks of five cameras, 3 February to 2 March 2025
        start = dt.date(2025, 2, 3) + dt.timedelta(weeks=week)
        rows = make_plan_rows(sites, start, weeks_on_site=week + 1)
        save_plan(db, week=start, deployments=rows, status="approved", saved_by="t", base_version=0)
    out = tmp_path / "r.docx"

    assert main(["report", "--quarter", "2025-Q1", "--out", str(out), "--db", str(db)]) == 0

    doc = docx.Document(str(out))
    tables = [_table_text(t) for t in doc.tables]
    [by_kind] = [t for t in tables if t[0] == ["Resource", "Deployments", "Outcome"]]
    assert by_kind[1][:2] == ["Mobile CCTV", "5"]
    assert "camera sites" in by_kind[1][2] or "too few" in by_kind[1][2]
    [each] = [t for t in tables if t[0][:3] == ["Resource", "Unit", "Site"] and "Outcome" in t[0]]
    assert sorted(r[1] for r in each[1:]) == [f"Camera {i}" for i in range(1, 6)]
