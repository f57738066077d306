"""Text helpers shared by ingest and queries: whitespace and quote normalisation, content fingerprints,
derived titles, and the name keys the store indexes for "latest on NAME"."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "\u201c": '"', "\u201d": '"',
                         "\u201e": '"', "\u00ab": '"', "\u00bb": '"', "\u00a0": " "})
_SPACES = re.compile(r"[ \t\r\f\v\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_WORD = re.compile(r"\w+")


def clean_text(text: str) -> str:
    """Normalise line endings and runs of spaces; keep paragraph breaks (one blank line) and line breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def fold_search(text: str) -> str:
    """Case- and accent-insensitive form with straight quotes: for comparing, never for display."""
    if text.isascii():  # every quote this maps is outside ASCII: nothing to translate
        return text.lower()
    text = text.translate(_QUOTES)
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def fingerprint(text: str) -> str:
    """Fingerprint of the normalised text: the same words in the same order give the same value,
    whatever the case, accents, punctuation or spacing."""
    words = _WORD.findall(fold_search(text))
    return hashlib.sha1(" ".join(words).encode("utf-8")).hexdigest()[:20]


def short_id(value: str) -> str:
    """A stable 16-hex-digit id for a canonical URL or a fingerprint."""
    return hashlib.sha1(value.encode("utf-8")).hexdigest()[:16]


# Sentence ends for title derivation: a period/!/? followed by space and a capital or quote, not after a
# one-letter initial or a common abbreviation.
_ABBREV = {"mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "st", "jr", "sr",
           "inc", "ltd", "co", "corp", "vs", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
           "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.g", "i.e", "a.m", "p.m", "st"}
_END = re.compile(r"[.!?…](?=[\"')\]]?\s+[\"'(\[]?[A-Z0-9])")


def first_sentence(text: str) -> str:
    text = clean_text(text).split("\n", 1)[0] if text else ""
    for m in _END.finditer(text):
        start = text.rfind(" ", 0, m.start()) + 1
        word = text[start:m.start()].lower().strip("\"'(")
        if m.group() == "." and (len(word) <= 1 or word in _ABBREV or word.count(".") >= 1):
            continue
        return text[: m.end()].strip()
    return text.strip()


def derive_title(text: str, limit: int = 100) -> str:
    """A title for an article that has none: its first sentence, cut at a word boundary to <= limit chars."""
    sentence = first_sentence(text).translate(_QUOTES)
    if len(sentence) <= limit:
        return sentence.rstrip(".")
    cut = sentence[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-—") + "…"


# Name keys: every run of capitalised words (up to 3 words long, every sub-run) in folded form.
# The store keeps them in an inverted index so "latest NAME" never scans article text.
_CAP_RUN = re.compile(r"[A-Z][\w'’.-]*(?:[ ][A-Z][\w'’.-]*)*")


def _name_tokens(word: str) -> str:
    word = fold_search(word)
    if word.endswith("'s"):
        word = word[:-2]
    return word


def _add_runs(keys: set[str], words: list[str], max_run: int) -> None:
    for i in range(len(words)):
        for j in range(i + 1, min(len(words), i + max_run) + 1):
            keys.add(" ".join(words[i:j]))


def name_keys(title: str, text: str, max_run: int = 3) -> list[str]:
    """Folded keys for every capitalised word and run of up to max_run capitalised words."""
    keys: set[str] = set()
    for source in (title, text):
        for run in _CAP_RUN.finditer(source):
            words: list[str] = []
            for raw in run.group().split(" "):
                word = _name_tokens(raw.strip("."))
                if word:
                    words.append(word)
                # "Donald. He" is two sentences; "U.S." and "J." do not end the run.
                if raw.endswith(".") and len(raw) > 2 and "." not in raw[:-1]:
                    _add_runs(keys, words, max_run)
                    words = []
            _add_runs(keys, words, max_run)
    return sorted(keys)


def query_key(name: str) -> str:
    """The folded key a user's NAME query looks up in the name index."""
    return " ".join(_name_tokens(w.strip(".")) for w in name.split() if w.strip("."))
