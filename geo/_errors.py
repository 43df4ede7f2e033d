"""Errors and warnings raised by the geo package."""


class GeoInputError(ValueError):
    """Input data does not meet the contract of the function it was passed to."""


class InputFileError(GeoInputError):
    """A whole input file cannot be read (empty, binary, wrong columns, ...).

    The message always starts with the file name, so the command line can print
    it as one line.
    """


class GeoDataWarning(UserWarning):
    """The input was usable, but something about it was changed or looks wrong."""
