"""Logging set-up: the bot token never reaches a log line.

httpx logs every request URL at INFO, and a Bot API URL contains the token: httpx and httpcore are held
at WARNING, and every handler also runs a filter that replaces the token (and any bot<digits>:<secret>
pattern) with a placeholder, in case another library prints one."""

from __future__ import annotations

import logging
import re

_TOKEN_SHAPE = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}\b")


class RedactToken(logging.Filter):
    def __init__(self, token: str | None) -> None:
        super().__init__()
        self.token = token

    def _clean(self, text: str) -> str:
        if self.token:
            text = text.replace(self.token, "<token>")
        return _TOKEN_SHAPE.sub("<token>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self._clean(text)
        return True


def configure_logging(token: str | None, level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    redact = RedactToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
