"""Photos for HQ pages: full size and the stored thumbnail (for slow links), to people whose
scope covers the photo's depot, sent as the API sends them (cached privately by the browser,
never by shared proxies)."""

from __future__ import annotations

from server.downloads import send_photo
from server.web import bp, login_required


@bp.get("/photos/<photo_id>")
@login_required
def photo(photo_id: str):
    return send_photo(photo_id, thumbnail=False)


@bp.get("/photos/<photo_id>/thumb")
@login_required
def thumbnail(photo_id: str):
    return send_photo(photo_id, thumbnail=True)
