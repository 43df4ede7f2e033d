"""Read settings files people edit by hand: UTF-8 TOML, every value typed and bounded.

A value of the wrong type (a float for a count, a boolean, text), out of its stated
range (negative, ``inf``, ``1e300``), or under an unknown key is one line naming the
file, the key and what is allowed; never a traceback, a MemoryError or a plan built on
nonsense.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from geo._errors import GeoInputError


def read_toml(path: Path, what: str) -> dict[str, object]:
    r"""
    Read a TOML settings file as UTF-8.

    Parameters
    ----------
    path
        The file.
    what
        What it holds, for the message ("resources", "PACT areas").

    Returns
    -------
    dict
        The parsed tables.

    Raises
    ------
    GeoInputError
        One line naming the file: unreadable, not UTF-8 (e.g. saved as UTF-16), or not TOML.

    Examples
    --------
    >>> import tempfile
    >>> bad = Path(tempfile.mkdtemp()) / "resources.toml"
    >>> _ = bad.write_text("[cctv]\\ncameras = 5\\n", encoding="utf-16")
    >>> try:
    ...     read_toml(bad, "resources")
    ... except GeoInputError as err:
    ...     print(err)
    resources.toml: cannot read resources: the file is not UTF-8 text (byte 0); save it as UTF-8
    """
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as err:
        msg = f"{Path(path).name}: cannot read {what} ({err.strerror or err})"
        raise GeoInputError(msg) from err
    except UnicodeDecodeError as err:
        msg = (
            f"{Path(path).name}: cannot read {what}: the file is not UTF-8 text "
            f"(byte {err.start}); save it as UTF-8"
        )
        raise GeoInputError(msg) from err
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as err:
        msg = f"{Path(path).name}: cannot read {what} ({err})"
        raise GeoInputError(msg) from err


@dataclass(frozen=True, slots=True)
class Bound:
    """
    The type and closed range of one setting.

    Attributes
    ----------
    whole
        True for a count (an integer: ``5``, not ``5.5`` or ``true``); False for a
        measure (an integer or a finite decimal).
    low, high
        The allowed range, both ends included.
    unit
        Words after the range in messages ("metres", "hours").
    """

    whole: bool
    low: float
    high: float
    unit: str = ""

    def words(self) -> str:
        """
        Say the allowed values, e.g. ``a whole number from 0 to 200``.

        Examples
        --------
        >>> Bound(True, 0, 200).words()
        'a whole number from 0 to 200'
        >>> Bound(False, 10, 1000, "metres").words()
        'a number from 10 to 1000 metres'
        """
        kind = "a whole number" if self.whole else "a number"
        unit = f" {self.unit}" if self.unit else ""
        return f"{kind} from {self.low:g} to {self.high:g}{unit}"

    def check(self, value: object, *, file: str, key: str) -> int | float:
        """
        Return `value` if it has the right type and range, else raise one line.

        Raises
        ------
        GeoInputError
            Naming `file`, `key`, the value and the allowed range.

        Examples
        --------
        >>> Bound(True, 0, 200).check(5, file="r.toml", key="cctv.cameras")
        5
        >>> try:
        ...     Bound(True, 0, 200).check(5.5, file="r.toml", key="cctv.cameras")
        ... except GeoInputError as err:
        ...     print(err)
        r.toml: cctv.cameras = 5.5 is not allowed: give a whole number from 0 to 200
        """
        ok_type = (
            isinstance(value, int)
            if self.whole
            else isinstance(value, int | float) and math.isfinite(value)
        )
        if isinstance(value, bool) or not ok_type or not self.low <= value <= self.high:
            shown = str(value).lower() if isinstance(value, bool) else repr(value)
            where = f"{file}: {key} =" if file else key  # no file: a command-line flag
            msg = f"{where} {shown[:40]} is not allowed: give {self.words()}"
            raise GeoInputError(msg)
        return value


def check_keys(given: object, allowed: list[str], *, file: str, where: str) -> dict[str, object]:
    """
    Return a table's values if it is a table with only the allowed keys, else raise one line.

    Examples
    --------
    >>> check_keys({"cameras": 5, "lenses": 2}, ["cameras"], file="r.toml", where="[cctv]")
    Traceback (most recent call last):
    ...
    geo._errors.GeoInputError: r.toml: [cctv] has unknown keys ['lenses']; allowed: ['cameras']
    """
    if not isinstance(given, dict):
        msg = f"{file}: {where} must be a table of settings, got {type(given).__name__}"
        raise GeoInputError(msg)
    extra = sorted(set(given) - set(allowed))
    if extra:
        msg = f"{file}: {where} has unknown keys {extra}; allowed: {sorted(allowed)}"
        raise GeoInputError(msg)
    return given
