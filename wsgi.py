"""The WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""

import gc

from server.app import create_app

app = create_app()
# The app's own objects (modules, mappers, compiled forms: ~180,000) live as long as the
# worker: kept out of the cyclic collector, whose every full pass would otherwise walk them
# all (about 40% of a 500-op push's time, bench/sync.py).
gc.collect()
gc.freeze()
