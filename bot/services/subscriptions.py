"""The subscriptions service: what chats follow, and which chats a new article concerns.

Subscriptions takes the chat store and the library as arguments and keeps ONE TopicIndex over every
chat's topics, keyed (chat_id, topic_id), updated as topics come and go. Every method that reads or
changes topics takes the chat id and only ever touches that chat's rows, so a button or command from
one chat cannot reach another chat's topics.

/subscribe answers with the newest stored articles that already match. That preview never scans the
whole store. When every alternative of the topic has a term in the store's name index (a capitalised
name such as Flynn or "Robert Mueller"), the candidates are the newest KEY_CANDIDATES articles under
each such term, newest first. A topic without such terms, or one with lower-case words whose names found
fewer than PREVIEW matches (the words may occur uncapitalised), also looks through the newest SCAN_LIMIT
articles. Each candidate is verified with match_topic on the title and story text, as alerts are. So
the preview reads at most KEY_CANDIDATES per term plus SCAN_LIMIT articles, and may miss an old article
that mentions the topic only in lower case; alerts are not affected.

No telegram import; `now` is a parameter. Not thread-safe: callers serialise access.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


from storage.contract import ChatStore, TopicRow

from bot.core.times import iso, parse_time
from bot.core.enrich import story_of
from bot.services.library import Library
from bot.core.models import Article
from bot.core.text import fold_search
from bot.core.text import query_key
from bot.core.topics import Match, Topic, TopicError, TopicIndex, match_topic, parse_topic

log = logging.getLogger(__name__)

MAX_TOPICS = 50
PREVIEW = 3
SCAN_LIMIT = 500  # newest articles a preview may read when the name index cannot narrow it down
KEY_CANDIDATES = 200  # newest articles per name key a preview looks at
MUTE_DEFAULT = timedelta(hours=24)
LIMIT_MESSAGE = f"You follow {MAX_TOPICS} topics, the most a chat can have: remove one with /unsubscribe first."


@dataclass
class SubscribeResult:
    status: str  # "subscribed" | "duplicate" | "invalid" | "limit"
    message: str  # one line for the user
    topic: TopicRow | None = None  # the new topic, or the existing one for "duplicate"
    preview: list[Article] = field(default_factory=list)  # newest first

    @property
    def ok(self) -> bool:
        return self.status == "subscribed"

    @property
    def error(self) -> str | None:
        """The message when it did not work, else None."""
        return None if self.ok else self.message


@dataclass
class UnsubscribeResult:
    status: str  # "removed" | "not_found" | "ambiguous" | "invalid"
    message: str
    topic: TopicRow | None = None

    @property
    def ok(self) -> bool:
        return self.status == "removed"


@dataclass(frozen=True)
class ChatMatch:
    chat_id: int
    topic_id: int
    mode: str  # "instant" | "digest"
    match: Match

    def why(self) -> str:
        return self.match.why()


def _probes(topic: Topic) -> list[list[str]]:
    """Per alternative, a cheap substring for each term: the start of its first folded word (one letter
    short, so "policy" still finds "policies"). An article that lacks them cannot match."""
    out = []
    for alternative in topic.alternatives:
        words = [term.folded.split()[0] for term in alternative if term.folded.split()]
        out.append([w[:-1] if len(w) > 4 else w for w in words])
    return out


def _may_match(probes: list[list[str]], doc: dict) -> bool:
    text = fold_search(doc.get("title", "") + "\n" + doc.get("text", ""))
    return any(all(p in text for p in alternative) for alternative in probes)


def _loose(text: str) -> str:
    """The canonical form without quotes or case: for finding a topic the user names again."""
    return " ".join(text.replace('"', " ").casefold().split())


class Subscriptions:
    def __init__(self, chats: ChatStore, library: Library) -> None:
        self.chats = chats
        self.library = library
        self.index = TopicIndex()
        self._indexed: dict[int, dict[int, tuple[str, Topic]]] = {}  # chat -> topic id -> (text, parsed)
        parsed: dict[str, Topic] = {}  # popular topics are typed the same way in many chats
        for row in chats.all_topics():
            topic = parsed.get(row.text)
            if topic is None:
                topic = self._parse(row)
                if topic is None:
                    continue
                parsed[row.text] = topic
            self._add(row, topic)
        # Whoever changes a chat (this service, delivery migrating a group, a handler forgetting a
        # chat), the index follows.
        chats.listeners.append(self._sync)

    @staticmethod
    def _parse(row: TopicRow) -> Topic | None:
        try:
            return parse_topic(row.text)
        except TopicError as exc:  # the rules got stricter since it was stored: keep it, match nothing
            log.warning("topic %s of chat %s no longer parses (%s); it is not matched", row.topic_id,
                        row.chat_id, exc)
            return None

    def _add(self, row: TopicRow, topic: Topic) -> None:
        self.index.add((row.chat_id, row.topic_id), topic)
        self._indexed.setdefault(row.chat_id, {})[row.topic_id] = (row.text, topic)

    def _sync(self, chat_id: int) -> None:
        """Make the index hold exactly this chat's stored topics."""
        stored = {row.topic_id: row for row in self.chats.topics(chat_id)}
        indexed = self._indexed.get(chat_id, {})
        for topic_id, (text, _) in list(indexed.items()):
            row = stored.get(topic_id)
            if row is None or row.text != text:
                self.index.remove((chat_id, topic_id))
                del indexed[topic_id]
        for topic_id, row in stored.items():
            if topic_id not in indexed:
                topic = self._parse(row)
                if topic is not None:
                    self._add(row, topic)
        if not self._indexed.get(chat_id):
            self._indexed.pop(chat_id, None)

    def _parsed(self, chat_id: int, topic_id: int) -> Topic | None:
        found = self._indexed.get(chat_id, {}).get(topic_id)
        return None if found is None else found[1]

    # ---- commands ------------------------------------------------------------------------------

    def subscribe(self, chat_id: int, text: str, now: datetime, with_preview: bool = True) -> SubscribeResult:
        """Follow `text` in this chat. The preview reads stored articles; callers on the event loop pass
        with_preview=False and compute it with preview() in a worker thread."""
        try:
            topic = parse_topic(text)
        except TopicError as exc:
            return SubscribeResult("invalid", str(exc))
        canonical = str(topic)
        for row in self.chats.topics(chat_id):
            known = self._parsed(chat_id, row.topic_id)
            if row.canonical == canonical or (known is not None and known.key == topic.key):
                return SubscribeResult("duplicate", f"You already follow {row.canonical} (topic {row.topic_id}).",
                                       topic=row)
        if self.chats.count_topics(chat_id) >= MAX_TOPICS:
            return SubscribeResult("limit", LIMIT_MESSAGE)
        if chat_id not in self.chats:  # handlers call ensure_chat first; this keeps the service whole
            self.chats.ensure_chat(chat_id, "private" if chat_id > 0 else "group", "", now)
        row = self.chats.add_topic(chat_id, text.strip(), canonical, now)  # the listener indexes it
        return SubscribeResult("subscribed", f"Subscribed to {canonical} (topic {row.topic_id}).", topic=row,
                               preview=self.preview(topic) if with_preview else [])

    def unsubscribe(self, chat_id: int, ref: str) -> UnsubscribeResult:
        """Remove one of this chat's topics, named by its number ("2", "#2") or its text (compared by
        canonical form, ignoring case and quotes)."""
        ref = ref.strip()
        if not ref:
            return UnsubscribeResult("invalid", "Which topic? Give its number from /topics, e.g. /unsubscribe 2.")
        row = self._find(chat_id, ref)
        if isinstance(row, UnsubscribeResult):
            return row
        self.chats.remove_topic(chat_id, row.topic_id)  # the listener unindexes it
        return UnsubscribeResult("removed", f"Unsubscribed from {row.canonical}.", topic=row)

    def _find(self, chat_id: int, ref: str) -> TopicRow | UnsubscribeResult:
        rows = self.chats.topics(chat_id)
        number = ref[1:] if ref.startswith("#") else ref
        if number.isdigit():
            for row in rows:
                if row.topic_id == int(number):
                    return row
            if ref.startswith("#"):
                return UnsubscribeResult("not_found", f"You have no topic {number} — /topics lists yours.")
        try:
            topic = parse_topic(ref)
        except TopicError:
            topic = None
        if topic is not None:
            exact = [r for r in rows if (p := self._parsed(chat_id, r.topic_id)) is not None and p.key == topic.key]
            if len(exact) == 1:
                return exact[0]
        wanted = _loose(str(topic) if topic is not None else ref)
        loose = [r for r in rows if _loose(r.canonical) == wanted or _loose(r.text) == _loose(ref)]
        if len(loose) == 1:
            return loose[0]
        if len(loose) > 1:
            numbers = ", ".join(str(r.topic_id) for r in loose)
            return UnsubscribeResult("ambiguous", f"Several topics look like that ({numbers}) — give the number.")
        shown = ref if len(ref) <= 60 else ref[:59] + "…"
        return UnsubscribeResult("not_found", f"You don't follow {shown} — /topics lists yours.")

    def topics(self, chat_id: int) -> list[TopicRow]:
        return self.chats.topics(chat_id)

    def set_mode(self, chat_id: int, topic_id: int, mode: str) -> bool:
        """Switch one of this chat's topics to "instant" or "digest"; False when it has no such topic."""
        if mode not in ("instant", "digest"):
            raise ValueError(f"mode must be instant or digest, not {mode!r}")
        return self.chats.set_topic(chat_id, topic_id, mode=mode) is not None

    def mute(self, chat_id: int, topic_id: int, until: datetime | None) -> bool:
        """Mute one of this chat's topics until `until` (None unmutes); False when it has no such topic."""
        return self.chats.set_topic(chat_id, topic_id, muted_until=iso(until)) is not None

    def forget(self, chat_id: int) -> dict[str, Any]:
        """/stop with forgetting: the chat and all its topics go. Returns what was removed (export form),
        {} when the chat was unknown."""
        gone = self.chats.forget_chat(chat_id)  # the listener unindexes its topics
        if gone is None:
            return {}
        return _export(gone)

    def export(self, chat_id: int) -> dict[str, Any]:
        """This chat's settings and topics as plain JSON-able data ({} for an unknown chat)."""
        row = self.chats.get_chat(chat_id)
        if row is None:
            return {}
        doc = {"chat_id": row.chat_id, "type": row.type, "title": row.title, "tz": row.tz,
               "quiet": list(row.quiet) if row.quiet else None, "digest": row.digest, "paused": row.paused,
               "created": row.created, "last_seen": row.last_seen, "last_digest": row.last_digest,
               "prefs": row.prefs,
               "topics": [{"topic_id": t.topic_id, "text": t.text, "canonical": t.canonical, "mode": t.mode,
                           "muted_until": t.muted_until, "created": t.created} for t in self.chats.topics(chat_id)]}
        return _export(doc)

    # ---- matching ------------------------------------------------------------------------------

    def match_article(self, article: Article, now: datetime) -> list[ChatMatch]:
        """Every (chat, topic) this article matches, sorted by chat and topic; muted topics and paused
        chats left out. A chat may appear more than once (several of its topics match): the caller sends
        one alert per chat and story."""
        found: list[ChatMatch] = []
        paused: dict[int, bool] = {}
        for match in self.index.match(article.title, story_of(article)):
            chat_id, topic_id = match.key  # type: ignore[misc]
            if chat_id not in paused:
                paused[chat_id] = self.chats.is_paused(chat_id)
            if paused[chat_id]:
                continue
            row = self.chats.get_topic(chat_id, topic_id)
            if row is None or row.muted(now):
                continue
            found.append(ChatMatch(chat_id, topic_id, row.mode, match))
        found.sort(key=lambda m: (m.chat_id, m.topic_id))
        return found

    def preview(self, topic: Topic, limit: int = PREVIEW) -> list[Article]:
        """The newest stored articles matching `topic`, newest first, without reading the whole store."""
        store = self.library.articles
        keyed: dict[str, Any] = {}
        scan = False
        for alternative in topic.alternatives:
            keys = [k for k in (query_key(term.text) for term in alternative) if k and store.has_key(k)]
            if not keys:
                scan = True  # no name to look up: only reading articles can tell
                break
            # Every term must occur, so an article matching this alternative is under each of its
            # keys wherever the article capitalises that term: take them all, newest first.
            for key in keys:
                for entry in store.by_key(key, KEY_CANDIDATES):
                    keyed[entry.id] = entry
        found: list[Article] = []
        checked: set[str] = set()
        probes = _probes(topic)

        def verify(entries) -> None:
            for entry in entries:
                if len(found) >= limit or len(checked) >= SCAN_LIMIT + KEY_CANDIDATES:
                    return
                if entry.id in checked:
                    continue
                checked.add(entry.id)
                doc = store.get(entry.id)
                if doc is None:
                    continue
                if not _may_match(probes, doc):
                    continue
                article = Article.from_doc(doc)
                if match_topic(topic, article.title, story_of(article)):
                    found.append(article)

        if not scan:
            verify(sorted(keyed.values(), key=lambda e: e.published, reverse=True))
        # A topic without names, or one typed in lower case that the names did not fill (its words may
        # appear uncapitalised): look through the newest articles, a bounded number of them.
        lower_case = any(not any(ch.isupper() for ch in term.text) for alt in topic.alternatives for term in alt)
        if scan or (len(found) < limit and lower_case):
            # The folded texts of recent articles are cached in memory: the probes cost a substring check.
            recent = self.library.recent_texts.scan(store, SCAN_LIMIT)
            verify(e for e in (store.entry(i) for i, text in recent
                               if any(all(p in text for p in alt) for alt in probes)) if e is not None)
            found.sort(key=lambda a: parse_time(a.published) or parse_time(a.fetched_at), reverse=True)
        return found[:limit]


def _export(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in ("next_topic_id",)}
    out["topics"] = [dict(t) for t in doc.get("topics", [])]
    return out
