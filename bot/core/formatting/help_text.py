"""The words users read about commands: the command list (setMyCommands), /help and /start."""

from __future__ import annotations

from html import escape

# (command, one line for Telegram's menu, an example for /help)
COMMANDS: list[tuple[str, str, str]] = [
    ("start", "What newsbot does", "/start"),
    ("help", "Commands and topic syntax", "/help"),
    ("subscribe", "Follow a topic: alerts when a story matches", '/subscribe "Robert Mueller" -sport'),
    ("unsubscribe", "Stop following a topic (its text or number)", "/unsubscribe 2"),
    ("topics", "Your topics, with buttons to change them", "/topics"),
    ("latest", "The newest stories about a person", "/latest Kislyak"),
    ("search", "Stored stories containing words", "/search sanctions Russia"),
    ("summary", "Summarise an alert (reply to it), an id or a link", "/summary https://example.com/story"),
    ("digest", "Daily or weekly digest at your hour", "/digest daily 07:30"),
    ("timezone", "Your time zone for digests and quiet hours", "/timezone Europe/Berlin"),
    ("quiet", "Hold alerts during these hours", "/quiet 22:00-07:00"),
    ("sources", "The feeds newsbot reads", "/sources"),
    ("stop", "Forget this chat: topics, settings, history", "/stop"),
    ("export", "This chat's data as a JSON file", "/export"),
]
ADMIN_COMMANDS: list[tuple[str, str, str]] = [
    ("addsource", "Add a feed (admins)", "/addsource https://example.com/rss.xml"),
    ("removesource", "Remove a feed (admins)", "/removesource 3"),
    ("stats", "Chats, topics, articles, feed health, queue (admins)", "/stats"),
]

TOPIC_SYNTAX_HTML = (
    "<b>Topics</b>\n"
    "<code>Flynn Kislyak</code> — every word must appear\n"
    "<code>\"Robert Mueller\"</code> — a phrase, words together in this order\n"
    "<code>Syria OR Iran</code> — either one (OR in capitals)\n"
    "<code>Russia -sport</code> — a minus leaves out stories with that word\n"
    "Case, accents, apostrophes and simple plurals do not matter; whole words only "
    "(Flynn does not match Flynnville). At most 200 characters."
)

START_HTML = (
    "<b>Hi, I'm newsbot.</b> I watch the news for you.\n\n"
    "• <b>Follow topics</b>: <code>/subscribe Flynn</code> — an alert with a short summary the moment a story "
    "matches, and a line saying why it matched. One alert per story, however many sources carry it.\n"
    "• <b>Ask about people</b>: <i>what's the latest on Kislyak?</i> — who they are and their newest stories.\n"
    "• <b>Digests</b>: <code>/digest daily 07:30</code> — one message per topic group, at your hour.\n\n"
    "/help lists everything."
)
START_KEYBOARD = [
    [("Follow Flynn", "f:Flynn"), ("Latest on Kislyak", "l:Kislyak")],
    [("My topics", "t"), ("Help", "h")],
]


def _lines(commands: list[tuple[str, str, str]]) -> str:
    return "\n".join(f"/{name} — {escape(text, quote=False)}\n    <code>{escape(example, quote=False)}</code>"
                     for name, text, example in commands)


HELP_HTML = (
    "<b>Commands</b>\n" + _lines(COMMANDS) + "\n\n" + TOPIC_SYNTAX_HTML + "\n\n"
    "<b>Just ask</b> (in a private chat): <i>what's the latest on Flynn?</i> · <i>news about Syria</i> · "
    "<i>who is Kislyak?</i> · <i>subscribe me to Mueller</i> · <i>unsubscribe from Mueller</i>\n\n"
    "<b>In groups</b> commands work as /command@bot; only the group's admins change its topics.\n\n"
    "<b>Admins</b>\n" + _lines(ADMIN_COMMANDS)
)
