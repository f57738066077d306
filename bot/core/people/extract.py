"""extract_people: name spans -> people, with roles and in-document coreference."""

from __future__ import annotations

from bot.core.people.cues import (
    clean_role, coordinated, expand_title, org_context, results_bracket, role_after, role_before, speech_cue,
    unattached_roles,
)
from bot.core.people.lexicon import Lexicon, fold_name, load_lexicon, normalise
from bot.core.people.lists import bracketed, list_groups, place_or_org, table_rows
from bot.core.people.model import Person
from bot.core.people.names import (
    ASIAN_GIVEN, core_names, first_name_ok, given_compatible, given_key, org_like, surname_keys,
)
from bot.core.people.spans import Span, find_spans
from bot.core.people.tokens import tokenise


class _Cluster:
    __slots__ = ("names", "forms", "mentions", "role", "first", "sent", "surnames", "given", "attached")

    def __init__(self, names: list[str], first: int, sent: int, lex: Lexicon) -> None:
        self.names = names
        self.forms: list[str] = []
        self.mentions = 0
        self.role: str | None = None
        self.first = first
        self.sent = sent
        self.surnames = surname_keys(names, lex)
        self.given = given_key(names)
        self.attached = False


def extract_people(text: str, title: str = "") -> list[Person]:
    """People named in an article, most mentioned first (ties: first appearance)."""
    lex = load_lexicon()
    text = normalise(text or "")
    title = normalise(title or "").strip()
    if title and not text.lstrip().startswith(title):
        text = title + "\n" + text
    toks = tokenise(text, lex)
    spans = find_spans(toks, lex)
    blocked, list_of, org_lists = _not_people(toks, spans, lex)
    lower_words = {t.low for t in toks if not t.cap and t.text[:1].isalpha()}

    def ordinary_start(sp: Span) -> bool:
        """A capitalised sentence-initial first word that is an ordinary word: used in lower case in this article
        or a function/role word. List-item names ("3. Aliuska Lopez (Cuba)") are sentence-initial but not ordinary."""
        if not sp.sent_start:
            return False
        w = sp.names[0].lower()
        return w in lower_words or w in lex.nonperson or w in lex.role_nouns or w in lex.family_nouns

    clusters: list[_Cluster] = []
    by_full: dict[str, _Cluster] = {}
    pending: list[tuple[Span, str | None]] = []  # single tokens and weak spans resolved after pass 1
    assigned: list[tuple[Span, _Cluster]] = []

    def find_full(names: list[str]) -> _Cluster | None:
        core = core_names(names)
        key = fold_name(" ".join(core))
        c = by_full.get(key)
        if c is not None:
            return c
        last = fold_name(core[-1])
        for c in clusters:
            if len(c.names) >= 2 and fold_name(core_names(c.names)[-1]) == last and given_compatible(fold_name(core[0]), c.given):
                if len(core) == len(core_names(c.names)) or len(core) == 2 or len(core_names(c.names)) == 2:
                    return c
        return None

    def person_role(sp: Span) -> tuple[str | None, bool]:
        role = None
        prefix = [p for p in sp.prefix if p.lower().rstrip(".") not in lex.honorifics]
        if prefix and any(p.lower().rstrip(".") in lex.titles for p in prefix):
            role = " ".join(expand_title(p, lex) for p in prefix)
        r2, cue2 = role_before(toks, sp.start, lex)
        r3, cue3 = role_after(toks, sp.end, lex)
        return role or r3 or r2, cue2 or cue3

    post_block = set()
    for sp in spans:
        if not sp.names:
            continue
        j = sp.end
        nxt = toks[j] if j < len(toks) else None
        if nxt is not None and not sp.poss and nxt.low in lex.post_nonperson:
            post_block.add(id(sp))
            continue
        if org_like(sp, lex) or sp.proper_prefix or all(w.lower().rstrip(".") in lex.nonperson for w in sp.names):
            continue
        if sp.start in blocked and not sp.honorific:
            continue
        names = sp.names
        multi = len([w for w in names if not w.endswith(".") or len(w) > 3]) >= 2 or (
            len(names) >= 2 and names[0].endswith(".") and len(names[-1]) > 1)
        if sp.caps:
            pending.append((sp, None))
            continue
        role, cue = person_role(sp)
        if id(sp) in org_lists and not (sp.honorific or cue):
            continue  # listed with organisations: "Crystal Palace, Queens Park Rangers and Wigan Athletic"
        strong = False
        if multi:
            if sp.honorific or first_name_ok(names[0], lex) or names[0].endswith(".") or cue:
                strong = True
            elif len(names) == 2 and ASIAN_GIVEN.match(names[1]) and len(names[0]) <= 6:
                strong = True
            elif speech_cue(toks, sp.start, sp.end, lex):
                strong = True
        if strong:
            c = find_full(names)
            if c is None:
                c = _Cluster(names, sp.start, sp.sent, lex)
                clusters.append(c)
                by_full[fold_name(" ".join(core_names(names)))] = c
            if role and c.role is None:
                c.role, c.attached = role, True
            assigned.append((sp, c))
        else:
            pending.append((sp, role if (sp.honorific or cue) else None))

    person_starts = {sp.start: sp.end for sp, _c in assigned}
    person_ends = {sp.end for sp, _c in assigned}
    person_starts.update({-e - 1: 0 for e in person_ends})  # negative keys: "a person ends here"

    # pass 2: short forms and weak spans against the full names found
    by_surname: dict[str, list[_Cluster]] = {}
    by_given: dict[str, list[_Cluster]] = {}
    for c in clusters:
        for k in c.surnames:
            by_surname.setdefault(k, []).append(c)
        by_given.setdefault(c.given, []).append(c)
    person_lists = _lists_with_people(list_of, org_lists, {id(sp) for sp, _c in assigned}, by_surname, lex)
    single_counts: dict[str, int] = {}
    for sp, _ in pending:
        if len(sp.names) == 1 and not sp.sent_start:
            single_counts[fold_name(sp.names[0])] = single_counts.get(fold_name(sp.names[0]), 0) + 1

    for sp, role in pending:
        names = sp.names
        key = fold_name(" ".join(names))
        target: _Cluster | None = None
        if len(names) >= 2:
            target = find_full(names) if clusters else None
            if target is None:
                cands = by_surname.get(key, [])
                target = cands[0] if len(cands) == 1 else None
            if target is None and not sp.caps:
                # a multi-word name with no first-name evidence: accept if its last word is also used alone
                last = fold_name(names[-1])
                plain = last not in lex.places and names[-1].lower() not in lex.nonperson and not ordinary_start(sp) \
                    and len(names) <= 3 and all(w[:1].isupper() or w.lower() in lex.particles for w in names) \
                    and names[0].lower() not in lex.family_nouns and names[0].lower() not in lex.role_nouns \
                    and not (sp.end < len(toks) and toks[sp.end].low in {"reported", "reports", "magazine"})
                if plain and (single_counts.get(last, 0) or last in lex.surnames or results_bracket(toks, sp.end, lex)
                              or coordinated(toks, sp, person_starts) or id(sp) in person_lists) or sp.honorific:
                    target = _Cluster(names, sp.start, sp.sent, lex)
                    clusters.append(target)
                    by_full[fold_name(" ".join(core_names(names)))] = target
                    for k in target.surnames:
                        by_surname.setdefault(k, []).append(target)
                    by_given.setdefault(target.given, []).append(target)
        else:
            cands = by_surname.get(key)
            if cands:
                target = cands[0] if len(cands) == 1 else None
                if target is None:
                    continue  # ambiguous short form: not guessed
            elif key in by_given and len(by_given[key]) == 1 and not sp.honorific:
                target = by_given[key][0]
            elif not sp.caps and (sp.honorific or id(sp) in person_lists and not ordinary_start(sp)
                                  or speech_cue(toks, sp.start, sp.end, lex)
                                  and (not sp.sent_start or key in lex.surnames)) \
                    and key not in lex.places and names[0].lower() not in lex.nonperson \
                    and names[0].lower() not in lex.role_nouns and not names[0].endswith("."):
                target = _Cluster(names, sp.start, sp.sent, lex)
                clusters.append(target)
                for k in target.surnames:
                    by_surname.setdefault(k, []).append(target)
        if target is None:
            continue
        if role and target.role is None:
            target.role, target.attached = role, True
        assigned.append((sp, target))

    # unattached descriptions bind to the next person newly named in a later sentence (within two sentences)
    if clusters:
        spans_at = {sp.start: sp for sp in spans}
        intro = sorted(clusters, key=lambda c: c.first)
        for sent, _i, role in unattached_roles(toks, lex, spans_at):
            for c in intro:
                if sent < c.sent <= sent + 2:
                    if c.role is None:
                        c.role = role
                    break

    caps_end: dict[int, _Cluster] = {}  # all-caps headline word end -> its person
    for sp, c in sorted(assigned, key=lambda a: a[0].start):
        if sp.caps:
            caps_end[sp.end] = c
            if caps_end.get(sp.start) is c:
                continue  # "NOLAN HENKE": the second word of the same name is no second mention
        c.mentions += 1
        form = " ".join(sp.names)
        if form not in c.forms:
            c.forms.append(form)
        if sp.start < c.first:
            c.first = sp.start
    people = []
    for c in clusters:
        if c.mentions == 0:
            continue
        name = " ".join(c.names)
        aliases = tuple(f for f in c.forms if f != name)
        people.append((-c.mentions, c.first, Person(name, aliases, c.mentions, clean_role(c.role))))
    people.sort(key=lambda x: (x[0], x[1]))
    return [p for _, _, p in people]



_ATTACHING = {"of", "from", "at", "for", "in", "with", "by", "the"}


def _not_people(toks, spans: list[Span], lex: Lexicon) -> tuple[set[int], dict[int, list[Span]], set[int]]:
    """Spans that context shows are no people: (blocked span starts, list of each listed span, spans listed with
    organisations). Organisation names are learned from the article itself: "Johnson Controls Inc" makes a later
    "Johnson Controls" a company, "A.G. Edwards & Sons" makes "A.G. Edwards" one."""
    org_names: set[str] = set()
    for sp in spans:
        names = sp.names
        for pos in range(1, len(names)):
            if names[pos].lower().rstrip(".") in lex.company_suffixes:
                org_names.add(fold_name(" ".join(names[:pos])))
                break
        if sp.end < len(toks) and toks[sp.end].text == "&" or sp.start > 0 and toks[sp.start - 1].text == "&":
            org_names.add(fold_name(" ".join(names)))
    # tables whose row names are mostly places or organisations: every row name there is a team or a company,
    # here and in the prose around the table
    for rows in table_rows(toks, spans):
        heads = [sp for sp in rows if not bracketed(toks, sp)]
        if heads and 2 * sum(place_or_org(sp, lex, org_names) for sp in heads) >= len(heads):
            org_names.update(fold_name(" ".join(sp.names)) for sp in heads if sp.names)
    blocked: set[int] = set()
    for sp in spans:
        if sp.names and (org_context(toks, sp, lex) or fold_name(" ".join(sp.names)) in org_names):
            blocked.add(sp.start)
    list_of: dict[int, list[Span]] = {}
    org_lists: set[int] = set()
    for group in list_groups(toks, spans):
        # an organisation after "of"/"from"/"at" belongs to the member before it ("Tanya Chan of the Civic Party
        # and Frederick Fung"), it is no list member of its own
        orgs = [sp for sp in group if not sp.poss and _org_member(sp, lex, org_names)
                and not (sp.start > 0 and toks[sp.start - 1].low in _ATTACHING)]
        for sp in group:
            list_of[id(sp)] = group
            if orgs and sp not in orgs:
                org_lists.add(id(sp))
    return blocked, list_of, org_lists


def _org_member(sp: Span, lex: Lexicon, org_names: set[str]) -> bool:
    """An organisation in a list (plain places do not count: "Dallas, Texas, and Mary Jones")."""
    key = fold_name(" ".join(sp.names))
    if key in org_names or any(w.lower().rstrip(".") in lex.org_words for w in sp.names):
        return True
    return sp.proper_prefix and key not in lex.places


def _lists_with_people(list_of: dict[int, list[Span]], org_lists: set[int], people: set[int],
                       by_surname: dict, lex: Lexicon) -> set[int]:
    """Listed spans whose list already holds a person (named in full, or a surname of one): "Given, Breen,
    Staunton" once Gary Breen is known. Lists that hold an organisation are left alone."""
    out: set[int] = set()
    seen: set[int] = set()
    for group in list_of.values():
        if id(group) in seen:
            continue
        seen.add(id(group))
        if any(id(sp) in org_lists for sp in group):
            continue
        has_person = any(id(sp) in people or len(sp.names) == 1 and len(by_surname.get(fold_name(sp.names[0]), ())) == 1
                         for sp in group)
        if has_person:
            out.update(id(sp) for sp in group if id(sp) not in people)
    return out
