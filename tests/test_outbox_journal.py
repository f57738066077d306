"""The outbox journal's torn-append rule: a last line without its newline never counts, even when it parses."""

from __future__ import annotations

from storage.tinydb.outbox import Outbox

T = 1_800_000_000.0


def test_complete_record_missing_only_its_newline_is_torn_and_later_appends_survive(tmp_path):
    path = tmp_path / "outbox.log"
    box = Outbox(path)
    [first] = box.add([{"chat": 1, "key": "k1", "kind": "alert"}], T)
    box.close()
    # A kill after the record's bytes but before its newline reached the file: the append never returned.
    with open(path, "ab") as fh:
        fh.write(b'{"op":"done","id":"%s","result":"sent","at":%d}' % (first.id.encode(), T + 1))
    box = Outbox(path)
    assert [i.key for i in box.pending()] == ["k1"] and not box.delivered(1, "k1")
    box.add([{"chat": 2, "key": "k2", "kind": "alert"}], T + 2)  # acknowledged: must survive
    box.close()
    again = Outbox(path)
    assert sorted(i.key for i in again.pending()) == ["k1", "k2"]
    assert path.read_bytes().endswith(b"\n") and all(line.startswith(b"{") for line in path.read_bytes().splitlines())


def test_reader_ignores_an_append_in_progress(tmp_path):
    path = tmp_path / "outbox.log"
    box = Outbox(path)
    box.add([{"chat": 1, "key": "k1", "kind": "alert"}], T)
    box.close()
    with open(path, "ab") as fh:
        fh.write(b'{"op":"add","id":"x","chat":2,"key":"k2","kind":"alert","data":{},"due":0,"at":0}')
    size = path.stat().st_size
    reader = Outbox(path, readonly=True)
    assert [i.key for i in reader.pending()] == ["k1"]
    assert path.stat().st_size == size  # a reader never trims the writer's file
