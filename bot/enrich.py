"""Turn what a parser found (RawArticle) into a stored Article: canonical URL, stable id, fingerprint,
title, and the derived fields queries read later. Runs once per article, at ingest; pure (now is given)."""

from __future__ import annotations

from datetime import datetime

from .models import Article, RawArticle, iso
from .text import clean_text, derive_title, fingerprint, name_keys, short_id
from .urls import canonical_url


class EmptyArticle(ValueError):
    pass


def build_article(raw: RawArticle, now: datetime, pinned: bool = False) -> Article:
    text = clean_text(raw.text or "")
    title = clean_text(raw.title or "").replace("\n", " ")
    if not text and not title:
        raise EmptyArticle("no text and no title")
    if not text:
        text = title
    url = canonical_url(raw.url)
    fp = fingerprint(text)
    article_id = short_id(url) if url else short_id("text:" + fp)
    title = title or derive_title(text)
    return Article(
        id=article_id, title=title, text=text, url=url, source=(raw.source or "").strip(),
        published=iso(raw.published), fetched_at=iso(now) or "", fingerprint=fp,
        keys=name_keys(title, text), pinned=pinned, guid=raw.guid,
    )
