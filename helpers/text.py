"""Numbers, changes and months as readers see them: the one place that formats text.

Every report sentence, table and claim verdict formats through these functions:
a true minus sign (−), thousands separators, tonnes as ``3,188 t``, changes as
``+157.4%``, months as ``June 2025`` and spans as ``Jan–Jun 2025``. Values are
escaped for Markdown and HTML in one place, :func:`escape`.
"""

from __future__ import annotations

import html
import re

import pandas as pd

MINUS = "\u2212"


def fmt_num(x: float, digits: int = 0) -> str:
    """A number with thousands separators and a true minus: ``−1,234.5``."""
    return f"{x:,.{digits}f}".replace("-", MINUS)


def fmt_t(x: float) -> str:
    """Tonnes as published, for tables and method notes: ``3,188 t``, ``1,238.47 t``."""
    return (f"{x:,.2f}".rstrip("0").rstrip(".") + " t").replace("-", MINUS)


def fmt_tonnes(x: float) -> str:
    """Tonnes for a sentence, in whole tonnes: ``1,238 t`` (house rule: docs/style.md)."""
    return f"{round(x):,} t".replace("-", MINUS)


def fmt_pct(x: float) -> str:
    """A signed change as a source published it (``+157.5%``, ``−51%``): kept for method notes."""
    s = f"{x:+.2f}".rstrip("0").rstrip(".")
    return s.replace("-", MINUS) + "%"


def fmt_signed_pct(x: float, digits: int = 1) -> str:
    """A change at fixed precision: ``+157.4%``, ``−38.1%``."""
    return f"{x:+,.{digits}f}%".replace("-", "−")


def source_ids(ids) -> list[str]:
    """Source ids, once each, in number order (S8 before S13), from ids or ``;``-joined ids."""
    if isinstance(ids, str):
        ids = [ids]
    out = {s.strip() for i in ids for s in str(i).split(";") if s.strip()}
    return sorted(out, key=lambda s: (len(s), s))


def fmt_sources(ids) -> str:
    """Source ids for prose: ``S29, S48`` (from ids or ``;``-joined ids)."""
    return ", ".join(source_ids(ids))


def month_name(month: str) -> str:
    """``2025-06`` -> ``June 2025``."""
    return pd.Timestamp(month + "-01").strftime("%B %Y")


def span_name(first: str, last: str, long: bool = False) -> str:
    """A month or span: ``June 2025``, ``Jan–Jun 2025`` (tables and axes), ``November 2024–March 2025``;
    ``long=True`` (:func:`period_name`): ``January–June 2025``, as sentences write it."""
    if first == last:
        return month_name(first)
    if first[:4] == last[:4]:
        fmt = "%B" if long else "%b"
        return f"{pd.Timestamp(first + '-01').strftime(fmt)}–{pd.Timestamp(last + '-01').strftime(fmt + ' %Y')}"
    return f"{month_name(first)}–{month_name(last)}"


def about(e) -> str:
    """A derived tonnage as a sentence says it: whole tonnes, or the nearest ten when its range spans
    twenty tonnes or more (``about 3,550 t``)."""
    if e.high - e.low >= 20:
        return f"about {fmt_tonnes(round(e.value, -1))}"
    return f"about {fmt_tonnes(e.value)}"


_FORMULA_RE = re.compile(r"=\s*X\[([^\]]+)\]\s*(/|×|−)\s*(?:\(1 \+ (mom|yoy)\[([^\]]+)\]\))?")


def _period(label: str) -> str:
    """``2025-01..2025-05`` -> ``January–May 2025``; ``2025-04`` -> ``April 2025``."""
    a, _, b = label.partition("..")
    return span_name(a, b or a, long=True)


def derivation_words(e) -> str:
    """How a derived tonnage was worked out, in words: ``worked out from the January–May 2025 total``."""
    m = _FORMULA_RE.search(getattr(e, "formula", "") or "")
    if not m:
        if str(getattr(e, "method", "")).startswith("sum of"):
            return "the sum of its months"
        return "worked out from the reported figures"
    base, op, which, at = m.groups()
    if op == "−":
        return f"worked out from the {_period(base)} total"
    change = "the month before" if which == "mom" else "a year before"
    if op == "/":
        return f"worked out from {_period(base)} and its reported change on {change}"
    return f"worked out from {_period(base)} and the change on {change} reported for {_period(at)}"


def describe_estimate(e) -> str:
    """Prose for a tonnage, in whole tonnes: ``3,188 t``; a derived one said once, in words:
    ``about 3,550 t, worked out from the January–May 2025 total``; or ``not reported``.

    The formula, its inputs and the range go to the method note (:func:`method_note`)."""
    if e is None:
        return "not reported"
    if e.status == "reported":
        return fmt_tonnes(e.value)
    return f"{about(e)}, {derivation_words(e)}"


def method_note(e) -> str:
    """A derived tonnage's method note: its formula with the inputs as published, its range and sources."""
    if e is None or e.status != "derived":
        return ""
    method = e.method or e.formula
    if method.startswith("sum of "):   # "sum of 2025-01, 2025-02": the months by name, with their values
        method = "the sum of " + ", ".join(method[len("sum of "):].split(", "))
    method = re.sub(r"\b(\d{4}-\d{2})\.\.(\d{4}-\d{2})\b", lambda m: period_name(m.group(1), m.group(2)), method)
    method = re.sub(r"\b\d{4}-\d{2}\b", lambda m: month_name(m.group(0)), method)
    rng = ("" if round(e.low) == round(e.high) else
           f"; the rounding of the inputs puts it between {fmt_tonnes(e.low)} and {fmt_tonnes(e.high)}")
    return (f"{method} = {fmt_t(round(e.value, 2))}{rng}. Sources: {fmt_sources(e.sources)}.")


def describe_change(c, digits: int = 1) -> str:
    """Prose for a change, to one decimal: ``+157.4%``; ``about +667.4%`` when the rounding of its
    inputs moves it by a percentage point or more (the range goes to tables, not sentences);
    ``not available`` when a month it needs is not known."""
    if c is None:
        return "not available (a month it needs is not known)"
    text = fmt_signed_pct(c.pct, digits)
    return f"about {text}" if c.high - c.low >= 1.0 else text




def escape(text: str) -> str:
    """Text from data made safe for Markdown rendered as HTML (the one escaping step)."""
    out = html.escape(str(text), quote=False)
    for ch in ("*", "_", "`", "[", "]", "|"):
        out = out.replace(ch, "\\" + ch)
    return out


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
            "eleventh", "twelfth")


def ordinal(n: int) -> str:
    """``3`` -> ``third`` (words up to twelfth, then ``13th``)."""
    if 1 <= n <= len(ORDINALS):
        return ORDINALS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def day_name(date: str) -> str:
    """``2025-04-04`` -> ``4 April 2025``."""
    d = pd.Timestamp(date)
    return f"{d.day} {d:%B %Y}"


def fmt_share(point: float, low: float, high: float) -> str:
    """A share of a total, to one decimal: ``11.1%``; ``about 11.1%`` when rounding moves it by a point or more."""
    out = f"{point:.1f}%"
    return f"about {out}" if high - low >= 1.0 else out


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 month``, ``6 months`` (never ``month(s)``)."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def date_name(date: str) -> str:
    """A date as readers write it: ``2026-11-10`` -> ``10 November 2026``, ``2025-06`` -> ``June 2025``."""
    return day_name(date) if len(str(date)) == 10 else month_name(str(date)[:7])


def period_name(first: str, last: str) -> str:
    """A month or span as a sentence writes it: ``June 2025``, ``January–June 2025``."""
    return span_name(first, last, long=True)


def readable_dates(text: str) -> str:
    """ISO dates and months inside a sentence from data, as readers write them."""
    text = re.sub(r"\b(\d{4}-\d{2})\.\.(\d{4}-\d{2})\b", lambda m: period_name(m.group(1), m.group(2)), text)
    text = re.sub(r"\b\d{4}-\d{2}-\d{2}\b", lambda m: day_name(m.group(0)), text)
    return re.sub(r"\b\d{4}-\d{2}\b", lambda m: month_name(m.group(0)), text)


#: Destinations whose name takes "the" in a sentence.
THE = ("United States", "United Kingdom", "Netherlands", "Philippines", "Czech Republic", "United Arab Emirates",
       "European Union", "Dominican Republic", "Russian Federation")


def in_sentence(name: str) -> str:
    """A destination's name as a sentence uses it: ``the United States``, ``Germany``."""
    # a bloc's register name says "(aggregate)" (a list of partners tells it from countries); a sentence says
    # "the European Union"
    name = name.removesuffix(" (aggregate)")
    return f"the {name}" if name in THE else name
