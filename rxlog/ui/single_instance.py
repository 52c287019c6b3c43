"""One window per data folder: a second launch asks the first to come forward."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLockFile, QObject, Signal

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer


def server_name(data_dir: Path) -> str:
    import hashlib

    digest = hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:16]
    return f"rxlog-{digest}"


class SingleInstance(QObject):
    """Holds a lock file in the data folder and a local server named after it.

    Signals:
        raise_requested(): another launch on the same data folder wants this window shown.
    """

    raise_requested = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._data_dir = Path(data_dir)
        if not self._data_dir.is_dir():
            from rxlog.storage.privacy import make_private_dir

            make_private_dir(self._data_dir)
        self.lock = QLockFile(str(Path(data_dir) / "rxlog-gui.lock"))
        self.lock.setStaleLockTime(0)
        self.server: QLocalServer | None = None  # once listening
        self._ping_socket: QObject | None = None

    def acquire(self) -> bool:
        """True if this is the first window on the folder (then it starts listening);
        False after asking the window that holds the folder to come forward."""
        if not self.try_lock():
            self.ping()
            return False
        self.listen()
        return True

    def try_lock(self) -> bool:
        """Take the folder's lock file (cheap: no networking imported yet)."""
        if not self.lock.tryLock(100):
            self.lock.removeStaleLockFile()
            if not self.lock.tryLock(100):
                return False
        return True

    def make_lock_private(self) -> None:
        """QLockFile makes the lock 0644: readable by its user only. Done by
        :meth:`listen`, after the first paint (``rxlog.storage.privacy`` and its
        dataclasses cost ~3 ms); the data folder around it is private already."""
        from rxlog.storage.privacy import make_private_file

        with contextlib.suppress(OSError):
            make_private_file(self._data_dir / "rxlog-gui.lock")

    @property
    def name(self) -> str:
        """The local-socket name (worked out when first needed: hashlib loads OpenSSL)."""
        return server_name(self._data_dir)

    def listen(self) -> None:
        """Answer later launches (done after the first paint: QtNetwork costs ~12 ms)."""
        from PySide6.QtNetwork import QLocalServer

        self.make_lock_private()
        QLocalServer.removeServer(self.name)
        self.server = QLocalServer(self)
        self.server.newConnection.connect(self._on_connection)
        self.server.listen(self.name)

    def ping(self) -> bool:
        from PySide6.QtNetwork import QLocalSocket

        sock = QLocalSocket(self)
        sock.connectToServer(self.name)
        if not sock.waitForConnected(500):
            sock.deleteLater()
            return False
        sock.write(b"raise\n")
        if not sock.waitForBytesWritten(500):
            # Windows' named pipe holds the write until the server reads it, which it does
            # from its event loop (this one, when the window is in this process): a socket
            # dropped now, as the launch that pings ends, takes the message with it. Turn
            # the event loop until it is written, for 2 s at most.
            _written_within(sock, 2.0)
        sock.disconnectFromServer()
        self._ping_socket = sock
        return True

    def _on_connection(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            conn = self.server.nextPendingConnection()
            conn.readyRead.connect(lambda c=conn: self._read(c))

    def _read(self, conn) -> None:  # noqa: ANN001 (QLocalSocket)
        if b"raise" in bytes(conn.readAll()):
            self.raise_requested.emit()
        conn.disconnectFromServer()

    def release(self) -> None:
        if self._ping_socket is not None:
            self._ping_socket.deleteLater()
            self._ping_socket = None
        if self.server is not None:
            self.server.close()
            self.server = None
        self.lock.unlock()


def _written_within(sock, seconds: float) -> bool:  # noqa: ANN001 (QLocalSocket)
    """Turn the event loop until ``sock`` has nothing left to write, or ``seconds`` pass."""
    import time

    from PySide6.QtCore import QCoreApplication

    end = time.monotonic() + seconds
    while sock.bytesToWrite() > 0 and time.monotonic() < end:
        QCoreApplication.processEvents()
        sock.waitForBytesWritten(20)
    return sock.bytesToWrite() == 0
