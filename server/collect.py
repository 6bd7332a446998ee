"""ODK Collect's settings QR code: scanned once, it configures a phone's project with the
server URL that carries the device token. The payload is Collect's settings JSON,
zlib-compressed and base64-encoded. Plain values in, PNG bytes or SVG text out; no
database."""

from __future__ import annotations

import base64
import io
import json
import zlib
from typing import Any

import qrcode
from qrcode.constants import ERROR_CORRECT_L
from qrcode.image.svg import SvgPathImage


def server_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/key/{token}"


def collect_settings(base_url: str, token: str, *, project_name: str = "depotsync",
                     project_color: str = "#1f5f3f") -> dict[str, Any]:
    """Collect's settings for a depotsync project (keys as Collect names them)."""
    return {
        "general": {
            "server_url": server_url(base_url, token),
            "username": "",
            "password": "",
            "form_update_mode": "match_exactly",  # the phone holds what the server lists
            "periodic_form_updates_check": "every_one_hour",
            "autosend": "wifi_and_cellular",
            "delete_send": False,
            "default_completed": False,
        },
        "admin": {},
        "project": {"name": project_name, "icon": "D", "color": project_color},
    }


def collect_payload(settings: dict[str, Any]) -> str:
    """What the QR code holds: base64(zlib(JSON))."""
    data = json.dumps(settings, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.b64encode(zlib.compress(data, 9)).decode("ascii")


def read_payload(payload: str) -> dict[str, Any]:
    return json.loads(zlib.decompress(base64.b64decode(payload)))


def _collect_code(base_url: str, token: str, project_name: str, box_size: int,
                  **factory: Any) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_L, box_size=box_size, border=4,
                         **factory)
    code.add_data(collect_payload(collect_settings(base_url, token,
                                                   project_name=project_name)))
    code.make(fit=True)
    return code


def collect_qr_png(base_url: str, token: str, *, project_name: str = "depotsync",
                   box_size: int = 8) -> bytes:
    code = _collect_code(base_url, token, project_name, box_size)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()


def collect_qr_svg(base_url: str, token: str, *, project_name: str = "depotsync") -> str:
    """The same code as an SVG element, for a page to show inline (no image URL that would
    carry the token, no data: URL for the page's Content-Security-Policy to refuse)."""
    code = _collect_code(base_url, token, project_name, 10, image_factory=SvgPathImage)
    svg = code.make_image().to_string(encoding="unicode")
    return svg[svg.index("<svg"):]
