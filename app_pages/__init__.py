"""Pages of the Streamlit app; `_cache` is their only link to the `geo` library."""
