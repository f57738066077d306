"""kill -9 during fan-out: nothing matched is lost, and nothing is sent twice beyond the documented
unavoidable case (killed after a request left, before its answer was journaled): at most IN_FLIGHT
duplicates per kill.

The fake Bot API runs over HTTP in this (the parent) process, so its record of what was sent outlives
every child. The child (tests/delivery_child.py) drains the outbox in the data directory with the
production Delivery and PTB's Bot; it is killed with SIGKILL after a random 0-0.5 s of sending, over and
over, and finally allowed to finish. Children are started two runs ahead, while earlier ones are still
sending, and each waits for "go" before it touches the data directory: the interpreter's start (half a
second or more, longer than a kill window) overlaps the fan-out instead of adding to every kill.
"""

from __future__ import annotations

import collections
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bot.services.delivery import IN_FLIGHT
from bot.telegram.fakeapi import BotAPICore
from storage.tinydb.chats import ChatStore
from storage.tinydb.outbox import Outbox
from tests.fakebotapi_http import DEFAULT_TOKEN, fake_bot_api
from tests.faultyapi import FaultyBotAPI

ROOT = Path(__file__).resolve().parents[1]
CHILD = ROOT / "tests" / "delivery_child.py"
CHATS = 100
ITEMS = 300
KILLS = 20
FIRST_CHAT = 5_000_001
AHEAD = 2  # children loading while one sends


def start_child(data: Path, base_url: str) -> subprocess.Popen:
    """A child that loads and connects, then waits for go() before it opens the data directory."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(CHILD), str(data), base_url, DEFAULT_TOKEN],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)


def expect_line(proc: subprocess.Popen, expected: str) -> None:
    line = proc.stdout.readline().strip()
    if line != expected:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"the child said {line!r}, not {expected!r}\n{err[-2000:]}")


def go(proc: subprocess.Popen) -> None:
    """Let a started child open the data directory and start draining; returns once it is sending."""
    expect_line(proc, "loaded")
    proc.stdin.write("go\n")
    proc.stdin.flush()
    expect_line(proc, "ready")


def deliveries(core: BotAPICore, chats: list[int]) -> collections.Counter:
    """key -> how many times a message carrying it reached the fake Telegram."""
    seen: collections.Counter = collections.Counter()
    for chat in chats:
        for message in core.sent(chat):
            assert message.plain.startswith("alert "), message.plain
            seen[message.plain.split(" ", 1)[1]] += 1
    return seen


def settle(core: BotAPICore, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while core.in_flight and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not core.in_flight, "the fake Bot API is still answering a dead child"


def test_kill_9_during_fan_out_loses_nothing_and_duplicates_at_most_in_flight_per_kill(tmp_path):
    rng = random.Random(20261128)
    data = tmp_path / "data"
    chat_ids = [FIRST_CHAT + n for n in range(CHATS)]
    now = datetime.now(timezone.utc)

    store = ChatStore(data / "chats")
    for chat in chat_ids:
        store.ensure_chat(chat, "private", "", now)
    store.close()
    outbox = Outbox(data / "outbox.log")
    keys = [f"k{n:04d}" for n in range(ITEMS)]
    # Round-robin over the chats, so every chat has a queue of three and kills land between a chat's items too.
    outbox.add([{"chat": chat_ids[n % CHATS], "key": key, "kind": "alert", "data": {}} for n, key in enumerate(keys)],
               now.timestamp())
    outbox.close()

    # 50 ms per call: with IN_FLIGHT sends at a time the whole fan-out takes ~8 s of sending, longer than
    # the 20 kill windows together, so every kill lands mid-fan-out with requests in flight.
    core = FaultyBotAPI(latency=0.05)
    for chat in chat_ids:
        core.private_chat(chat)
    kills = 0
    killed_with_progress = 0
    doubts: collections.Counter = collections.Counter()  # key -> kills that left it sent yet still pending
    started = time.monotonic()
    with fake_bot_api(core=core) as (base_url, _), contextlib.ExitStack() as children:
        spawned: list[subprocess.Popen] = []
        children.callback(lambda: [p.kill() for p in spawned if p.poll() is None])
        spawned += [start_child(data, base_url) for _ in range(AHEAD)]
        waiting = list(spawned)
        for _ in range(KILLS):
            before = sum(deliveries(core, chat_ids).values())
            proc = waiting.pop(0)
            go(proc)
            waiting.append(start_child(data, base_url))  # a later run loads while this one sends
            spawned.append(waiting[-1])
            time.sleep(rng.uniform(0.0, 0.5))
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate()
            assert proc.returncode == -signal.SIGKILL, f"the child ended on its own before the kill ({proc.returncode})"
            kills += 1
            settle(core)  # the dead child's requests that already left are still answered (and recorded)
            seen = deliveries(core, chat_ids)
            killed_with_progress += sum(seen.values()) > before
            journal = Outbox(data / "outbox.log", readonly=True)
            # Still pending, yet delivered more often than earlier kills explain: sent by the run just killed.
            in_doubt = [i.key for i in journal.pending() if seen[i.key] > doubts[i.key]]
            assert len(in_doubt) <= IN_FLIGHT, f"kill {kills}: {in_doubt} sent but not journaled"
            assert all(seen[key] == doubts[key] + 1 for key in in_doubt), f"kill {kills}: sent twice in one run"
            doubts.update(in_doubt)
        proc = waiting.pop(0)
        go(proc)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-2000:]
        assert out.strip().startswith("done"), out
        for spare in waiting:  # never told to go: ends without opening anything
            spare.communicate("", timeout=30)
            assert spare.returncode == 0
        settle(core)
        seen = deliveries(core, chat_ids)
    elapsed = time.monotonic() - started

    lost = [key for key in keys if seen[key] == 0]
    duplicates = sum(count - 1 for count in seen.values() if count > 1)
    unjournaled = sum(doubts.values())
    unknown = set(seen) - set(keys)
    print(f"\nkill -9 fan-out: {ITEMS} alerts to {CHATS} chats, {kills} kills ({killed_with_progress} mid-send), "
          f"{len(keys) - len(lost)} delivered, {len(lost)} lost, {duplicates} duplicate(s) "
          f"(bound {kills} x IN_FLIGHT {IN_FLIGHT} = {kills * IN_FLIGHT}; {unjournaled} in doubt at the kills), "
          f"{elapsed:.1f} s")

    assert kills >= 20
    assert killed_with_progress >= kills // 2, "too few kills landed while sending to prove anything"
    assert not unknown, f"messages nobody queued: {sorted(unknown)[:5]}"
    assert not lost, f"{len(lost)} alert(s) never delivered: {lost[:10]}"
    assert duplicates <= kills * IN_FLIGHT, f"{duplicates} duplicates for {kills} kills"
    assert max(seen.values()) <= 1 + kills, "one key sent over and over"
    # Every duplicate is one of those in-doubt sends, resent by the next run: none has another cause.
    assert duplicates == unjournaled, f"{duplicates} duplicates, but only {unjournaled} sends were in doubt"
    assert all(seen[key] == doubts[key] + 1 for key in keys)
    final = Outbox(data / "outbox.log", readonly=True)
    assert len(final) == 0, f"{len(final)} item(s) still pending"
    assert all(final.delivered(chat_ids[n % CHATS], key) for n, key in enumerate(keys))
