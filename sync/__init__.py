"""The rules, one package per subdomain: a session and plain values in, dataclasses and models
out, no Flask. Packages import one way, each only itself and those before it:
access, journal, (forms), labels, people, stock, photos, engine, intake, views
(declared in tests/unit/test_layout.py, which fails on any other direction)."""
