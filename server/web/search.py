"""The search box on every page: one hit opens at once, several are listed, a label's problem
(a wrong check character, a forged or retired label) is explained."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from server.db import db
from server.web import bp, login_required
from server.web.schemas import SearchArgs
from server.wiring import label_key
from sync.views.search import Hit, search


def hit_url(hit: Hit) -> str:
    if hit.kind == "crate":
        return url_for("web.crate", label_id=hit.target)
    if hit.kind == "submission":
        return url_for("web.inspection", submission_id=hit.target)
    if hit.kind == "lot":
        return url_for("web.crate_list", code=hit.depot, lot=hit.target)
    return url_for("web.crate_list", code=hit.depot, building=hit.target.split("/")[0])


@bp.get("/search")
@login_required
def search_page():
    g.principal.require("inventory.read")
    query = SearchArgs().load(request.args)["q"]
    found = search(db.session, g.principal, query, key=label_key()) \
        if query else None
    if found is not None and len(found.hits) == 1 and found.problem is None:
        return redirect(hit_url(found.hits[0]), 303)
    return render_template("search.html", found=found, query=query, hit_url=hit_url)
