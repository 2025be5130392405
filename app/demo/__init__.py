"""The demo city: its data (wuhan_city.json, made by make_city.py) and the loader behind
``flask seed-demo`` (seed.py). Not imported by the running app."""
