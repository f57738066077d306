"""What the in-process Bot API passes around: Telegram's limits, the refusal error, and the records of calls,
uploads, bot messages and events.

Plain data, no behaviour beyond small views (CallRecord.ok, BotMessage.buttons, ApiError.payload).
"""

from __future__ import annotations

import dataclasses
from typing import Any

BOT_USERNAME = "newsbot_bot"
MAX_TEXT_UTF16 = 4096
MAX_CAPTION_UTF16 = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_COMMANDS = 100


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

