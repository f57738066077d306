"""What every command-line entry point shares: exit codes, the error type that becomes a one-line message,
the clock, and opening the data directory (seeding it on first start)."""

from __future__ import annotations

from datetime import datetime, timezone

from storage.tinydb import StoreLocked

from bot.config import Settings
from bot.services.library import Library

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAIL) -> None:
        super().__init__(message)
        self.code = code


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def open_library(settings: Settings, readonly: bool = False, fallback_readonly: bool = False) -> Library:
    """Open the data directory. A writer seeds an empty store on its first start. With
    fallback_readonly, a store owned by a running bot is opened read-only instead of failing."""
    from bot.services.seeds import ensure_seeded

    try:
        library = Library.open(settings.data_dir, readonly=readonly)
    except StoreLocked:
        if not fallback_readonly:
            raise
        library = Library.open(settings.data_dir, readonly=True)
    ensure_seeded(library, utcnow())
    return library
