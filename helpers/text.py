"""Numbers, changes and months as readers see them: the one place that formats text.

Every report sentence, table and claim verdict formats through these functions:
a true minus sign (−), thousands separators, tonnes as ``3,188 t``, changes as
``+157.4%``, months as ``June 2025`` and spans as ``Jan–Jun 2025``. Values are
escaped for Markdown and HTML in one place, :func:`escape`.
"""

from __future__ import annotations

import html

import pandas as pd

MINUS = "\u2212"


def fmt_num(x: float, digits: int = 0) -> str:
    """A number with thousands separators and a true minus: ``−1,234.5``."""
    return f"{x:,.{digits}f}".replace("-", MINUS)


def fmt_t(x: float) -> str:
    """Tonnes for prose: ``3,188 t``, ``1,238.47 t``."""
    return f"{x:,.2f}".rstrip("0").rstrip(".") + " t"


def fmt_pct(x: float) -> str:
    """A signed change for prose: ``+157.5 %``, ``−51 %``."""
    s = f"{x:+.2f}".rstrip("0").rstrip(".")
    return s.replace("-", "−") + "%"


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


def span_name(first: str, last: str) -> str:
    """A month or span for readers: ``June 2025``, ``Jan–Jun 2025``, ``November 2024–March 2025``."""
    if first == last:
        return month_name(first)
    if first[:4] == last[:4]:
        return f"{pd.Timestamp(first + '-01'):%b}–{pd.Timestamp(last + '-01'):%b %Y}"
    return f"{month_name(first)}–{month_name(last)}"


def describe_estimate(e) -> str:
    """Prose for a tonnage: ``3,188 t``, ``5,361 t (derived; 5,306 t to 5,418 t)`` or ``not reported``."""
    if e is None:
        return "not reported"
    if e.status == "reported":
        return fmt_t(round(e.value, 2))
    if round(e.low) == round(e.high):   # the rounding moves it by less than a tonne: no range to show
        return f"{e.value:,.0f} t (derived)"
    return f"{e.value:,.0f} t (derived; {e.low:,.0f} t to {e.high:,.0f} t)"


def describe_change(c, digits: int = 1) -> str:
    """Prose for a change: ``+157.4%``, ``+667.4% (range +658.1% to +676.9%)`` or ``not available``.

    The range the rounding of the inputs allows is shown when it spans a percentage point or more.
    """
    if c is None:
        return "not available (a month it needs is not known)"

    def pct(x: float) -> str:
        return fmt_signed_pct(x, digits)

    text = pct(c.pct)
    # the range is shown when the rounding of the inputs moves the change by a percentage point or more
    if c.high - c.low >= 1.0:
        text += f" (range {pct(c.low)} to {pct(c.high)})"
    return text




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
    """A share of a total: ``11.1%``, with its range when rounding moves it by a point or more."""
    out = f"{point:.1f}%"
    if high - low >= 1.0:
        out += f" (between {low:.1f}% and {high:.1f}%)"
    return out


#: Destinations whose name takes "the" in a sentence.
THE = ("United States", "United Kingdom", "Netherlands", "Philippines", "Czech Republic", "United Arab Emirates",
       "European Union", "Dominican Republic", "Russian Federation")


def in_sentence(name: str) -> str:
    """A destination's name as a sentence uses it: ``the United States``, ``Germany``."""
    return f"the {name}" if name in THE else name
