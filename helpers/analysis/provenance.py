"""Provenance counted by origin: which original releases or stories a set of source pages relays.

Many pages are copies of one story (eleven pages of July 2025 carry one Reuters text). A
figure is corroborated by independent **origins** (``data/raw/*/origins.csv``), not by pages:
this module groups source ids by the origin each relays (``relays.csv``) and writes them for
readers, "Reuters, 20 Aug 2025, on 7 pages [S7, S52, …]" (the count is the ids listed).

Where the data have no origin register (an old data folder), every page counts as its own origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.data.dataset import Dataset, published_date
from helpers.text import source_ids


@dataclass(frozen=True)
class OriginGroup:
    """One origin and the pages on file that relay it (among those asked about)."""

    origin_id: str
    publisher: str
    kind: str
    released: str
    title: str
    pages: tuple[str, ...]   #: the source ids relaying it, in number order



def _when(released: str) -> str:
    """``2025-08-20`` -> ``20 Aug 2025``; ``2025-08`` -> ``Aug 2025``."""
    if not released:
        return ""
    if len(released) == 7:
        return f"{pd.Timestamp(released + '-01'):%b %Y}"
    d = pd.Timestamp(released)
    return f"{d.day} {d:%b %Y}"


def origin_groups(dataset: Dataset, ids) -> list[OriginGroup]:
    """The origins the source ids (a list, or ``;``-joined ids) relay, each with its pages, oldest first."""
    pages = source_ids(ids)
    src = dataset.sources.set_index("source_id")
    by: dict[str, list[str]] = {}
    for s in pages:
        oid = str(src.origin_id.get(s, "")) if "origin_id" in src else ""
        by.setdefault(oid or f"page:{s}", []).append(s)
    out = []
    for oid, group in by.items():
        if oid.startswith("page:") or oid not in dataset.origins.index:   # no register: the page is its origin
            row = src.loc[group[0]] if group[0] in src.index else None
            out.append(OriginGroup(oid.removeprefix("page:"), "" if row is None else str(row.outlet), "",
                                   "" if row is None else str(row.published), "", tuple(group)))
            continue
        o = dataset.origins.loc[oid]
        out.append(OriginGroup(oid, str(o.publisher), str(o.kind), str(o.released), str(o.title), tuple(group)))
    return sorted(out, key=lambda g: (published_date(g.released) if g.released else "", g.origin_id))


def count_origins(dataset: Dataset, ids) -> int:
    """How many independent origins the source ids relay (two copies of one story count once)."""
    return len(origin_groups(dataset, ids))


def origin_set(dataset: Dataset, ids) -> set[str]:
    """The origin ids the source ids relay (a page without one is its own)."""
    return {g.origin_id for g in origin_groups(dataset, ids)}


def cite_group(g: OriginGroup) -> str:
    """``Reuters, 20 Aug 2025, on 7 pages [S7, S52, S53, S54, S67, S69, S70]`` (one page: ``GAC, 20 Aug 2024 [S38]``)."""
    head = ", ".join(x for x in (g.publisher, _when(g.released)) if x)
    more = "" if len(g.pages) == 1 else f", on {len(g.pages)} pages"
    return f"{head}{more} [{', '.join(g.pages)}]"


def cite(dataset: Dataset, ids) -> str:
    """Source ids cited by origin, for tables and prose: origins oldest first, ``;``-separated."""
    return "; ".join(cite_group(g) for g in origin_groups(dataset, ids))


def cite_counted(dataset: Dataset, ids) -> str:
    """``1 origin: Reuters, 20 Aug 2025, on 7 pages [S7, …]`` — the count first, then :func:`cite`."""
    groups = origin_groups(dataset, ids)
    n = len(groups)
    return f"{n} origin{'s' if n != 1 else ''}: " + "; ".join(cite_group(g) for g in groups)
