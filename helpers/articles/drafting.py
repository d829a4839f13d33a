"""Draft a claims file from a news article's text: the claims a careful reader would list, for review.

:func:`draft` reads an article (plain text, or a saved HTML page: its tags are dropped) and returns
one claim per figure it states, in the claims-file format (``data/claims/README.md``): the sentence it
comes from, its kind, partner, months, measure and stated value. A monthly story relays GAC's release
of the month before it was published, so "last month", "in July" and "the same month last year" are
read from the publication day. Reuters' vocabulary has a kind each:

- a tonnage ("5,577 metric tons", "1,116 tons") -> ``value`` in ``tonnes``;
- a change ("rose nearly 75% from June", "4.8% higher than the same month in 2024", "fell 2% on year")
  -> ``value`` in ``mom_pct`` or ``yoy_pct``, signed by its verb;
- "the highest for a single month since January", "a six-month high", "a nine-month low", "a record"
  -> ``record``;
- "for a third straight month", "the second monthly decline in a row" -> ``streak``;
- "No.1 destination", "the top five destinations were A, B, C, D and E" -> ``ranking``;
- "accounting for 22% of the total" -> ``share``;
- "in the first seven months", "the first half", "year-to-date" -> the months from January.

Numbers are read with the standard library's regular expressions and country names with pycountry
(with the news names the reference table lacks): the project's lock has no number or date parser
(quantulum3, dateparser), and an article's few forms of numbers and months do not need one. The draft
is for a journalist to review: every claim keeps its sentence.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pycountry

from helpers.months import add_months

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
ORDINALS = {w: i for i, w in enumerate(["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh",
                                        "eighth", "ninth", "tenth", "eleventh", "twelfth"]) if w}
CARDINALS = {w: i for i, w in enumerate(["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                                         "ten", "eleven", "twelve"]) if w}
#: Names news stories use that ISO 3166 spells otherwise, and the blocs.
NEWS_NAMES = {"u.s.": "US", "us": "US", "united states": "US", "america": "US", "south korea": "KR",
              "korea": "KR", "vietnam": "VN", "taiwan": "TW", "russia": "RU", "britain": "GB", "uk": "GB",
              "u.k.": "GB", "european union": "EU", "eu": "EU", "hong kong": "HK", "the netherlands": "NL",
              "turkey": "TR", "czech republic": "CZ", "iran": "IR"}
COLUMNS = ["claim_id", "claim", "kind", "partner", "from_month", "to_month", "measure", "stated_value", "approx",
           "event_id", "source_id", "published", "note"]

_NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
TONNES_RE = re.compile(_NUM + r"\s*(?:metric\s+)?(?:tons|tonnes|tonne|ton|t)\b", re.I)
PCT_RE = re.compile(_NUM + r"\s*(?:%|per\s?cent\b|percent\b)", re.I)
APPROX_RE = re.compile(r"\b(?:nearly|about|almost|around|roughly|some|approximately|close to|more than|over)\s*$",
                       re.I)
UP_RE = re.compile(r"\b(?:rose|rise|rises|rising|up|jump(?:ed|s)?|climb(?:ed|s)?|higher|increase[ds]?|gr[eo]w(?:n|s)?|"
                   r"surge[ds]?|soar(?:ed)?|rebound(?:ed)?|gain(?:ed)?|added|expand(?:ed)?)\b", re.I)
DOWN_RE = re.compile(r"\b(?:fell|fall|falls|falling|down|declin(?:e|ed|es|ing)|drop(?:ped|s)?|lower|decrease[ds]?|"
                     r"dip(?:ped|s)?|plunge[ds]?|slump(?:ed|s)?|tumble[ds]?|slid|shrank|sank|plummet(?:ed)?|"
                     r"contract(?:ed)?|slipped|eased)\b", re.I)
MOM_RE = re.compile(r"\b(?:from|on|than|over)\s+(?:the\s+)?(?:(?:month|prior month|previous month|preceding month)"
                    r"(?:\s+before)?|a month (?:earlier|before|ago))\b|month[- ]on[- ]month|\bm/m\b|"
                    r"\bfrom\s+(?:" + "|".join(m.title() for m in MONTHS) + r")\b|\bon month\b|\bmonthly\b", re.I)
YOY_RE = re.compile(r"year[- ]on[- ]year|\by/y\b|\bon (?:the )?year\b|a year (?:earlier|before|ago)|\bannual\b|"
                    r"\blast year\b|same (?:month|period)|\bfrom the year before\b|\byear-earlier\b|"
                    r"\bin 20\d\d\b|\bfrom 20\d\d\b", re.I)
FIRST_N_RE = re.compile(r"\bfirst (\w+) months\b|\bfirst half\b|\bh1\b|\byear[- ]to[- ]date\b|\bso far this year\b|"
                        r"\bfirst (\w+ )?quarters?\b|\bjan(?:uary)?(?: to |-|–)(" + "|".join(MONTHS) + r")\b|\b(?:all|whole) of (20\d\d)\b|\bfull[- ]year\b|\b(?:in|for) (20\d\d) as a whole\b",
                        re.I)
SINCE_RE = re.compile(r"\b(highest|lowest|biggest|largest|smallest)\b[^.;]{0,40}?\bsince\s+("
                      + "|".join(MONTHS) + r")(?:\s+(\d{4}))?", re.I)
WINDOW_RE = re.compile(r"\b(\w+)[- ]month (high|low|peak|trough)\b", re.I)
RECORD_RE = re.compile(r"\b(?:a |the )?record(?: high)?\b(?! low)", re.I)
STREAK_RE = re.compile(r"\b(?:for )?(?:the |a )?(\w+) (?:straight|consecutive|successive) (?:month|monthly)|"
                       r"\b(?:the |a )?(\w+) (?:monthly )?(?:decline|fall|drop|rise|increase|gain)s? in a row|"
                       r"\bfor (?:a |the )?(\w+) month in a row|\bfor (?:a |the )?(\w+) month\b", re.I)
TOP_BEFORE_RE = re.compile(r"\s+(?:were|are|was)\s+(?:the\s+)?top (\w+) (?:export )?(?:destinations|markets|buyers|importers)",
                           re.I)
THIS_YEAR_RE = re.compile(r"\b(highest|lowest) (?:so far )?this year\b|\b(?:this year's|the 20\d\d) (peak|high|low)\b", re.I)
TOP_RE = re.compile(r"\btop (\w+) (?:export )?(?:destinations|markets|buyers|importers)\b[^.]*?\b(?:were|are|was|:)\s+"
                    r"([^.]+)", re.I)
NO1_RE = re.compile(r"\b(?:No\.\s?1|number one|top|largest|biggest)\b(?: export)? (?:destination|buyer|market|importer)",
                    re.I)
#: "over 90% of global supply": a claim about the world market, not about China's exports.
WORLD_RE = re.compile(r"\s*(?:%|per\s?cent|percent)\s+of\s+(?:the\s+)?(?:global|world(?:'s)?|world)?\s*"
                      r"(?:rare[- ]earth\s+)?(?:magnet\s+)?(?:supply|production|output|market|capacity|refining|processing)\b", re.I)
SHARE_RE = re.compile(_NUM + r"\s*(?:%|per\s?cent|percent)\s+of\s+(?:the\s+|all\s+|china's\s+|total\s+)*"
                      r"(?:total|exports|shipments|overall)", re.I)


class _Text(HTMLParser):
    """The text of an HTML page: its paragraphs, without scripts, styles and navigation."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "nav", "header", "footer", "noscript"):
            self.skip += 1
        elif tag in ("p", "br", "div", "li", "h1", "h2", "h3", "tr"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "nav", "header", "footer", "noscript") and self.skip:
            self.skip -= 1
        elif tag in ("p", "div", "li", "h1", "h2", "h3"):
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def article_text(raw: str) -> str:
    """Plain text of an article: a saved HTML page's visible paragraphs, or the text as it is."""
    if re.search(r"<(?:html|body|p|div|article)\b", raw, re.I):
        p = _Text()
        p.feed(raw)
        raw = "".join(p.parts)
    raw = html.unescape(raw).replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ")
    return "\n".join(" ".join(line.split()) for line in raw.splitlines() if line.strip())


def sentences(text: str) -> list[str]:
    """Sentences of a text: split at ., ! or ? followed by a capital, keeping "U.S.", "No.1" and decimals."""
    out = []
    for para in text.splitlines():
        protected = re.sub(r"\b(U\.S|U\.K|No|Jan|Feb|Aug|Sept|Oct|Nov|Dec|Mr|Ms|Dr|St)\.", lambda m: m.group(0)[:-1] + "\0",
                           para)
        for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", protected):
            s = s.replace("\0", ".").strip()
            if s:
                out.append(s)
    return out


def _partner_names() -> list[tuple[str, str]]:
    names = dict(NEWS_NAMES)
    for c in pycountry.countries:
        for n in (c.name, getattr(c, "common_name", None)):
            if n and "," not in n and len(n) > 3:
                names.setdefault(n.casefold(), c.alpha_2)
    names.pop("china", None)
    return sorted(names.items(), key=lambda kv: -len(kv[0]))


_PARTNERS: list[tuple[str, str]] | None = None


def partners_in(sentence: str) -> list[tuple[int, str]]:
    """(position, code) of every destination a sentence names (China, the exporter, is not one)."""
    global _PARTNERS
    if _PARTNERS is None:
        _PARTNERS = _partner_names()
    found, taken = [], []
    for name, code in _PARTNERS:
        flags = 0 if name in ("us", "eu", "uk") else re.I
        pat = re.escape(name.upper() if name in ("us", "eu", "uk") else name)
        for m in re.finditer(r"(?<![\w.])" + pat + r"(?![\w])", sentence, flags):
            if any(a <= m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), code))
    return sorted(found)


def _number(text: str) -> str:
    return text.replace(",", "")


def _word_number(w: str) -> int | None:
    w = w.lower()
    if w.isdigit():
        return int(w)
    w = re.sub(r"(st|nd|rd|th)$", "", w) if re.match(r"\d+(st|nd|rd|th)$", w) else w
    if w.isdigit():
        return int(w)
    return ORDINALS.get(w) or CARDINALS.get(w)


def _month_named(word: str, release: str) -> str:
    """The month a name refers to: the latest such month up to the released month."""
    i = MONTHS.index(word.lower()) + 1
    y = int(release[:4])
    m = f"{y}-{i:02d}"
    return m if m <= release else f"{y - 1}-{i:02d}"


def _span(sentence: str, release: str) -> tuple[str, str]:
    """The months a sentence is about: the released month, or the months from January ("first seven months")."""
    m = FIRST_N_RE.search(sentence)
    if m:
        text = m.group(0).lower()
        groups = m.groups()
        if groups[2]:   # "January to May"
            return f"{release[:4]}-01", _month_named(groups[2], release)
        year = groups[3] or groups[4] or release[:4]
        if groups[3] or groups[4] or "full" in text:
            return f"{year}-01", f"{year}-12"
        if "quarter" in text:
            q = _word_number((m.group(2) or "one").strip()) or 1
            return f"{year}-01", f"{year}-{3 * q:02d}"
        word = (m.group(1) or "").lower()
        n = 6 if "half" in text or text == "h1" else (_word_number(word) if word else None)
        if n is None:   # year-to-date
            return f"{year}-01", release
        return f"{year}-01", f"{year}-{n:02d}"
    return release, release


def draft(raw: str, published: str, source_id: str = "") -> list[dict]:
    """The claims of an article published on ``published`` (``YYYY-MM-DD``), one dict per claim (``COLUMNS``)."""
    release = add_months(published[:7], -1)
    out: list[dict] = []

    def add(sentence, kind, partner="", first="", last="", measure="", value="", approx="", note=""):
        key = (kind, partner, first, last, measure, value)
        if any((c["kind"], c["partner"], c["from_month"], c["to_month"], c["measure"], c["stated_value"]) == key
               for c in out):
            return
        out.append({"claim_id": str(len(out) + 1), "claim": sentence, "kind": kind, "partner": partner,
                    "from_month": first, "to_month": last, "measure": measure, "stated_value": value,
                    "approx": approx, "event_id": "", "source_id": source_id, "published": published, "note": note})

    last_partner = [""]
    for s in sentences(article_text(raw)):
        first, last = _span(s, release)
        places = partners_in(s)
        if places:
            last_partner[0] = places[-1][1]
        numbers = sorted([(m.start(), m.end(), "tonnes", m) for m in TONNES_RE.finditer(s)]
                         + [(m.start(), m.end(), "pct", m) for m in PCT_RE.finditer(s)], key=lambda x: x[0])

        def partner_at(pos: int, end: int | None = None) -> str:
            if end is not None:   # "590 tons to the United States", "5,933 tons were shipped to the U.S."
                near = re.match(r"\s*(?:were |was )?(?:shipped |exported |sent )?to (?:the )?", s[end:])
                if near:
                    after = [c for p, c in places if end <= p <= end + near.end() + 1]
                    if after:
                        return after[0]
            before = [c for p, c in places if p < pos]
            if before:
                return before[-1]
            if last_partner[0] and re.search(r"\bits (?:\w+ )?neighbou?r\b|\bthere\b", s, re.I):
                return last_partner[0]
            return "WLD"

        for i, (a, b, unit, m) in enumerate(numbers):
            prev_end = numbers[i - 1][1] if i else 0
            next_start = numbers[i + 1][0] if i + 1 < len(numbers) else len(s)
            before, after = s[prev_end:a], s[b:next_start]
            approx = "yes" if APPROX_RE.search(s[max(0, a - 25):a]) else ""
            partner = partner_at(a, b if unit == "tonnes" else None)
            value = _number(m.group(1))
            if unit == "tonnes":
                mf, ml = first, last
                named = re.search(r"\bin (" + "|".join(MONTHS) + r")\b", after[:40], re.I)
                if re.search(r"same month (?:last year|in 20\d\d|a year)|a year (?:earlier|before|ago)", after[:60], re.I):
                    mf = ml = add_months(release, -12)
                elif re.match(r"\s*(?:a|the) month (?:before|earlier)", after):
                    mf = ml = add_months(release, -1)
                elif named and _month_named(named.group(1), release) != release:
                    mf = ml = _month_named(named.group(1), release)
                elif re.search(r"\b(?:record|since)\b", before[-30:], re.I) and re.search(
                        r"\bin (" + "|".join(MONTHS) + r")\b", after[:20], re.I):
                    mf = ml = _month_named(re.search(r"\bin (" + "|".join(MONTHS) + r")\b", after[:20], re.I).group(1),
                                           release)
                add(s, "value", partner, mf, ml, "tonnes", value, approx)
                continue
            if WORLD_RE.match(s[m.end(1):]):
                add(s, "not_checkable", "", "", "", "", value, "", "about the world market, not China's exports")
                continue
            if SHARE_RE.match(s[a:]):
                add(s, "share", partner, release, release, "", value, approx)
                continue
            nxt = next((x[0] for x in numbers[i + 1:] if x[2] == "pct"), len(s))
            ctx_after = s[b:nxt][:80]
            window = before[-60:] + " " + ctx_after
            if YOY_RE.search(ctx_after):
                measure = "yoy_pct"
            elif MOM_RE.search(ctx_after):
                measure = "mom_pct"
            elif YOY_RE.search(before[-60:]):
                measure = "yoy_pct"
            elif MOM_RE.search(before[-60:]) or re.search(r"\bfrom\s+(?:" + "|".join(MONTHS) + r")\b", window, re.I):
                measure = "mom_pct"
            else:
                measure = "yoy_pct" if first != last else "mom_pct"
            sf, sl = first, last
            half = re.search(r"\b(?:for |in )?the first half\b|\bh1\b", ctx_after, re.I)
            if half and first != last:
                sf, sl = f"{release[:4]}-01", f"{release[:4]}-06"
                measure = "yoy_pct"
            downs = [x.end() for x in DOWN_RE.finditer(before)]
            ups = [x.end() for x in UP_RE.finditer(before)]
            tail_down = DOWN_RE.search(ctx_after[:25])
            tail_up = UP_RE.search(ctx_after[:25])
            if downs or ups:
                sign = "-" if (max(downs) if downs else -1) > (max(ups) if ups else -1) else ""
            elif tail_down or tail_up:
                sign = "-" if tail_down and (not tail_up or tail_down.start() < tail_up.start()) else ""
            else:
                sign = ""
            if re.search(r"\b(?:annual )?(?:fall|decline|drop)\b[^.]{0,30}$", s[:a], re.I) and "narrowing" in before:
                sign = "-"
            if i and numbers[i - 1][2] == "pct" and not (downs or ups) and re.fullmatch(r"\s*from\s*", before):
                sign = out[-1]["stated_value"].startswith("-") and "-" or ""   # "to 15% from 18.9%": the same sign
            add(s, "value", partner, sf, sl, measure, sign + value, approx)

        # records, streaks and rankings: words, not numbers
        for m in SINCE_RE.finditer(s):
            word = "highest" if m.group(1).lower() in ("highest", "biggest", "largest") else "lowest"
            since = _month_named(m.group(2), release) if not m.group(3) else \
                f"{m.group(3)}-{MONTHS.index(m.group(2).lower()) + 1:02d}"
            if since < release:
                add(s, "record", partner_at(m.start()), release, release, "", f"{word} since {since}")
        for m in WINDOW_RE.finditer(s):
            n = _word_number(m.group(1))
            if n and n > 1:
                word = "highest" if m.group(2).lower() in ("high", "peak") else "lowest"
                named = re.match(r"[^.;]{0,30}?\bin (" + "|".join(MONTHS) + r")\b", s[m.end():], re.I)
                month = _month_named(named.group(1), release) if named else release
                add(s, "record", partner_at(m.start()), month, month, "", f"{word} in {n} months")
        for m in THIS_YEAR_RE.finditer(s):
            word = (m.group(1) or m.group(2)).lower()
            word = "lowest" if word == "low" or word == "lowest" else "highest"
            month = release
            if re.match(r"[^.;]{0,30}?\b(?:a|the) month (?:before|earlier)", s[m.end():], re.I):
                month = add_months(release, -1)
            n = int(month[5:])
            if n > 1:
                add(s, "record", partner_at(m.start()), month, month, "", f"{word} in {n} months")
        for m in STREAK_RE.finditer(s):
            n = _word_number(next(g for g in m.groups() if g))
            if not n or n < 2:
                continue
            head = s[:m.end()]
            d = [x.end() for x in DOWN_RE.finditer(head)]
            u = [x.end() for x in UP_RE.finditer(head)]
            if re.search(r"decline|fall|drop", m.group(0), re.I):
                direction = "fall"
            elif re.search(r"rise|increase|gain", m.group(0), re.I):
                direction = "rise"
            elif d or u:
                direction = "fall" if (max(d) if d else -1) > (max(u) if u else -1) else "rise"
            else:
                continue
            add(s, "streak", partner_at(m.start()), release, release, "", f"{direction} {n}")
        top = TOP_RE.search(s)
        lead = TOP_BEFORE_RE.search(s)
        if top or lead:
            codes = [c for _, c in partners_in(top.group(2) if top else s[:lead.start()])]
            if len(codes) >= 2:
                add(s, "ranking", "", release, release, "rank", ";".join(dict.fromkeys(codes)))
        elif NO1_RE.search(s):
            p = [c for pos, c in places if abs(pos - NO1_RE.search(s).start()) < 80]
            if p:
                add(s, "ranking", "", release, release, "rank", p[0])
        rec = RECORD_RE.search(s)
        if rec and not SINCE_RE.search(s) and not re.search(r"\bon record\b|\brecords?\s+(?:show|of)\b", s, re.I):
            named = re.search(r"\bin (" + "|".join(MONTHS) + r")\b", s[rec.end():rec.end() + 40], re.I)
            month = _month_named(named.group(1), release) if named else release
            add(s, "record", partner_at(rec.start()), month, month, "", "highest on file")
    return out


def write_claims(claims: list[dict], path) -> None:
    """Write drafted claims as a claims file (UTF-8 CSV, ``COLUMNS``)."""
    import csv
    from pathlib import Path

    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(claims)
