"""Hotspot and deployment planning for a district Community Safety Unit.

The library works in British National Grid (EPSG:27700) throughout; see
`geo.crs`. Nothing in this package imports streamlit.
"""

__version__ = "0.1.0"
