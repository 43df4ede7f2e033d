"""Write the SYNTHETIC speeding sample in ``data/synthetic/`` (seeded, reproducible).

Usage::

    python tools/make_synthetic_speed.py

No real speed survey, Speedwatch or collision data for the district could be
found, so this invents plausible records. Their places are real: each site takes
the coordinates of a police.uk map point (from the shipped ``data/`` months) whose
Location names the road, at the roads where the district's own reports say
Speedwatch groups work. Every file name says SYNTHETIC; never use these rows in
figures about real data.
"""

from __future__ import annotations

import csv

import numpy as np

from geo.boundaries import read_wards
from geo.datasets import get_path
from geo.incidents import load_incidents

OUT = get_path("synthetic_speed")

# (site name, police.uk Location, ward, speed limit mph, how bad: 0 mild .. 3 severe)
SITES = [
    ("Bayham Road, Sevenoaks", "On or near Bayham Road", "Sevenoaks Eastern", 30, 2),
    ("White Hart Wood, Sevenoaks", "On or near White Hart Wood", "Sevenoaks Kippington", 30, 1),
    (
        "Bessels Green Road",
        "On or near Bessels Green Road",
        "Brasted, Chevening and Sundridge",
        30,
        2,
    ),
    ("Chevening Road", "On or near Chevening Road", "Brasted, Chevening and Sundridge", 40, 1),
    ("Noah's Ark, Kemsing", "On or near Noah'S Ark", "Kemsing", 30, 3),
    ("Crockenhill Lane", "On or near Crockenhill Lane", "Eynsford", 60, 2),
    ("London Road, Westerham", "On or near London Road", "Westerham and Crockham Hill", 30, 2),
    ("High Street, Brasted", "On or near High Street", "Brasted, Chevening and Sundridge", 30, 3),
    ("High Street, Edenbridge", "On or near High Street", "Edenbridge South and West", 20, 1),
    ("Brasted Road, Westerham", "On or near Brasted Road", "Westerham and Crockham Hill", 40, 0),
]
THRESHOLD = {20: 25, 30: 35, 40: 46, 60: 70}
"""Kent Community Speedwatch reporting thresholds by limit (mph)."""


def _site_points() -> dict[str, tuple[float, float]]:
    wards = read_wards(get_path("wards"))
    incidents = load_incidents([get_path("police_uk")], wards=wards).accepted
    points = {}
    for name, location, ward, _, _ in SITES:
        match = incidents[(incidents["location"] == location) & (incidents["ward_name"] == ward)]
        point = match.geometry.iloc[0]
        points[name] = (round(point.x), round(point.y))
    return points


def _write(name: str, header: list[str], rows: list[list[object]]) -> None:
    with (OUT / name).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    print(f"{name}: {len(rows)} rows")


def main() -> int:
    rng = np.random.default_rng(20251006)
    points = _site_points()
    surveys, sessions, complaints, collisions = [], [], [], []
    for name, location, _, limit, bad in SITES:
        x, y = points[name]
        road = location.removeprefix("On or near ").replace("'S", "'s")
        for month in ("2025-05-12", "2025-08-11"):
            vehicles = int(rng.integers(800, 4000))
            p85 = limit * (1.0 + 0.08 * bad) + rng.normal(2, 1.5)
            pct_over = min(95.0, max(2.0, 15 + 15 * bad + rng.normal(0, 5)))
            surveys.append(
                [name, road, x, y, limit, month, vehicles, round(p85, 1), round(pct_over, 1)]
            )
        for day in rng.choice(np.arange(1, 29), size=1 + bad, replace=False):
            checked = int(rng.integers(60, 200))
            reported = int(rng.binomial(checked, 0.02 + 0.04 * bad))
            sessions.append([f"2025-09-{day:02d}", name, road, x, y, limit, checked, reported])
        for k in range(bad + 1):
            text = f"Residents report cars speeding on {road}" + (" near the school" if k else "")
            complaints.append([f"2025-0{6 + k % 3}-{10 + k:02d}", road, x + 20 * k, y, text])
        if bad >= 2:
            collisions.append(
                [
                    f"2025SYN{len(collisions):05d}",
                    "14/07/2025",
                    x + 30,
                    y - 30,
                    limit,
                    3 if bad == 2 else 2,
                ]
            )
    _write(
        "speed_surveys_SYNTHETIC.csv",
        [
            "site",
            "road",
            "easting",
            "northing",
            "speed_limit_mph",
            "period_start",
            "vehicles",
            "p85_mph",
            "pct_over_limit",
        ],
        surveys,
    )
    _write(
        "speedwatch_sessions_SYNTHETIC.csv",
        [
            "date",
            "site",
            "road",
            "easting",
            "northing",
            "speed_limit_mph",
            "vehicles_checked",
            "vehicles_reported",
        ],
        sessions,
    )
    _write(
        "speed_complaints_SYNTHETIC.csv",
        ["date", "road", "easting", "northing", "complaint"],
        complaints,
    )
    _write(
        "collisions_stats19_SYNTHETIC.csv",
        [
            "accident_index",
            "date",
            "location_easting_osgr",
            "location_northing_osgr",
            "speed_limit",
            "accident_severity",
        ],
        collisions,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
