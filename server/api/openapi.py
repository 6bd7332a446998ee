"""GET /api/v1/openapi.json: the API described from its marshmallow schemas (apispec)."""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app

from server.api import bp
from server.api.schemas import (
    books,
    inventory,
    register,
    review,
    safety,
    sync,
    tracing,
    vouchers,
)

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
        "Approve a proposed closure (someone other than its proposer); an adjustment by "
        "naming its amount", "Approve", "Discrepancy", 200)},
    "/books/agencies": {"post": ("Add an agency (administrators)", "AgencyIn", "Agency", 201)},
    "/books/depots": {"post": ("Set a depot up (administrators)", "DepotIn", "DepotSetup",
                               201)},
    "/books/depots/{code}": {"get": ("A depot's buildings and stacks", None, "DepotSetup",
                                     200)},
    "/books/depots/{code}/buildings": {"post": ("Add a storage building with its ELL per HD",
                                                "BuildingIn", "Building", 201)},
    "/books/depots/{code}/buildings/{building}/locations": {"post": (
        "Add a stack or rack", "LocationIn", None, 201)},
    "/catalogue/maker-aliases": {"post": ("Make a name an alias of a maker", "AliasIn", None,
                                          201)},
    "/catalogue/weapon-models": {
        "get": ("The weapon model catalogue", None, None, 200),
        "post": ("Add a weapon model", "WeaponModel", "WeaponModel", 201)},
    "/catalogue/item-types": {
        "get": ("The ammunition item catalogue", None, None, 200),
        "post": ("Add an item type (HD/CG, NEQ, UN number)", "ItemType", "ItemType", 201)},
    "/lots": {"get": ("Lots (?suspended=1 for suspended ones)", None, None, 200),
              "post": ("Record a lot", "LotIn", "LotRecord", 201)},
    "/lots/{lot_id}/suspension": {"post": ("Suspend or release a lot under a reference",
                                           "SuspensionIn", "LotRecord", 200)},
    "/depots/{code}/vouchers": {
        "get": ("A depot's voucher book, newest first", "BookArgs", None, 200),
        "post": ("Post a voucher (201) or propose one that needs a second person (202)",
                 "VoucherIn", "Movement", 201)},
    "/approvals": {"get": ("The approval queue in scope", "ApprovalArgs", None, 200)},
    "/approvals/{proposal_id}/approve": {"post": (
        "Approve and post (someone other than the originator, allowed for the depot)", None,
        "Proposal", 200)},
    "/approvals/{proposal_id}/reject": {"post": ("Reject, saying why", "RejectIn", "Proposal",
                                                 200)},
    "/losses": {"get": ("Losses and thefts with their report deadline (?overdue=1)", None,
                        None, 200)},
    "/depots/{code}/transfers": {"post": ("Send a transfer: a consignment in transit",
                                          "TransferIn", "Consignment", 201)},
    "/consignments/{consignment_id}": {"get": ("A consignment and its lines", None,
                                               "Consignment", 200)},
    "/consignments/{consignment_id}/acknowledge": {"post": (
        "Acknowledge lines at the receiving depot (complete=true ends the receipt)",
        "Acknowledge", "Consignment", 200)},
    "/in-transit": {"get": ("Consignment lines not (fully) received", None, None, 200)},
    "/losses/{proposal_id}/report": {"post": ("Record the report to the national authority",
                                              "LossReportIn", None, 201)},
    "/register/weapons": {"post": ("Register a weapon (ITI data, national marking)",
                                   "RegisterWeaponIn", "RegisterWeapon", 201)},
    "/register/weapons/{weapon_id}": {"get": ("A weapon of the register", None,
                                              "RegisterWeapon", 200)},
    "/register/search": {"get": ("Search the register by any mark, ranked with reasons",
                                 "RegisterSearchArgs", "RegisterSearch", 200)},
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
    "Close": review.CloseSchema, "Approve": review.ApproveSchema, "Note": review.NoteSchema,
    "AgencyIn": books.AgencyIn, "Agency": books.AgencySchema, "DepotIn": books.DepotIn,
    "Building": books.BuildingSchema, "DepotSetup": books.DepotSetupSchema,
    "BuildingIn": books.BuildingInSchema, "LocationIn": books.LocationIn, "AliasIn": books.AliasIn,
    "WeaponModel": books.WeaponModelSchema, "ItemType": books.ItemTypeSchema,
    "LotIn": books.LotIn, "LotRecord": books.LotOut, "SuspensionIn": books.SuspensionIn,
    "VoucherIn": vouchers.VoucherInSchema, "Movement": vouchers.MovementOut,
    "Proposal": vouchers.ProposalOut, "BookArgs": vouchers.BookArgs,
    "ApprovalArgs": vouchers.ApprovalArgs, "RejectIn": vouchers.RejectIn,
    "LossReportIn": vouchers.LossReportIn, "TransferIn": vouchers.TransferInSchema,
    "Acknowledge": vouchers.AcknowledgeSchema, "Consignment": vouchers.ConsignmentOut,
    "RegisterWeaponIn": register.WeaponInSchema, "RegisterWeapon": register.WeaponOut,
    "RegisterSearchArgs": register.RegisterSearchArgs, "RegisterSearch": register.SearchResult,
}

for area in (safety, tracing):
    OPERATIONS.update(area.OPERATIONS)
    SCHEMAS.update(area.SCHEMAS)


def _content(schema: str | dict | None) -> dict:
    """A schema's name (JSON), or a content map given whole (raw image bytes)."""
    if isinstance(schema, dict):
        return schema
    return {"application/json": {"schema": schema or {"type": "object"}}}


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
            ok = {"description": "OK", "content": _content(response_schema)}
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
                op["requestBody"] = {"required": True, "content": _content(request_schema)}
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
