"""A local HTTP server (127.0.0.1, random port) serving recorded-style answers for the fetch tests."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    trickle_s: float = 0.0  # pause between body bytes (a server that keeps every socket timeout happy)


Route = Callable[[int, dict], Reply]  # (hit number starting at 1, request info) -> reply


class FakeApi:
    """Routes by path (query string ignored); records every request (path, query, headers)."""

    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                parts = urlsplit(self.path)
                with api._lock:
                    api.hits[parts.path] += 1
                    n = api.hits[parts.path]
                    info = {"path": parts.path, "query": parse_qs(parts.query), "headers": dict(self.headers),
                            "time": time.monotonic()}
                    api.requests.append(info)
                route = api.routes.get(parts.path)
                reply = route(n, info) if route else Reply(404, b'{"status":"error"}')
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    for i in range(len(reply.body)) if reply.trickle_s else ():
                        self.wfile.write(reply.body[i:i + 1])
                        self.wfile.flush()
                        time.sleep(reply.trickle_s)
                    self.wfile.write(b"" if reply.trickle_s else reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def route(self, path: str, reply: Reply | Route) -> None:
        self.routes[path] = reply if callable(reply) else (lambda n, info, r=reply: r)

    def start(self) -> FakeApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def tiny_pdf() -> bytes:
    """A minimal, valid one-page PDF (reportlab)."""
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "CdSe nanocrystals were synthesized by hot injection at 300 C.")
    c.showPage()
    c.save()
    return buf.getvalue()
