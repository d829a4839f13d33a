"""The house rules for numbers and words (``docs/style.md``), checked on a built report's prose.

:func:`prose` takes what a reader reads as running text out of a report's HTML: the Markdown
cells, the main points, generated paragraphs and figure captions — not tables, charts, the
method notes, the source list or the footer, which keep published precision, formulas and ids
on purpose. :func:`violations` lists every sentence that breaks a rule, with the rule's name.
The tests run it over every built report; ``python -m pipeline.render.proofread reports/*.html``
runs it by hand.
"""

from __future__ import annotations

import html
import re
import sys
from dataclasses import dataclass
from pathlib import Path

#: (name, pattern): a sentence matching the pattern breaks the rule.
RULES: tuple[tuple[str, re.Pattern], ...] = tuple((name, re.compile(pattern)) for name, pattern in (
    ("tonnage in a sentence is whole tonnes", r"\d[\d,]*\.\d+\s?t\b"),
    ("change to one decimal", r"[+−]\d[\d,]*(?:\.\d{2,})?%(?!\w)"),
    ("no range on a percentage", r"%\s*\((?:range|between)\b"),
    ("a derived value said once, in words", r"\((?:derived|range)\b|\bderived; \d"),
    ("minus sign, not hyphen", r"(?<![\w\d.,/–-])-\d"),
    ("dates as readers write them", r"\b\d{4}-\d{2}(?:-\d{2})?\b"),
    ("no formula in a sentence", r"[÷×]|\bX\[|\(1 [+−-]\s?\d|\d\s?[−-]\s?\d{4}-\d{2}"),
    ("no parameter name", r"\b[a-z]+_[a-z_]+\b"),
    ("no file path", r"[\w.-]+/[\w./-]+\.(?:csv|ipynb|py|json|ya?ml)\b"),
    ("no id in running text", r"(?<![\w-])[SEO]\d+(?![\w-])"),
    ("plain quotation, never nested", r"[“\"]\s*['‘]|['’]\s*[”\"]"),
    ("no space before punctuation", r"\s[;,:](?=\s|$)|\w\s\.(?=\s|$)"),
    ("an event is a sentence with a verb", r"\bOn \d{1,2} [A-Z][a-z]+ \d{4}:"),
    ("no '(s)' plurals", r"\w\(s\)"),
))
#: Only in an edition that ends in December: the year is complete, so it is "the year".
DECEMBER_RULE = ("no 'year to date' in a December edition", re.compile(r"\byear[- ]to[- ]date\b|\byear so far\b", re.I))

PROSE_BLOCKS = re.compile(
    r'<div[^>]*class="[^"]*report-prose[^"]*"[^>]*>(.*?)</div>'      # Markdown cells
    r'|<section[^>]*class="report-points"[^>]*>(.*?)</section>'          # main points
    r"|<figcaption>(.*?)</figcaption>"                               # captions
    r'|<div class="[^"]*jp-RenderedMarkdown[^"]*"[^>]*>(.*?)</div>',  # generated paragraphs
    re.S)


@dataclass(frozen=True)
class Violation:
    rule: str
    found: str
    sentence: str

    def __str__(self) -> str:
        return f"{self.rule}: '{self.found}' in “{self.sentence[:160]}”"


def _text(fragment: str) -> str:
    fragment = re.sub(r"<sup class=\"cites\">.*?</sup>", "", fragment, flags=re.S)   # markers: numbers, not prose
    fragment = re.sub(r"<(script|style|svg|table|figure)\b.*?</\1>", " ", fragment, flags=re.S)
    fragment = re.sub(r"</?(?:strong|em|b|i|a|span|code|sup|sub)\b[^>]*>", "", fragment)   # inline: no space
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).replace("¶", " ").split())


def prose(body: str) -> list[str]:
    """The sentences of a report's running text."""
    out = []
    for m in PROSE_BLOCKS.finditer(body):
        text = _text(next(g for g in m.groups() if g is not None))
        # a sentence ends at . ! ? followed by a space and a capital, a digit or a quotation mark
        out.extend(s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])", text) if s.strip())
    return out


def is_december_edition(body: str) -> bool:
    m = re.search(r'<p class="report-edition">(.*?)</p>', body, re.S)
    return bool(m and re.search(r"\bDecember \d{4}\b", m.group(1)))


def violations(body: str) -> list[Violation]:
    """Every sentence of the report's prose that breaks a house rule."""
    rules = list(RULES) + ([DECEMBER_RULE] if is_december_edition(body) else [])
    out = []
    for sentence in prose(body):
        for name, pattern in rules:
            m = pattern.search(sentence)
            if m:
                out.append(Violation(name, m.group(0), sentence))
    return out + chart_sections_without_words(body)


def chart_sections_without_words(body: str) -> list[Violation]:
    """Every section (``<h2>``) that shows a chart must say in a sentence of its own prose what it shows."""
    out = []
    sections = re.split(r"(?=<h2\b)", body)
    for sec in sections[1:]:
        if "<figure" not in sec:
            continue
        title = _text(re.match(r"<h2\b[^>]*>(.*?)</h2>", sec, re.S).group(1))
        words = " ".join(_text(p) for p in re.findall(r"<p\b[^>]*>(.*?)</p>", re.sub(
            r"<figure\b.*?</figure>|<section[^>]*class=\"event-key\".*?</section>", " ", sec, flags=re.S), re.S))
        if not re.search(r"\b(shows?|sets?|adds?|compares?)\b[^.]*\.", words):
            out.append(Violation("a section with a chart says what it shows", title, title))
    return out


def main(argv: list[str] | None = None) -> int:
    bad = 0
    for path in argv if argv is not None else sys.argv[1:]:
        for v in violations(Path(path).read_text(encoding="utf-8")):
            print(f"{path}: {v}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
