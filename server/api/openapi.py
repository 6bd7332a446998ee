"""GET /api/v1/openapi.json: the API described from its marshmallow schemas (apispec)."""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app

from server.api import bp
from server.api.schemas import inventory, review, sync

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                   "details": {"type": "object"}}}}}

# path -> method -> (summary, request schema, response schema, success status or statuses)
OPERATIONS = {
    "/depots": {"get": ("Depots in the device's scope", None, None, 200)},
    "/depots/{code}/crates": {"get": ("Crates of a depot, keyset pages by label ID",
                                      "PageArgs", None, 200)},
    "/crates/{label_id}": {"get": ("One crate and its contents", None, "CrateDetail", 200)},
    "/sync/config": {"get": ("Limits of the sync door", None, "SyncConfig", 200)},
    "/sync/push": {"post": ("Push a batch of ops; always 200 with one result per op",
                            "Push", "PushResult", 200)},
    "/sync/pull": {"get": ("Pull a snapshot (no cursor) or the changes since a cursor",
                           "PullArgs", "PullResult", 200)},
    "/submissions": {"post": ("Post a whole submission in JSON (201 new, 200 duplicate, "
                              "409 same instance ID with other content)", "Submission",
                              "SubmissionResult", (201, 200))},
    "/submissions/{instance_id}": {"get": ("A submission's status and missing photos", None,
                                           "SubmissionResult", 200)},
    "/conflicts": {"get": ("Conflicts in scope", "ReviewListArgs", None, 200)},
    "/conflicts/{conflict_id}/resolve": {"post": ("Resolve a conflict", "Resolve",
                                                  "Conflict", 200)},
    "/discrepancies": {"get": ("Discrepancies in scope", "ReviewListArgs", None, 200)},
    "/discrepancies/{discrepancy_id}/notes": {"post": ("Add an investigation note", "Note",
                                                       "Discrepancy", 200)},
    "/discrepancies/{discrepancy_id}/close": {"post": (
        "Close with no adjustment, or propose an adjustment", "Close", "Discrepancy", 200)},
    "/discrepancies/{discrepancy_id}/approve": {"post": (
        "Approve a proposed adjustment (someone other than its proposer)", None,
        "Discrepancy", 200)},
}
SCHEMAS = {
    "PageArgs": inventory.PageArgs, "Crate": inventory.CrateSchema,
    "CrateDetail": inventory.CrateDetailSchema, "Depot": inventory.DepotSchema,
    "SyncConfig": sync.SyncConfigSchema, "Op": sync.OpSchema, "Push": sync.PushSchema,
    "OpResult": sync.OpResultSchema, "PushResult": sync.PushResultSchema,
    "PullArgs": sync.PullArgs, "PullResult": sync.PullResultSchema,
    "Submission": sync.SubmissionSchema, "SubmissionResult": sync.SubmissionResultSchema,
    "ReviewListArgs": review.ReviewListArgs, "Conflict": review.ConflictSchema,
    "Resolve": review.ResolveSchema, "Discrepancy": review.DiscrepancySchema,
    "Close": review.CloseSchema, "Note": review.NoteSchema,
}


def build_spec() -> dict:
    spec = APISpec(title="depotsync API", version="1", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   servers=[{"url": "/api/v1"}],
                   info={"description": "JSON sync door for phones and tools. Device token "
                                        "as Authorization: Bearer."})
    spec.components.security_scheme("device", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", ERROR)
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    for path, methods in OPERATIONS.items():
        operations = {}
        for method, (summary, request_schema, response_schema, status) in methods.items():
            ok = {"description": "OK", "content": {"application/json": {
                "schema": response_schema or {"type": "object"}}}}
            op = {"summary": summary, "security": [{"device": []}], "responses": {
                **{str(s): ok for s in (status if isinstance(status, tuple) else (status,))},
                "default": {"description": "Error", "content": {"application/json": {
                    "schema": "Error"}}}}}
            params = [{"in": "path", "name": part[1:-1], "required": True,
                       "schema": {"type": "string"}}
                      for part in path.split("/") if part.startswith("{")]
            if request_schema and method == "get":
                params.append({"in": "query", "schema": request_schema})
            elif request_schema:
                op["requestBody"] = {"required": True, "content": {"application/json": {
                    "schema": request_schema}}}
            if params:
                op["parameters"] = params
            operations[method] = op
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi_document():
    if "openapi" not in current_app.extensions:
        current_app.extensions["openapi"] = build_spec()
    return current_app.extensions["openapi"]
