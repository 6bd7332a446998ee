"""A real HTTP server around the app (for tuspy, which speaks HTTP through requests), with a
log of the bytes each PATCH carried, as the server received them."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest
from werkzeug.serving import make_server


@dataclass
class Received:
    """[method, path, Upload-Offset sent, body bytes the app read] per request."""

    requests: list[list] = field(default_factory=list)

    def patches(self) -> list[tuple[int, int]]:
        return [(offset, size) for method, _, offset, size in self.requests
                if method == "PATCH"]

    def clear(self) -> None:
        self.requests.clear()


class CountingInput:
    def __init__(self, stream, on_read):
        self.stream, self.on_read = stream, on_read

    def read(self, *args):
        data = self.stream.read(*args)
        self.on_read(len(data))
        return data

    def readline(self, *args):
        data = self.stream.readline(*args)
        self.on_read(len(data))
        return data


@dataclass
class LiveServer:
    url: str
    received: Received

    def uploads_url(self) -> str:
        return f"{self.url}/api/v1/uploads/"


@pytest.fixture
def live_server(app):
    received = Received()
    inner = app.wsgi_app

    def counting(environ, start_response):
        offset = environ.get("HTTP_UPLOAD_OFFSET")
        entry = [environ["REQUEST_METHOD"], environ["PATH_INFO"],
                 int(offset) if offset and offset.isdigit() else None, 0]
        received.requests.append(entry)

        def on_read(n):
            entry[3] += n

        environ["wsgi.input"] = CountingInput(environ["wsgi.input"], on_read)
        return inner(environ, start_response)

    app.wsgi_app = counting
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", received=received)
    finally:
        server.shutdown()
        thread.join(10)
        app.wsgi_app = inner
