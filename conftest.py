"""Shared by the doctests in geo/ and the tests in tests/."""

import geo.plan  # noqa: F401 (registers the built-in resource kinds before any doctest runs)
