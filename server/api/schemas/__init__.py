"""marshmallow wire schemas of the API, one module per area; each loads into the plain
values or dataclasses the rules take."""

from marshmallow import validate

from sync.engine.types import MAX_INT

ID = validate.Range(min=1, max=MAX_INT)  # a row id: what every database's integer column holds
