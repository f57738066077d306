"""When to poll a feed, and how its health changes after each poll.

Everything here is a pure function of a FeedState and `now` (plus a random number for jitter), so tests
drive time by passing `now`, never by sleeping: Schedule (intervals, server hints, backoff), is_due, the
hints read from a response (cache_max_age, feed_ttl), and record_success / record_failure, which return
the feed's next state and the one admin notice due when it starts or stops failing.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.contract import AdminNotice, FeedState


@dataclass(frozen=True)
class Schedule:
    """When to poll a feed next. Pure: callers pass `now` and a random number `u` in [0, 1) for jitter.

    - after a success: the interval with +-jitter, but never before the feed's own hints (<ttl> minutes,
      Cache-Control max-age, Retry-After), each capped at max_hint so a stray "ttl 99999" cannot silence
      a feed for months;
    - after the n-th failure in a row: interval * 2**(n-1), capped at backoff_cap (and Retry-After);
    - after failing_after failures in a row a feed is "failing" (the admins are told once).
    """

    interval: float = 300.0
    jitter: float = 0.1
    backoff_cap: float = 6 * 3600.0
    failing_after: int = 10
    max_hint: float = 24 * 3600.0

    def jittered(self, seconds: float, u: float) -> float:
        return max(1.0, seconds * (1.0 + self.jitter * (2.0 * u - 1.0)))

    def hint(self, ttl_minutes: float | None = None, max_age: float | None = None,
             retry_after: float | None = None) -> float:
        """The longest wait the server asked for, in seconds (0 when none), capped at max_hint."""
        asked = [v for v in ((ttl_minutes or 0) * 60.0, max_age or 0.0, retry_after or 0.0) if v and v > 0]
        return min(max(asked, default=0.0), self.max_hint)

    def after_success(self, now: datetime, u: float, ttl_minutes: float | None = None,
                      max_age: float | None = None, retry_after: float | None = None) -> datetime:
        wait = max(self.jittered(max(self.interval, 1.0), u), self.hint(ttl_minutes, max_age, retry_after))
        return now + timedelta(seconds=wait)

    def backoff(self, failures: int) -> float:
        """Seconds to wait after `failures` failures in a row (>= 1), before jitter."""
        exponent = min(max(failures, 1) - 1, 40)
        return min(max(self.interval, 1.0) * 2.0 ** exponent, self.backoff_cap)

    def after_failure(self, now: datetime, failures: int, u: float, retry_after: float | None = None) -> datetime:
        wait = min(self.jittered(self.backoff(failures), u), self.backoff_cap)
        wait = max(wait, self.hint(retry_after=retry_after))
        return now + timedelta(seconds=wait)


def is_due(feed: FeedState, now: datetime) -> bool:
    return feed.next_poll is None or feed.next_poll <= now


_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d{1,10})", re.IGNORECASE)
_TTL = re.compile(rb"<(?:\w+:)?ttl>\s*(\d{1,7})\s*</(?:\w+:)?ttl>", re.IGNORECASE)


def cache_max_age(headers: dict[str, str] | None) -> float | None:
    """Seconds from Cache-Control max-age (ignored with no-store/no-cache, which ask us to ask again)."""
    value = (headers or {}).get("cache-control") or ""
    if not value or re.search(r"no-store|no-cache", value, re.IGNORECASE):
        return None
    match = _MAX_AGE.search(value)
    return float(match.group(1)) if match else None


def feed_ttl(data: bytes) -> float | None:
    """An RSS channel's <ttl> in minutes (feedparser reads it into feed.ttl; here it costs one regex)."""
    match = _TTL.search(data[:200_000])
    if not match:
        return None
    minutes = int(match.group(1))
    return float(minutes) if minutes > 0 else None


def record_success(feed: FeedState, now: datetime, schedule: Schedule, u: float, *, ttl: float | None = None,
                   max_age: float | None = None, retry_after: float | None = None) -> tuple[FeedState, AdminNotice | None]:
    """The feed after a successful fetch (a document or a 304), and a notice if it had been failing."""
    notice = None
    if feed.failing:
        notice = AdminNotice(id=0, at=now, kind="recovered", feed_url=feed.url,
                             text=f"Feed {label(feed)} works again after {feed.failures} failures in a row.")
    new = dataclasses.replace(feed, last_checked=now, last_success=now, failures=0, failing=False,
                              next_poll=schedule.after_success(now, u, ttl, max_age, retry_after))
    return new, notice


def record_failure(feed: FeedState, now: datetime, error: str, schedule: Schedule, u: float, *,
                   retry_after: float | None = None) -> tuple[FeedState, AdminNotice | None]:
    """The feed after a failed poll (backoff), and the one notice when it has just become failing."""
    failures = feed.failures + 1
    failing = feed.failing or failures >= schedule.failing_after
    notice = None
    if failing and not feed.failing:
        notice = AdminNotice(id=0, at=now, kind="failing", feed_url=feed.url,
                             text=f"Feed {label(feed)} has failed {failures} times in a row and is marked "
                                  f"failing (last error: {error}). It is retried every "
                                  f"{_duration(schedule.backoff_cap)} at most; remove it with "
                                  f"`newsbot feeds remove {feed.id}` if it is gone for good.")
    new = dataclasses.replace(feed, last_checked=now, last_error=error, last_error_at=now, failures=failures,
                              failing=failing, next_poll=schedule.after_failure(now, failures, u, retry_after))
    return new, notice


def gone_notice(feed: FeedState, now: datetime) -> AdminNotice:
    return AdminNotice(id=0, at=now, kind="gone", feed_url=feed.url,
                       text=f"Feed {label(feed)} answered 410 Gone and was removed from the sources.")


def label(feed: FeedState) -> str:
    return f"{feed.name!r} ({feed.url})" if feed.name else feed.url


def _duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"
