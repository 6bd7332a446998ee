"""The OpenRosa 1.0 door at /key/<device token>/ for ODK Collect: routes, the XML documents it
writes, and multipart bodies spooled to disk."""

from server.openrosa.routes import bp

__all__ = ["bp"]
