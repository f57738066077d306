"""One writer per data directory: an advisory lock file that the kernel releases when the process dies."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from storage.records import StoreBusy


class StoreLocked(StoreBusy):
    """Another process owns the data directory (the TinyDB engine's StoreBusy)."""

    def __init__(self, path: Path, holder: str) -> None:
        self.path = path
        self.holder = holder
        who = f"process {holder}" if holder else "another process"
        super().__init__(
            f"{path.parent} is in use by {who} (a running newsbot?). One process writes a data directory at a "
            "time: stop it first, or use a different NEWSBOT_DATA_DIR. Read-only commands (latest, search) "
            "work while it runs."
        )


class DirLock:
    """flock() on <dir>/newsbot.lock. No stale-lock cleanup is ever needed: kill -9 releases it."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / "newsbot.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            raise StoreLocked(self.path, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def is_held_elsewhere(self) -> bool:
        """True when another process holds the lock (for read-only openers that want to know)."""
        if self._fd is not None or not self.path.exists():
            return False
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
