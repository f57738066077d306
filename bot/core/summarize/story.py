"""The article body: ``story_text`` drops boilerplate lines (bylines, photo captions, "Share this", "Read
more", subscription prompts, "Advertisement", credits) and cuts the trailing run of reader comments.

Other modules (people, topics) read this text, so it errs on the side of keeping: a boilerplate line
must be short and match a known shape, and the comment cut (``_comment_cut``) keeps the text whole
unless a change of voice from reportage to reader talk is clear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.summarize.sentences import _CLOSERS, _PARA_SPLIT

# Work caps, so a 1 MB page costs about as much as a long article.
MAX_STORY_CHARS = 2_000_000  # story_text keeps everything up to here (it is linear), then truncates
TAIL_PARAGRAPHS = 40        # how far from the end story_text looks for a comment section


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
