"""Frozen settings for every stage of the pipeline, with documented defaults.

Variants are made with `dataclasses.replace`, e.g.
``replace(DEFAULT_SETTINGS, load=LoadSettings(keep_outside_district=True))``.
Every class is frozen and hashable, so a settings object can key a cache.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadSettings:
    """
    How input files are read and which rows are accepted.

    Attributes
    ----------
    keep_outside_district
        Accept incidents that fall outside every ward (with an empty ward)
        instead of rejecting them as "outside the district". Default False.
    future_tolerance_days
        A dated CSU log row more than this many days after the time of loading
        is rejected as "date in the future". Default 1.
    """

    keep_outside_district: bool = False
    future_tolerance_days: int = 1

    def __post_init__(self) -> None:
        if self.future_tolerance_days < 0:
            msg = f"future_tolerance_days must be 0 or more, got {self.future_tolerance_days!r}"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicMapRules:
    """
    What a public (PACT) map or table may show.

    Attributes
    ----------
    cell_m
        Side of the square cells counts are aggregated to, in metres. At least
        250 m, so a cell never narrows a count down to a street corner. Default 500.
    min_count
        Counts below this are shown as "fewer than N", never as a number. At least
        5 (the team's disclosure rule), default 5.
    """

    cell_m: float = 500.0
    min_count: int = 5

    def __post_init__(self) -> None:
        if not self.cell_m >= 250:
            msg = f"cell_m must be at least 250 metres for public maps, got {self.cell_m!r}"
            raise ValueError(msg)
        if self.min_count < 5:
            msg = f"min_count must be at least 5 for public maps, got {self.min_count!r}"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class MapSettings:
    """
    How maps are drawn: basemap, where Leaflet is served from, public rules.

    Attributes
    ----------
    basemap_url
        A tile URL template (``https://{s}.tile.example/{z}/{x}/{y}.png``) for
        networks that have one, or None (default) for no basemap: maps then work
        fully offline, showing only our own layers.
    basemap_attribution
        The attribution the tile provider requires; needed with `basemap_url`.
    asset_url
        Where the browser finds the local Leaflet files (the app's ``static/``
        folder, served by Streamlit at ``/app/static``).
    public
        What public maps may show; see `PublicMapRules`.
    """

    basemap_url: str | None = None
    basemap_attribution: str = ""
    asset_url: str = "/app/static"
    public: PublicMapRules = PublicMapRules()

    def __post_init__(self) -> None:
        if self.basemap_url is not None and not self.basemap_attribution.strip():
            msg = "basemap_attribution is required with basemap_url (tile providers require it)"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """
    Everything a run needs to know, passed explicitly to each stage.

    Attributes
    ----------
    load
        How input files are read; see `LoadSettings`.
    maps
        How maps are drawn, and what public maps may show; see `MapSettings`.
    """

    load: LoadSettings = LoadSettings()
    maps: MapSettings = MapSettings()


DEFAULT_SETTINGS = Settings()
"""The settings used when none are given."""
