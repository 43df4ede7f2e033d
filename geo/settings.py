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
class Settings:
    """
    Everything a run needs to know, passed explicitly to each stage.

    Attributes
    ----------
    load
        How input files are read; see `LoadSettings`.
    """

    load: LoadSettings = LoadSettings()


DEFAULT_SETTINGS = Settings()
"""The settings used when none are given."""
