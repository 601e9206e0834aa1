"""A TCP listener on loopback that counts who connects: proof that a command contacted a
host (or did not), and a host that answers no SSH at all."""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class CountingListener:
    """Accepts on 127.0.0.1:<free port>, counts each connection and closes it at once (to
    an SSH client: a host that drops the connection before its greeting)."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.server.settimeout(0.1)  # the serving thread looks at `stopped` this often
        self.stopped = threading.Event()
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def url(self, user: str = "student") -> str:
        return f"ssh://{user}@127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:  # closed
                return
            with self._lock:
                self.accepted += 1
            conn.close()

    def __enter__(self) -> CountingListener:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stopped.set()
        self._thread.join(timeout=5)
        self.server.close()
