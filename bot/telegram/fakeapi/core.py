"""BotAPICore: the in-process Telegram for one bot, its state and its public face.

This module holds the state (users, chats, messages, pending updates, uploads, faults, the call log), what
tests and the console see of it (calls, sent, wait_for_message), the user simulation (private_chat, group,
push_text, push_callback), fault injection (retry-after, server errors, blocked and migrated chats) and
`call`, which answers one Bot API call by dispatching to a method handler. The handlers live in
`methods` (BotAPIMethods), the checks they share in `validation` (CallChecks), and the wake-ups of long
polls and waiters in `wakeups` (Wakeups); BotAPICore combines them.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from bot.telegram.fakeapi.html import utf16_len
from bot.telegram.fakeapi.methods import BotAPIMethods
from bot.telegram.fakeapi.records import BOT_USERNAME, ApiError, BotMessage, CallRecord, CoreEvent, Upload
from bot.telegram.fakeapi.validation import CallChecks, normalize_params
from bot.telegram.fakeapi.wakeups import Wakeups, _wait_event


class BotAPICore(BotAPIMethods, CallChecks, Wakeups):
    """In-memory Telegram for one bot. See the bot.fakeapi docstring; every public method is thread-safe."""

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
