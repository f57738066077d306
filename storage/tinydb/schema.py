"""Schema versions of a data directory, and the migrations between them.

The version lives in state.json (meta "schema"). A directory written by an older newsbot is migrated
step by step at open (each step a function of the data directory, run under the writer's lock); one
written by a newer newsbot is refused, because this version cannot know what it would lose.
Version 0 is a directory from before versioning (articles/ and state.json without a schema entry).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from storage.records import SchemaTooNew

__all__ = ["SCHEMA_VERSION", "MIGRATIONS", "SchemaTooNew"]

SCHEMA_VERSION = 1


def _v0_to_v1(data_dir: Path) -> None:
    """Version 1 only adds the version stamp; article files of either version read the same."""


MIGRATIONS: dict[int, Callable[[Path], None]] = {0: _v0_to_v1}
