"""What a feed source is: the key that refuses duplicates, the short id users type, and the default
sources listed in seeds/feeds.toml. Pure functions, no network, no store."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def feed_key(url: str) -> str | None:
    """The form of a feed URL used to refuse duplicates: scheme-less (http and https are the same feed),
    lower-case host, no default port, no fragment, no trailing slash. The query is kept as is: unlike
    article URLs, a feed's parameters usually choose the feed (?format=rss, ?cat=3)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or ""
    return urlunsplit(("", host, path, parts.query, "")).lstrip("/")


def feed_id(key: str) -> str:
    """A short stable id for a feed (what `feeds remove ID` takes)."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


def default_seeds_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("seeds"))) / "feeds.toml"


def load_seed_feeds(path: Path) -> list[tuple[str, str, list[str]]]:
    """(url, name, tags) of the feeds listed in a seeds/feeds.toml file ([[feed]] tables)."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    out = []
    for item in data.get("feed", []):
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            tags = [str(t) for t in item.get("tags", []) if isinstance(t, str)]
            out.append((item["url"], str(item.get("name", "")), tags))
    return out
