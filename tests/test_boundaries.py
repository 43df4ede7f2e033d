import geopandas as gpd
import pytest
import shapely

from geo._errors import GeoDataWarning, InputFileError
from geo.boundaries import district_outline, read_wards
from geo.datasets import get_path


def test_shipped_wards_load_in_british_national_grid(wards):
    assert len(wards) == 26
    assert wards.crs.to_epsg() == 27700
    assert list(wards.columns) == ["ward_code", "ward_name", "geometry"]
    assert wards["ward_code"].is_unique
    assert "Brasted, Chevening and Sundridge" in set(wards["ward_name"])
    assert wards.geometry.is_valid.all()
    assert district_outline(wards).area / 1e6 == pytest.approx(370.3, abs=0.5)


def _raw_wards():
    return gpd.read_file(get_path("wards")).head(3)


@pytest.mark.parametrize(
    ("rename", "expected_code"),
    [
        ({"WD20CD": "CODE", "WD20NM": "NAME", "WD13CD": "old"}, "E05009956"),
        ({"WD20CD": "WD23CD", "WD20NM": "WD23NM"}, "E05009956"),
        ({}, "E05009956"),  # WD20CD preferred over the older WD13CD
    ],
    ids=["CODE-NAME", "WD23", "WD20-over-WD13"],
)
def test_code_and_name_columns_are_detected(tmp_path, rename, expected_code):
    path = tmp_path / "w.geojson"
    _raw_wards().rename(columns=rename).to_file(path)
    wards = read_wards(path).set_index("ward_name")
    assert wards.loc["Ash and New Ash Green", "ward_code"] == expected_code


def test_columns_can_be_named_and_missing_ones_are_explained(tmp_path):
    path = tmp_path / "w.gpkg"
    _raw_wards()[["WD20CD", "WD20NM", "geometry"]].rename(
        columns={"WD20CD": "gss", "WD20NM": "label"}
    ).to_file(path)
    with pytest.raises(InputFileError, match="cannot find a code column or a name column"):
        read_wards(path)
    assert len(read_wards(path, code_col="gss", name_col="label")) == 3


def test_ward_file_in_british_national_grid(tmp_path):
    path = tmp_path / "bng.geojson"
    _raw_wards().to_crs(27700).to_file(path)
    wards = read_wards(path)
    assert wards.crs.to_epsg() == 27700
    expected = read_wards(get_path("wards")).set_index("ward_code").loc[wards["ward_code"]]
    assert wards.area.to_numpy() == pytest.approx(expected.area.to_numpy(), rel=1e-6)


def test_grid_metres_in_a_file_that_declares_degrees_is_refused(tmp_path):
    path = tmp_path / "lying.geojson"
    bng = _raw_wards().to_crs(27700)
    bng.set_crs(4326, allow_override=True).to_file(path)
    with pytest.raises(
        InputFileError,
        match=r"read as British National Grid eastings/northings \(EPSG:27700\), 100 % of the "
        r"wards fall in Great Britain: fix the file's CRS or pass crs='EPSG:27700'$",
    ):
        read_wards(path)


def test_shapefile_without_prj_needs_a_crs(tmp_path):
    path = tmp_path / "w.shp"
    _raw_wards()[["WD20CD", "WD20NM", "geometry"]].to_crs(27700).to_file(path)
    (tmp_path / "w.prj").unlink()
    with pytest.raises(InputFileError, match="declares no CRS"):
        read_wards(path)
    assert len(read_wards(path, crs="EPSG:27700")) == 3


def test_invalid_polygon_is_repaired_and_reported(tmp_path):
    bowtie = shapely.Polygon([(0.10, 51.30), (0.12, 51.32), (0.12, 51.30), (0.10, 51.32)])
    frame = gpd.GeoDataFrame(
        {"WD20CD": ["E1", "E2"], "WD20NM": ["Bow tie", "Fine"]},
        geometry=[bowtie, shapely.box(0.13, 51.30, 0.14, 51.31)],
        crs=4326,
    )
    path = tmp_path / "bad.geojson"
    frame.to_file(path)
    with pytest.warns(GeoDataWarning, match="repaired 1 invalid ward polygon.*Bow tie"):
        wards = read_wards(path)
    assert wards.geometry.is_valid.all()
    assert set(wards.geom_type) <= {"Polygon", "MultiPolygon"}
    assert wards.area.iloc[0] > 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"type": "FeatureCollection", "features": []}', "no features|cannot be read"),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
            '{"WD20CD": "E1", "WD20NM": "A"}, '
            '"geometry": {"type": "Point", "coordinates": [0.1, 51.3]}}]}',
            "no ward polygons",
        ),
        ("not json at all", "cannot be read"),
    ],
    ids=["no-features", "points", "garbage"],
)
def test_unusable_ward_files_are_refused(tmp_path, content, message):
    path = tmp_path / "w.geojson"
    path.write_text(content)
    with pytest.raises(InputFileError, match=message):
        read_wards(path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        read_wards(tmp_path / "nope.geojson")
