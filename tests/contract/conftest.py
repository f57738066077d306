"""The storage contract suite: every test here runs once per engine, through storage.contract only.

`engine` is a fresh, writable engine; `engines` opens more over the same store (a reopen after close, a
read-only one beside the writer, one with indexers), so durability is tested the way a restart sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from storage.contract import Engine

ENGINE_NAMES = ["tinydb"]
# "postgres" joins ENGINE_NAMES with an opener below that creates a fresh database (or schema) per test
# from NEWSBOT_TEST_DATABASE_URL, and skips when that variable is unset.


def _open_tinydb(place: Path, readonly: bool, indexers: Iterable, fold_title: Callable[[str], str]) -> Engine:
    from storage.tinydb import open_engine  # the one engine import of the suite: each opener picks its own

    return open_engine(place, readonly=readonly, indexers=indexers, fold_title=fold_title)


OPENERS = {"tinydb": _open_tinydb}


class Engines:
    """Opens engines of one kind over one store, and closes whatever it opened at the end of the test."""

    def __init__(self, name: str, place: Path) -> None:
        self.name = name
        self.place = place
        self.opened: list[Engine] = []

    def open(self, readonly: bool = False, indexers: Iterable = (),
             fold_title: Callable[[str], str] = str.casefold) -> Engine:
        engine = OPENERS[self.name](self.place, readonly, indexers, fold_title)
        self.opened.append(engine)
        return engine

    def reopen(self, engine: Engine, **options) -> Engine:
        """Close `engine` (a restart) and open the same store again."""
        engine.close()
        self.opened.remove(engine)
        return self.open(**options)

    def close_all(self) -> None:
        while self.opened:
            self.opened.pop().close()


@pytest.fixture(params=ENGINE_NAMES)
def engines(request, tmp_path):
    factory = Engines(request.param, tmp_path / "store")
    yield factory
    factory.close_all()


@pytest.fixture
def engine(engines) -> Engine:
    return engines.open()
