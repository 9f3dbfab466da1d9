"""Real HTTP receivers on 127.0.0.1 for the webhook tests: each a context manager running a
``ThreadingHTTPServer`` on a free port in a thread. They wait on events, never sleep."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names lowercased
    body: bytes


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    repeat: int = 1  # the body is sent this many times
    # Instead of an answer: the first piece, then the second again and again, one piece every
    # ``every`` seconds, until the client goes away or the test ends (a trickling receiver).
    trickle: tuple[bytes, bytes] | None = None
    every: float = 0.05


@dataclass
class Receiver:
    """What a receiver got: every request, and how many connections were opened to it."""

    server: ThreadingHTTPServer
    scheme: str = "http"
    requests: list[Received] = field(default_factory=list)
    connections: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)  # set when the test ends
    answered: threading.Event = field(default_factory=threading.Event)
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str = "/hook", host: str = "") -> str:
        host = host or str(self.server.server_address[0])
        return f"{self.scheme}://{host}:{self.port}{path}"


def _handler(receiver: Receiver, answer: Callable[[Receiver, Received], Answer]) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = min(int(self.headers.get("content-length", "0")), MAX_BODY)
            got = Received(
                self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
            )
            receiver.requests.append(got)
            receiver.arrived.set()
            reply = answer(receiver, got)
            try:
                if reply.trickle is not None:
                    self._trickle(reply)
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(reply.body) * reply.repeat))
                self.end_headers()
                for _ in range(reply.repeat):
                    self.wfile.write(reply.body)
                    receiver.state["written"] = receiver.state.get("written", 0) + len(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                receiver.answered.set()

        def _trickle(self, reply: Answer) -> None:
            assert reply.trickle is not None
            first, then = reply.trickle
            self.wfile.write(first)
            while not receiver.release.wait(reply.every):
                self.wfile.write(then)
                self.wfile.flush()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the tests' output stays theirs

    return Handler


@contextmanager
def receiving(
    answer: Callable[[Receiver, Received], Answer],
    *,
    tls: ssl.SSLContext | None = None,
    port: int = 0,
    host: str = "127.0.0.1",
) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 (``port``: 0 for any; a given one is taken again at once after a
    receiver on it stopped, for a restart)."""

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def verify_request(self, request: Any, client_address: Any) -> bool:
            receiver.connections += 1
            opened.append(request)
            return True

    opened: list[socket.socket] = []  # closed when the receiver stops, as a process's would be
    server = Server((host, port), BaseHTTPRequestHandler)
    receiver = Receiver(server, scheme="https" if tls else "http")
    server.RequestHandlerClass = _handler(receiver, answer)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
        for connection in opened:  # kept-alive connections end with it too
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        thread.join()


def verifying(secret: str, *, tls: ssl.SSLContext | None = None) -> Any:
    """Verifies each request with the Standard Webhooks library: 204 if it verifies, else 400."""

    def answer(receiver: Receiver, got: Received) -> Answer:
        try:
            Webhook(secret).verify(got.body, got.headers)
        except WebhookVerificationError as failed:
            receiver.state.setdefault("refused", []).append(str(failed))
            return Answer(400, body=b"bad signature")
        receiver.state.setdefault("verified", []).append(got.headers["webhook-id"])
        return Answer(204)

    return receiving(answer, tls=tls)


def failing(times: int) -> Any:
    """Answers 500 ``times`` times, then 200."""

    def answer(receiver: Receiver, got: Received) -> Answer:
        failed = receiver.state.get("failed", 0)
        if failed < times:
            receiver.state["failed"] = failed + 1
            return Answer(500, body=b"not now")
        return Answer(200, body=b"ok")

    return receiving(answer)


def hanging() -> Any:
    """Never answers until the test ends."""

    def answer(receiver: Receiver, got: Received) -> Answer:
        receiver.release.wait()
        return Answer(200)

    return receiving(answer)


def trickling(first: bytes, then: bytes, *, every: float = 0.05) -> Any:
    """Sends ``first``, then ``then`` every ``every`` seconds for as long as the client listens:
    headers that never end, or ``102 Processing`` answers that never stop."""
    return receiving(lambda receiver, got: Answer(0, trickle=(first, then), every=every))


def redirecting(location: str) -> Any:
    return receiving(lambda receiver, got: Answer(302, {"location": location}))


def huge(size: int = 10 * 1024 * 1024) -> Any:
    """Answers 200 with ``size`` bytes, written in 64 KiB pieces; ``state["written"]`` counts
    what got out before the client closed."""
    piece = b"x" * 65536
    return receiving(lambda receiver, got: Answer(200, body=piece, repeat=size // len(piece)))
