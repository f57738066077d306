"""How the in-process Bot API reads and checks a call's parameters, the way Telegram does.

normalize_params turns what PTB (or curl) sends, every value a string, into ints, bools and JSON objects.
CallChecks is the part of BotAPICore that the method handlers share, always called with the core's lock
held: resolving the target chat, text and entities against Telegram's length limits, inline keyboards,
reply targets, and storing a sent message. `_check_writable` is where a subclass refuses a chat the bot may
not write to (tests/faultyapi.py: a user who blocked the bot).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from bot.telegram.fakeapi.html import EntityParseError, _trim, parse_html, utf16_len
from bot.telegram.fakeapi.records import (
    MAX_CALLBACK_DATA_BYTES, MAX_CAPTION_UTF16, MAX_TEXT_UTF16, BotMessage, CoreEvent, Upload, bad_request,
)

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


class CallChecks:
    """The checks and the send path shared by BotAPICore's method handlers (called with the lock held)."""

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
        record = self._chats.get(chat_ref)
        if record is None:
            raise bad_request("chat not found")
        return record

    def _check_writable(self, record: dict) -> None:
        """Before a send, an edit or a chat action in the chat of `record`. Every known chat is writable
        here; a subclass raises ApiError for one that is not."""
        return None

    def _sendable(self, params: dict) -> dict:
        record = self._chat_record(params.get("chat_id"))
        self._check_writable(record)
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
