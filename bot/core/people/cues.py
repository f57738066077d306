"""Context cues around a name span: role phrases before and after it, speech verbs, lists and results tables."""

from __future__ import annotations

from bot.core.people.lexicon import Lexicon, fold_name, normalise
from bot.core.people.spans import Span
from bot.core.people.tokens import Tok

PREPS = {"to", "of", "for", "at", "in", "on"}


def role_before(toks: list[Tok], i: int, lex: Lexicon) -> tuple[str | None, bool]:
    """Lower-case role phrase right before token i ("special counsel", "Irish soccer manager").
    Returns (role or None, person_cue)."""
    if i == 0:
        return None, False
    prev = toks[i - 1]
    low = prev.low
    if low in lex.family_nouns:
        return None, True
    if low not in lex.role_nouns or prev.cap and not prev.sent_start:
        return None, False
    words = [prev.text]
    k = i - 2
    while k >= 0 and len(words) < 5:
        u = toks[k]
        if not u.text[:1].isalpha() or u.low in lex.speech_verbs or u.low in lex.nonperson and not (
                u.cap and u.low in lex.place_prefixes):  # "Los Angeles Dodgers coach"
            break
        if u.low.endswith("ing") and not u.cap:
            break
        words.append(u.text + ("'s" if u.poss else ""))
        if u.poss or u.sent_start:
            break
        k -= 1
    return " ".join(reversed(words)), True


def role_after(toks: list[Tok], j: int, lex: Lexicon) -> tuple[str | None, bool]:
    """Appositive after the name: ", the special counsel," / ", 45, a lawyer" / ", co-founder of Google"."""
    n = len(toks)
    if j >= n or toks[j].text != ",":
        return None, False
    k = j + 1
    if k + 1 < n and toks[k].text[:1].isdigit() and toks[k + 1].text == ",":
        return None, True  # ", 45," age: a person, no role
    if k < n and toks[k].low in {"the", "a", "an"}:
        k += 1
    start = k
    while k < n and k - start < 6:
        u = toks[k]
        if not u.text[:1].isalpha() or u.low in {"who", "which", "that", "and", "said", "says"}:
            return None, False
        if u.low in lex.role_nouns and not u.cap:
            end = k + 1
            if end + 1 < n and toks[end].low in PREPS:
                m = end + 1
                if m < n and toks[m].low == "the":
                    m += 1
                q = m
                while q < n and toks[q].cap and toks[q].text[:1].isalpha() and q - m < 4:
                    q += 1
                if q > m:
                    end = q
            return join_tokens(toks[start:end]), True
        k += 1
    return None, False


def join_tokens(toks: list[Tok]) -> str:
    out = ""
    for t in toks:
        w = t.text + ("'s" if t.poss else "")
        out += w if not out or w in {",", "."} else " " + w
    return out


def speech_cue(toks: list[Tok], i: int, j: int, lex: Lexicon) -> bool:
    n = len(toks)
    if j < n and toks[j].low in lex.speech_verbs and not toks[j].cap:
        return True
    if j + 1 < n and toks[j].text == "," and toks[j + 1].text[:1].isdigit() and j + 2 < n and toks[j + 2].text == ",":
        return True
    if i >= 1 and toks[i - 1].low in {"said", "says"} and not (j < n and toks[j].text == "'"):
        return True
    if j < n and toks[j].text == "(" and j + 1 < n and toks[j + 1].text[:1].isdigit():
        return False
    return False


def unattached_roles(toks: list[Tok], lex: Lexicon, spans_at: dict[int, Span]) -> list[tuple[int, int, str]]:
    """Descriptions like "Russia's ambassador to the U.S." that name nobody: (sentence, token index, role)."""
    out = []
    n = len(toks)
    for i, t in enumerate(toks):
        if not (t.poss and t.cap) or i + 1 >= n:
            continue
        k = i + 1
        while k < n and k - i <= 3 and toks[k].text[:1].isalpha() and not toks[k].cap:
            if toks[k].low in lex.role_nouns:
                break
            k += 1
        if k >= n or toks[k].low not in lex.role_nouns or toks[k].cap:
            continue
        end = k + 1
        if end < n and (end in spans_at or toks[end].cap):
            continue  # "Russia's ambassador Sergey Kislyak": attached, handled elsewhere
        if end + 1 < n and toks[end].low in PREPS:
            m = end + 1
            if m < n and toks[m].low == "the":
                m += 1
            q = m
            while q < n and (toks[q].cap or toks[q].initial) and toks[q].text[:1].isalpha() and q - m < 4:
                q += 1
            if q > m:
                end = q
        if end < n and toks[end].text == ",":
            continue  # probably an appositive followed by the name
        out.append((t.sent, i, join_tokens(toks[i:end])))
    return out



def coordinated(toks: list[Tok], sp: Span, persons: dict[int, int]) -> bool:
    """A name listed with a known person ("Billy Andrade, Duffy Waldorf and Jesper Parnevik") is one too."""
    j = sp.end
    if j < len(toks) and toks[j].text in {",", "and"}:
        k = j + 1
        if k < len(toks) and toks[k].text == "and":
            k += 1
        if k in persons and k >= 0:
            return True
    i = sp.start - 1
    if i >= 0 and toks[i].text in {",", "and"}:
        if -(i) - 1 in persons or (i >= 1 and toks[i - 1].text == "," and -(i - 1) - 1 in persons):
            return True
    return False


def expand_title(word: str, lex: Lexicon) -> str:
    low = word.lower().rstrip(".")
    if word.endswith(".") and low in lex.title_abbrev:
        return lex.title_abbrev[low].capitalize()
    return word


def clean_role(role: str | None) -> str | None:
    if not role:
        return None
    role = normalise(role).strip(" ,;:")
    return role or None


DETERMINERS = {"the", "a", "an"}
_MARKET_BEFORE = {("shares", "of"), ("shares", "in"), ("stake", "in"), ("stock", "of"), ("units", "of")}


def org_context(toks: list[Tok], sp: Span, lex: Lexicon) -> bool:
    """Context that makes a capitalised span an organisation, product or event rather than a person.

    "X & Y" is how company names are joined (people are joined with "and": "A.G. Edwards & Sons"); a determiner
    right before the name ("the Dow Jones", "the Cleveland Indians") — people's names take none, while
    "the special counsel Robert Mueller" has a role noun in between; "shares of X" / "a stake in X" name a company.
    """
    i, j, n = sp.start, sp.end, len(toks)
    if (i > 0 and toks[i - 1].text == "&") or (j < n and toks[j].text == "&"):
        return True
    if i > 0 and toks[i - 1].low in DETERMINERS and not sp.poss:
        last = sp.names[-1].lower()
        team = last.endswith("s") and not last.endswith(("ss", "us", "is")) and last not in lex.surnames
        if team or not (len(sp.names) >= 2 and sp.names[0].lower() in lex.first_names):
            return True  # but "the Tom Cruise video", "the Marc Dutroux case": a person's name as a modifier;
            # a plural that is no surname ("the Cleveland Indians") is a team all the same
    if i > 1 and (toks[i - 2].low, toks[i - 1].low) in _MARKET_BEFORE:
        return True
    return False


def results_bracket(toks: list[Tok], j: int, lex: Lexicon) -> bool:
    """Results-table brackets after a name: "(Sweden)", a scoring minute "(31st)" / "(75)", or "(captain)"."""
    n = len(toks)
    if j + 2 >= n or toks[j].text != "(":
        return False
    inner = toks[j + 1]
    if toks[j + 2].text == ")":
        return fold_name(inner.text) in lex.places or inner.low in lex.role_nouns or inner.text.isdigit()
    return (inner.text.isdigit() and toks[j + 2].low in {"st", "nd", "rd", "th", "min", "pen"}
            and j + 3 < n and toks[j + 3].text == ")")
