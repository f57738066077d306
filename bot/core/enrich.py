"""Turn what a parser found (RawArticle) into a stored Article, once, at ingest: canonical URL, stable id,
fingerprint, title, and what queries read later without touching the text again — the story text's name
keys, people, summaries and story sketch. Pure: `now` is given."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.core.models import Article, RawArticle
from bot.core.times import iso
from bot.core.people import extract_people
from bot.core.stories import sketch
from bot.core.summarize import story_text, summarize_all
from bot.core.text import clean_text, derive_title, fingerprint, name_keys, short_id
from bot.core.urls import canonical_url


class EmptyArticle(ValueError):
    pass


def build_article(raw: RawArticle, now: datetime, pinned: bool = False, enrich: bool = True) -> Article:
    text = clean_text(raw.text or "")
    title = clean_text(raw.title or "").replace("\n", " ")
    if not text and not title:
        raise EmptyArticle("no text and no title")
    if not text:
        text = title
    url = canonical_url(raw.url)
    fp = fingerprint(text)
    article = Article(
        id=short_id(url) if url else short_id("text:" + fp), title=title or derive_title(text), text=text,
        url=url, source=(raw.source or "").strip(), published=iso(raw.published), fetched_at=iso(now) or "",
        fingerprint=fp, pinned=pinned, guid=raw.guid,
    )
    if enrich:
        apply_enrichment(article, title_given=bool(title))
    else:
        article.keys = name_keys(article.title, text)
    return article


def apply_enrichment(article: Article, title_given: bool = True) -> Article:
    """Fill the derived fields from the article's story text (reader comments and boilerplate left out).
    A title derived from the first sentence says nothing new, so people are read from the text alone."""
    story = story_text(article.text) or article.text
    article.story = "" if story == article.text else story
    summaries = summarize_all(story, article.title)
    article.summary = summaries.get("alert", [])
    article.summaries = {"digest": summaries.get("digest", []), "full": summaries.get("full", [])}
    article.people = [p.to_dict() for p in extract_people(story, article.title if title_given else "")]
    article.story_sketch = sketch(story)
    keys = set(name_keys(article.title, story))
    article.keys = sorted(keys)
    return article


def story_of(article: Article) -> str:
    """The story text of a stored article (for matching and previews): kept at ingest, worked out again
    only for articles stored before it was kept."""
    if article.story is None:
        return story_text(article.text) or article.text
    return article.story or article.text


def build_documents(raws: Iterable[RawArticle], now: datetime, pinned: bool = False) -> tuple[list[dict], list[str]]:
    """Store documents for a batch of raw articles, and one "what: why" line for each one skipped (no
    text and no title, or an entry odd enough to break enrichment: it must not lose the others)."""
    docs, skipped = [], []
    for raw in raws:
        what = raw.url or raw.title or "an article"
        try:
            docs.append(build_article(raw, now, pinned=pinned).to_doc())
        except EmptyArticle as exc:
            skipped.append(f"{what}: {exc}")
        except Exception as exc:  # noqa: BLE001 - one malformed entry is reported, the batch goes on
            skipped.append(f"{what}: {type(exc).__name__}: {exc}")
    return docs, skipped
