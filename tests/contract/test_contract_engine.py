"""The Engine bundle and the state store's meta values; every part satisfies its Protocol, signatures too."""

from __future__ import annotations

import inspect

import pytest

from storage import contract
from storage.contract import ArticleStore, ChatStore, Engine, FeedStore, Indexer, Outbox, StateStore

PARTS = {"articles": ArticleStore, "chats": ChatStore, "feeds": FeedStore, "outbox": Outbox, "state": StateStore}


def _members(protocol: type) -> dict[str, object]:
    """The protocol's own methods (the dunders it declares included), by name."""
    return {name: value for name, value in vars(protocol).items()
            if callable(value) and (not name.startswith("_") or name in ("__len__", "__contains__"))}


def _parameters(function) -> list[tuple[str, object, bool]]:
    params = list(inspect.signature(function).parameters.values())[1:]  # without self
    return [(p.name, p.kind, p.default is not inspect.Parameter.empty) for p in params]


def test_the_engine_and_each_part_satisfy_their_protocols(engine):
    assert isinstance(engine, Engine)
    for name, protocol in PARTS.items():
        assert isinstance(getattr(engine, name), protocol), name


@pytest.mark.parametrize("part", sorted(PARTS))
def test_each_method_takes_the_protocols_parameters(engine, part):
    """Same names, kinds and optional parameters as the protocol: a caller written against the contract
    (keyword arguments included) works with this engine."""
    implementation = type(getattr(engine, part))
    for name, declared in _members(PARTS[part]).items():
        actual = getattr(implementation, name)
        assert _parameters(actual) == _parameters(declared), f"{implementation.__name__}.{name}"


def test_the_contract_exports_everything_the_application_needs():
    for name in contract.__all__:
        assert hasattr(contract, name), name
    assert issubclass(contract.StoreBusy, contract.StoreError) and issubclass(contract.SchemaTooNew, contract.StoreError)
    assert isinstance(object(), Indexer) is False


def test_readonly_flags(engines):
    writer = engines.open()
    reader = engines.open(readonly=True)
    assert writer.readonly is False and reader.readonly is True


def test_meta_values_round_trip_and_survive_reopen(engines):
    engine = engines.open()
    state = engine.state
    assert state.get_meta("seeded") is None and state.get_meta("seeded", "no") == "no"
    state.set_meta("seeded", {"at": "2026-11-28T10:00:00+00:00", "articles": 12})
    state.set_meta("counter", 1)
    state.set_meta("counter", 2)
    assert state.get_meta("counter") == 2
    again = engines.reopen(engine)
    assert again.state.get_meta("seeded") == {"at": "2026-11-28T10:00:00+00:00", "articles": 12}
    assert again.state.get_meta("counter") == 2


def test_an_opened_store_records_its_schema(engine):
    assert isinstance(engine.state.get_meta("schema"), int)


def test_a_readonly_engine_refuses_meta_writes(engines):
    engines.open().state.set_meta("seeded", True)
    reader = engines.open(readonly=True)
    assert reader.state.get_meta("seeded") is True
    with pytest.raises(PermissionError):
        reader.state.set_meta("seeded", False)


def test_every_part_is_usable_together_after_reopen(engines):
    engine = engines.open()
    engine.articles.add_batch([{"id": "a1", "url": "https://x.example/1", "title": "T", "fetched_at": "2026-11-28T10:00:00+00:00"}])
    engine.outbox.add([{"chat": 1, "key": "story:a1", "kind": "alert"}], 1.0)
    engine.state.set_meta("seeded", True)
    again = engines.reopen(engine)
    assert "a1" in again.articles and again.outbox.queued(1, "story:a1") and again.state.get_meta("seeded") is True
