"""The web explorer (``nanosynth serve``): search and facets, recipes with the evidence of every value, plots
that follow the filter, campaigns, CSV/Parquet export and a JSON API, on the configured database.

FastAPI routes (:mod:`nanosynth.web.app`) render Jinja2 templates; figures are plotly figures built on the server
(:mod:`nanosynth.web.plots`) and drawn by the plotly.js file of the installed ``plotly`` package, served by the
app itself: the pages load nothing from the network.
"""
