"""Renderers for every message the bot sends: alerts, article lists, /topics, summaries, digests, replies to
/subscribe, the latest on and who is a person, the digest setting and /sources.

Pure: no telegram import, no clock (callers pass `now` and the chat's time zone). Renderers return
(html, keyboard) where keyboard is a list of rows of (label, callback_data) tuples; the caller turns them
into InlineKeyboardMarkup. Every user- or article-supplied string goes through esc() and clip(); no tag
spans a line, so split_html can cut long texts on line boundaries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.times import parse_datetime
from bot.core.formatting.callbacks import make_callback
from bot.core.formatting.html import MAX_MESSAGE, Html, clip, esc, split_html, visible_length

TOPICS_PER_PAGE = 10

Keyboard = list[list[tuple[str, str]]]


# ---- pieces --------------------------------------------------------------------------------------

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except Exception:  # a bad stored name must not break rendering
        return ZoneInfo("UTC")


def local_time(value: str | datetime | None, now: datetime, tz: str | None) -> str:
    """A short local time: "14:05" today, "28 Nov 14:05" this year, "28 Nov 2025" before; "" if unknown."""
    dt = value if isinstance(value, datetime) else parse_datetime(value)
    if dt is None:
        return ""
    zone = _zone(tz)
    local, today = dt.astimezone(zone), now.astimezone(zone).date()
    if local.date() == today:
        return f"{local:%H:%M}"
    if local.year == today.year:
        return f"{local.day} {_MONTHS[local.month - 1]} {local:%H:%M}"
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}"


def _when(article: Any) -> str | None:
    return getattr(article, "published", None) or getattr(article, "fetched_at", None)


def _url(article: Any) -> str | None:
    url = getattr(article, "url", None)
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


def _title(article: Any, limit: int, bold: bool = True) -> str:
    """The title as a link, or bold when there is no URL."""
    title = esc(clip(getattr(article, "title", "") or "(untitled)", limit))
    url = _url(article)
    if url:
        return f'<a href="{esc(url)}">{title}</a>'
    return f"<b>{title}</b>" if bold else title


def _sentences(sentences: Iterable[str], limit: int) -> str:
    return esc(clip(" ".join(s.strip() for s in sentences if s and s.strip()), limit))


def _digest_line(article: Any) -> list[str]:
    summaries = getattr(article, "summaries", None) or {}
    return summaries.get("digest") or list(getattr(article, "summary", None) or [])[:1]


def _meta(article: Any, now: datetime, tz: str | None) -> str:
    parts = [esc(clip(article.source, 80)) if getattr(article, "source", "") else "", local_time(_when(article), now, tz)]
    return " · ".join(p for p in parts if p)


# ---- renderers -----------------------------------------------------------------------------------

def render_alert(article: Any, why: str, now: datetime, tz: str | None, topic_id: int | None = None) -> tuple[str, Keyboard]:
    """One alert: the title (a link), source and local time, the alert summary (2-3 sentences), why it
    matched; buttons Summary, Mute 24 h and Unsubscribe (the last two when topic_id is given)."""
    lines = [_title(article, 300)]
    meta = _meta(article, now, tz)
    if meta:
        lines.append(f"<i>{meta}</i>")
    summary = _sentences(getattr(article, "summary", None) or [], 2000)
    if summary:
        lines.append(summary)
    if why:
        lines.append(f"<i>matched: {esc(clip(why, 300))}</i>")
    row = [("Summary", make_callback("s", article.id))]
    if topic_id is not None:
        row += [("Mute 24 h", make_callback("m", topic_id, article.id)),
                ("Unsubscribe", make_callback("u", topic_id, article.id))]
    return "\n".join(lines), [row]


def render_person_header(person: Any) -> Html:
    """"<b>Sergey Kislyak</b> — Russia's ambassador to the U.S." (just the name when no role is known)."""
    name = f"<b>{esc(clip(person.name, 200))}</b>"
    role = getattr(person, "role", None)
    return Html(f"{name} — {esc(clip(role, 300))}" if role else name)


def render_article_list(title_line: str, articles: Sequence[Any], now: datetime, tz: str | None,
                        with_summary: bool = True) -> tuple[str, Keyboard]:
    """/latest and /search answers: a heading, then a numbered list (title link, source and date, one
    summary sentence); buttons open each full summary. `title_line` is HTML: escape what it quotes
    (esc(query)), or pass render_person_header(...). Kept to one message: summaries shrink, then go,
    then the last items go, until it fits."""
    heading = title_line if visible_length(title_line) <= 1000 else split_html(title_line, 1000)[0]
    for summary_limit in ((300, 150, 0) if with_summary else (0,)):
        for count in range(len(articles), -1, -1):
            lines = [heading]
            for n, article in enumerate(articles[:count], 1):
                meta = _meta(article, now, tz)
                lines.append(f"{n}. {_title(article, 200)}" + (f" — {meta}" if meta else ""))
                if summary_limit:
                    sentence = _sentences(_digest_line(article), summary_limit)
                    if sentence:
                        lines.append(f"    {sentence}")
            text = "\n".join(lines)
            if visible_length(text) <= MAX_MESSAGE:
                buttons = [(f"📄 {n}", make_callback("s", a.id)) for n, a in enumerate(articles[:count], 1)]
                return text, [buttons[i:i + 5] for i in range(0, len(buttons), 5)]
            if summary_limit:
                break  # try shorter summaries before dropping items
    return heading, []


def render_topics(topics: Sequence[Any], now: datetime | None = None, tz: str | None = "UTC", page: int = 0,
                  limit: int | None = None) -> tuple[str, Keyboard]:
    """/topics: the chat's topics, TOPICS_PER_PAGE a page, each with buttons to switch instant/digest,
    mute for 24 h (or unmute) and remove; page buttons when there are more."""
    if not topics:
        return ("You follow no topics yet. Try <code>/subscribe Flynn</code> or "
                '<code>/subscribe "Robert Mueller" -sport</code>.'), []
    pages = (len(topics) + TOPICS_PER_PAGE - 1) // TOPICS_PER_PAGE
    page = min(max(page, 0), pages - 1)
    shown = topics[page * TOPICS_PER_PAGE:(page + 1) * TOPICS_PER_PAGE]
    count = f"{len(topics)}" + (f" of {limit}" if limit else "")
    head = f"<b>Your topics</b> ({count})" + (f", page {page + 1} of {pages}" if pages > 1 else "")
    lines, keyboard = [head], []
    for topic in shown:
        state = topic.mode
        until = parse_datetime(getattr(topic, "muted_until", None))
        muted = until is not None and (now is None or until > now)
        if muted and now is not None:
            state += f", muted until {local_time(until, now, tz)}"
        lines.append(f"{topic.topic_id}. {esc(clip(topic.canonical or topic.text, 220))} — {state}")
        other = ("g", "digest") if topic.mode == "instant" else ("i", "instant")
        keyboard.append([
            (f"#{topic.topic_id} → {other[1]}", make_callback(other[0], topic.topic_id)),
            (f"#{topic.topic_id} unmute", make_callback("n", topic.topic_id)) if muted
            else (f"#{topic.topic_id} mute 24 h", make_callback("m", topic.topic_id)),
            (f"#{topic.topic_id} remove", make_callback("u", topic.topic_id)),
        ])
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(("‹ previous", make_callback("tp", page - 1)))
        if page < pages - 1:
            nav.append(("next ›", make_callback("tp", page + 1)))
        keyboard.append(nav)
    return "\n".join(lines), keyboard


def render_summary(article: Any, length: str = "full", now: datetime | None = None, tz: str | None = "UTC") -> str:
    """An article's summary (HTML, no buttons): "full" (up to 5 sentences), "alert" (2-3) or "digest"
    (1); the start of the text when no summary was made."""
    if length == "alert":
        sentences = list(getattr(article, "summary", None) or [])
    else:
        sentences = (getattr(article, "summaries", None) or {}).get(length) or list(getattr(article, "summary", None) or [])
    lines = [_title(article, 300)]
    if now is not None:
        meta = _meta(article, now, tz)
    else:
        meta = " · ".join(p for p in (esc(clip(getattr(article, "source", "") or "", 80)),
                                      (_when(article) or "")[:10]) if p)
    if meta:
        lines.append(f"<i>{meta}</i>")
    body = _sentences(sentences, 3500) or esc(clip(getattr(article, "text", "") or "", 1000))
    if body:
        lines.append(body)
    return "\n".join(lines)


def render_digest(groups: Iterable[tuple[str, Sequence[Any]]], now: datetime, tz: str | None,
                  limit: int = MAX_MESSAGE) -> list[str]:
    """A digest as messages: stories grouped under their topic's heading, one entry per story (the
    first group it appears in; story_id, else id), each with its link and one-sentence summary. A group
    cut by a message boundary repeats its heading, marked (continued). [] when there is no story."""
    seen: set[str] = set()
    plan: list[tuple[str, list[str]]] = []
    for heading, articles in groups:
        blocks = []
        for article in articles:
            story = getattr(article, "story_id", None) or article.id
            if story in seen:
                continue
            seen.add(story)
            block = f"• {_title(article, 250)}"
            source = getattr(article, "source", "")
            if source:
                block += f" <i>({esc(clip(source, 60))})</i>"
            sentence = _sentences(_digest_line(article), 500)
            if sentence:
                block += f"\n{sentence}"
            blocks.append(block)
        if blocks:
            plan.append((f"<b>{esc(clip(heading, 200))}</b>", blocks))
    if not plan:
        return []
    local = now.astimezone(_zone(tz))
    head = (f"<b>Your digest</b> · {_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]}, "
            f"{sum(len(b) for _, b in plan)} stories")
    messages: list[str] = []
    current = head
    for heading, blocks in plan:
        first = True
        for block in blocks:
            addition = (f"\n\n{heading}\n" if first else "\n") + block
            if visible_length(current + addition) > limit:
                messages.extend(split_html(current, limit))
                current = (heading if first else f"{heading} (continued)") + "\n" + block
            else:
                current += addition
            first = False
    messages.extend(split_html(current, limit))
    return messages


def render_subscribed(topic: Any, preview: Sequence[Any], now: datetime, tz: str | None) -> tuple[str, Keyboard]:
    """The reply to a successful /subscribe: what is followed now, then the newest stories that already
    match; buttons to send the topic to the digest instead, or undo."""
    text = f"Subscribed to <b>{esc(clip(topic.canonical or topic.text, 220))}</b> (topic {topic.topic_id})."
    keyboard = [[("Send to digest instead", make_callback("g", topic.topic_id)),
                 ("Undo", make_callback("u", topic.topic_id))]]
    how = ("\nFrom now on an alert comes here the moment a matching story arrives, once per story, with the "
           "reason it matched. Prefer a daily recap? Send this topic to the digest.")
    if preview:
        body, _ = render_article_list(text + " The newest stories that match:", preview, now, tz)
        return body + "\n" + how, keyboard
    return text + " Nothing stored matches yet." + how, keyboard


def render_subscribe(result: Any, now: datetime, tz: str | None) -> tuple[str, Keyboard]:
    """The reply to /subscribe from a bot.subscriptions.SubscribeResult, whatever its status."""
    if not result.ok or result.topic is None:
        return esc(result.message), []
    return render_subscribed(result.topic, result.preview, now, tz)


def _person_line(person: Any) -> str:
    line = render_person_header(person)
    aliases = [a for a in (getattr(person, "aliases", None) or ()) if a != person.name][:5]
    if aliases:
        line += f" (also {esc(clip(', '.join(aliases), 200))})"
    return line


def render_latest(name: str, result: Any, now: datetime, tz: str | None) -> tuple[str, Keyboard]:
    """"What's the latest on NAME" from a bot.library.LatestResult: a known person's header and their
    newest stories; several people answering to NAME; stories mentioning NAME; or nothing."""
    shown = esc(clip(name, 100))
    if result.status == "found" and result.person is not None:
        if not result.articles:
            return render_person_header(result.person) + "\nNo stored story about them yet.", []
        return render_article_list(render_person_header(result.person), result.articles, now, tz)
    if result.status == "ambiguous":
        lines = [f"Several people answer to <b>{shown}</b> — which one?"]
        lines += [f"• {_person_line(p)}" for p in result.candidates[:10]]
        return "\n".join(lines), _choice_buttons("l", [p.name for p in result.candidates[:6]])
    if result.articles:
        return render_article_list(f"Latest stories mentioning <b>{shown}</b>", result.articles, now, tz)
    return (f"Nothing stored mentions <b>{shown}</b> yet. Follow it, and the next story that does comes "
            "to you."), _choice_buttons("f", [name], label="Follow {}")


def _choice_buttons(action: str, names: Sequence[str], label: str = "{}") -> Keyboard:
    """One button per name whose callback data fits Telegram's 64 bytes; names that do not fit are
    left to be typed."""
    rows = []
    for name in names:
        try:
            rows.append([(clip(label.format(name), 60), make_callback(action, name.strip()))])
        except ValueError:
            continue
    return rows


def render_who(name: str, result: Any, now: datetime, tz: str | None) -> tuple[str, Keyboard]:
    """"Who is NAME": the person (role, other names, how many stories) and their newest stories as
    titles only."""
    if result.status == "found" and result.person is not None:
        person = result.person
        count = getattr(person, "articles", 0)
        head = _person_line(person) + (f"\n<i>in {count} stored stor{'y' if count == 1 else 'ies'}</i>" if count else "")
        if result.articles:
            return render_article_list(head, result.articles, now, tz, with_summary=False)
        return head, []
    if result.status == "ambiguous":
        return render_latest(name, result, now, tz)
    return f"I don't know who <b>{esc(clip(name, 100))}</b> is: no stored story names them as a person.", []


_DAY_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def render_digest_setting(digest: dict | None, tz: str | None = None) -> str:
    """"Digest: daily at 08:00 (Europe/Berlin)." / "weekly on Monday at 08:00" / "Digest: off."."""
    if not digest:
        return "Digest: <b>off</b>."
    when = esc(digest.get("time", "08:00"))
    if digest.get("kind") == "weekly":
        day = digest.get("day", 0)
        text = f"weekly on {_DAY_LONG[day] if isinstance(day, int) and 0 <= day < 7 else '?'} at {when}"
    else:
        text = f"daily at {when}"
    return f"Digest: <b>{text}</b>" + (f" ({esc(tz)})." if tz else ".")


def render_sources(feeds: Sequence[Any], now: datetime, tz: str | None = "UTC") -> str:
    """/sources: the feeds polled, each with its last successful fetch, and a mark when it is failing."""
    if not feeds:
        return "No feeds are polled yet: admins add them with <code>/addsource URL</code>."
    lines = [f"<b>Sources</b> ({len(feeds)})"]
    for feed in feeds:
        name = getattr(feed, "name", "") or getattr(feed, "url", "")
        url = getattr(feed, "url", "")
        label = (f'<a href="{esc(url)}">{esc(clip(name, 100))}</a>' if str(url).startswith(("http://", "https://"))
                 else esc(clip(name, 100)))
        seen = getattr(feed, "last_success", None)
        state = f"updated {local_time(seen, now, tz)}" if seen else "not fetched yet"
        if getattr(feed, "failing", False):
            state += ", <b>failing</b>"
        lines.append(f"• {label} — {state}")
    return "\n".join(lines)
