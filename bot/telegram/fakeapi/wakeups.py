"""Wake-ups across event loops and threads for the in-process Bot API.

A long poll (or a test's wait for a message) may run on any asyncio loop; whenever the core's state
changes, Wakeups._changed sets every registered loop's event, thread-safely.
"""

from __future__ import annotations

import asyncio


async def wait_event(event: asyncio.Event, seconds: float) -> None:
    """Wait for `event` at most `seconds`; asyncio.timeout (unlike 3.11's wait_for) never eats a cancellation."""
    if seconds <= 0:
        return
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        pass


class Wakeups:
    """The waiter registry of BotAPICore (uses its _lock and _waiters)."""

    def _add_waiter(self) -> asyncio.Event:
        event = asyncio.Event()
        with self._lock:
            self._waiters.add((asyncio.get_running_loop(), event))
        return event

    def _remove_waiter(self, event: asyncio.Event) -> None:
        with self._lock:
            self._waiters = {w for w in self._waiters if w[1] is not event}

    def _changed(self) -> None:
        """Wake every long poll and waiter, whichever loop or thread it runs on (lock held)."""
        for loop, event in list(self._waiters):
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that loop is closed
                self._waiters.discard((loop, event))

