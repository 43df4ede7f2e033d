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
    date_order
        How CSU dates such as ``03/04/2025`` are read: ``"auto"`` (default) decides from
        the whole column (`geo.sources._common.date_order`), ``"day"`` reads every file
        day first, ``"month"`` month first. ISO dates are read as ISO either way.
    study_square_m
        Side of the British National Grid squares that extend a study area to kept
        outside incidents (`geo.boundaries.study_area`; 1000 m).
    """

    keep_outside_district: bool = False
    future_tolerance_days: int = 1
    date_order: str = "auto"
    study_square_m: float = 1000.0

    def __post_init__(self) -> None:
        if self.future_tolerance_days < 0:
            msg = f"future_tolerance_days must be 0 or more, got {self.future_tolerance_days!r}"
            raise ValueError(msg)
        if self.date_order not in DATE_ORDERS:
            msg = f"date_order must be one of {list(DATE_ORDERS)}, got {self.date_order!r}"
            raise ValueError(msg)


DATE_ORDERS = ("auto", "day", "month")
"""The values of `LoadSettings.date_order`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TrendRules:
    """
    The words for a change between two windows, and their thresholds.

    Attributes
    ----------
    steady_pct
        A change within plus or minus this many per cent is ``steady``.
    emerging_ratio
        A place whose rate is at least this multiple of its earlier rate is
        ``emerging``.
    diminishing_ratio
        A place whose rate is at most this multiple of its earlier rate is
        ``diminishing``.
    """

    steady_pct: float = 10.0
    emerging_ratio: float = 1.5
    diminishing_ratio: float = 2 / 3


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishRules:
    """
    What the public PACT page may say the partnership did ("you said, we did").

    Only deployments the sergeant marked publishable are ever listed
    (`geo.plan_notes.add_publish`); these rules narrow that further. Read from the
    ``[you_said_we_did]`` table of ``pact_areas.toml`` (`geo.pact_actions.read_publish_rules`).

    Attributes
    ----------
    cameras
        Whether mobile CCTV camera stays may be listed at all (the unit's choice).
        Default False: a camera is listed only if the unit turns this on.
    hours_base
        Patrol hours are shown rounded to the nearest multiple of this (1 to 10
        hours), never to the minute. Default 5.
    """

    cameras: bool = False
    hours_base: int = 5

    def __post_init__(self) -> None:
        if not 1 <= self.hours_base <= 10:
            msg = f"hours_base must be from 1 to 10 hours, got {self.hours_base!r}"
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
        5 (the team's disclosure rule), default 5. Counts at or above it are
        rounded to the nearest `rounding_base` (`geo.pact.public_count`).
    rounding_base
        Public counts are rounded to the nearest multiple of this: 5 to 50, default 5.
        At least 5, so every exact public number is a multiple of 5 and no sum or
        difference of them is a count of 1 to 4.
    include_csu_logs
        Whether public views count CSU log rows (council ASB reports,
        fly-tipping) as well as police.uk records. Off by default: CSU logs are
        not public data, and reach a public page only through the same rounding,
        suppression and fixed quarters as police.uk counts.
    actions
        What "you said, we did" may list; see `PublishRules`.
    """

    cell_m: float = 500.0
    min_count: int = 5
    rounding_base: int = 5
    include_csu_logs: bool = False
    actions: PublishRules = PublishRules()

    def __post_init__(self) -> None:
        if not 5 <= self.rounding_base <= 50:
            msg = f"rounding_base must be from 5 to 50 for public maps, got {self.rounding_base!r}"
            raise ValueError(msg)
        if not self.cell_m >= 250:
            msg = f"cell_m must be at least 250 metres for public maps, got {self.cell_m!r}"
            raise ValueError(msg)
        if self.min_count < 5:
            msg = f"min_count must be at least 5 for public maps, got {self.min_count!r}"
            raise ValueError(msg)


BASEMAPS: tuple[str, ...] = ("none", "online", "pmtiles")
"""The basemap choices of `MapSettings`: offline (none), a tile server, a local PMTiles file."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MapSettings:
    """
    How maps are drawn: basemap, where Leaflet is served from, public rules.

    Attributes
    ----------
    basemap
        ``"none"`` (default: no basemap, maps work fully offline with our own layers, ward
        and place names), ``"online"`` (a tile server: OpenStreetMap's unless
        `basemap_url` says otherwise; needs the internet) or ``"pmtiles"`` (a local
        Protomaps PMTiles extract at `pmtiles_url`, drawn by protomaps-leaflet from the
        app's ``static/`` folder, offline).
    basemap_url
        A tile URL template (``https://{s}.tile.example/{z}/{x}/{y}.png``). Setting it
        implies ``basemap="online"``.
    basemap_attribution
        The attribution the tile provider requires; needed with `basemap_url`.
    pmtiles_url
        Where the browser finds the PMTiles file: a URL under the app's static folder
        (``/app/static/basemap/sevenoaks.pmtiles``) or, for a downloaded map page, a path
        relative to the page. Needed with ``basemap="pmtiles"``.
    asset_url
        Where the browser finds the local Leaflet files (the app's ``static/``
        folder, served by Streamlit at ``/app/static``).
    public
        What public maps may show; see `PublicMapRules`.
    point_cap
        Above this many incidents the internal map draws a heat layer only, never
        every point (3000).
    """

    basemap: str = "none"
    basemap_url: str | None = None
    basemap_attribution: str = ""
    pmtiles_url: str | None = None
    asset_url: str = "/app/static"
    public: PublicMapRules = PublicMapRules()
    point_cap: int = 3_000

    def __post_init__(self) -> None:
        if self.basemap not in BASEMAPS:
            msg = f"basemap must be one of {list(BASEMAPS)}, got {self.basemap!r}"
            raise ValueError(msg)
        if self.basemap_url is not None and not self.basemap_attribution.strip():
            msg = "basemap_attribution is required with basemap_url (tile providers require it)"
            raise ValueError(msg)
        if self.basemap == "pmtiles" and not self.pmtiles_url:
            msg = "pmtiles_url is required with basemap='pmtiles' (where is the PMTiles file?)"
            raise ValueError(msg)

    @property
    def basemap_kind(self) -> str:
        """Return the basemap drawn: ``"online"`` whenever `basemap_url` is set."""
        return "online" if self.basemap_url is not None else self.basemap


@dataclass(frozen=True, slots=True, kw_only=True)
class HotspotParams:
    """
    How hotspots are found (`geo.hotspots.find_hotspots`).

    Attributes
    ----------
    eps_m
        DBSCAN neighbourhood radius in metres: map points closer than this chain
        into one hotspot. 150 m suits police.uk's street-level map points.
    min_incidents
        Incidents (summed over shared map points) needed within `eps_m` for a
        core point, so a single busy map point can be a hotspot on its own.
    buffer_m
        Outline buffer around the convex hull of a hotspot's map points, so a
        one-point hotspot still has an area.
    cell_m
        Cell size of the Getis-Ord Gi* grid (metres).
    permutations
        Conditional permutations for Gi* pseudo p-values.
    fdr
        Apply a Benjamini-Hochberg false-discovery-rate correction to Gi*.
    min_incidents_by_category
        Lower minimums for low-volume categories (burglary: 55 in three months for
        the whole district, so 3 at a place is already a pattern).
    eps_m_by_category
        Wider radii for categories whose repeats spread further: burglary's
        near-repeat risk reaches 200-400 m (Johnson et al. 2007, *Journal of
        Quantitative Criminology* 23(3), 201-219), and at 150 m the shipped
        Sevenoaks data has no three burglaries together in any three months.
    match_overlap
        A new hotspot keeps a previous hotspot's id when their outlines overlap
        by at least this share of the smaller one.
    seed
        Random seed for the permutations.
    """

    eps_m: float = 150.0
    min_incidents: int = 6
    min_incidents_by_category: tuple[tuple[str, int], ...] = (("burglary", 3), ("speeding", 3))
    eps_m_by_category: tuple[tuple[str, float], ...] = (("burglary", 250.0),)
    buffer_m: float = 50.0
    cell_m: float = 250.0
    permutations: int = 999
    fdr: bool = True
    match_overlap: float = 0.3
    seed: int = 12345

    def __post_init__(self) -> None:
        radii = [self.eps_m, self.buffer_m, self.cell_m, *dict(self.eps_m_by_category).values()]
        if not all(r > 0 for r in radii):
            msg = f"eps_m, buffer_m and cell_m must be positive metres: {self}"
            raise ValueError(msg)
        if self.min_incidents < 1 or self.permutations < 99:
            msg = f"need min_incidents >= 1 and permutations >= 99: {self}"
            raise ValueError(msg)

    def min_for(self, categories: tuple[str, ...]) -> int:
        """Return the minimum cluster size for a set of categories (the lowest that applies)."""
        by = dict(self.min_incidents_by_category)
        return min([by.get(c, self.min_incidents) for c in categories] or [self.min_incidents])

    def eps_for(self, categories: tuple[str, ...]) -> float:
        """Return the DBSCAN radius for a set of categories (the widest that applies)."""
        by = dict(self.eps_m_by_category)
        return max([by.get(c, self.eps_m) for c in categories] or [self.eps_m])


@dataclass(frozen=True, slots=True, kw_only=True)
class ForecastParams:
    """
    How next month's risk is forecast (`geo.forecast.risk_surface`).

    Attributes
    ----------
    cell_m
        Grid cell size in metres (150 m).
    recent_months
        Months counted by the ``recent`` baseline (3).
    kde_bandwidth_m
        Gaussian kernel bandwidth of the ``kde`` baseline (200 m).
    prospective_half_life_months
        Time half-life of the ``prospective`` weights (2 months).
    prospective_bandwidth_m
        Space reach of the ``prospective`` weights (200 m).
    blend_recent
        Weight of the recent-months rate in the ``default`` method's blend with
        the long-run rate (0 = long-run only).
    smooth_m
        Bandwidth of the light spatial smoothing in the ``default`` method.
    smooth_weight
        Share of the ``default`` score taken from the smoothed surface.
    prior_months
        Weight of the place prior in the ``default`` method, in months of the
        category's own data: each cell's share of incidents of every category is
        added as if it were this many months of data (0 = off).
    """

    cell_m: float = 150.0
    recent_months: int = 3
    kde_bandwidth_m: float = 200.0
    prospective_half_life_months: float = 2.0
    prospective_bandwidth_m: float = 200.0
    blend_recent: float = 0.25
    smooth_m: float = 200.0
    smooth_weight: float = 0.3
    prior_months: float = 4.0

    def __post_init__(self) -> None:
        if not self.cell_m > 0 or self.recent_months < 1 or self.prior_months < 0:
            msg = f"cell_m must be positive, recent_months >= 1 and prior_months >= 0: {self}"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanSettings:
    """
    The spans of time the weekly plan reads.

    Attributes
    ----------
    hotspot_months
        Months of incidents the hotspots and reasons count over (3: the last quarter).
        (Speed boards read their own, longer span of speeding evidence:
        ``[speed_board] evidence_months`` in ``resources.toml``.)
    demand_months
        Months of incidents whose map points locate next month's forecast harm (12):
        a camera site needs a place where incidents happen, not only happened lately.
    history_weeks
        Weeks of approved plans read for board rests and EVA recency (26).
    """

    hotspot_months: int = 3
    demand_months: int = 12
    history_weeks: int = 26

    def __post_init__(self) -> None:
        if min(self.hotspot_months, self.demand_months, self.history_weeks) < 1:
            msg = f"plan spans must be at least 1: {self}"
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
    hotspots
        How hotspots are found; see `HotspotParams`.
    forecast
        How risk is forecast; see `ForecastParams`.
    plan
        The spans the weekly plan reads; see `PlanSettings`.
    trends
        What "steady", "emerging" and "diminishing" mean on every page and in every
        export (hotspots, plans, the PACT page's "about the same"); see `TrendRules`.
    """

    load: LoadSettings = LoadSettings()
    maps: MapSettings = MapSettings()
    hotspots: HotspotParams = HotspotParams()
    forecast: ForecastParams = ForecastParams()
    plan: PlanSettings = PlanSettings()
    trends: TrendRules = TrendRules()


DEFAULT_SETTINGS = Settings()
"""The settings used when none are given."""
