"""The planners' pages: Folium maps, local assets, the vi/en translation table, templates."""
