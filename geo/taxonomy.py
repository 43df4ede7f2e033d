"""The incident categories, how source labels map to them, and their harm weights.

Every incident carries one of a small fixed set of categories (``CATEGORIES``)
and keeps its original label in ``source_category``. police.uk labels map
one-to-one; CSU log labels are matched after folding case, punctuation and a
few common synonyms ("ASB", "anti social behaviour", ...).

Harm weights
------------
``HARM_WEIGHTS`` gives a weight per category in the spirit of the Cambridge
Crime Harm Index (CCHI: Sherman, Neyroud & Neyroud 2016, "The Cambridge Crime
Harm Index: measuring total harm from crime based on sentencing guidelines",
*Policing* 10(3), 171-183), which scores an offence by the days of custody
that the sentencing guideline's starting point gives a first offender.

police.uk categories lump offences of very different harm together (violence
and sexual offences runs from common assault to rape), so a category has no
single CCHI score. The table below says, for each weight, whether it is a CCHI
figure for the category's typical offence or a value this team set; every
weight can be overridden through `geo.settings`. ASB and speeding are not
crimes with a sentencing starting point: they get the floor weight of 1 day,
so that they rank by count among themselves and never outweigh a burglary.

Council categories
------------------
A CSU's own log carries what the council hears about: fly-tipping, graffiti,
abandoned vehicles and noise. They are categories of their own (never police.uk's)
so that a task-and-finish group can see them apart, and the EVA planner reads the
environmental ones (`ENVIRONMENTAL_SIGNALS`) as signs of a neglected place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from types import MappingProxyType

from geo._errors import GeoInputError

CATEGORIES: tuple[str, ...] = (
    "asb",
    "burglary",
    "criminal_damage",
    "vehicle_crime",
    "violence",
    "robbery",
    "public_order",
    "drugs",
    "weapons",
    "shoplifting",
    "bicycle_theft",
    "theft_from_person",
    "other_theft",
    "other_crime",
    "fly_tipping",
    "graffiti",
    "abandoned_vehicle",
    "noise",
    "speeding",
)
"""Every category an incident may carry, in display order."""

LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "asb": "Anti-social behaviour",
        "burglary": "Burglary",
        "criminal_damage": "Criminal damage and arson",
        "vehicle_crime": "Vehicle crime",
        "violence": "Violence and sexual offences",
        "robbery": "Robbery",
        "public_order": "Public order",
        "drugs": "Drugs",
        "weapons": "Possession of weapons",
        "shoplifting": "Shoplifting",
        "bicycle_theft": "Bicycle theft",
        "theft_from_person": "Theft from the person",
        "other_theft": "Other theft",
        "other_crime": "Other crime",
        "fly_tipping": "Fly-tipping",
        "graffiti": "Graffiti",
        "abandoned_vehicle": "Abandoned vehicle",
        "noise": "Noise nuisance",
        "speeding": "Speeding",
    }
)
"""A category's name in words, for tables, maps and reasons."""

POLICE_UK_CATEGORY: MappingProxyType[str, str] = MappingProxyType(
    {
        "Anti-social behaviour": "asb",
        "Bicycle theft": "bicycle_theft",
        "Burglary": "burglary",
        "Criminal damage and arson": "criminal_damage",
        "Drugs": "drugs",
        "Other crime": "other_crime",
        "Other theft": "other_theft",
        "Possession of weapons": "weapons",
        "Public order": "public_order",
        "Robbery": "robbery",
        "Shoplifting": "shoplifting",
        "Theft from the person": "theft_from_person",
        "Vehicle crime": "vehicle_crime",
        "Violence and sexual offences": "violence",
        # labels police.uk used before May 2013, still found in old downloads
        "Violent crime": "violence",
        "Public disorder and weapons": "public_order",
    }
)
"""police.uk ``Crime type`` label -> category."""

_SYNONYMS: MappingProxyType[str, str] = MappingProxyType(
    {
        "asb": "asb",
        "antisocial behaviour": "asb",
        "anti social behaviour": "asb",
        "antisocial behavior": "asb",
        "anti social behavior": "asb",
        "nuisance": "asb",
        "burglary residential": "burglary",
        "residential burglary": "burglary",
        "burglary dwelling": "burglary",
        "burglary business": "burglary",
        "burglary non residential": "burglary",
        "criminal damage": "criminal_damage",
        "damage": "criminal_damage",
        "fly tipping": "fly_tipping",
        "flytipping": "fly_tipping",
        "illegal dumping": "fly_tipping",
        "abandoned vehicle": "abandoned_vehicle",
        "abandoned vehicles": "abandoned_vehicle",
        "abandoned car": "abandoned_vehicle",
        "noise": "noise",
        "noise nuisance": "noise",
        "noise complaint": "noise",
        "graffiti": "graffiti",
        "arson": "criminal_damage",
        "vehicle": "vehicle_crime",
        "theft from vehicle": "vehicle_crime",
        "theft of vehicle": "vehicle_crime",
        "speeding": "speeding",
        "speed": "speeding",
        "speed complaint": "speeding",
        "violence": "violence",
        "assault": "violence",
        "drugs": "drugs",
        "drug": "drugs",
        "public order": "public_order",
        "weapons": "weapons",
        "robbery": "robbery",
        "shoplifting": "shoplifting",
        "bicycle theft": "bicycle_theft",
        "theft": "other_theft",
    }
)


def check_categories(names: Iterable[str]) -> None:
    """
    Refuse names that are not among `CATEGORIES` (a command's ``--category``).

    Parameters
    ----------
    names
        Category names.

    Raises
    ------
    GeoInputError
        Naming the unknown ones and the known ones.

    Examples
    --------
    >>> check_categories(["asb", "burglary"])
    >>> check_categories(["asb", "arson"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo._errors.GeoInputError: unknown category ['arson']; expected some of ['asb', ...]
    """
    unknown = [c for c in names if c not in CATEGORIES]
    if unknown:
        msg = f"unknown category {unknown}; expected some of {list(CATEGORIES)}"
        raise GeoInputError(msg)


def _fold(label: str) -> str:
    """Lower-case a label and reduce punctuation and spacing to single spaces."""
    return re.sub(r"[^a-z0-9]+", " ", label.lower()).strip()


_FOLDED: dict[str, str] = {
    **{_fold(k): v for k, v in POLICE_UK_CATEGORY.items()},
    **{_fold(k): v for k, v in LABELS.items()},
    **{_fold(k): v for k in CATEGORIES for v in [k]},
    **{_fold(k): v for k, v in _SYNONYMS.items()},
}


def category_for(label: str) -> str | None:
    """
    Map a source label to a category, or None if it is not recognised.

    Parameters
    ----------
    label
        A police.uk ``Crime type`` or a CSU log's category text.

    Returns
    -------
    str or None
        One of `CATEGORIES`, or None.

    Examples
    --------
    >>> category_for("Anti-social behaviour"), category_for("ASB"), category_for("Criminal Damage")
    ('asb', 'asb', 'criminal_damage')
    >>> category_for("Fly-tipping"), category_for("Noise complaint")
    ('fly_tipping', 'noise')
    >>> category_for("Littering") is None
    True
    """
    return _FOLDED.get(_fold(label))


HARM_WEIGHTS: MappingProxyType[str, float] = MappingProxyType(
    {
        "asb": 1.0,  # floor: no sentencing starting point
        "speeding": 1.0,  # floor: no sentencing starting point
        "burglary": 274.0,  # CCHI, residential burglary
        "criminal_damage": 2.0,  # CCHI, criminal damage
        "robbery": 365.0,  # CCHI, robbery of personal property
        "violence": 20.0,  # team's choice: mostly assaults without injury in this category
        "vehicle_crime": 10.0,  # team's choice: mostly theft from vehicles
        "theft_from_person": 10.0,  # team's choice
        "public_order": 5.0,  # team's choice
        "drugs": 5.0,  # team's choice: mostly possession
        "weapons": 60.0,  # team's choice
        "shoplifting": 2.0,  # team's choice
        "bicycle_theft": 2.0,  # team's choice
        "other_theft": 5.0,  # team's choice
        "other_crime": 5.0,  # team's choice
        # council environmental reports (the CSU's own logs): no sentencing starting point
        # for the report itself, so the floor, like ASB; fly-tipping is an offence
        # (Environmental Protection Act 1990 s33) usually met with a fixed penalty
        "fly_tipping": 2.0,  # team's choice: between ASB and criminal damage
        "graffiti": 2.0,  # CCHI, criminal damage (graffiti is damage when prosecuted)
        "abandoned_vehicle": 1.0,  # floor
        "noise": 1.0,  # floor: nuisance, as ASB
    }
)
"""Harm weight per category in days (see the module docstring for the source of each)."""

ENVIRONMENTAL_SIGNALS: frozenset[str] = frozenset(
    {"criminal_damage", "public_order", "asb", "fly_tipping", "graffiti", "abandoned_vehicle"}
)
"""Categories that point to a place's environment (damage, disorder): used to pick EVAs."""
