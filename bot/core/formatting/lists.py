"""Answers that list stories: /latest and /search lists, the latest on a person, who is a person."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.formatting.callbacks import make_callback
from bot.core.formatting.html import MAX_MESSAGE, Html, clip, esc, split_html, visible_length
from bot.core.formatting.pieces import Keyboard, digest_line, meta_line, sentences_html, title_html


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
                meta = meta_line(article, now, tz)
                lines.append(f"{n}. {title_html(article, 200)}" + (f" — {meta}" if meta else ""))
                if summary_limit:
                    sentence = sentences_html(digest_line(article), summary_limit)
                    if sentence:
                        lines.append(f"    {sentence}")
            text = "\n".join(lines)
            if visible_length(text) <= MAX_MESSAGE:
                buttons = [(f"📄 {n}", make_callback("s", a.id)) for n, a in enumerate(articles[:count], 1)]
                return text, [buttons[i:i + 5] for i in range(0, len(buttons), 5)]
            if summary_limit:
                break  # try shorter summaries before dropping items
    return heading, []


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
