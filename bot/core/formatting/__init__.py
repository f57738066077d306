"""Telegram message rendering: HTML escaping, the 4096-character limit, and button payloads.

Pure: no telegram import, no clock. Renderers return (html, keyboard) where keyboard is a list of rows of
(label, callback_data) tuples; the caller turns them into InlineKeyboardMarkup.

The package is split by job; import from `bot.formatting` (this facade), not from its modules:

- `html`: esc() and the Html marker, visible_length/utf16_len (Telegram counts 4096 UTF-16 units after
  entity parsing), clip() for plain text, and split_html() to cut rendered HTML into messages.
- `callbacks`: callback data ("action:arg:arg", at most 64 bytes): ACTIONS, make_callback, parse_callback,
  article_id_from_markup.
- the render_* functions, one per kind of message, by what they show: `alerts` (alert, full summary,
  digest), `lists` (/latest and /search lists, latest on and who is a person), `topicviews` (/topics and
  the replies to /subscribe), `settingsviews` (the digest setting, /sources); `pieces` holds what they share
  (Keyboard, local_time, title links, source and time lines).
"""

from __future__ import annotations

from bot.core.formatting.callbacks import (
    ACTIONS, MAX_CALLBACK_BYTES, article_id_from_markup, make_callback, parse_callback,
)
from bot.core.formatting.html import MAX_MESSAGE, Html, clip, esc, split_html, utf16_len, visible_length
from bot.core.formatting.alerts import render_alert, render_digest, render_summary
from bot.core.formatting.lists import render_article_list, render_latest, render_person_header, render_who
from bot.core.formatting.pieces import Keyboard, local_time
from bot.core.formatting.settingsviews import render_digest_setting, render_sources
from bot.core.formatting.topicviews import TOPICS_PER_PAGE, render_subscribe, render_subscribed, render_topics

__all__ = ["Html", "esc", "visible_length", "utf16_len", "clip", "split_html", "make_callback", "parse_callback",
           "ACTIONS", "MAX_MESSAGE", "MAX_CALLBACK_BYTES", "render_alert", "render_article_list",
           "render_person_header", "render_topics", "render_summary", "render_digest", "render_subscribe",
           "render_subscribed", "render_latest", "render_who", "render_digest_setting", "render_sources",
           "article_id_from_markup", "local_time", "Keyboard", "TOPICS_PER_PAGE"]
