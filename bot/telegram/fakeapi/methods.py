"""The Bot API methods of the in-process core: one handler per method, named _m_ + the lowercase method name
(BotAPICore.call dispatches on that name), each answering with Telegram's JSON or raising its ApiError.

Covered: getMe, logOut, close, setWebhook, deleteWebhook, getWebhookInfo, getUpdates (long polling),
sendMessage, sendDocument, getFile, editMessageText, editMessageReplyMarkup, deleteMessage,
answerCallbackQuery, sendChatAction, set/get/deleteMyCommands, getChat, getChatMember,
getChatAdministrators and getChatMemberCount. Handlers run with the core's lock held, except getUpdates,
which takes the lock itself around its waits.
"""

from __future__ import annotations

import json
import re
import time
from urllib.parse import urlsplit

from bot.telegram.fakeapi.records import MAX_COMMANDS, ApiError, BotMessage, CoreEvent, Upload, bad_request
from bot.telegram.fakeapi.wakeups import wait_event

_CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
                 "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}
_ADMIN_RIGHTS = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
                 "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
                 "can_edit_stories", "can_delete_stories", "can_pin_messages")


class BotAPIMethods:
    """The method handlers of BotAPICore, with the helpers only they use."""

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
                await wait_event(event, deadline - time.monotonic())
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

    def _editable(self, params: dict) -> tuple[dict, BotMessage]:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not simulated
        record = self._chat_record(params.get("chat_id"))
        self._check_writable(record)
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
        self._check_writable(record)
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
