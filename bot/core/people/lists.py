"""Document structure around name spans: comma lists ("Given, Breen, Staunton and Quinn") and results tables.

A list's members are usually of one kind: players named together, or clubs and companies named together. The
extractor uses that both ways: a list holding a known person makes its other plain members people, a list holding
an organisation or a place keeps first-name-looking members ("Crystal Palace") from being taken for people.
Table rows ("Bradford 4 2 0 2 4 3 6", "Wigan 42 Bradford Bulls 36") work the same way, row over row.
"""

from __future__ import annotations

from bot.core.people.lexicon import Lexicon, fold_name
from bot.core.people.spans import Span
from bot.core.people.tokens import Tok

_LIST_SEPARATORS = {",", "and", "or", ";"}


def _between_is_separator(toks: list[Tok], a: int, b: int) -> tuple[bool, bool]:
    """Tokens a..b-1 join two list members: separators and at most one short bracket. Returns (joins, has "and")."""
    k, has_and, seen_sep = a, False, False
    while k < b:
        t = toks[k].text
        if t == "(":  # "(captain)", "(31st)", "(Jamaica)"
            close = k + 1
            while close < b and toks[close].text != ")" and close - k <= 4:
                close += 1
            if close >= b or toks[close].text != ")":
                return False, False
            k = close + 1
            continue
        if toks[k].low not in _LIST_SEPARATORS:
            return False, False
        has_and = has_and or toks[k].low in {"and", "or"}
        seen_sep = True
        k += 1
    return seen_sep, has_and


def list_groups(toks: list[Tok], spans: list[Span]) -> list[list[Span]]:
    """Spans forming a coordinated list: three or more members, or two joined by "and"/"or"."""
    groups: list[list[Span]] = []
    cur: list[Span] = []
    cur_and = False
    for sp in spans:
        if cur:
            joins, has_and = _between_is_separator(toks, cur[-1].end, sp.start)
            if joins:
                cur.append(sp)
                cur_and = cur_and or has_and
                continue
            if len(cur) >= 3 or len(cur) == 2 and cur_and:
                groups.append(cur)
        cur, cur_and = [sp], False
    if len(cur) >= 3 or len(cur) == 2 and cur_and:
        groups.append(cur)
    return groups


def table_rows(toks: list[Tok], spans: list[Span]) -> list[list[Span]]:
    """Blocks of three or more consecutive lines made of names and numbers only (standings, scores, results)."""
    by_line: dict[int, list[Span]] = {}
    line_ok: dict[int, bool] = {}
    line = 0
    numbers = 0
    for t in toks:
        if t.text == "\n":
            line_ok[line] = line_ok.get(line, True) and numbers >= 1
            line += 1
            numbers = 0
            continue
        if t.text[:1].isdigit():
            numbers += 1
        elif t.text[:1].isalpha() and not t.cap and not t.initial:
            line_ok[line] = False  # prose: a lower-case word
    line_ok[line] = line_ok.get(line, True) and numbers >= 1
    starts: dict[int, int] = {}
    line = 0
    for idx, t in enumerate(toks):
        starts[idx] = line
        if t.text == "\n":
            line += 1
    for sp in spans:
        by_line.setdefault(starts[sp.start], []).append(sp)
    blocks: list[list[Span]] = []
    run: list[Span] = []
    run_lines = 0
    for ln in range(line + 1):
        if line_ok.get(ln) and by_line.get(ln):
            run.extend(by_line[ln])
            run_lines += 1
            continue
        if run_lines >= 3:
            blocks.append(run)
        run, run_lines = [], 0
    if run_lines >= 3:
        blocks.append(run)
    return blocks


def bracketed(toks: list[Tok], sp: Span) -> bool:
    return sp.start > 0 and toks[sp.start - 1].text == "(" and sp.end < len(toks) and toks[sp.end].text == ")"


def place_or_org(sp: Span, lex: Lexicon, org_names: set[str]) -> bool:
    """A span naming a place, a place-led name, a known organisation or an org-word name."""
    if sp.proper_prefix or not sp.names:
        return True
    key = fold_name(" ".join(sp.names))
    if key in lex.places or key in org_names:
        return True
    return any(w.lower().rstrip(".") in lex.org_words for w in sp.names)
