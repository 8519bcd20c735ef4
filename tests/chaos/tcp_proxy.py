"""A TCP proxy in front of PostgreSQL that a test can cut and restore, like a network partition."""
from __future__ import annotations

import socket
import threading
import time

from tests.chaos.harness import free_port


class TcpProxy:
    """Forwards 127.0.0.1:<port> to `target`.

    `cut()` resets every open connection and refuses new ones until `restore()`.
    `drop_after(marker)` lets the next client message containing `marker` reach the server,
    then cuts before the server's answer gets back: the client cannot know whether it worked.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(0.2)
        self.lock = threading.Lock()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.muted: set[tuple[socket.socket, socket.socket]] = set()
        self.down = False
        self.marker: bytes | None = None
        self.dropped = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)
        self.thread.start()

    def cut(self) -> None:
        with self.lock:
            self.down = True
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            self._close(pair)

    def restore(self) -> None:
        with self.lock:
            self.down = False

    def drop_after(self, marker: bytes) -> None:
        self.dropped.clear()
        self.marker = marker

    def close(self) -> None:
        self.stopping.set()
        self.cut()
        self.thread.join(timeout=5)
        self.listener.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self.lock:
                down = self.down
            if down:
                self._close((client,))
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                self._close((client,))
                continue
            pair = (client, server)
            with self.lock:
                self.pairs.append(pair)
            for src, dst, upstream in ((client, server, True), (server, client, False)):
                threading.Thread(target=self._pump, args=(src, dst, upstream, pair), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, upstream: bool, pair: tuple) -> None:
        try:
            src.settimeout(None)
            while chunk := src.recv(65536):
                if pair in self.muted:
                    continue  # the answer to the marked message never reaches the client
                marked = upstream and self.marker is not None and self.marker in chunk
                if marked:
                    self.marker = None
                    self.muted.add(pair)
                dst.sendall(chunk)
                if marked:
                    time.sleep(0.3)  # let the server act on the message before the cut
                    self.dropped.set()
                    break
        except OSError:
            pass
        self._close(pair)

    @staticmethod
    def _close(sockets) -> None:
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
