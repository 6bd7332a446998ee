"""depotsync's Flask shell and tables: the only package that knows about HTTP."""
