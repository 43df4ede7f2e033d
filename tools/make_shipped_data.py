"""Cut the Sevenoaks District rows out of the full Kent police.uk monthly files.

Usage::

    python tools/make_shipped_data.py ../shared/data/police_uk data/
    python tools/make_shipped_data.py ../shared/data/police_uk_more data/

The second folder holds 2018-10, 2019-01, 2019-02 and 2022-01..11, whose rows carry
2011 LSOA codes; the rule below uses only the point and the LSOA *name*, so it
selects them exactly as the 2024-25 months. Line endings are kept (CRLF in 2022).

Keeps a row when its point lies in the district (the union of the shipped
wards, ``boundaries/sevenoaks_wards.geojson``) OR its ``LSOA name`` starts with
"Sevenoaks ". Rows are copied byte for byte (header included), so the shipped
files keep the police.uk column layout. Writes ``YYYY-MM-sevenoaks-street.csv``
per month and prints a count per file.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import numpy as np
import shapely

from geo.boundaries import district_outline, read_wards
from geo.crs import lonlat_to_bng
from geo.datasets import get_path


def _keep_mask(rows: list[list[str]], header: list[str], district: shapely.Geometry) -> np.ndarray:
    lon_i, lat_i, lsoa_i = (header.index(c) for c in ("Longitude", "Latitude", "LSOA name"))
    lon = np.array([float(r[lon_i]) if r[lon_i] else np.nan for r in rows])
    lat = np.array([float(r[lat_i]) if r[lat_i] else np.nan for r in rows])
    x, y = lonlat_to_bng(lon, lat)
    inside = shapely.contains_xy(district, x, y)
    by_lsoa = np.array([r[lsoa_i].startswith("Sevenoaks ") for r in rows])
    return inside | by_lsoa


def cut_month(src: Path, dest_dir: Path, district: shapely.Geometry) -> tuple[int, int]:
    """Write the district's rows of one monthly file; return (rows read, rows kept)."""
    lines = src.read_bytes().decode("utf-8").splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    rows = [next(csv.reader(io.StringIO(line))) for line in lines[1:]]
    keep = _keep_mask(rows, header, district)
    month = src.name[:7]
    out = dest_dir / f"{month}-sevenoaks-street.csv"
    kept = [lines[0]] + [line for line, k in zip(lines[1:], keep, strict=True) if k]
    out.write_bytes("".join(kept).encode("utf-8"))
    return len(rows), int(keep.sum())


def main(argv: list[str]) -> int:
    src_dir, dest_dir = Path(argv[0]), Path(argv[1])
    district = district_outline(read_wards(get_path("wards")))
    for src in sorted(src_dir.glob("*-kent-street.csv")):
        read, kept = cut_month(src, dest_dir, district)
        print(f"{src.name}: {read} rows read, {kept} kept")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
