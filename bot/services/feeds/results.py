"""What FeedService's methods return: AddResult, RemoveResult, ImportResult, and the PollReport of a poll
cycle with its FeedErrors; _Outcome is one feed's poll before the cycle writes it. Also the one-line
error a failed fetch is reported with."""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.contract import AdminNotice, FeedState


@dataclass
class AddResult:
    """status: "added", "duplicate", "invalid" (bad or refused URL), "unreachable" (fetch failed),
    "not_a_feed". `note` says what was done on the user's behalf (e.g. a feed discovered on a page)."""

    status: str
    feed: FeedState | None = None
    error: str | None = None
    note: str | None = None
    entries: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "added"


@dataclass
class RemoveResult:
    status: str  # "removed" | "not_found" | "ambiguous"
    feed: FeedState | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "removed"


@dataclass
class ImportResult:
    added: list[FeedState] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class FeedError:
    feed_id: str
    url: str
    name: str
    error: str


@dataclass
class PollReport:
    """One poll cycle, handed on as one event: the watcher consumes new_article_ids."""

    feeds_polled: int = 0
    new_article_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)
    errors: list[FeedError] = field(default_factory=list)
    notices: list[AdminNotice] = field(default_factory=list)
    not_modified: int = 0
    skipped: list[str] = field(default_factory=list)  # entries enrichment refused (reasons)
    busy: int = 0  # feeds already being polled by another cycle


@dataclass
class _Outcome:
    feed: FeedState
    docs: list[dict] = field(default_factory=list)
    error: str | None = None
    gone: bool = False
    busy: bool = False
    not_modified: bool = False
    notice: AdminNotice | None = None
    skipped: list[str] = field(default_factory=list)
    validators: tuple[str | None, str | None] | None = None  # (etag, last_modified) to keep once stored


def unreachable(url: str, result, note: str | None = None) -> AddResult:
    """The AddResult of a URL whose fetch failed: "invalid" when the address policy refused it."""
    error = fetch_error(result)
    if error.startswith("blocked"):  # the address policy refused it: the URL itself is the problem
        return AddResult("invalid", note=note, error=f"refused: {error}")
    return AddResult("unreachable", note=note, error=f"could not fetch {url}: {error}")


def fetch_error(result) -> str:
    """Why a fetch brought no usable body, in one line."""
    if result.error:
        return result.error
    if result.status is not None and not 200 <= result.status < 300:
        return f"HTTP {result.status}"
    if result.not_modified:
        return "304 Not Modified without a cached copy"
    return "no content"
