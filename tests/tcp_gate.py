"""A TCP stand-in between the app and a real server (PostgreSQL, Redis) on 127.0.0.1, for
outage tests: open, it passes every byte both ways; hung, it accepts connections and never
answers; down, it drops new connections, and ``cut()`` also drops the open ones — as a
restart or a fail-over looks from the app's side."""

from __future__ import annotations

import contextlib
import socket
import threading


class Gate:
    def __init__(self, upstream: tuple[str, int] | None, state: str = "open"):
        self.upstream, self.state, self.accepted = upstream, state, 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.held: list[socket.socket] = []
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def open(self) -> bool:
        return self.state == "open"

    @open.setter
    def open(self, value: bool) -> None:
        self.state = "open" if value else "hung"

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.accepted += 1
            if self.state == "hung":
                self.held.append(conn)  # never a byte back
                continue
            if self.state == "down":
                conn.close()
                continue
            try:
                up = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                conn.close()
                continue
            up.settimeout(None)
            with self.lock:
                self.pairs.append((conn, up))
            for a, b in ((conn, up), (up, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    s.close()

    def cut(self):
        """Down: every open connection dropped, new ones refused until ``state = "open"``."""
        self.state = "down"
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    s.close()

    def close(self):
        self.cut()
        self.server.close()
        for conn in self.held:
            conn.close()
