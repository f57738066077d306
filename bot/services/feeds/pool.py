"""Where a FeedService's CPU work runs (parsing feeds, enriching articles, extracting pages: work.py): a
process pool off the event loop, or a thread when the service has no workers or its pool broke.

WorkPool is a mixin of FeedService: the service sets `workers` and `_pool = None` in its constructor and
calls `_close_pool()` when it closes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import os
import sys

from bot.services.feeds.work import _warm_worker

log = logging.getLogger("newsbot.feeds")


def default_workers(workers: int | None) -> int:
    """workers: 0 runs CPU work in a thread; None picks one process per CPU (at most 4)."""
    return min(os.cpu_count() or 1, 4) if workers is None else workers


class WorkPool:
    workers: int
    _pool: concurrent.futures.ProcessPoolExecutor | None

    async def _run(self, fn, *args):
        """Run CPU work off the event loop: in the process pool, or a thread when workers == 0 (or the
        pool broke, e.g. a worker was killed)."""
        loop = asyncio.get_running_loop()
        pool = self._get_pool()
        if pool is not None:
            try:
                return await loop.run_in_executor(pool, fn, *args)
            except concurrent.futures.BrokenExecutor as exc:
                if self._pool is pool:  # first to notice: from now on this service works in threads
                    log.warning("the worker process pool broke (%s); parsing and enrichment continue in "
                                "threads", exc)
                    self._pool, self.workers = None, 0
                    pool.shutdown(wait=False, cancel_futures=True)
        return await asyncio.to_thread(fn, *args)

    def _get_pool(self) -> concurrent.futures.ProcessPoolExecutor | None:
        if self.workers <= 0:
            return None
        if self._pool is None:
            # forkserver/spawn, never fork: the bot's process has threads (PTB, asyncio.to_thread), and
            # forking a threaded process can deadlock the child.
            method = "forkserver" if sys.platform.startswith("linux") else "spawn"
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context(method), initializer=_warm_worker)
        return self._pool

    async def _close_pool(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
