"""marshmallow wire schemas of the API, one module per area; each loads into the plain
values or dataclasses the rules take."""
