"""Editions: what tells two reports apart, and what changed since the last edition of a report.

Each report has an edition label built from its parameters ("June 2025 edition",
"Latest: December 2025", "Germany"), carried by its title, HTML ``<title>``, PDF
metadata, first page and index entry. Each published report keeps the facts it
stated (``NAME.facts.json``); the next build of that report compares against them
and opens with "What's new since the … edition": new months, revised values (old →
new, with their sources), derived values that became reported or whose range
narrowed, and changed verdicts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from helpers.data.patterns import MONTH_RE


def month_name(month: str) -> str:
    """``June 2025`` (:func:`helpers.text.month_name`, imported only when used: it needs pandas,
    which a no-op build never imports)."""
    from helpers.text import month_name as name

    return name(month)


def plural(n: int, one: str, many: str) -> str:
    """``1 new month``, ``2 new months`` (:func:`helpers.text.plural`, imported when used)."""
    from helpers.text import plural as words

    return words(n, one, many)


def day_name(date: str) -> str:
    """``21 July 2025`` (:func:`helpers.text.day_name`, imported when used)."""
    from helpers.text import day_name as name

    return name(date)


def edition_label(parameters: dict, uses_latest: bool, partner_name=None, defaults: dict | None = None) -> str:
    """``Latest: December 2025 · Germany`` or ``June 2025 edition · focus: Japan``, from a report's
    normalised parameters; a focus destination is named only when it is not the notebook's default."""
    parts = []
    defaults = defaults or {}
    as_of = parameters.get("as_of")
    if as_of:
        parts.append(f"Latest: {month_name(as_of)}" if uses_latest else f"{month_name(as_of)} edition")
    for key in ("partner", "focus_partner"):
        code = parameters.get(key)
        if code and partner_name and key == "partner":
            parts.append(partner_name(code))
        elif code and partner_name and key == "focus_partner" and code != defaults.get(key):
            parts.append(f"focus: {partner_name(code)}")
    claims = parameters.get("claims_file")
    if claims:   # "S29-2025-07-20.csv": the article of that day (no file name or id in what a reader sees)
        day = re.search(r"\d{4}-\d{2}-\d{2}", Path(str(claims)).stem)
        parts.append(f"claims of the article of {day_name(day.group(0))}" if day else "claims of an article")
    known_on = parameters.get("as_known_on")
    if known_on == "article":
        parts.append("as known on the article's day")
    elif known_on:
        is_day = re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(known_on))
        parts.append(f"as known on {day_name(known_on) if is_day else known_on}")
    return " · ".join(parts)


def stated_facts(stated: dict) -> dict:
    """``{fact key: record}`` of the inline facts a report stated (those that carry a value)."""
    out = {}
    for r in stated.values():
        fact = r.get("fact")
        if fact and fact.get("key") and fact.get("value") is not None:
            out[fact["key"]] = fact
    return out


def read_facts(path: Path) -> dict | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _month_of(key: str) -> str | None:
    """The month a fact is about: ``WLD 2025-06 tonnes``, ``2026-04 largest`` (a span such as
    ``US 2024-01..2026-04 known`` is about no one month)."""
    return next((part for part in key.split() if MONTH_RE.match(part)), None)


MEASURES = {"tonnes": "exports", "mom": "change on the month before", "yoy": "change on a year before",
            "share": "share of the total", "rank": "rank", "headline": "headline"}


def fact_words(key: str) -> str:
    """A fact's key as a reader says it: ``WLD 2025-03 tonnes`` -> ``exports to all destinations, March 2025``."""
    from helpers.text import readable_dates

    parts = key.split()
    if len(parts) == 3 and parts[2] in MEASURES:
        who = "all destinations" if parts[0] == "WLD" else parts[0]
        return f"{MEASURES[parts[2]]} ({who}), {readable_dates(parts[1])}"
    return readable_dates(key)


def whats_new(previous: dict | None, facts: dict, edition: str) -> dict:
    """What changed since the previous edition: ``{"since", "lines", "summary"}``."""
    if not previous:
        return {"since": "", "lines": [], "summary": "First edition."}
    old = previous.get("facts", {})
    since = previous.get("edition") or previous.get("built") or "previous"
    lines = []
    new_months = sorted({m for k in facts if k not in old and (m := _month_of(k))} -
                        {m for k in old if (m := _month_of(k))})
    if new_months:
        lines.append(("New month: " if len(new_months) == 1 else "New months: ")
                     + ", ".join(month_name(m) for m in new_months) + ".")
    revised, firmed = [], []
    for key, f in sorted(facts.items()):
        o = old.get(key)
        if not o or o.get("value") is None:
            continue
        if (f.get("claim") or {}).get("kind") == "freshness":   # how fresh the data are: not a figure revised
            continue
        if o.get("text") != f.get("text"):
            if o.get("status") == "derived" and f.get("status") == "reported":
                firmed.append(f"{fact_words(key)}: derived {o['text']} is now reported, {f['text']} "
                              f"({', '.join(f.get('sources', []))})")
            elif (o.get("low") is not None and f.get("low") is not None and o.get("high") is not None
                  and f.get("high") is not None and f["high"] - f["low"] < o["high"] - o["low"]
                  and f["low"] >= o["low"] and f["high"] <= o["high"]):
                firmed.append(f"{fact_words(key)}: range narrowed, {o['text']} → {f['text']}")
            else:
                revised.append(f"{fact_words(key)}: {o['text']} ({', '.join(o.get('sources', []))}) → {f['text']} "
                               f"({', '.join(f.get('sources', []))})")
    lines += [f"Revised: {r}." for r in revised] + [f"Firmer: {r}." for r in firmed]
    counts = []
    if new_months:
        counts.append(plural(len(new_months), "new month", "new months"))
    if revised:
        counts.append(plural(len(revised), "value revised", "values revised"))
    if firmed:
        counts.append(plural(len(firmed), "value firmer", "values firmer"))
    summary = (f"Since the previous edition ({since}): " + ", ".join(counts) + "." if counts
               else f"No change in the stated figures since the previous edition ({since}).")
    return {"since": since, "lines": lines, "summary": summary}
