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
from pathlib import Path


def month_name(month: str) -> str:
    """``June 2025`` (:func:`helpers.text.month_name`, imported only when used: it needs pandas,
    which a no-op build never imports)."""
    from helpers.text import month_name as name

    return name(month)


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
    if claims:
        parts.append(f"claims of {Path(str(claims)).stem}")
    known_on = parameters.get("as_known_on")
    if known_on == "article":
        parts.append("as known on the article's day")
    elif known_on:
        parts.append(f"as known on {known_on}")
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
    parts = key.split()
    return parts[1] if len(parts) >= 3 and len(parts[1]) == 7 else None


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
        lines.append("New month(s): " + ", ".join(month_name(m) for m in new_months) + ".")
    revised, firmed = [], []
    for key, f in sorted(facts.items()):
        o = old.get(key)
        if not o or o.get("value") is None:
            continue
        if o.get("text") != f.get("text"):
            if o.get("status") == "derived" and f.get("status") == "reported":
                firmed.append(f"{key}: derived {o['text']} is now reported, {f['text']} "
                              f"({', '.join(f.get('sources', []))})")
            elif (o.get("low") is not None and f.get("low") is not None and o.get("high") is not None
                  and f.get("high") is not None and f["high"] - f["low"] < o["high"] - o["low"]
                  and f["low"] >= o["low"] and f["high"] <= o["high"]):
                firmed.append(f"{key}: range narrowed, {o['text']} → {f['text']}")
            else:
                revised.append(f"{key}: {o['text']} ({', '.join(o.get('sources', []))}) → {f['text']} "
                               f"({', '.join(f.get('sources', []))})")
    lines += [f"Revised: {r}." for r in revised] + [f"Firmer: {r}." for r in firmed]
    counts = []
    if new_months:
        counts.append(f"{len(new_months)} new month(s)")
    if revised:
        counts.append(f"{len(revised)} value(s) revised")
    if firmed:
        counts.append(f"{len(firmed)} value(s) firmer")
    summary = (f"Since the previous edition ({since}): " + ", ".join(counts) + "." if counts
               else f"No change in the stated figures since the previous edition ({since}).")
    return {"since": since, "lines": lines, "summary": summary}
