"""Parsing what a user typed into a Topic: the scanner (quotes, minus, OR), the checks that explain in
one line what to change (TopicError), and the clean-up of repeated terms. The syntax itself is
described in the package docstring (bot/core/topics/__init__.py)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.topics.fold import fold_for_match

__all__ = ["MAX_CHARS", "MAX_TERMS", "Term", "Topic", "TopicError", "parse_topic"]

MAX_CHARS = 200
MAX_TERMS = 20


class TopicError(ValueError):
    """A topic the user typed cannot be used; str() is one line telling them what to change."""


@dataclass(frozen=True, slots=True)
class Term:
    """One thing to look for: a word, or a phrase (several adjacent words)."""

    text: str  # as the user wrote it, whitespace-normalised, without quotes
    folded: str  # fold_for_match(text): the tokens that must occur adjacently
    quoted: bool = False  # the user put it in quotes (and it has several words)

    @property
    def display(self) -> str:
        return f'"{self.text}"' if self.quoted else self.text

    def __str__(self) -> str:
        return self.display


@dataclass(frozen=True, slots=True)
class Topic:
    """A parsed topic: alternatives (OR) of all-required terms (AND), and exclusions for the whole topic.
    str(topic) is the canonical display form, e.g. 'Syria OR Iran sanctions -sport'."""

    raw: str
    alternatives: tuple[tuple[Term, ...], ...]
    exclusions: tuple[Term, ...] = ()

    def __str__(self) -> str:
        text = " OR ".join(" ".join(t.display for t in alt) for alt in self.alternatives)
        return " ".join([text, *(f"-{t.display}" for t in self.exclusions)])

    @property
    def key(self) -> tuple:
        """What matching depends on: topics with equal keys match exactly the same articles."""
        return (tuple(tuple(t.folded for t in alt) for alt in self.alternatives),
                tuple(t.folded for t in self.exclusions))


_DOUBLE_QUOTES = "\"\u201c\u201d\u201e\u201f\u00ab\u00bb\uff02"
_OPEN_SINGLE = "'\u2018"
_CLOSE_SINGLE = "'\u2019\u2018"
_MINUS = "-\u2212\u2013"
_BRACKETS = "()[]{}"
_OR_HINT = 'put a word or "phrase" on each side of OR'


def _quote_error(rest: str, closer: str = '"') -> TopicError:
    words = rest.split()
    if not words:
        return TopicError(f"The quote at the end is never closed — remove it, or add a phrase and a closing {closer}.")
    return TopicError(f'The quote before "{words[0][:30]}" is never closed — add a closing {closer}.')


def _closing_single(text: str, start: int) -> int:
    """Index of the single quote closing the one at text[start-1], or -1. An apostrophe followed by a
    letter (Russia’s) is part of a word, not a closing quote."""
    for k in range(start, len(text)):
        if text[k] in _CLOSE_SINGLE and (k + 1 == len(text) or not text[k + 1].isalnum()):
            return k
    return -1


def _scan(text: str) -> list[tuple[str, bool, Term | None]]:
    """Split topic text into ("or", False, None) and ("term", negated, Term) items."""
    items: list[tuple[str, bool, Term | None]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        negated = False
        if c in _MINUS:
            if i + 1 == n or text[i + 1].isspace():
                raise TopicError("A minus must touch what it excludes — write -sport, not - sport.")
            negated, i = True, i + 1
            c = text[i]
        if c in _DOUBLE_QUOTES:
            end = next((k for k in range(i + 1, n) if text[k] in _DOUBLE_QUOTES), -1)
            if end < 0:
                raise _quote_error(text[i + 1:])
            content, quoted, i = " ".join(text[i + 1:end].split()), True, end + 1
            if not fold_for_match(content):
                raise TopicError('The quotes "" hold no words — put a phrase between them, or remove them.')
        elif c in _OPEN_SINGLE and i + 1 < n and not text[i + 1].isspace() and (
                (end := _closing_single(text, i + 1)) >= 0 or c != "'"):
            # A straight ' with no closing one is an apostrophe ('90s); a curly ‘ must be closed.
            if end < 0:
                raise _quote_error(text[i + 1:], "’")
            content, quoted, i = " ".join(text[i + 1:end].split()), True, end + 1
            if not fold_for_match(content):
                raise TopicError("The quotes ‘’ hold no words — put a phrase between them, or remove them.")
        else:
            end = i
            while end < n and not text[end].isspace() and text[end] not in _DOUBLE_QUOTES:
                end += 1
            word, i = text[i:end], end
            if not negated and word == "OR":
                items.append(("or", False, None))
                continue
            if not negated and word == "AND":  # AND is what spaces already mean
                continue
            if any(b in word for b in _BRACKETS):
                raise TopicError("Brackets are not supported — write Syria sanctions OR Iran sanctions "
                                 "instead of (Syria OR Iran) sanctions.")
            # Keep the word as typed, minus punctuation around it ("Flynn," -> Flynn).
            content = word.strip("".join(ch for ch in set(word) if not ch.isalnum()))
            quoted = False
            if not fold_for_match(content):
                continue  # "&", "--": nothing to look for
        folded = fold_for_match(content)
        items.append(("term", negated, Term(content, folded, quoted and " " in folded)))
    return items


def parse_topic(text: str) -> Topic:
    """Parse what the user typed; raise TopicError (one line, for the user) when it cannot be used."""
    raw = text
    text = text.strip()
    if not text:
        raise TopicError('The topic is empty — type a word or "a phrase" to follow.')
    if len(text) > MAX_CHARS:
        raise TopicError(f"The topic is {len(text)} characters long — keep it to {MAX_CHARS} or fewer.")
    items = _scan(text)
    n_terms = sum(1 for kind, _, _ in items if kind == "term")
    if n_terms > MAX_TERMS:
        raise TopicError(f"The topic has {n_terms} words and phrases — use at most {MAX_TERMS}.")

    alternatives: list[list[Term]] = [[]]
    exclusions: list[Term] = []
    side_had_exclusion = [False]
    for kind, negated, term in items:
        if kind == "or":
            alternatives.append([])
            side_had_exclusion.append(False)
        elif negated:
            assert term is not None
            exclusions.append(term)
            side_had_exclusion[-1] = True
        else:
            assert term is not None
            alternatives[-1].append(term)

    if not any(alternatives) and not exclusions:
        raise TopicError("The topic has no letters or digits to look for.")
    if not any(alternatives):
        raise TopicError("The topic only excludes words — add something to look for, e.g. Russia -sport.")
    for pos, alt in enumerate(alternatives):
        if alt:
            continue
        hint = " (an -exclusion applies to the whole topic, so it does not count)" if side_had_exclusion[pos] else ""
        if pos == 0:
            where = "before the first OR"
        elif pos == len(alternatives) - 1:
            where = "after the last OR"
        else:
            where = "between two ORs"
        raise TopicError(f"There is nothing to look for {where}{hint} — {_OR_HINT}.")

    # Drop repeated terms and alternatives; they change nothing but the cost.
    clean: list[tuple[Term, ...]] = []
    seen_alts: set[frozenset[str]] = set()
    for alt in alternatives:
        seen: dict[str, Term] = {}
        for term in alt:
            seen.setdefault(term.folded, term)
        signature = frozenset(seen)
        if signature not in seen_alts:
            seen_alts.add(signature)
            clean.append(tuple(seen.values()))
    excl: dict[str, Term] = {}
    for term in exclusions:
        excl.setdefault(term.folded, term)

    # An alternative containing an excluded word can never match; if none is left, say so.
    def dead(alt: tuple[Term, ...]) -> Term | None:
        for ex in excl.values():
            if any(f" {ex.folded} " in f" {t.folded} " for t in alt):
                return ex
        return None

    killers = [dead(alt) for alt in clean]
    if all(killers):
        ex = killers[0]
        assert ex is not None
        raise TopicError(f"{ex.display} is both required and excluded, so nothing could ever match — "
                         f"remove one of them.")
    return Topic(raw=raw, alternatives=tuple(clean), exclusions=tuple(excl.values()))

