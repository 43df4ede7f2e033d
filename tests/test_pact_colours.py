"""The PACT map's colour scales read in order with any colour blindness (#21).

Each class of the ward (reds) and square (blues) scales is simulated as seen with
protanopia, deuteranopia and tritanopia (Machado, Oliveira and Fernandes 2009,
severity 1.0, applied in linear sRGB), blended with the white page at the opacity the
map draws it, and its CIELAB lightness L* computed. A single-hue sequential scale
survives colour blindness when its lightness alone orders the classes: L* must fall
with every class, by a step the eye tells apart side by side.
"""

import itertools

import numpy as np
import pytest

from geo.maps import COUNT_BREAKS, SUPPRESSED_COLOUR
from geo.maps.pact import SQUARE_BREAKS

MACHADO = {  # severity 1.0 dichromacy, linear RGB -> linear RGB
    "typical": np.eye(3),
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
    "tritanopia": np.array(
        [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ]
    ),
}
MIN_STEP = 3.5
"""Smallest L* step between neighbouring classes (about 1 is a just-noticeable difference)."""


def lightness(colour: str, vision: str, opacity: float) -> float:
    """L* of `colour` drawn at `opacity` on white, as seen with `vision`."""
    srgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    srgb = opacity * srgb + (1 - opacity)  # the browser blends the encoded values
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    seen = np.clip(MACHADO[vision] @ linear, 0, 1)
    y = float(seen @ np.array([0.2126, 0.7152, 0.0722]))
    return 116 * np.cbrt(y) - 16 if y > 216 / 24389 else y * 24389 / 27


@pytest.mark.parametrize("vision", list(MACHADO))
@pytest.mark.parametrize(
    ("classes", "opacity"),
    [
        ((SUPPRESSED_COLOUR, *(c for _, c in reversed(COUNT_BREAKS))), 0.6),  # wards alone
        (tuple(c for _, c in reversed(SQUARE_BREAKS)), 0.8),  # squares
    ],
    ids=["wards", "squares"],
)
def test_each_class_is_darker_than_the_one_below_for_every_vision(classes, opacity, vision):
    levels = [lightness(c, vision, opacity) for c in classes]
    steps = [a - b for a, b in itertools.pairwise(levels)]
    assert min(steps) >= MIN_STEP, (vision, [round(v, 1) for v in levels])
