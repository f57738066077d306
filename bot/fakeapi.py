"""An in-process Telegram Bot API that validates requests the way Telegram does.

`BotAPICore` keeps chats, users, messages and pending updates in memory and answers Bot API methods with
JSON shaped like Telegram's, so python-telegram-bot's `de_json` accepts every result. It refuses what Telegram
refuses (bad HTML, over-long text, oversized callback data, invalid commands, unknown chats...) with Telegram's
error codes and wording, and it can inject faults (429 flood waits, 5xx, blocked users, migrated groups, a rate
model, latency) so delivery code meets the same errors it will meet in production.

`InProcessRequest` is a `telegram.request.BaseRequest` that hands PTB's requests to a core instead of the
network: `ApplicationBuilder().token(...).request(InProcessRequest(core)).get_updates_request(...)` gives the
real Application with no network. The terminal chat (`bot.console`) and the tests drive the core as the user
(`push_text`, `push_callback`) and read what the bot sent (`sent`, `wait_for_message`).

No network, no telegram import outside `InProcessRequest`; the core is thread-safe so an HTTP wrapper can run
it on its own loop while a test thread pushes updates.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import hashlib
import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from telegram.request import BaseRequest, RequestData

BOT_USERNAME = "newsbot_bot"
MAX_TEXT_UTF16 = 4096
MAX_CAPTION_UTF16 = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_COMMANDS = 100

# ---------------------------------------------------------------------------------------------------------------
# Errors and records


class ApiError(Exception):
    """A refused call: becomes {"ok": false, "error_code": ..., "description": ...}."""

    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclasses.dataclass
class Upload:
    """A file the bot uploaded (multipart part) or referred to by file_id / URL."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclasses.dataclass
class CallRecord:
    """One Bot API call as the core saw it: normalized params, HTTP status and result or error text."""

    method: str
    params: dict
    files: dict[str, str]
    status: int = 0
    result: Any = None
    error: str | None = None
    at: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclasses.dataclass
class BotMessage:
    """A message the bot sent, in its current state (edits applied)."""

    chat_id: int
    message_id: int
    text: str | None  # as sent (HTML source when parse_mode is HTML); the caption for documents
    parse_mode: str | None
    plain: str  # the visible text after entity parsing
    entities: list[dict]
    reply_markup: dict | None
    date: int
    document: Upload | None = None
    reply_to_message_id: int | None = None
    edits: int = 0
    deleted: bool = False

    @property
    def buttons(self) -> list[dict]:
        """Inline keyboard buttons, row by row, flattened."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]


@dataclasses.dataclass
class CoreEvent:
    """Something the bot did that a watcher (the console) may want to show."""

    kind: str  # "message", "edit", "delete", "notice", "action"
    chat_id: int
    message: BotMessage | None = None
    text: str | None = None
    show_alert: bool = False


# ---------------------------------------------------------------------------------------------------------------
# Text helpers: UTF-16 lengths and Telegram's HTML dialect


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class EntityParseError(ValueError):
    pass


_TAG_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "a": "text_link", "code": "code",
    "pre": "pre", "span": "spoiler", "tg-spoiler": "spoiler", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'", "nbsp": "\u00a0"}
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTR_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:.-]*")
_END_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>")
_HTML_ENTITY = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([A-Za-z][A-Za-z0-9]{1,31}));")


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _decode_entity(source: str, i: int) -> tuple[str, int]:
    """Decode the HTML entity starting at source[i] == "&"; returns (character, index after it)."""
    m = _HTML_ENTITY.match(source, i)
    if not m:
        raise EntityParseError(
            f'Character "&" at byte offset {_byte_offset(source, i)} is not part of an entity; write "&amp;"')
    if m.group(3) is not None:
        name = m.group(3)
        if name not in _NAMED_ENTITIES:
            raise EntityParseError(
                f'Unsupported HTML entity "&{name};" at byte offset {_byte_offset(source, i)}')
        return _NAMED_ENTITIES[name], m.end()
    code = int(m.group(1)) if m.group(1) is not None else int(m.group(2), 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise EntityParseError(f"Invalid character reference at byte offset {_byte_offset(source, i)}")
    return chr(code), m.end()


def _decode_attr_value(raw: str) -> str:
    out, i = [], 0
    while i < len(raw):
        if raw[i] == "&":
            m = _HTML_ENTITY.match(raw, i)
            if m and (m.group(3) is None or m.group(3) in _NAMED_ENTITIES):
                ch, i = _decode_entity(raw, i)
                out.append(ch)
                continue
        out.append(raw[i])
        i += 1
    return "".join(out)


def _parse_start_tag(source: str, i: int) -> tuple[str, dict[str, str], int]:
    """Parse "<name attr=...>" at source[i]; returns (lowercase name, attributes, index after ">")."""
    n = len(source)
    m = _TAG_NAME.match(source, i + 1)
    if not m:
        raise EntityParseError(
            f'Character "<" at byte offset {_byte_offset(source, i)} does not start a tag; write "&lt;"')
    name = m.group(0).lower()
    if name not in _TAG_TYPES:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, i)}')
    j, attrs = m.end(), {}
    while True:
        while j < n and source[j].isspace():
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(source, i)}")
        if source[j] == ">":
            return name, attrs, j + 1
        am = _ATTR_NAME.match(source, j)
        if not am:
            raise EntityParseError(
                f'Empty attribute name in the tag "{name}" at byte offset {_byte_offset(source, j)}')
        attr, j = am.group(0).lower(), am.end()
        while j < n and source[j].isspace():
            j += 1
        value = ""
        if j < n and source[j] == "=":
            j += 1
            while j < n and source[j].isspace():
                j += 1
            if j >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(source, i)}")
            if source[j] in "\"'":
                end = source.find(source[j], j + 1)
                if end < 0:
                    raise EntityParseError(
                        f'Unclosed end of attribute value "{attr}" in the tag "{name}" '
                        f"at byte offset {_byte_offset(source, j)}")
                raw, j = source[j + 1:end], end + 1
            else:
                k = j
                while k < n and not source[k].isspace() and source[k] != ">":
                    k += 1
                raw, j = source[j:k], k
            value = _decode_attr_value(raw)
        attrs[attr] = value


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Telegram's HTML parse mode: returns (plain text, entities with UTF-16 offsets) or raises EntityParseError.

    Accepts the tags Telegram accepts (b strong i em u ins s strike del a code pre span.tg-spoiler tg-spoiler
    blockquote[expandable] tg-emoji[emoji-id]), the entities &lt; &gt; &amp; &quot; (and &apos; &nbsp;) and
    numeric references. A bare "<" or "&", an unknown tag, and mismatched or unclosed tags are refused.
    """
    out: list[str] = []
    pos = 0  # UTF-16 offset of the end of `out`
    stack: list[dict] = []  # open tags: name, start, attrs, at
    entities: list[dict] = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c == "<" and source.startswith("</", i):
            m = _END_TAG.match(source, i)
            if not m:
                raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(source, i)}")
            name = m.group(1).lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(source, i)}")
            top = stack.pop()
            if top["name"] != name:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {_byte_offset(source, i)}, expected "</{top["name"]}>", '
                    f'found "</{name}>"')
            _close_tag(top, pos, stack, entities)
            i = m.end()
        elif c == "<":
            name, attrs, after = _parse_start_tag(source, i)
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(source, i)}')
            if name == "tg-emoji" and not attrs.get("emoji-id"):
                raise EntityParseError(
                    f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {_byte_offset(source, i)}')
            stack.append({"name": name, "start": pos, "attrs": attrs, "language": None})
            i = after
        elif c == "&":
            ch, i = _decode_entity(source, i)
            out.append(ch)
            pos += utf16_len(ch)
        else:
            # copy the run of ordinary characters in one go
            j = i
            while j < n and source[j] not in "<&":
                j += 1
            chunk = source[i:j]
            out.append(chunk)
            pos += utf16_len(chunk)
            i = j
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]["name"]}"')
    return _trim("".join(out), entities)


def _close_tag(tag: dict, end: int, stack: list[dict], entities: list[dict]) -> None:
    name, start, attrs = tag["name"], tag["start"], tag["attrs"]
    kind = _TAG_TYPES[name]
    if name == "code" and stack and stack[-1]["name"] == "pre":
        # <pre><code class="language-x">: the language belongs to the pre entity, no separate code entity
        cls = attrs.get("class", "")
        if cls.startswith("language-"):
            stack[-1]["language"] = cls[len("language-"):]
            return
    if end <= start:
        return
    entity: dict[str, Any] = {"type": kind, "offset": start, "length": end - start}
    if kind == "text_link":
        href = attrs.get("href", "").strip()
        if not href:
            return
        entity["url"] = href
    elif kind == "pre" and tag["language"]:
        entity["language"] = tag["language"]
    elif kind == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = attrs["emoji-id"]
    entities.append(entity)


def _trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Telegram strips leading and trailing whitespace and shifts the entities accordingly."""
    stripped = text.strip()
    if not stripped:
        return "", []
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(0, entity["offset"] - lead)
        end = min(size, entity["offset"] + entity["length"] - lead)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return stripped, kept


def _utf16_index_map(text: str) -> dict[int, int]:
    """UTF-16 offset -> Python string index, for every character boundary."""
    mapping, pos = {}, 0
    for index, ch in enumerate(text):
        mapping[pos] = index
        pos += 2 if ord(ch) > 0xFFFF else 1
    mapping[pos] = len(text)
    return mapping


_ANSI = {"bold": "1", "italic": "3", "underline": "4", "strikethrough": "9", "code": "36", "pre": "36",
         "spoiler": "7", "text_link": "4"}


def render_terminal(plain: str, entities: list[dict], *, ansi: bool = False) -> str:
    """The visible text for a terminal: links as "text (url)", styles as ANSI codes when `ansi`."""
    index = _utf16_index_map(plain)
    styles: list[set[str]] = [set() for _ in plain]
    after: dict[int, list[str]] = collections.defaultdict(list)
    for entity in entities:
        start = index.get(entity["offset"], 0)
        end = index.get(entity["offset"] + entity["length"], len(plain))
        for k in range(start, end):
            styles[k].add(entity["type"])
        url = entity.get("url")
        if entity["type"] == "text_link" and url and plain[start:end].strip() != url:
            after[end].append(f" ({url})")
    parts: list[str] = []
    current: frozenset[str] = frozenset()
    for k, ch in enumerate(plain):
        if k in after:
            parts.extend(_style_switch(current, frozenset(), ansi))
            current = frozenset()
            parts.extend(after[k])
        wanted = frozenset(styles[k])
        if wanted != current:
            parts.extend(_style_switch(current, wanted, ansi))
            current = wanted
        parts.append(ch)
    parts.extend(_style_switch(current, frozenset(), ansi))
    parts.extend(after.get(len(plain), []))
    return "".join(parts)


def _style_switch(old: frozenset[str], new: frozenset[str], ansi: bool) -> list[str]:
    if not ansi or old == new:
        return []
    codes = sorted({_ANSI[s] for s in new if s in _ANSI})
    out = ["\x1b[0m"] if old else []
    if codes:
        out.append("\x1b[" + ";".join(codes) + "m")
    return out


# ---------------------------------------------------------------------------------------------------------------
# Parameter normalization: PTB sends every value as a string (form fields / JSON strings); so does curl.

_INT_PARAMS = {"offset", "limit", "timeout", "message_id", "reply_to_message_id", "user_id", "cache_time",
               "max_connections", "message_thread_id"}
_BOOL_PARAMS = {"show_alert", "disable_notification", "protect_content", "drop_pending_updates",
                "disable_web_page_preview", "allow_sending_without_reply", "disable_content_type_detection"}
_JSON_PARAMS = {"reply_markup", "entities", "caption_entities", "commands", "scope", "allowed_updates",
                "reply_parameters", "link_preview_options"}


def normalize_params(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str):
            if name in _JSON_PARAMS:
                try:
                    value = json.loads(value)
                except ValueError:
                    if name == "reply_markup":
                        raise bad_request("can't parse reply keyboard markup JSON object") from None
                    raise bad_request(f"can't parse {name} JSON object") from None
            elif name in _INT_PARAMS:
                try:
                    value = int(float(value)) if re.fullmatch(r"-?\d+(\.0*)?", value.strip()) else int(value)
                except ValueError:
                    raise bad_request(f"invalid {name} specified") from None
            elif name in _BOOL_PARAMS:
                value = value.strip().lower() in ("true", "1", "yes")
            elif name == "chat_id" and re.fullmatch(r"-?\d+", value.strip()):
                value = int(value)
        out[name] = value
    return out


async def _wait_event(event: asyncio.Event, seconds: float) -> None:
    """Wait for `event` at most `seconds`; asyncio.timeout (unlike 3.11's wait_for) never eats a cancellation."""
    if seconds <= 0:
        return
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        pass


# ---------------------------------------------------------------------------------------------------------------
# The core


_CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
                 "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}
_ADMIN_RIGHTS = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
                 "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
                 "can_edit_stories", "can_delete_stories", "can_pin_messages")


class BotAPICore:
    """In-memory Telegram for one bot. See the module docstring; every public method is thread-safe."""

    def __init__(self, *, bot_id: int = 7000001, username: str = BOT_USERNAME, first_name: str = "newsbot",
                 max_per_second: float | None = None, max_per_chat_per_second: float | None = None,
                 max_per_group_per_minute: int | None = None, latency: float = 0.0,
                 callback_ttl: float | None = 600.0):
        self.bot_user = {"id": bot_id, "is_bot": True, "first_name": first_name, "username": username,
                         "can_join_groups": True, "can_read_all_group_messages": False,
                         "supports_inline_queries": False, "can_connect_to_business": False,
                         "has_main_web_app": False}
        self.max_per_second = max_per_second
        self.max_per_chat_per_second = max_per_chat_per_second
        self.max_per_group_per_minute = max_per_group_per_minute
        self.latency = latency
        self.callback_ttl = callback_ttl
        self.calls: list[CallRecord] = []
        self.files: dict[str, Upload] = {}
        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.closed = False

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._users: dict[int, dict] = {}
        self._chats: dict[int, dict] = {}  # id -> chat record (see _new_chat)
        self._usernames: dict[str, int] = {}
        self._migrated: dict[int, int] = {}
        self._blocked: set[int] = set()
        self._messages: dict[int, dict[int, dict]] = {}  # chat -> message_id -> API message dict
        self._bot_messages: dict[int, dict[int, BotMessage]] = {}
        self._next_message_id: dict[int, int] = {}
        self._updates: list[dict] = []
        self._next_update_id = 1
        self._delivered_upto = 0  # highest update_id ever returned by getUpdates
        self._allowed_updates: list[str] | None = None
        self._callbacks: dict[str, dict] = {}
        self._next_callback = 1
        self._next_file = 1
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._listeners: list[Callable[[CoreEvent], None]] = []
        self._poller: dict | None = None
        self._faults: list[dict] = []
        self._sent_times: collections.deque[float] = collections.deque()
        self._chat_times: dict[int, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._consumed: dict[int, set[int]] = collections.defaultdict(set)
        self._in_flight = 0

    # ----- observation -------------------------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        """Calls being answered right now, not counting a getUpdates long poll."""
        return self._in_flight

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by a getUpdates offset (i.e. the bot may not have processed them)."""
        with self._lock:
            return len(self._updates)

    def subscribe(self, listener: Callable[[CoreEvent], None]) -> Callable[[], None]:
        """Call `listener(event)` on every bot message, edit, deletion and callback notice; returns unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
        return unsubscribe

    def calls_of(self, method: str) -> list[CallRecord]:
        with self._lock:
            return [c for c in self.calls if c.method.lower() == method.lower()]

    def sent(self, chat_id: int, *, include_deleted: bool = False) -> list[BotMessage]:
        """The messages the bot sent to `chat_id`, oldest first, in their current (edited) state."""
        with self._lock:
            messages = list(self._bot_messages.get(chat_id, {}).values())
        return [m for m in messages if include_deleted or not m.deleted]

    def message(self, chat_id: int, message_id: int) -> dict | None:
        """The API dict of any message (the user's or the bot's) in a chat."""
        with self._lock:
            return self._messages.get(chat_id, {}).get(message_id)

    async def wait_for_message(self, chat_id: int, predicate: Callable[[BotMessage], bool] | None = None,
                               timeout: float = 5.0) -> BotMessage:
        """The oldest bot message in the chat that matches and that no earlier wait_for_message returned.

        Raises TimeoutError (listing what was sent) after `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        event = self._add_waiter()
        try:
            while True:
                found = self._take_message(chat_id, predicate)
                if found:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_text(chat_id, timeout))
                event.clear()
                await _wait_event(event, remaining)
        finally:
            self._remove_waiter(event)

    def wait_for_message_blocking(self, chat_id: int, predicate: Callable[[BotMessage], bool] | None = None,
                                  timeout: float = 5.0) -> BotMessage:
        """Like wait_for_message, for a thread that is not running the core's loop (HTTP end-to-end tests)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self._take_message(chat_id, predicate)
                if found:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_text(chat_id, timeout))
                self._cond.wait(remaining)

    def _take_message(self, chat_id: int, predicate: Callable[[BotMessage], bool] | None) -> BotMessage | None:
        with self._lock:
            for message in self._bot_messages.get(chat_id, {}).values():
                if message.message_id in self._consumed[chat_id] or message.deleted:
                    continue
                if predicate is None or predicate(message):
                    self._consumed[chat_id].add(message.message_id)
                    return message
        return None

    def _timeout_text(self, chat_id: int, timeout: float) -> str:
        texts = [m.plain[:80] for m in self.sent(chat_id)]
        return f"no matching bot message in chat {chat_id} within {timeout} s; sent there: {texts!r}"

    # ----- user simulation --------------------------------------------------------------------------------

    def user(self, user_id: int, first_name: str | None = None, *, username: str | None = None,
             language_code: str = "en") -> dict:
        """Define (or update) a user; returns the API User dict."""
        with self._lock:
            user = self._users.get(user_id)
            if user is None:
                user = {"id": user_id, "is_bot": False, "first_name": first_name or f"User{user_id}",
                        "language_code": language_code}
                self._users[user_id] = user
            elif first_name:
                user["first_name"] = first_name
            if username:
                user["username"] = username
            return dict(user)

    def private_chat(self, user_id: int, first_name: str = "Ann", *, username: str | None = None) -> dict:
        """The user opens a private chat with the bot (chat id == user id); returns the API Chat dict."""
        with self._lock:
            user = self.user(user_id, first_name if user_id not in self._users else None, username=username)
            if user_id not in self._chats:
                chat = {"id": user_id, "type": "private", "first_name": user["first_name"]}
                if user.get("username"):
                    chat["username"] = user["username"]
                self._new_chat(chat, members={user_id}, admins=[])
            return dict(self._chats[user_id]["chat"])

    def group(self, chat_id: int, title: str, admins: Iterable[int] = (), *, supergroup: bool = False,
              members: Iterable[int] = (), username: str | None = None, bot_is_admin: bool = False) -> dict:
        """A group (or supergroup) with the bot in it; the first admin is the creator. Returns the Chat dict."""
        admins = list(admins)
        with self._lock:
            for uid in [*admins, *members]:
                self.user(uid)
            chat = {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": title}
            if username:
                chat["username"] = username
            self._new_chat(chat, members={*admins, *members}, admins=admins, bot_is_admin=bot_is_admin)
            return dict(chat)

    def _new_chat(self, chat: dict, *, members: set[int], admins: list[int], bot_is_admin: bool = False) -> None:
        self._chats[chat["id"]] = {"chat": chat, "members": set(members), "admins": list(admins),
                                   "bot_is_admin": bot_is_admin}
        self._messages.setdefault(chat["id"], {})
        self._bot_messages.setdefault(chat["id"], {})
        self._next_message_id.setdefault(chat["id"], 1)
        if chat.get("username"):
            self._usernames[chat["username"].lower()] = chat["id"]

    def push_text(self, chat_id: int, user_id: int, text: str, reply_to_message_id: int | None = None) -> dict:
        """The user writes `text` in the chat; queues and returns the Update dict.

        A leading "/command" (or "/command@bot") gets a bot_command entity. Writing to the bot in private
        unblocks it, as in Telegram.
        """
        with self._lock:
            if chat_id not in self._chats:
                if chat_id == user_id:
                    self.private_chat(user_id)
                else:
                    raise ValueError(f"unknown chat {chat_id}; create it with group(...) first")
            self.user(user_id)
            record = self._chats[chat_id]
            record["members"].add(user_id)
            if record["chat"]["type"] == "private":
                self._blocked.discard(chat_id)
            message = self._store_message(chat_id, self._users[user_id], text=text)
            entities = []
            m = re.match(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,64})?", text)
            if m:
                entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(m.group(0))})
            if entities:
                message["entities"] = entities
            if reply_to_message_id is not None:
                replied = self._messages[chat_id].get(reply_to_message_id)
                if replied is None:
                    raise ValueError(f"no message {reply_to_message_id} in chat {chat_id}")
                message["reply_to_message"] = dict(replied)
            return self._queue_update({"message": message})

    def push_callback(self, chat_id: int, user_id: int, message_id: int, data: str) -> str:
        """The user presses an inline button with `data` under the bot's message; returns the query id."""
        with self._lock:
            bot_message = self._bot_messages.get(chat_id, {}).get(message_id)
            if bot_message is None or bot_message.deleted:
                raise ValueError(f"the bot has no message {message_id} in chat {chat_id}")
            self.user(user_id)
            query_id = f"{self.bot_user['id']}{self._next_callback:08d}"
            self._next_callback += 1
            self._callbacks[query_id] = {"chat_id": chat_id, "user_id": user_id, "message_id": message_id,
                                         "at": time.monotonic(), "answered": False}
            chat_instance = hashlib.sha1(f"{chat_id}".encode()).hexdigest()[:16]
            query = {"id": query_id, "from": dict(self._users[user_id]), "chat_instance": chat_instance,
                     "message": dict(self._messages[chat_id][message_id]), "data": data}
            self._queue_update({"callback_query": query})
            return query_id

    def callback_answer(self, query_id: str) -> dict | None:
        """How the bot answered a callback query ({"text", "show_alert", ...}), or None if unanswered."""
        with self._lock:
            record = self._callbacks.get(query_id)
            return record.get("answer") if record else None

    def _queue_update(self, body: dict) -> dict:
        update = {"update_id": self._next_update_id, **body}
        self._next_update_id += 1
        self._updates.append(update)
        self._changed()
        return update

    def _store_message(self, chat_id: int, sender: dict, **fields: Any) -> dict:
        message_id = self._next_message_id[chat_id]
        self._next_message_id[chat_id] = message_id + 1
        message = {"message_id": message_id, "from": dict(sender), "chat": dict(self._chats[chat_id]["chat"]),
                   "date": int(time.time()), **fields}
        self._messages[chat_id][message_id] = message
        return message

    # ----- fault injection -----------------------------------------------------------------------------------

    def inject_retry_after(self, seconds: int, count: int = 1, methods: Iterable[str] | None = None) -> None:
        """The next `count` calls answer 429 "Too Many Requests: retry after N".

        `methods` limits which methods are hit; by default every method except getUpdates, so a polling
        bot does not swallow the fault meant for a send.
        """
        error = ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})
        self._add_fault(error, count, methods)

    def inject_server_error(self, count: int = 1, status: int = 500, methods: Iterable[str] | None = None) -> None:
        """The next `count` calls answer 500 Internal Server Error (or 502 Bad Gateway)."""
        description = "Bad Gateway" if status == 502 else "Internal Server Error"
        self._add_fault(ApiError(status, description), count, methods)

    def _add_fault(self, error: ApiError, count: int, methods: Iterable[str] | None) -> None:
        with self._lock:
            self._faults.append({"error": error, "left": count,
                                 "methods": {m.lower() for m in methods} if methods is not None else None})

    def block_chat(self, chat_id: int) -> None:
        """The user blocks the bot (or the bot is kicked from the group): sends answer 403."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.discard(chat_id)

    def migrate_group(self, chat_id: int, new_supergroup_id: int) -> dict:
        """Upgrade a group to a supergroup: calls with the old id answer 400 with migrate_to_chat_id."""
        with self._lock:
            old = self._chats[chat_id]
            chat = {"id": new_supergroup_id, "type": "supergroup", "title": old["chat"].get("title", "")}
            self._new_chat(chat, members=set(old["members"]), admins=list(old["admins"]),
                           bot_is_admin=old["bot_is_admin"])
            self._migrated[chat_id] = new_supergroup_id
            creator = self._users.get(old["admins"][0]) if old["admins"] else self.bot_user
            msg = self._store_message(chat_id, creator, migrate_to_chat_id=new_supergroup_id)
            self._queue_update({"message": msg})
            msg = self._store_message(new_supergroup_id, creator, migrate_from_chat_id=chat_id)
            self._queue_update({"message": msg})
            return dict(chat)

    # ----- the API ------------------------------------------------------------------------------------------

    async def call(self, method: str, params: dict[str, Any] | None = None,
                   files: dict[str, Upload] | None = None) -> tuple[int, dict]:
        """Answer one Bot API call: returns (HTTP status, JSON body as a dict)."""
        files = files or {}
        record = CallRecord(method=method, params={}, files={k: v.filename for k, v in files.items()},
                            at=time.time())
        with self._lock:
            self.calls.append(record)
        key = method.lower()
        polling = key == "getupdates"
        if not polling:
            self._in_flight += 1
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            record.params = normalize_params(params or {})
            handler = getattr(self, f"_m_{key}", None) if key.isalnum() else None
            if handler is None:
                raise ApiError(404, "Not Found")
            self._take_fault(key)
            if polling:
                result = await self._m_getupdates(record.params)
            else:
                with self._lock:
                    result = handler(record.params, files)
            record.status, record.result = 200, result
            return 200, {"ok": True, "result": result}
        except ApiError as exc:
            record.status, record.error = exc.code, exc.description
            return exc.code, exc.payload()
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            # malformed input the validators did not anticipate: answer like Telegram, keep the cause in the log
            record.status, record.error = 400, f"Bad Request: {exc!r}"
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: invalid parameters ({exc})"}
        except asyncio.CancelledError:
            record.error = "cancelled by the caller"
            raise
        finally:
            if not polling:
                self._in_flight -= 1
            with self._lock:
                self._changed()

    def _take_fault(self, key: str) -> None:
        with self._lock:
            for fault in self._faults:
                wanted = fault["methods"]
                hit = key != "getupdates" if wanted is None else key in wanted
                if hit and fault["left"] > 0:
                    fault["left"] -= 1
                    if fault["left"] == 0:
                        self._faults.remove(fault)
                    raise fault["error"]

    # --- helpers for handlers (called with the lock held)

    def _chat_record(self, chat_ref: Any) -> dict:
        if chat_ref is None or chat_ref == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_ref, str):
            if chat_ref.startswith("@"):
                chat_id = self._usernames.get(chat_ref[1:].lower())
                if chat_id is None:
                    raise bad_request("chat not found")
                chat_ref = chat_id
            else:
                raise bad_request("chat not found")
        if chat_ref in self._migrated:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           {"migrate_to_chat_id": self._migrated[chat_ref]})
        record = self._chats.get(chat_ref)
        if record is None:
            raise bad_request("chat not found")
        return record

    def _check_blocked(self, record: dict) -> None:
        chat = record["chat"]
        if chat["id"] in self._blocked:
            if chat["type"] == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            kind = "supergroup" if chat["type"] == "supergroup" else "group"
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")

    def _check_rate(self, chat_id: int, is_group: bool) -> None:
        """The optional flood model: global and per-chat messages per second, group messages per minute."""
        now = time.monotonic()
        window = self._sent_times
        while window and window[0] <= now - 60:
            window.popleft()
        per_chat = self._chat_times[chat_id]
        while per_chat and per_chat[0] <= now - 60:
            per_chat.popleft()
        checks = []
        if self.max_per_second:
            checks.append((window, 1.0, self.max_per_second))
        if self.max_per_chat_per_second:
            checks.append((per_chat, 1.0, self.max_per_chat_per_second))
        if self.max_per_group_per_minute and is_group:
            checks.append((per_chat, 60.0, self.max_per_group_per_minute))
        for times, span, limit in checks:
            recent = [t for t in times if t > now - span]
            if len(recent) >= limit:
                wait = max(1, math.ceil(recent[-max(1, int(limit))] + span - now))
                raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        window.append(now)
        per_chat.append(now)

    def _sendable(self, params: dict) -> dict:
        record = self._chat_record(params.get("chat_id"))
        self._check_blocked(record)
        return record

    def _text_and_entities(self, text: Any, parse_mode: Any, entities: Any, *, caption: bool) -> tuple[str, list]:
        text = "" if text is None else str(text)
        mode = (parse_mode or "").strip()
        if mode.lower() == "html":
            try:
                plain, parsed = parse_html(text)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        elif mode == "" or mode.lower() in ("markdown", "markdownv2"):
            # Markdown is passed through unparsed (the project renders HTML only)
            plain, parsed = _trim(text, list(entities) if isinstance(entities, list) else [])
        else:
            raise bad_request("unsupported parse_mode")
        limit = MAX_CAPTION_UTF16 if caption else MAX_TEXT_UTF16
        if not plain and not caption:
            raise bad_request("message text is empty")
        if utf16_len(plain) > limit:
            raise bad_request("message caption is too long" if caption else "message is too long")
        return plain, parsed

    @staticmethod
    def _check_markup(markup: Any) -> dict | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if {"keyboard", "remove_keyboard", "force_reply"} & markup.keys():
                return None  # reply keyboards are accepted but not part of the message
            raise bad_request("can't parse reply keyboard markup JSON object")
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        for row in rows:
            for button in row:
                if not isinstance(button, dict):
                    raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
                if not str(button.get("text", "")).strip():
                    raise bad_request("can't parse inline keyboard button: Text must be non-empty")
                if "callback_data" in button:
                    size = len(str(button["callback_data"]).encode("utf-8"))
                    if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                        raise bad_request("BUTTON_DATA_INVALID")
                elif "url" in button:
                    url = str(button["url"])
                    parts = urlsplit(url)
                    if parts.scheme not in ("http", "https", "tg") or (parts.scheme != "tg" and not parts.netloc):
                        raise bad_request("BUTTON_URL_INVALID")
                elif not ({"switch_inline_query", "switch_inline_query_current_chat", "login_url", "web_app",
                           "callback_game", "pay", "copy_text", "switch_inline_query_chosen_chat"} & button.keys()):
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
        return markup

    def _reply_target(self, chat_id: int, params: dict) -> int | None:
        ref = params.get("reply_parameters")
        target, allow_missing = None, bool(params.get("allow_sending_without_reply"))
        if isinstance(ref, dict):
            target = ref.get("message_id")
            allow_missing = allow_missing or bool(ref.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id"):
            target = params["reply_to_message_id"]
        if target is None:
            return None
        if int(target) not in self._messages[chat_id]:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        return int(target)

    def _emit(self, event: CoreEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken watcher must not break the bot's call
                pass

    def _send(self, record: dict, *, text: str | None, parse_mode: str | None, plain: str, entities: list,
              markup: dict | None, reply_to: int | None, document: Upload | None = None,
              extra: dict | None = None) -> dict:
        chat_id = record["chat"]["id"]
        self._check_rate(chat_id, record["chat"]["type"] != "private")
        fields: dict[str, Any] = dict(extra or {})
        if document is None:
            fields["text"] = plain
            if entities:
                fields["entities"] = entities
        else:
            if plain:
                fields["caption"] = plain
                if entities:
                    fields["caption_entities"] = entities
        if markup:
            fields["reply_markup"] = markup
        if reply_to is not None:
            fields["reply_to_message"] = dict(self._messages[chat_id][reply_to])
        message = self._store_message(chat_id, self.bot_user, **fields)
        bot_message = BotMessage(chat_id=chat_id, message_id=message["message_id"], text=text,
                                 parse_mode=parse_mode, plain=plain, entities=entities, reply_markup=markup,
                                 date=message["date"], document=document, reply_to_message_id=reply_to)
        self._bot_messages[chat_id][bot_message.message_id] = bot_message
        self._emit(CoreEvent("message", chat_id, message=bot_message))
        return message

    # --- methods (name: _m_ + lowercase Bot API method)

    def _m_getme(self, params: dict, files: dict) -> dict:
        return dict(self.bot_user)

    def _m_logout(self, params: dict, files: dict) -> bool:
        self.closed = True
        return True

    def _m_close(self, params: dict, files: dict) -> bool:
        self.closed = True
        return True

    def _m_setwebhook(self, params: dict, files: dict) -> bool:
        url = str(params.get("url", "")).strip()
        if url and not url.lower().startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_deletewebhook(self, params: dict, files: dict) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_getwebhookinfo(self, params: dict, files: dict) -> dict:
        return {"url": self.webhook_url, "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    async def _m_getupdates(self, params: dict, files: dict | None = None) -> list[dict]:
        offset = params.get("offset")
        limit = max(1, min(100, params.get("limit") or 100))
        timeout = max(0, params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._lock:
            if self.webhook_url:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                    "use deleteWebhook to delete the webhook first")
            if "allowed_updates" in params and isinstance(params["allowed_updates"], list):
                self._allowed_updates = params["allowed_updates"] or None
            if self._poller is not None and timeout > 0:
                # Telegram answers the older long poll with 409 when a second one arrives (a short
                # confirming call, like PTB's on shutdown, is let through so a stopping poller exits quietly)
                self._poller["terminated"] = True
            me = {"terminated": False}
            if timeout > 0:
                self._poller = me
            self._changed()
        event = self._add_waiter()
        try:
            while True:
                with self._lock:
                    if me["terminated"]:
                        raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure "
                                            "that only one bot instance is running")
                    ready = self._ready_updates(offset, limit)
                    if ready or time.monotonic() >= deadline:
                        if ready:
                            self._delivered_upto = max(self._delivered_upto, ready[-1]["update_id"])
                        return ready
                    event.clear()
                await _wait_event(event, deadline - time.monotonic())
        finally:
            self._remove_waiter(event)
            with self._lock:
                if self._poller is me:
                    self._poller = None

    def _ready_updates(self, offset: int | None, limit: int) -> list[dict]:
        if offset is not None and offset < 0:
            # a negative offset keeps only the last -offset updates and forgets the rest
            del self._updates[: max(0, len(self._updates) + offset)]
        elif offset is not None:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if self._allowed_updates:
            wanted = set(self._allowed_updates)
            self._updates = [u for u in self._updates if wanted & (u.keys() - {"update_id"})]
        return [json.loads(json.dumps(u)) for u in self._updates[:limit]]

    def _m_sendmessage(self, params: dict, files: dict) -> dict:
        record = self._sendable(params)
        parse_mode = params.get("parse_mode")
        plain, entities = self._text_and_entities(params.get("text"), parse_mode, params.get("entities"),
                                                  caption=False)
        markup = self._check_markup(params.get("reply_markup"))
        reply_to = self._reply_target(record["chat"]["id"], params)
        return self._send(record, text=params.get("text"), parse_mode=parse_mode, plain=plain,
                          entities=entities, markup=markup, reply_to=reply_to)

    def _m_senddocument(self, params: dict, files: dict) -> dict:
        record = self._sendable(params)
        upload = self._document_from(params, files)
        parse_mode = params.get("parse_mode")
        plain, entities = self._text_and_entities(params.get("caption"), parse_mode,
                                                  params.get("caption_entities"), caption=True)
        markup = self._check_markup(params.get("reply_markup"))
        reply_to = self._reply_target(record["chat"]["id"], params)
        file_id = self._store_file(upload)
        document = {"file_id": file_id, "file_unique_id": "u" + file_id, "file_name": upload.filename,
                    "mime_type": upload.mime_type, "file_size": len(upload.content)}
        return self._send(record, text=params.get("caption"), parse_mode=parse_mode, plain=plain,
                          entities=entities, markup=markup, reply_to=reply_to, document=upload,
                          extra={"document": document})

    def _document_from(self, params: dict, files: dict[str, Upload]) -> Upload:
        ref = params.get("document")
        if isinstance(ref, str) and ref.startswith("attach://"):
            upload = files.get(ref[len("attach://"):])
        elif "document" in files:
            upload = files["document"]
        elif isinstance(ref, str) and ref in self.files:
            upload = self.files[ref]
        elif isinstance(ref, str) and ref.startswith(("http://", "https://")):
            name = urlsplit(ref).path.rsplit("/", 1)[-1] or "file"
            upload = Upload(name, b"", "application/octet-stream")
            return upload  # a URL Telegram would fetch; nothing to keep offline
        elif isinstance(ref, str) and ref:
            raise bad_request("wrong file identifier/HTTP URL specified")
        else:
            upload = None
        if upload is None:
            raise bad_request("there is no document in the request")
        if not upload.content:
            raise bad_request("file must be non-empty")
        return upload

    def _store_file(self, upload: Upload) -> str:
        file_id = f"BQAC{self._next_file:06d}"
        self._next_file += 1
        self.files[file_id] = upload
        return file_id

    def _m_getfile(self, params: dict, files: dict) -> dict:
        file_id = params.get("file_id")
        upload = self.files.get(file_id) if isinstance(file_id, str) else None
        if upload is None:
            raise bad_request("invalid file_id")
        return {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": len(upload.content),
                "file_path": self.file_path(file_id)}

    def file_path(self, file_id: str) -> str:
        suffix = self.files[file_id].filename.rsplit(".", 1)
        ext = "." + suffix[1] if len(suffix) == 2 else ""
        return f"documents/{file_id}{ext}"

    def file_by_path(self, path: str) -> Upload | None:
        """The upload behind a getFile file_path (what /file/bot<token>/<path> serves)."""
        with self._lock:
            for file_id in self.files:
                if self.file_path(file_id) == path.lstrip("/"):
                    return self.files[file_id]
        return None

    def _editable(self, params: dict) -> tuple[dict, BotMessage]:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not simulated
        record = self._chat_record(params.get("chat_id"))
        self._check_blocked(record)
        chat_id = record["chat"]["id"]
        message_id = params.get("message_id")
        if not message_id:
            raise bad_request("message identifier is not specified")
        if message_id not in self._messages[chat_id]:
            raise bad_request("message to edit not found")
        bot_message = self._bot_messages[chat_id].get(message_id)
        if bot_message is None:
            raise bad_request("message can't be edited")
        if bot_message.deleted:
            raise bad_request("message to edit not found")
        return record, bot_message

    def _apply_edit(self, bot_message: BotMessage, api_message: dict) -> dict:
        bot_message.edits += 1
        api_message["edit_date"] = int(time.time())
        self._emit(CoreEvent("edit", bot_message.chat_id, message=bot_message))
        return dict(api_message)

    _NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly the "
                     "same as a current content and reply markup of the message")

    def _m_editmessagetext(self, params: dict, files: dict) -> dict:
        record, bot_message = self._editable(params)
        if bot_message.document is not None:
            raise bad_request("there is no text in the message to edit")
        parse_mode = params.get("parse_mode")
        plain, entities = self._text_and_entities(params.get("text"), parse_mode, params.get("entities"),
                                                  caption=False)
        markup = self._check_markup(params.get("reply_markup"))
        if (plain, entities, markup) == (bot_message.plain, bot_message.entities, bot_message.reply_markup):
            raise bad_request(self._NOT_MODIFIED)
        api_message = self._messages[bot_message.chat_id][bot_message.message_id]
        api_message["text"] = plain
        api_message.pop("entities", None)
        if entities:
            api_message["entities"] = entities
        api_message.pop("reply_markup", None)
        if markup:
            api_message["reply_markup"] = markup
        bot_message.text, bot_message.parse_mode, bot_message.plain = params.get("text"), parse_mode, plain
        bot_message.entities, bot_message.reply_markup = entities, markup
        return self._apply_edit(bot_message, api_message)

    def _m_editmessagereplymarkup(self, params: dict, files: dict) -> dict:
        record, bot_message = self._editable(params)
        markup = self._check_markup(params.get("reply_markup"))
        if markup == bot_message.reply_markup or (not markup and not bot_message.reply_markup):
            raise bad_request(self._NOT_MODIFIED)
        api_message = self._messages[bot_message.chat_id][bot_message.message_id]
        api_message.pop("reply_markup", None)
        if markup:
            api_message["reply_markup"] = markup
        bot_message.reply_markup = markup
        return self._apply_edit(bot_message, api_message)

    def _m_deletemessage(self, params: dict, files: dict) -> bool:
        record = self._chat_record(params.get("chat_id"))
        chat_id = record["chat"]["id"]
        message_id = params.get("message_id")
        bot_message = self._bot_messages[chat_id].get(message_id)
        if message_id not in self._messages[chat_id] or (bot_message and bot_message.deleted):
            raise bad_request("message to delete not found")
        if bot_message is None and record["chat"]["type"] != "private" and not record["bot_is_admin"]:
            raise bad_request("message can't be deleted")
        del self._messages[chat_id][message_id]
        if bot_message is not None:
            bot_message.deleted = True
            self._emit(CoreEvent("delete", chat_id, message=bot_message))
        return True

    def _m_answercallbackquery(self, params: dict, files: dict) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        query = self._callbacks.get(query_id)
        expired = (query is not None and self.callback_ttl is not None
                   and time.monotonic() - query["at"] > self.callback_ttl)
        if query is None or query["answered"] or expired:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        url = params.get("url")
        if url:
            raise bad_request("URL_INVALID")  # games are not simulated
        query["answered"] = True
        query["answer"] = {"text": text, "show_alert": bool(params.get("show_alert")),
                           "cache_time": params.get("cache_time")}
        if text:
            self._emit(CoreEvent("notice", query["chat_id"], text=str(text),
                                 show_alert=bool(params.get("show_alert"))))
        return True

    def _m_sendchataction(self, params: dict, files: dict) -> bool:
        record = self._chat_record(params.get("chat_id"))
        self._check_blocked(record)
        action = params.get("action")
        if action not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._emit(CoreEvent("action", record["chat"]["id"], text=action))
        return True

    # --- commands

    @staticmethod
    def _scope_key(params: dict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _m_setmycommands(self, params: dict, files: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        cleaned = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description.strip()) <= 256 or len(description) > 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        self.commands[self._scope_key(params)] = cleaned
        return True

    def _m_getmycommands(self, params: dict, files: dict) -> list[dict]:
        return [dict(c) for c in self.commands.get(self._scope_key(params), [])]

    def _m_deletemycommands(self, params: dict, files: dict) -> bool:
        self.commands.pop(self._scope_key(params), None)
        return True

    # --- chats

    def _m_getchat(self, params: dict, files: dict) -> dict:
        record = self._chat_record(params.get("chat_id"))
        info = dict(record["chat"])
        info.update({"accent_color_id": 0, "max_reaction_count": 11,
                     "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                             "unique_gifts": False, "premium_subscription": False,
                                             "gifts_from_channels": False}})
        if info["type"] == "private":
            user = self._users[info["id"]]
            info["first_name"] = user["first_name"]
        return info

    def _member(self, record: dict, user_id: int) -> dict:
        if user_id == self.bot_user["id"]:
            user = {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}
            if record["bot_is_admin"]:
                return self._admin_json(user)
            return {"status": "member", "user": user}
        user = self._users.get(user_id)
        if user is None:
            raise bad_request("PARTICIPANT_ID_INVALID" if user_id > 0 else "user not found")
        if record["chat"]["type"] != "private" and record["admins"] and record["admins"][0] == user_id:
            return {"status": "creator", "user": dict(user), "is_anonymous": False}
        if user_id in record["admins"]:
            return self._admin_json(dict(user))
        if user_id in record["members"]:
            return {"status": "member", "user": dict(user)}
        return {"status": "left", "user": dict(user)}

    @staticmethod
    def _admin_json(user: dict) -> dict:
        return {"status": "administrator", "user": user, "can_be_edited": False, "is_anonymous": False,
                **{right: True for right in _ADMIN_RIGHTS}}

    def _m_getchatmember(self, params: dict, files: dict) -> dict:
        record = self._chat_record(params.get("chat_id"))
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise bad_request("invalid user_id specified")
        return self._member(record, user_id)

    def _m_getchatadministrators(self, params: dict, files: dict) -> list[dict]:
        record = self._chat_record(params.get("chat_id"))
        if record["chat"]["type"] == "private":
            raise bad_request("there are no administrators in the private chat")
        admins = [self._member(record, uid) for uid in record["admins"]]
        if record["bot_is_admin"]:
            admins.append(self._member(record, self.bot_user["id"]))
        return admins

    def _m_getchatmembercount(self, params: dict, files: dict) -> int:
        record = self._chat_record(params.get("chat_id"))
        return len(record["members"]) + (1 if record["chat"]["type"] != "private" else 0)

    # ----- wake-ups across loops and threads ----------------------------------------------------------------

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
        self._cond.notify_all()
        for loop, event in list(self._waiters):
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that loop is closed
                self._waiters.discard((loop, event))


# ---------------------------------------------------------------------------------------------------------------
# PTB transport


class InProcessRequest(BaseRequest):
    """A PTB request object that answers from a BotAPICore instead of the network.

    The URL is PTB's `base_url + token + "/" + method` (any base_url works); the token part must stay the same
    for the life of the object, as it would for one bot. File downloads (`base_file_url + token + "/" +
    file_path`) are served from the core's uploads.
    """

    def __init__(self, core: BotAPICore):
        self.core = core
        self._token_part: str | None = None

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
                         pool_timeout: Any = None) -> tuple[int, bytes]:
        if method == "GET":
            upload = self._download(url)
            if upload is None:
                return 404, json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}).encode()
            return 200, upload.content
        head, _, api_method = url.rstrip("/").rpartition("/")
        token_part = head.rpartition("/")[2]
        if self._token_part is None:
            self._token_part = token_part
        if token_part != self._token_part:
            return 401, json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"}).encode()
        params: dict[str, Any] = dict(request_data.json_parameters) if request_data else {}
        files: dict[str, Upload] = {}
        if request_data is not None and request_data.contains_files:
            for name, part in request_data.multipart_data.items():
                filename, content, mime_type = part
                if hasattr(content, "read"):
                    content = content.read()
                files[name] = Upload(filename or name, bytes(content), mime_type or "application/octet-stream")
        status, body = await self.core.call(api_method, params, files)
        return status, json.dumps(body).encode("utf-8")

    def _download(self, url: str) -> Upload | None:
        path = urlsplit(url).path
        for file_id in list(self.core.files):
            if path.endswith("/" + self.core.file_path(file_id)):
                return self.core.files[file_id]
        return None
