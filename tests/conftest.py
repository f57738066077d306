"""Fixtures shared by the test modules, and the one way to import the suite's helper modules.

Helpers (tests/chatkit.py, tests/httpfixtures.py, tests/fakebotapi_http.py, tests/faultyapi.py, ...) are
imported as `from tests.<module> import ...`; pyproject's `pythonpath = ["."]` makes that work for plain
`pytest` as for `python -m pytest`. A helper imported under its bare name as well would exist twice, with
two copies of its classes (an isinstance check or a class attribute then silently disagrees), so
collection stops when that happens.

Fixtures here: `http_server` (tests/httpfixtures.py), `bot_api` (tests/fakebotapi_http.py) and `library`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.compose import library_at
from bot.services.library import Library
from bot.telegram.fakeapi import BotAPICore
from tests.fakebotapi_http import fake_bot_api
from tests.httpfixtures import LocalHTTPServer

TESTS = Path(__file__).resolve().parent
HELPERS = sorted(p.stem for p in TESTS.glob("*.py") if not p.name.startswith("test_") and p.name != "conftest.py")


@pytest.fixture
def http_server() -> Iterator[LocalHTTPServer]:
    """A started LocalHTTPServer on 127.0.0.1, closed after the test."""
    with LocalHTTPServer() as server:
        yield server


@pytest.fixture
def bot_api() -> Iterator[tuple[str, BotAPICore]]:
    """fake_bot_api() as a fixture: (base_url, core) with token 123:ABC."""
    with fake_bot_api() as pair:
        yield pair


@pytest.fixture
def library(tmp_path) -> Iterator[Library]:
    """A Library over a fresh store in tmp_path/data, closed after the test."""
    lib = library_at(tmp_path / "data")
    yield lib
    lib.close()


def pytest_collection_finish(session: pytest.Session) -> None:
    twice = []
    for name in HELPERS:
        module = sys.modules.get(name)
        if module is not None and Path(getattr(module, "__file__", "") or "").resolve().parent == TESTS:
            twice.append(name)
    if twice:
        raise pytest.UsageError(
            f"tests/ helper module(s) imported by their bare name: {', '.join(twice)}. Import them as "
            f"`from tests.{twice[0]} import ...` (see tests/conftest.py), or each exists twice.")
