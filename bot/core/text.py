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


# Headline cuts for a first sentence too long to be a title: where a clause or a phrase starts. Words before
# which a headline may end (the cut goes before the word), strongest first; and words a headline never ends on.
_CLAUSE_STARTS = frozenset("that which who whom whose because while whereas when where after before although though "
                           "since until unless if as but so during amid despite following".split())
_PHRASE_STARTS = frozenset("about for with from in on at by over under into against without between across "
                           "through toward towards to of and or than".split())
_WEAK_ENDS = frozenset("a an the his her its their our my your this that these those some any each every no not "
                       "is was are were be been being has have had do does did will would could should can may might "
                       "must shall of to and or but nor in on at by for with from as than into over about mr mrs ms "
                       "dr very more most".split())
_ATTRIBUTION = re.compile(r",\s+(?:[^,]{0,60}\s)?(?:said|says|say|reported|reports|told|tell|according to|announced)\b[^,]*$")
TITLE_LIMIT = 90
# A dateline that opens wire copy: "Kathmandu, Nepal (CNN) —", "(Reuters) -", "TAIPEI, Taiwan —".
_DATELINE = re.compile(
    r"^(?:(?:[A-Z][\w.'-]*(?:[ ,]+[A-Z][\w.'-]*){0,4}\s*)?\([A-Z][\w .&-]{1,30}\)\s*(?:--|[-–—:])?"
    r"|[A-Z][\w.'-]*(?:,?\s+[A-Z][\w.'-]*){0,4}\s+(?:--|[–—]))\s*(?=[\"'A-Z0-9])")


def strip_dateline(sentence: str) -> str:
    """The sentence without an opening dateline, when enough of it is left to stand alone."""
    m = _DATELINE.match(sentence)
    if m and len(sentence) - m.end() > 20:
        return sentence[m.end():]
    return sentence


def _headline_cuts(sentence: str, limit: int) -> list[tuple[int, int]]:
    """(rank, end) for each place a headline may end within `limit` characters: 0 at punctuation (, ; : and
    dashes), 1 before a clause, 2 before a phrase. Never inside a word, never after a word that cannot end one
    (the, of, has...) or a possessive, never with a quotation left open."""
    cuts = []
    for m in re.finditer(r"\S+", sentence):
        if m.start() > limit:
            break
        if m.start() == 0:
            continue
        head = sentence[:m.start()].rstrip()
        word = m.group().lower().strip("\"'(")
        dash = m.group() in ("—", "–", "-") and not (head[-1:].isdigit() and sentence[m.end() + 1:][:1].isdigit())
        rank = 0 if head[-1:] in ",;:" or dash else (
            1 if word in _CLAUSE_STARTS else 2 if word in _PHRASE_STARTS else None)
        head = head.rstrip(",;:—–- ")
        last = head.rsplit(" ", 1)[-1].lower().strip("\"'()")
        if rank is None or len(head) > limit or not last or last in _WEAK_ENDS or last.endswith("'s"):
            continue
        if head.count('"') % 2 or head.count("(") != head.count(")"):
            continue
        cuts.append((rank, len(head)))
    return cuts


def derive_title(text: str, limit: int = TITLE_LIMIT) -> str:
    """A headline for an article that has none, from its first sentence: whole when it fits `limit` (a
    trailing attribution such as ", officials said Monday" dropped when that makes it fit, give or take ten
    characters), else cut where a
    clause or phrase starts (punctuation first, then clause words, then phrase words; the latest good cut in
    the strongest rank that leaves at least half the limit). Only a sentence with no such place is cut at a
    word boundary, with "…"."""
    sentence = strip_dateline(first_sentence(text).translate(_QUOTES).strip())
    if len(sentence) <= limit:
        return sentence.rstrip(".")
    shorter = _ATTRIBUTION.sub("", sentence.rstrip("."))
    if limit // 3 <= len(shorter) <= limit + 10:
        return shorter
    cuts = _headline_cuts(sentence, limit)
    for rank in (0, 1, 2):
        ends = [end for r, end in cuts if r == rank and end >= limit // 2]
        if ends:
            return sentence[:max(ends)]
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
