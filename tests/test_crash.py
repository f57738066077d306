"""kill -9 at random moments while a process writes: every reopen succeeds, no acknowledged write is lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from storage.tinydb import Store

ROOT = Path(__file__).resolve().parents[1]

WRITER = textwrap.dedent("""
    import sys
    from storage.tinydb import Store
    import storage.tinydb.articles.partitions as a
    a.PARTITION_SIZE = 40  # roll partitions often, so kills land in every kind of write
    store = Store.open(sys.argv[1])
    start = int(sys.argv[2])
    n = start
    print("ready", flush=True)
    while True:
        batch = []
        for _ in range(7):
            batch.append({"id": f"a{n}", "url": f"https://x.example/{n}", "fingerprint": f"f{n}",
                          "title": f"t{n}", "text": "words " * (50 + n % 300), "keys": ["k"],
                          "published": "2026-11-28T00:00:00+00:00", "fetched_at": "2026-11-28T00:00:00+00:00"})
            n += 1
        # Rewrite an older article too, so kills also land in updates of existing partitions.
        if n > start + 20:
            batch.append({"id": f"a{start}", "url": f"https://x.example/{start}", "title": f"t{start} v{n}",
                          "fetched_at": "2026-11-28T00:00:00+00:00", "fingerprint": f"f{start}"})
        store.articles.add_batch(batch)
        store.state.set_meta("last", n - 1)
        print(f"ack {n - 1}", flush=True)
""")


def test_kill_9_never_breaks_the_store_nor_loses_acknowledged_writes(tmp_path):
    rng = random.Random(20261128)
    data = tmp_path / "data"
    acked: list[tuple[int, int]] = []  # (first id, last acknowledged id) per writer run
    kills = 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for round_no in range(24):
        start = 1000 * round_no
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(data), str(start)],
                                stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(proc.pid, signal.SIGKILL)
        kills += 1
        out, _ = proc.communicate()
        acks = [int(line.split()[1]) for line in out.splitlines() if line.startswith("ack ")]
        if acks:
            acked.append((start, acks[-1]))
        # Reopen after every kill: it must open, and hold every acknowledged article and meta write.
        store = Store.open(data)
        try:
            for first, last in acked:
                missing = [n for n in range(first, last + 1) if f"a{n}" not in store.articles]
                assert not missing, f"round {round_no}: acknowledged articles lost: {missing[:5]}"
            if acks:
                assert store.state.get_meta("last") >= acks[-1]
            leftovers = [p.name for p in [*data.iterdir(), *(data / "articles").iterdir()] if p.name.endswith(".tmp")]
            assert leftovers == [], "a writer's open must clear temp files of killed writes"
        finally:
            store.close()
    assert kills >= 20
    assert sum(last - first + 1 for first, last in acked) > 50, "too few acknowledged writes to prove anything"
