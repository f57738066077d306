"""BotAPICore: the in-process Telegram for one bot, its state and its public face.

This module holds the state (users, chats, messages, pending updates, uploads, the call log), what the
console sees of it (subscribe, in_flight, pending_updates, and the views calls, sent, message), the user
simulation (private_chat, group, push_text, push_callback) and `call`, which answers one Bot API call by
dispatching to a method handler. The handlers live in `methods` (BotAPIMethods), the checks they share in
`validation` (CallChecks), and the wake-ups of long polls in `wakeups` (Wakeups); BotAPICore combines them.

It behaves like a calm Telegram: no faults, no flood limits, no latency. Tests that need a misbehaving
Telegram (429, 5xx, blocked or migrated chats, a rate model, slow calls) subclass it in tests/faultyapi.py,
through two hooks: `_before_answer` (every call, just before its handler runs) and `_check_writable` (every
send, edit or chat action aimed at a chat).
"""

from __future__ import annotations

import asyncio
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
from bot.telegram.fakeapi.wakeups import Wakeups


class BotAPICore(BotAPIMethods, CallChecks, Wakeups):
    """In-memory Telegram for one bot. See the bot.telegram.fakeapi docstring; every public method is
    thread-safe."""

    def __init__(self, *, bot_id: int = 7000001, username: str = BOT_USERNAME, first_name: str = "newsbot",
                 callback_ttl: float | None = 600.0):
        self.bot_user = {"id": bot_id, "is_bot": True, "first_name": first_name, "username": username,
                         "can_join_groups": True, "can_read_all_group_messages": False,
                         "supports_inline_queries": False, "can_connect_to_business": False,
                         "has_main_web_app": False}
        self.callback_ttl = callback_ttl
        self.calls: list[CallRecord] = []
        self.files: dict[str, Upload] = {}
        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.closed = False

        self._lock = threading.RLock()
        self._users: dict[int, dict] = {}
        self._chats: dict[int, dict] = {}  # id -> chat record (see _new_chat)
        self._usernames: dict[str, int] = {}
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

        A leading "/command" (or "/command@bot") gets a bot_command entity.
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
            record.params = normalize_params(params or {})
            handler = getattr(self, f"_m_{key}", None) if key.isalnum() else None
            if handler is None:
                raise ApiError(404, "Not Found")
            await self._before_answer(key)
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

    async def _before_answer(self, key: str) -> None:
        """Runs for every known method (`key` is its lowercase name) just before its handler, without the
        lock. Telegram proper has nothing to do here; a subclass may delay the call or raise ApiError."""
        return None
