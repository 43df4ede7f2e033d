import json
import subprocess
import sys

import pandas as pd
import pytest

from geo.cli import main


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_validate_json_on_the_real_sample(capsys, police_sample, tmp_path):
    rejected = tmp_path / "rejected.csv"
    status, out, err = run(
        capsys, "validate", str(police_sample), "--json", "--rejected", str(rejected)
    )

    assert status == 0
    assert err == ""
    summary = json.loads(out)
    assert {k: summary[k] for k in ("rows_in", "accepted", "rejected")} == {
        "rows_in": 40,
        "accepted": 32,
        "rejected": 8,
    }
    assert summary["reasons"] == {"outside the district": 4, "no coordinates": 4}
    (entry,) = summary["files"]
    assert entry["file"] == police_sample.name
    assert entry["error"] is None
    assert entry["rows_in"] == entry["accepted"] + entry["rejected"]
    table = pd.read_csv(rejected)
    assert list(table.columns) == ["source_file", "line", "reason", "detail"]
    assert len(table) == 8


def test_validate_table_output(capsys, police_sample):
    status, out, _ = run(capsys, "validate", str(police_sample))
    assert status == 0
    assert "outside the district: 4" in out
    assert out.splitlines()[-1].split()[:4] == ["total", "40", "32", "8"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty.csv: the file is empty"),
        ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "image.csv: the file is binary"),
        ("cols.csv", b"x,y\n1,2\n", "cols.csv: wrong columns"),
        ("book.xlsx", b"not a zip", "book.xlsx: not a readable XLSX workbook"),
        ("notes.docx", b"hello", "notes.docx: not a CSV or XLSX file"),
    ],
)
def test_unreadable_file_exits_2_with_one_line(
    capsys, tmp_path, police_sample, name, content, message
):
    bad = tmp_path / name
    bad.write_bytes(content)
    status, out, err = run(capsys, "validate", str(police_sample), str(bad), "--json")

    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert message in lines[0]
    assert "Traceback" not in err
    summary = json.loads(out)  # the readable file is still reported
    assert summary["accepted"] == 32
    assert summary["files"][1]["error"].startswith(message)


def test_missing_path_and_bad_boundaries_exit_2(capsys, tmp_path, police_sample):
    status, _, err = run(capsys, "validate", str(tmp_path / "nope.csv"))
    assert status == 2
    assert "no such file or folder" in err
    bad = tmp_path / "w.geojson"
    bad.write_text("{}")
    status, _, err = run(capsys, "validate", str(police_sample), "--boundaries", str(bad))
    assert status == 2
    assert err.startswith("geo validate: w.geojson")


def test_python_dash_m_geo_works(police_sample):
    done = subprocess.run(
        [sys.executable, "-m", "geo", "validate", str(police_sample), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows_in"] == 40


def test_plan_json_saves_and_history(capsys, tmp_path):
    from geo.datasets import get_path

    db = tmp_path / "plans.sqlite"
    args = [str(get_path("police_uk")), "--week", "2025-10-08", "--db", str(db), "--json"]
    status, out, _ = run(
        capsys, "plan", *args, "--approve", "--cameras", "3", "--out", str(tmp_path / "plan.xlsx")
    )
    assert status == 0
    summary = json.loads(out)
    assert summary["week"] == "2025-10-06"  # the Monday of the day given
    assert summary["resources"]["cctv"] == {"used": 3, "available": 3}
    first = summary["deployments"][0]
    assert set(first) >= {
        "resource",
        "unit",
        "site_name",
        "longitude",
        "latitude",
        "hotspot_ids",
        "reason",
        "status",
    }  #  (keys are added, never renamed)
    assert first["status"] == "approved"
    assert (summary["status"], summary["version"]) == ("approved", 1)
    assert 0 < first["longitude"] < 1
    assert summary["saved"] == {"version": 1, "status": "approved"}
    assert (tmp_path / "plan.xlsx").exists()
    status, out, _ = run(capsys, "plan", "--history", "--db", str(db), "--json")
    assert json.loads(out)[0]["week"] == "2025-10-06"


def _xlsx_about(path):
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book[book.sheetnames[-1]]
    return " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)


def test_an_approved_week_is_shown_and_never_saved_twice(capsys, tmp_path):
    db = tmp_path / "plans.sqlite"
    base = ["--week", "2025-10-06", "--db", str(db)]  # the shipped data
    status, out, _ = run(capsys, "plan", *base, "--approve", "--by", "Sgt A Khan", "--json")
    assert status == 0
    first = json.loads(out)
    assert (first["status"], first["version"], first["approved_by"]) == (
        "approved",
        1,
        "Sgt A Khan",
    )
    # shown again: the approved plan, with its approver and time, not a fresh suggestion
    status, out, _ = run(capsys, "plan", *base, "--json", "--out", str(tmp_path / "p.xlsx"))
    again = json.loads(out)
    assert (again["status"], again["version"], again["approved_by"]) == (
        "approved",
        1,
        "Sgt A Khan",
    )
    assert again["approved_at"] == first["approved_at"]
    about = _xlsx_about(tmp_path / "p.xlsx")
    assert "Approved plan, version 1, by Sgt A Khan" in about
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "p.xlsx").worksheets[0]
    header = [c.value for c in sheet[1]]
    assert not [h for h in header if "_" in str(h)]  # headers in words
    assert {"Status", "Approved by", "Longitude", "Latitude"} <= set(header)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) > 10
    assert {r[header.index("Approved by")] for r in rows} == {"Sgt A Khan"}
    assert {r[header.index("Status")] for r in rows} == {"approved"}
    # approving again does not make version 2
    status, _, err = run(capsys, "plan", *base, "--approve", "--by", "PC B")
    assert status == 0
    assert "already approved" in err
    # a deliberate re-plan starts from the approved plan and saves version 2 over version 1
    status, out, _ = run(capsys, "plan", *base, "--replan", "--approve", "--by", "PC B", "--json")
    assert json.loads(out)["version"] == 2
    status, out, _ = run(capsys, "plan", "--history", "--db", str(db), "--json")
    assert sorted(h["version"] for h in json.loads(out)) == [1, 2]


def test_four_approvals_started_together_save_exactly_one(tmp_path, police_sample):
    import subprocess
    import sys

    db = tmp_path / "plans.sqlite"
    cmd = [
        sys.executable,
        "-m",
        "geo",
        "plan",
        str(police_sample),
        "--week",
        "2025-10-06",
        "--db",
        str(db),
        "--approve",
    ]
    procs = [
        subprocess.Popen(
            [*cmd, "--by", f"Sgt {i}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for i in range(4)
    ]
    results = []
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        results.append((proc.returncode, err))
    # The invariant, whichever way the race goes: exactly one save; every other run was
    # refused (exit 2, one line naming the save) or started after it and was told the week
    # is already approved (exit 0, nothing saved).
    saved = [err for code, err in results if code == 0 and "already approved" not in err]
    assert len(saved) == 1, results
    for code, err in results:
        assert "Traceback" not in err
        assert code in (0, 2), results
        if code == 2:
            lines = err.strip().splitlines()
            assert len(lines) == 1
            assert "was saved as version 1 by Sgt" in lines[0]
    out = subprocess.run(
        [sys.executable, "-m", "geo", "plan", "--history", "--db", str(db), "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    history = json.loads(out)
    assert [(h["week"], h["version"]) for h in history] == [("2025-10-06", 1)]


def test_a_plan_on_old_data_says_so_in_its_headline(capsys, tmp_path):
    status, out, _ = run(capsys, "plan", "--week", "2026-06-01", "--db", str(tmp_path / "p.db"))
    assert status == 0
    assert out.splitlines()[0].endswith("the data end in 2025-09, 9 months before this week")


def test_a_reader_that_stops_early_gets_no_traceback():
    """`geo validate | head -1`: the closed pipe ends the command quietly."""
    with subprocess.Popen(
        [sys.executable, "-m", "geo", "validate", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        proc.stdout.close()  # the reader goes away before the JSON is written
        err = proc.stderr.read().decode()
        proc.wait(timeout=120)
    assert "Traceback" not in err
