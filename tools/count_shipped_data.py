"""Count the shipped police.uk rows per month and crime type, independently of `geo.incidents`.

Usage::

    python tools/count_shipped_data.py data/

Reads the CSVs with plain ``pandas.read_csv`` and tests points against the ward
polygons with shapely after a pyproj transform, so it shares no code with the
loader. Prints a Markdown table (rows per month and crime type inside the
wards) for ``data/README.md``, then the STATS19 collisions inside the wards by
severity and speed limit; the test suite checks the loader against both.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import Transformer


def main(argv: list[str]) -> int:
    folder = Path(argv[0])
    wards = gpd.read_file(folder.parent / "boundaries" / "sevenoaks_wards.geojson").to_crs(27700)
    district = shapely.union_all(wards.geometry.to_numpy())
    to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
    frames = []
    for path in sorted(folder.glob("*-sevenoaks-street.csv")):
        df = pd.read_csv(path, dtype={"Longitude": float, "Latitude": float})
        x, y = to_bng.transform(df["Longitude"].to_numpy(), df["Latitude"].to_numpy())
        df["inside"] = shapely.contains_xy(district, x, y)
        frames.append(df)
    rows = pd.concat(frames, ignore_index=True)
    inside = rows[rows["inside"]]
    table = pd.crosstab(inside["Crime type"], inside["Month"], margins=True, margins_name="total")
    print(
        f"rows: {len(rows)}, inside the wards: {len(inside)}, outside: {len(rows) - len(inside)}\n"
    )
    header = "| crime type | " + " | ".join(table.columns) + " |"
    print(header)
    print("|---|" + "---:|" * len(table.columns))
    for label, counts in table.iterrows():
        print(f"| {label} | " + " | ".join(str(int(v)) for v in counts) + " |")
    for path in sorted(folder.glob("dft-road-casualty-statistics-collision-*.csv")):
        _count_collisions(path, district)
    return 0


def _count_collisions(path: Path, district: shapely.Geometry) -> None:
    """Print a STATS19 file's collisions inside the wards by severity and speed limit."""
    df = pd.read_csv(path)
    x = df["location_easting_osgr"].to_numpy(dtype=float)
    y = df["location_northing_osgr"].to_numpy(dtype=float)
    inside = df[shapely.contains_xy(district, x, y)]
    severity = inside["accident_severity"].map({1: "fatal", 2: "serious", 3: "slight"})
    print(f"\n{path.name}: {len(df)} rows, inside the wards: {len(inside)}")
    print("by severity:", {k: int(v) for k, v in severity.value_counts().sort_index().items()})
    print(
        "by speed limit:",
        {int(k): int(v) for k, v in inside["speed_limit"].value_counts().sort_index().items()},
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
