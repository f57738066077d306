"""What an article says: sentence splitting, article-body cleanup and extractive summaries.

Pure module: no Telegram, no storage, no clock. Everything works on plain text.

* ``split_sentences`` splits prose into sentences, surviving abbreviations (U.S., Sen., Jan., a.m.,
  No. 5), initials (J. K. Rowling), decimals, ellipses and sentences that end inside (curly) quotes.
* ``story_text`` returns the article body without boilerplate lines (bylines, photo captions, "Share
  this", "Read more", subscription prompts, "Advertisement", credits) and without the trailing run of
  reader comments. Other modules (people, topics) read this text, so it errs on the side of keeping.
* ``summarize`` (and ``summarize_all``, the three lengths in one pass) picks sentences of the article (never generated text) with a lead-aware score and
  returns them in article order; ``lead`` is the Lead-N baseline over the same splitter.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from itertools import combinations

__all__ = ["split_sentences", "story_text", "summarize", "summarize_all", "lead", "extract", "LENGTHS"]

# Work caps, so a 1 MB page costs about as much as a long article.
MAX_CHARS = 60_000          # characters of text looked at by summarize / lead
MAX_STORY_CHARS = 2_000_000  # story_text keeps everything up to here (it is linear), then truncates
MAX_SENTENCES = 400         # sentences scored per article
TAIL_PARAGRAPHS = 40        # how far from the end story_text looks for a comment section

LENGTHS = ("alert", "digest", "full")
ALERT_MAX_WORDS = 60

# ---------------------------------------------------------------------------------------------
# Sentence splitting
# ---------------------------------------------------------------------------------------------

# Abbreviations that are never the end of a sentence (a name or a number follows).
_TITLES = frozenset(
    "mr mrs ms dr prof sen sens rep reps gov gen lt col maj capt cpt sgt cmdr adm brig cdr st "
    "rev fr hon pres supt insp det messrs mme mlle sr jr vs v cf approx dept est fig figs no nos "
    "vol vols pp ch art sec op ed eds para mt ft ave blvd rd".split()
)
# Never the end of a sentence either: e.g., i.e., viz.
_INNER = frozenset("e.g i.e viz cf al".split())
# Month abbreviations: not an end when a day number follows ("Jan. 5"); otherwise treated as ambiguous.
_MONTHS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
# Abbreviations that may well end a sentence ("... moved to the U.S. He ...").
_AMBIGUOUS = frozenset("inc corp co ltd plc llc bros etc u.s u.k u.n u.s.a a.m p.m e.u d.c n.y l.a".split())
# Words that, when they follow an ambiguous abbreviation, start a new sentence.
_STARTERS = frozenset(
    "the a an he she it they we i you his her its their our this that these those there then but and "
    "so yet however meanwhile in on at for if when while after before as since although though "
    "what who why how where mr mrs ms dr also both some many most all one two three police officials".split()
)
# Titles that only count before a capitalised name, because they are also ordinary words.
_NAME_ONLY = frozenset({"no", "nos", "art", "sec", "op", "v", "ch", "ed", "est", "fig", "para"})

_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«(["
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, whitespace, then the
# first character of the next sentence (uppercase, digit or an opening quote/bracket).
_BOUNDARY = re.compile(r"(?:[.!?]+|…|\.\.\.+)[\"'”’»)\]]*\s+(?=[\"'“‘«(\[]*[A-Z0-9À-Ý])")
_WORD_BEFORE = re.compile(r"(\S+)$")
_NEXT_WORD = re.compile(r"[\"'“‘«(\[]*([A-Za-z0-9À-ÿ][\w’'.-]*)")
_PARA_SPLIT = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_SPACES = re.compile(r"[ \t\u00a0]+")
_ODD_SPACE = re.compile(r"[\t\u00a0]|  ")
_TERMINAL_END = re.compile(r"[.!?…:;\"'”’)\]]\s*$")


def _is_boundary(text: str, start: int, end: int) -> bool:
    """Decide whether the punctuation run text[start:end] (a _BOUNDARY match) ends a sentence."""
    punct = text[start:end].rstrip()
    first = punct[0]
    if first in "!?":
        return True
    if first == "…" or punct.startswith(".."):
        return True  # an ellipsis followed by a capital starts a new sentence
    # A single period: look at the word it ends.
    m = _WORD_BEFORE.search(text, max(0, start - 40), start)
    if not m:
        return True
    word = m.group(1).lstrip(_OPENERS)
    low = word.lower()
    nxt_m = _NEXT_WORD.match(text, end)
    nxt = nxt_m.group(1) if nxt_m else ""
    if not word:
        return True
    if len(word) == 1 and word.isalpha() and word.isupper():
        return False  # an initial: J. K. Rowling
    if low in _INNER:
        return False
    if low in _TITLES:
        if low in _NAME_ONLY:
            return not (nxt[:1].isdigit())  # "No. 5" but "He said no."
        return False
    if low in _MONTHS:
        if nxt[:1].isdigit():
            return False
        return nxt.lower() in _STARTERS
    if low in _AMBIGUOUS or (("." in low) and re.fullmatch(r"(?:[a-z]\.)+[a-z]", low)):
        # U.S., a.m., Inc.: a boundary only when a typical sentence opener follows.
        return nxt.lower() in _STARTERS
    return True


def _split_paragraph(para: str) -> list[str]:
    out: list[str] = []
    pos = 0
    for m in _BOUNDARY.finditer(para):
        if _is_boundary(para, m.start(), m.end()):
            sent = para[pos:m.end()].strip()
            if sent:
                out.append(sent)
            pos = m.end()
    tail = para[pos:].strip()
    if tail:
        out.append(tail)
    return out


def _paragraph_lines(para: str) -> list[str]:
    """Lines of a paragraph, with hard-wrapped lines (no end punctuation, lowercase next) joined."""
    lines = [ln.strip() for ln in para.split("\n")]
    lines = [ln for ln in lines if ln]
    if len(lines) <= 1:
        return lines
    merged = [lines[0]]
    for ln in lines[1:]:
        prev = merged[-1]
        if not _TERMINAL_END.search(prev) and (ln[:1].islower() or ln[:1].isdigit()):
            merged[-1] = prev + " " + ln
        else:
            merged.append(ln)
    return merged


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences. Line breaks end sentences unless a line was visibly hard-wrapped."""
    if not text or not text.strip():
        return []
    out: list[str] = []
    for para in _PARA_SPLIT.split(text):
        for line in _paragraph_lines(para):
            out.extend(_split_paragraph(_SPACES.sub(" ", line) if _ODD_SPACE.search(line) else line))
    return out


# ---------------------------------------------------------------------------------------------
# Boilerplate lines and reader comments
# ---------------------------------------------------------------------------------------------

_SHARE_WORDS = frozenset(
    "share this article story post page on via tweet email e-mail print facebook twitter x whatsapp "
    "linkedin pinterest reddit copy link save comment comments messenger telegram flipboard bookmark "
    "the and or".split()
)
_BOILER_LINE = re.compile(
    r"""^(?:
        advertisements?|advert|ad|sponsored(?:\s+content)?|paid\s+content|promoted(?:\s+stories)?
      | story\s+continues\s+(?:below|after).*
      | continue\s+reading.*
      | (?:read|see)\s+(?:more|also|next)\b.*
      | (?:also\s+read|related(?:\s+(?:articles?|stories|coverage|content|topics))?|recommended(?:\s+for\s+you)?
         |most\s+(?:read|popular|viewed)|more\s+(?:on\s+this\s+story|from\s+\S+)|top\s+stories|trending(?:\s+now)?)\s*:?.*
      | click\s+(?:here|to)\b.*
      | (?:watch|listen|video|audio)\s*:.*
      | media\s+playback\s+is\s+(?:un)?supported.*
      | (?:image|photo|picture|media)\s+(?:caption|copyright|source|credit)\b.*
      | (?:photo(?:graph)?s?|image|picture|pictured|caption|credit|file\s+photo|top\s+image|main\s+image)\s*[:|].*
      | (?:©|\(c\)|copyright\s+(?:©|\(c\)|\d{4}))\s*.*
      | all\s+rights\s+reserved\.?
      | \(?(?:additional\s+)?(?:reporting|writing|editing|compiled|produced)\s+by\s.*
      | (?:subscribe|sign\s+(?:up|in)|log\s+in|register|already\s+a\s+(?:subscriber|member)
         |become\s+a\s+(?:subscriber|member|supporter)|support\s+(?:our|us|independent)\b
         |get\s+(?:unlimited|full|our|the\s+latest)\b|don'?t\s+miss\b|want\s+more\b|download\s+(?:our|the)\s+app
         |this\s+(?:article|content|story)\s+is\s+(?:for|available\s+to)\s+(?:subscribers|members)
         |you\s+have\s+\d+\s+free\s+articles?|to\s+continue\s+reading\b|create\s+a\s+free\s+account
         |follow\s+(?:us|\S+)\s+on\s+(?:twitter|facebook|instagram|x|social)\b).*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Headers that open a comment section: everything after them is reader content.
_COMMENT_HEADER = re.compile(
    r"""^(?:\d+\s+)?(?:
        comments?|reader\s+comments|readers'?\s+comments|your\s+comments|user\s+comments
      | (?:join|start)\s+the\s+(?:discussion|conversation|debate)|leave\s+a\s+(?:comment|reply)
      | post\s+a\s+comment|add\s+(?:a|your)\s+comment|show\s+comments|view\s+(?:all\s+)?comments
      | have\s+your\s+say|what\s+do\s+you\s+think\??|\d+\s+(?:responses?|replies|thoughts)(?:\s+(?:to|on)\s.*)?
      | (?:responses?|replies|thoughts)\s+(?:to|on)\s.*|discussion|conversation
    )\s*:?$""",
    re.IGNORECASE | re.VERBOSE,
)
_BYLINE = re.compile(
    r"^(?:by|words\s+by|story\s+by|written\s+by)\s+"
    r"(?!(?:the|a|an|this|that|monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|"
    r"march|april|may|june|july|august|september|october|november|december|end|now|then)\b)"
    r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|der|la|le|bin|al|and|&))*"
    r"(?:\s*(?:,|\||·|-|–|—|and|for)\s*[^.!?]{0,80})?$",
    re.IGNORECASE,
)
# A caption/credit at the end of a line: "(AP Photo/Evan Vucci)", "REUTERS/Kevin Lamarque", "/ Getty Images".
_CAPTION_TAIL = re.compile(
    r"(?:\((?:AP|AFP|EPA|Reuters|REUTERS|Getty|Xinhua|Bloomberg)?\s*(?:Photo|Images?|Picture|Pictures|/)[^)]{0,60}\)"
    r"|\b(?:REUTERS|AFP|EPA|AP)\s*/\s*[A-Z][^\s/]*(?:\s+[A-Z][^\s/]*){0,3}"
    r"|(?:Photo|Photograph|Image|Picture)s?\s*(?::|by)\s*[^.]{0,60}(?:/|via)\s*(?:Getty\s+Images|AP|AFP|Reuters|EPA|Shutterstock)\b.{0,10}"
    r"|[|/]\s*(?:Getty\s+Images|Shutterstock|Alamy)(?:\s+\w+)?)\s*\.?$"
)


def _is_share_line(low_words: list[str]) -> bool:
    return 0 < len(low_words) <= 8 and all(w in _SHARE_WORDS for w in low_words) and any(
        w in ("share", "tweet", "email", "e-mail", "print", "facebook", "twitter", "whatsapp", "linkedin") for w in low_words
    )


_BOILER_FIRST = frozenset(
    "advertisement advertisements advert ad sponsored paid promoted story continue read see also related "
    "recommended most more top trending click watch listen video audio media image photo photograph photos "
    "photographs picture pictures pictured caption credit file main © c copyright all reporting additional "
    "writing editing compiled produced subscribe sign log register already become support get don't dont "
    "want download this you to create follow".split()
)
_BYLINE_FIRST = frozenset({"by", "words", "story", "written"})
_FIRST_WORD = re.compile(r"[(\[]?([©\w'’-]+)")
_CAPTION_HINT = re.compile(r"/|Photo|Image|Picture|REUTERS|Getty|Shutterstock|Alamy")


def _is_boilerplate_line(line: str) -> bool:
    """True for a line that is page furniture rather than story text. Kept strict: short lines only."""
    s = line.strip().strip("*#>•-–— ").strip()
    if not s:
        return True
    words = s.split()
    if len(words) > 40:
        return False
    if len(words) <= 8 and _is_share_line(re.findall(r"[a-z][a-z-]*", s.lower())):
        return True
    m = _FIRST_WORD.match(s)
    first = m.group(1).lower().replace("’", "'") if m else ""
    if len(words) <= 30 and first in _BOILER_FIRST and _BOILER_LINE.match(s):
        return True
    if len(words) <= 12 and first in _BYLINE_FIRST and _BYLINE.match(s):
        return True
    if _CAPTION_HINT.search(s) and _CAPTION_TAIL.search(s):
        return True
    return False


# Comment-likeness: features of reader comments that news prose (outside quotation marks) rarely has.
_DQ_CHAR = re.compile(r"[\"“”„«»]")
_OPEN_DQ = "“„«"
_CLOSE_DQ = "”»"
_SINGLE_QUOTED = re.compile(r"(?<![\w])[‘'](?=\w)[^\n]{0,300}?[’'](?!\w)")
# Word sets are matched on tokens (set lookups), not big case-insensitive alternations: ~5x faster.
_WORDS = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")
_PERSONAL = frozenset(
    w2
    for w in "I I'm I've I'd I'll me my mine myself we we're we've we'd we'll our ours ourselves "
    "you you're you've you'd you'll your yours yourself yourselves u ur".split()
    for w2 in ({w, w[:1].upper() + w[1:]} if w not in ("me", "u", "ur") else {w})
) | {"us"}  # lowercase only: "US" is the country
_EVALUATIVE_WORDS = frozenset(
    "sad pathetic disgrace disgraceful disgusting shameful ridiculous absurd lol lmao lmfao wow omg idiot "
    "idiots moron morons stupid clown clowns imho imo smh yeah yep nope agreed exactly amen bravo hilarious "
    "sheesh ugh haha".split()
)
_EVALUATIVE_PHRASES = (
    "brings to mind", "bring to mind", "reminds me", "just saying", "well said", "great article", "good article",
    "thank you for", "thanks for", "so much for", "what a ", "can't wait", "how sad", "how convenient", "how ironic",
)
_COMMENT_META = re.compile(
    r"^(?:reply|report|like|flag|\d+\s+(?:likes?|replies|points?)|\d+\s+(?:minutes?|hours?|days?|weeks?)\s+ago|"
    r"[\w .-]{1,30}\s+(?:says|said|wrote)\s*:|posted\s+by\b|@\w+)",
    re.IGNORECASE,
)
_REPORTING_WORDS = frozenset(
    "said says told tells telling reported reports announced announces added stated confirmed denied "
    "spokesman spokeswoman spokesperson statement testified alleged allegedly charged quoted interview "
    "official officials source sources estimated figures".split()
)
_REPORTING_PHRASES = ("according to", "declined to", "press conference")
_DATE_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april june july august "
    "september october november december".split()
)
_FIGURE_WORDS = frozenset("million billion bn percent cent".split())
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class _ParaSignals:
    comment: int
    news: int


def _unquote(para: str, inside: bool) -> tuple[str, bool]:
    """Text of a paragraph outside double quotes, and whether the paragraph ends inside a quote.

    News convention: a quote running over several paragraphs reopens at the start of each one and closes
    only at the end of the last, so a paragraph that starts with a quote mark starts inside a quote, and
    one that follows an unclosed quote continues it. Straight quotes toggle; curly ones say which they are.
    """
    if para[:1] in "\"“„«":
        inside = False  # the leading mark (re)opens the quote below
    elif not inside:
        # No carried state, but a lone closing mark early on ("...games." he said): a continuation.
        first = _DQ_CHAR.search(para)
        if first and (first.group() in _CLOSE_DQ or (first.group() == '"' and para.count('"') % 2 == 1
                                                    and para[first.start() - 1:first.start()] in ".,!?")):
            inside = True
    out: list[str] = []
    pos = 0
    for m in _DQ_CHAR.finditer(para):
        ch = m.group()
        if inside:
            if ch in _OPEN_DQ:
                continue
            inside = False
            pos = m.end()
        else:
            if ch in _CLOSE_DQ:
                continue
            out.append(para[pos:m.start()])
            inside = True
    if not inside:
        out.append(para[pos:])
    return " ".join(out), inside


def _outsides(paras: list[str]) -> list[str]:
    """Unquoted text of each paragraph, carrying open quotes across paragraph and line breaks."""
    result: list[str] = []
    inside = False
    for para in paras:
        text, inside = _unquote(para.strip(), inside)
        result.append(_SINGLE_QUOTED.sub(" ", text))
    return result


def _paragraph_signals(para: str, outside: str | None = None) -> _ParaSignals:
    """Score a paragraph for comment-likeness and for news-likeness (only text outside quotes counts)."""
    raw = para.strip()
    if outside is None:
        outside = _outsides([raw])[0]
    out_words = [w.replace("’", "'") for w in _WORDS.findall(outside)]
    out_low = outside.lower().replace("’", "'")
    # Each kind of evidence counts at most once or twice; "we" alone is just a chatty writer.
    comment = 1 if any(w in _PERSONAL for w in out_words) else 0
    comment += min(2, outside.count("!"))
    if "?" in outside:
        comment += 1
        if outside.rstrip().rstrip(_CLOSERS).endswith("?"):
            comment += 1  # the paragraph ends on its own (unquoted) question: rhetorical
    if "…" in outside or "..." in outside:
        comment += 1
    evaluative = sum(1 for w in out_words if w.lower() in _EVALUATIVE_WORDS)
    evaluative += sum(1 for ph in _EVALUATIVE_PHRASES if ph in out_low)
    comment += min(2, evaluative)
    if _COMMENT_META.match(raw):
        comment += 2
    raw_low = raw.lower()
    raw_words = _WORDS.findall(raw_low)
    news = sum(1 for w in raw_words if w in _REPORTING_WORDS)
    news += sum(1 for ph in _REPORTING_PHRASES if ph in raw_low)
    news = min(3, news)
    if (
        any(w in _DATE_WORDS for w in raw_words)
        or _YEAR.search(raw)
        or "%" in raw
        or "last week" in raw_low or "last month" in raw_low or "last year" in raw_low
        or (_DIGIT.search(raw) and any(w in _FIGURE_WORDS for w in raw_words))
    ):
        news += 1
    return _ParaSignals(comment, news)


def _paragraphs(text: str) -> list[str]:
    """Paragraphs: blocks between blank lines; when a text has no blank lines, each line is a paragraph."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = [b.strip() for b in _PARA_SPLIT.split(text)]
    blocks = [b for b in blocks if b]
    if len(blocks) == 1 and "\n" in blocks[0]:
        blocks = [ln.strip() for ln in blocks[0].split("\n") if ln.strip()]
    return blocks


def _comment_cut(paras: list[str]) -> int:
    """Index of the first paragraph of the trailing reader-comment run (len(paras) when there is none).

    Walking back from the end, comment-like (C) and neutral paragraphs extend the run; a paragraph with
    news signals (reporting verbs, dates, figures) and no stronger comment signals stops it. The cut is
    at the earliest C of the run, so neutral paragraphs before it stay. Then three guards, all of which
    keep the text whole: a news paragraph must remain before the cut; the paragraph just before the cut
    must be plain (the voice changes there); and the story itself must not already talk in that voice.
    """
    n = len(paras)
    lo = max(1, n - TAIL_PARAGRAPHS)
    # Quote state is carried from a few paragraphs before the window; the window starts clean enough.
    start = max(0, lo - 3)
    outsides = _outsides(paras[start:])
    cut = n
    for i in range(n - 1, lo - 1, -1):
        sig = _paragraph_signals(paras[i], outsides[i - start])
        if sig.comment >= 2 and sig.comment - sig.news >= 2:
            cut = i
        elif sig.news >= 1 and sig.news >= sig.comment:
            break
    if cut == n:
        return n
    body = paras[:cut]
    if not any(_paragraph_signals(p).news >= 1 for p in body):
        return n
    # The story must end cleanly: its last paragraph is plain reportage, not already in the chatty voice
    # (interviews in Q&A form and conversational features run on without such a boundary).
    before = _paragraph_signals(paras[cut - 1], outsides[cut - 1 - start] if cut - 1 >= start else None)
    if before.comment > 0 and not (before.news >= 1 and before.news >= before.comment):
        return n
    # Comments are a change of voice. When the story itself already talks like that (blogs, how-tos,
    # columns in the second person), voice is no evidence, so keep everything.
    body_outsides = _outsides(body[-TAIL_PARAGRAPHS:])
    personal = sum(1 for p, o in zip(body[-TAIL_PARAGRAPHS:], body_outsides) if _paragraph_signals(p, o).comment >= 2)
    if personal >= 2 or personal > 0.15 * len(body_outsides):
        return n
    return cut


def story_text(text: str) -> str:
    """The article body: boilerplate lines dropped, trailing reader comments cut; paragraphs joined by a blank line."""
    if not text or not text.strip():
        return ""
    text = text[:MAX_STORY_CHARS]
    kept: list[str] = []
    for para in _paragraphs(text):
        lines = [ln for ln in para.split("\n") if ln.strip()]
        if kept and len(lines) == 1 and _COMMENT_HEADER.match(lines[0].strip().strip("*#:-–— ")):
            break  # a "Comments" header: the rest of the page is reader content
        good = [ln.strip() for ln in lines if not _is_boilerplate_line(ln)]
        if good:
            kept.append("\n".join(good))
    if not kept:
        return ""
    # Comment detection works on lines (a paragraph in most texts, a sentence in some), so a reader
    # prompt at the end of a story paragraph goes without the story line before it.
    units = [(pi, ln) for pi, para in enumerate(kept) for ln in para.split("\n")]
    cut = _comment_cut([ln for _, ln in units])
    if cut == len(units):
        return "\n\n".join(kept)
    body: list[list[str]] = [[] for _ in kept]
    for pi, ln in units[:cut]:
        body[pi].append(ln)
    return "\n\n".join("\n".join(lines) for lines in body if lines)


# ---------------------------------------------------------------------------------------------
# Sentence scoring and selection
# ---------------------------------------------------------------------------------------------

_DATELINE = re.compile(
    r"^(?:"
    # WASHINGTON (Reuters) -   /  Washington (CNN) —   /  NEW YORK, Jan. 5 (AP) --
    r"[A-Z][\w.'’-]*(?:[ ,]+[A-Z][\w.'’-]*){0,4}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*\([A-Z][\w .&-]{1,30}\)\s*(?:--|[-–—:])"
    r"|"
    # LONDON —  /  BEIJING, March 3 -
    r"[A-Z][A-Z.'’-]+(?:[ ,]+[A-Z][A-Z.'’-]+){0,3}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*(?:--|[–—]|-(?=\s))"
    r"|"
    r"\((?:AP|Reuters|AFP|CNN|UPI|Bloomberg)\)\s*(?:--|[-–—])"
    r")\s*"
)
_TOKEN = re.compile(r"[a-z0-9][a-z0-9'’-]*")
_STOP = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been before being
    below between both but by can could did do does doing don't down during each few for from further had has
    have having he he'd he's her here hers herself him himself his how i i'm if in into is isn't it it's its
    itself just let's me more most much my myself no nor not now of off on once only or other ought our ours
    ourselves out over own same she she's should so some such than that that's the their theirs them themselves
    then there there's these they they're this those through to too under until up very was wasn't we we're
    were what when where which while who whom why will with won't would you your yours yourself yourselves
    said says say told one two new year years also mr mrs ms dr us still may might must shall per cent percent
    like get got just even well back made make many last first since around including however
    """.split()
)
_PRONOUN_START = re.compile(r"^(?:He|She|It|They|This|That|These|Those|His|Her|Its|Their|But|And|Or|So|Also|However|Meanwhile|Instead)\b")


def _strip_dateline(sentence: str) -> str:
    m = _DATELINE.match(sentence)
    if m and len(sentence) - m.end() > 20:
        return sentence[m.end():].lstrip()
    return sentence


_STEMS: dict[str, str] = {}


def _stem(tok: str) -> str:
    got = _STEMS.get(tok)
    if got is None:
        got = _stem_uncached(tok)
        if len(_STEMS) < 200_000:
            _STEMS[tok] = got
    return got


def _stem_uncached(tok: str) -> str:
    tok = tok.replace("’", "'")
    if tok.endswith("'s"):
        tok = tok[:-2]
    if len(tok) > 4 and tok.endswith("ies"):
        return tok[:-3] + "y"
    if len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss") and not tok.endswith("us"):
        return tok[:-1]
    return tok


def _content_words(sentence: str) -> list[str]:
    get = _STEMS.get
    return [get(t) or _stem(t) for t in _TOKEN.findall(sentence.lower()) if t not in _STOP and len(t) > 1]


@dataclass(frozen=True, eq=False)  # identity comparison: selection tests membership a lot
class _Sentence:
    index: int
    text: str
    words: int
    terms: frozenset[str]
    score: float


def _is_junk_sentence(s: str, words: int) -> bool:
    # boilerplate lines are gone already (story_text); a sentence may still be a fragment
    return words < 4


def _score_sentences(text: str, title: str) -> list[_Sentence]:
    body = story_text(text[:MAX_CHARS])
    raw = split_sentences(body)[:MAX_SENTENCES]
    cand: list[tuple[int, str, int, list[str]]] = []
    for s in raw:
        s = _strip_dateline(s)
        words = len(s.split())
        if _is_junk_sentence(s, words):
            continue
        cand.append((len(cand), s, words, _content_words(s)))
    if not cand:
        return []
    tf: Counter[str] = Counter()
    for _, _, _, terms in cand:
        tf.update(set(terms))
    title_terms = set(_content_words(title)) if title else set()
    n = len(cand)
    out: list[_Sentence] = []
    max_cent = 1e-9
    cents: list[float] = []
    for _, _, _, terms in cand:
        uniq = set(terms)
        # centrality: how many of the article's recurring words this sentence carries, per sqrt(length)
        c = sum(tf[t] - 1 for t in uniq) / math.sqrt(max(6, len(terms)))
        cents.append(c)
        max_cent = max(max_cent, c)
    for (i, s, words, terms), cent in zip(cand, cents):
        uniq = frozenset(terms)
        pos = 1.0 / math.sqrt(1.0 + i)                # lead bias: news puts the essentials first
        score = 1.0 * pos + 0.8 * (cent / max_cent)
        if title_terms:
            score += 0.5 * len(uniq & title_terms) / len(title_terms)
        if words < 8:
            score -= 0.25
        if words > 55:
            score -= 0.2
        if i > 0 and _PRONOUN_START.match(s):
            score -= 0.1                              # dangles without the sentence before it
        if s.rstrip(_CLOSERS).endswith("?"):
            score -= 0.3
        out.append(_Sentence(i, s, words, uniq, score))
    return out


def _redundancy(a: _Sentence, b: _Sentence) -> float:
    if not a.terms or not b.terms:
        return 0.0
    return len(a.terms & b.terms) / min(len(a.terms), len(b.terms))


def _greedy(sents: list[_Sentence], n: int, max_words: int | None) -> list[_Sentence]:
    chosen: list[_Sentence] = []
    total = 0
    pool = sorted(sents, key=lambda s: -s.score)
    while len(chosen) < n:
        best, best_val = None, -math.inf
        for s in pool:
            if s in chosen or (max_words is not None and total + s.words > max_words):
                continue
            val = s.score - 0.6 * max((_redundancy(s, c) for c in chosen), default=0.0)
            if val > best_val:
                best, best_val = s, val
        if best is None:
            break
        chosen.append(best)
        total += best.words
    return chosen


def _set_value(group: tuple[_Sentence, ...]) -> float:
    val = sum(s.score for s in group)
    for a, b in combinations(group, 2):
        val -= 0.6 * _redundancy(a, b)
    return val


def _alert(sents: list[_Sentence]) -> list[_Sentence]:
    """2-3 sentences within ALERT_MAX_WORDS: the best-valued fitting set among the top candidates."""
    top = sorted(sents, key=lambda s: -s.score)[:8]
    best: tuple[_Sentence, ...] = ()
    best_val = -math.inf
    # The best sentence (usually the lead) anchors the alert whenever it fits with another one.
    anchor = top[0] if any(top[0].words + s.words <= ALERT_MAX_WORDS for s in top[1:]) else None
    for k in (3, 2):
        for group in combinations(top, k):
            if sum(s.words for s in group) > ALERT_MAX_WORDS:
                continue
            if anchor is not None and anchor not in group:
                continue
            val = _set_value(group)
            if val > best_val:
                best, best_val = group, val
    if best:
        return list(best)
    # Nothing of 2+ sentences fits: look wider for a pair, then settle for one sentence.
    fitting = [s for s in sents if s.words <= ALERT_MAX_WORDS]
    pair = _greedy(fitting, 3, ALERT_MAX_WORDS)
    if len(pair) >= 2:
        return pair
    if fitting:
        return [max(fitting, key=lambda s: s.score)]
    first = max(sents, key=lambda s: s.score)
    clipped = " ".join(first.text.split()[:ALERT_MAX_WORDS - 1]) + " …"
    return [_Sentence(first.index, clipped, ALERT_MAX_WORDS, first.terms, first.score)]


def extract(text: str, title: str = "", n: int = 3, max_words: int | None = None) -> list[str]:
    """The n best sentences (within max_words when given), in article order. summarize() is built on it."""
    if not text or not text.strip() or n <= 0:
        return []
    sents = _score_sentences(text, title)
    if not sents:
        return []
    chosen = _greedy(sents, n, max_words)
    return [s.text for s in sorted(chosen, key=lambda s: s.index)]


def _pick(sents: list[_Sentence], length: str) -> list[str]:
    if not sents:
        return []
    if length == "digest":
        chosen = _greedy(sents, 1, None)
    elif length == "full":
        chosen = _greedy(sents, 5, None)
    else:
        chosen = _alert(sents)
    return [s.text for s in sorted(chosen, key=lambda s: s.index)]


def summarize(text: str, title: str = "", length: str = "alert") -> list[str]:
    """Extractive summary in article order: "alert" (2-3 sentences, <= 60 words), "digest" (1), "full" (<= 5)."""
    if length not in LENGTHS:
        raise ValueError(f"length must be one of {', '.join(LENGTHS)}, not {length!r}")
    if not text or not text.strip():
        return []
    return _pick(_score_sentences(text, title), length)


def summarize_all(text: str, title: str = "") -> dict[str, list[str]]:
    """All three lengths from one pass over the text (what enrichment at ingest wants)."""
    sents = _score_sentences(text, title) if text and text.strip() else []
    return {length: _pick(sents, length) for length in LENGTHS}


def lead(text: str, n: int = 3) -> list[str]:
    """Lead-N baseline: the first n sentences by the same splitter, on the raw text."""
    if not text or not text.strip() or n <= 0:
        return []
    return split_sentences(text[:MAX_CHARS])[:n]
