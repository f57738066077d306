"""PeopleIndex: the same person merged across articles, answering "latest <name>" newest first."""

from __future__ import annotations

from array import array
from typing import Iterable

from bot.core.people.model import PeopleLookup, Person, PersonSummary
from bot.core.people.names import given_compatible, name_key


class _Entry:
    __slots__ = ("name", "aliases", "arts", "role", "role_ts", "role_arts", "role_ids", "surname", "given")

    def __init__(self, name: str, surname: str, given: str) -> None:
        self.name = name
        self.aliases: tuple[str, ...] = ()
        self.arts = array("i")  # article numbers, kept sorted by publication time
        self.role: str | None = None
        self.role_ts = float("-inf")
        self.role_arts: array | None = None  # article numbers that gave a role, and which role (interned id)
        self.role_ids: array | None = None
        self.surname = surname
        self.given = given


class PeopleIndex:
    """In-memory people index over stored articles: name -> articles, newest first.

    Identity across articles: an exact full-name key (nicknames and middle initials folded); a full name whose
    surname and given name are compatible with exactly one known person (Mike Flynn -> Michael Flynn, M. Flynn);
    a surname-only person goes to the single known full-name person with that surname, else stays a separate
    surname-only entry (never guessed among several). Merges are not undone when a namesake appears later.
    Storage is compact: per person an int array of article numbers sorted by time; per article a slice of one
    flat int array holding its people.
    """

    def __init__(self) -> None:
        self._entries: list[_Entry] = []
        self._redirect: dict[int, int] = {}  # merged entry -> the entry that absorbed it
        self._by_key: dict[str, int] = {}
        self._by_surname: dict[str, list[int]] = {}  # folded surname -> entry ids with a full name
        self._by_given: dict[str, list[int]] = {}
        self._short: dict[str, int] = {}  # folded surname -> surname-only entry id
        self._aid: dict[str, int] = {}  # article id -> article number
        self._aids: list[str | None] = []
        self._ts = array("d")
        self._ap = array("i")  # flat: people of every article (entry ids; -1 once removed)
        self._ap_off = array("i")  # article number -> offset into _ap
        self._ap_len = array("b")
        self._role_list: list[str] = []
        self._role_num: dict[str, int] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def _live(self, eid: int) -> int:
        while eid in self._redirect:
            eid = self._redirect[eid]
        return eid

    # -- writing

    def add(self, article_id: str, published: float, people: Iterable[Person]) -> None:
        if article_id in self._aid:
            self.remove(article_id)
        art = len(self._aids)
        self._aid[article_id] = art
        self._aids.append(article_id)
        self._ts.append(float(published))
        off = len(self._ap)
        self._ap_off.append(off)
        self._ap_len.append(0)
        for p in people:
            if isinstance(p, dict):
                p = _Stored(p)
            eid = self._resolve(p)
            n = self._ap_len[art]
            if eid in self._ap[off: off + n] or n >= 127:
                continue
            self._ap.append(eid)
            self._ap_len[art] = n + 1
            e = self._entries[eid]
            self._insert(e.arts, art)
            if len(e.arts) == 1:
                self._count += 1
            if p.aliases or p.name != e.name:
                self._add_aliases(e, (p.name,) + tuple(p.aliases))
            if p.role:
                rid = self._role_num.get(p.role)
                if rid is None:
                    rid = self._role_num[p.role] = len(self._role_list)
                    self._role_list.append(p.role)
                if e.role_arts is None:
                    e.role_arts, e.role_ids = array("i"), array("i")
                e.role_arts.append(art)
                e.role_ids.append(rid)
                if published >= e.role_ts:
                    e.role, e.role_ts = self._role_list[rid], float(published)

    def remove(self, article_id: str) -> None:
        art = self._aid.pop(article_id, None)
        if art is None:
            return
        self._aids[art] = None
        off, n = self._ap_off[art], self._ap_len[art]
        for k in range(off, off + n):
            eid = self._ap[k]
            self._ap[k] = -1
            if eid < 0:
                continue
            e = self._entries[eid]
            try:
                e.arts.remove(art)
            except ValueError:
                pass
            if e.role_arts is not None and art in e.role_arts:
                at = e.role_arts.index(art)
                del e.role_arts[at]
                del e.role_ids[at]
                self._recompute_role(e)
            if not e.arts:
                self._count -= 1

    def _insert(self, arts: array, art: int) -> None:
        ts = self._ts
        t = ts[art]
        if not arts or ts[arts[-1]] <= t:
            arts.append(art)
            return
        lo, hi = 0, len(arts)
        while lo < hi:
            mid = (lo + hi) // 2
            if ts[arts[mid]] <= t:
                lo = mid + 1
            else:
                hi = mid
        arts.insert(lo, art)

    def _recompute_role(self, e: _Entry) -> None:
        e.role, e.role_ts = None, float("-inf")
        for art, rid in zip(e.role_arts or (), e.role_ids or ()):
            if self._ts[art] >= e.role_ts:
                e.role, e.role_ts = self._role_list[rid], self._ts[art]

    def _add_aliases(self, e: _Entry, forms: tuple[str, ...]) -> None:
        if len(e.aliases) >= 8:
            return
        known = set(e.aliases)
        new = [f for f in dict.fromkeys(forms) if f != e.name and f not in known]
        if new:
            e.aliases = (e.aliases + tuple(new))[:8]

    def _new_entry(self, name: str, key: str, surname: str, given: str) -> int:
        eid = len(self._entries)
        self._entries.append(_Entry(name, surname, given))
        self._by_key[key] = eid
        return eid

    def _resolve(self, p: Person) -> int:
        key = name_key(p.name)
        eid = self._by_key.get(key)
        if eid is not None:
            return self._live(eid)
        words = key.split()
        if len(words) >= 2:
            surname, given = words[-1], words[0]
            cands = [i for i in self._by_surname.get(surname, ()) if given_compatible(given, self._entries[i].given)]
            if len(cands) == 1:
                self._by_key[key] = cands[0]
                return cands[0]
            eid = self._new_entry(p.name, key, surname, given)
            self._by_surname.setdefault(surname, []).append(eid)
            self._by_given.setdefault(given, []).append(eid)
            # the first full name with this surname absorbs the surname-only entry
            short = self._short.get(surname)
            if short is not None and len(self._by_surname[surname]) == 1:
                self._merge(short, eid)
                del self._short[surname]
            return eid
        surname = key  # surname only
        full = self._by_surname.get(surname, ())
        if len(full) == 1:
            return full[0]
        eid = self._short.get(surname)
        if eid is None:
            eid = self._new_entry(p.name, "=" + surname, surname, "")
            self._short[surname] = eid
        return eid

    def _merge(self, src: int, dst: int) -> None:
        s, d = self._entries[src], self._entries[dst]
        had = len(d.arts) > 0
        for art in s.arts:
            if art not in d.arts:
                self._insert(d.arts, art)
            off, n = self._ap_off[art], self._ap_len[art]
            for k in range(off, off + n):
                if self._ap[k] == src:
                    self._ap[k] = -1 if dst in self._ap[off: off + n] else dst
        if s.role_arts is not None:
            if d.role_arts is None:
                d.role_arts, d.role_ids = array("i"), array("i")
            d.role_arts.extend(s.role_arts)
            d.role_ids.extend(s.role_ids)
            self._recompute_role(d)
        if s.arts and had:
            self._count -= 1
        self._add_aliases(d, (s.name,) + s.aliases)
        self._redirect[src] = dst
        s.arts, s.role_arts, s.role_ids = array("i"), None, None

    # -- reading

    def _summary(self, eid: int) -> PersonSummary:
        e = self._entries[eid]
        return PersonSummary(e.name, e.aliases, e.role, len(e.arts))

    def lookup(self, query: str, limit: int = 10) -> PeopleLookup:
        key = name_key(query or "")
        if not key:
            return PeopleLookup("unknown")
        ids: list[int] = []
        eid = self._by_key.get(key)
        if eid is not None:
            eid = self._live(eid)
        if eid is not None and self._entries[eid].arts:
            ids = [eid]
        else:
            words = key.split()
            surname = words[-1]
            full = [i for i in self._by_surname.get(surname, ()) if self._entries[i].arts]
            if len(words) >= 2:
                ids = [i for i in full if given_compatible(words[0], self._entries[i].given)]
            else:
                ids = list(full)
                short = self._short.get(surname)
                if short is not None and self._entries[short].arts:
                    ids.append(short)
                if not ids:  # a first name alone: "Melania"
                    ids = [i for i in self._by_given.get(surname, ()) if self._entries[i].arts]
        if not ids:
            return PeopleLookup("unknown")
        if len(ids) > 1:
            ids.sort(key=lambda i: -len(self._entries[i].arts))
            return PeopleLookup("ambiguous", None, tuple(self._summary(i) for i in ids))
        e = self._entries[ids[0]]
        arts = e.arts
        newest = tuple(self._aids[a] for a in reversed(arts[-limit:])) if limit > 0 else ()
        return PeopleLookup("found", self._summary(ids[0]), (), newest)


class _Stored:
    """A person as stored in an article document, read without building a Person (faster at open)."""

    __slots__ = ("name", "aliases", "role")

    def __init__(self, doc: dict) -> None:
        self.name = str(doc["name"])
        self.aliases = tuple(doc.get("aliases") or ())
        self.role = doc.get("role") or None
