"""Checked claims as a reader sees them: the evidence behind each (counted by origin), the verdict table, the sentences of the result, what changed since the article's day."""

from __future__ import annotations



import pandas as pd

from helpers.data.dataset import Dataset, known_dates
from helpers.text import day_name, source_ids

OK, WRONG, UNCHECKABLE = "✓", "✗", "not checkable"
#: The verdict of a claim that agrees with one of two (or more) origins whose figures disagree.
CONFLICT = "sources disagree"


def independent_of(dataset: Dataset, claims: pd.DataFrame) -> tuple[Dataset, list[str]]:
    """The data without the article's own figures and rankings: those of its source pages and of every page
    relaying the same origin (the article cannot corroborate itself). Returns the data and the ids left out."""
    import dataclasses

    ids = set(source_ids([s for s in claims.source_id if s]))
    origins = {_origin(dataset, s) for s in ids} - {""}
    mine = set(dataset.sources.source_id[dataset.sources.source_id.isin(ids)
                                         | (dataset.sources.get("origin_id", pd.Series(dtype=str)).isin(origins)
                                            if origins else False)])
    if not mine:
        return dataset, []
    f, r, res = dataset.figures, dataset.rankings, dataset.resolutions
    out = dataclasses.replace(
        dataset, figures=f[~f.source_id.isin(mine)],
        rankings=r[~r.source_id.map(lambda x: any(s in mine for s in str(x).split(";")))],
        resolutions=res[~res.winning_source_id.isin(mine)], checksum=f"{dataset.checksum}-{'+'.join(sorted(mine))}")
    return out, source_ids(mine)

def primary_sources(dataset: Dataset, sources) -> tuple[str, ...]:
    """Of the pages a figure rests on, those relaying its first origin (the earliest released; an official
    release before a story of the same day): the figure's origin, without every later echo."""
    sources = [s for s in sources if s]
    if not sources:
        return ()
    known = known_dates(dataset.sources)
    rank = {"release": 0, "agency": 1, "analysis": 2, "calculation": 3, "article": 4}

    def key(sid):
        oid = _origin(dataset, sid)
        kind = dataset.origins.loc[oid, "kind"] if oid in dataset.origins.index else ""
        return (known.get(sid, ""), rank.get(kind, 5), oid or sid)

    first = min(key(s) for s in sources)
    return tuple(s for s in dict.fromkeys(sources) if key(s) == first)

def _origin(dataset: Dataset, source_id: str) -> str:
    """The origin id of a source ("" when the register has none)."""
    if "origin_id" not in dataset.sources.columns:
        return ""
    hit = dataset.sources.origin_id[dataset.sources.source_id == source_id]
    return "" if hit.empty or pd.isna(hit.iloc[0]) else str(hit.iloc[0])

_KIND_WORDS = {"release": "release", "agency": "story", "analysis": "analysis", "calculation": "calculation",
               "article": "article"}

def evidence(dataset: Dataset, sources) -> list[dict]:
    """Where figures come from, one entry per origin, earliest first.

    ``sources`` are source ids (or ``;``-joined ids). Each entry: ``origin`` (words:
    "GAC release of 20 July 2025"), ``released`` (YYYY-MM-DD), ``relays`` (the pages on
    file that relay it), ``url`` (the origin's own URL, else the first relaying page
    with one, else ""). Without an origin register, each page is its own origin.
    """
    if isinstance(sources, str):
        sources = sources.split(";")
    ids = list(dict.fromkeys(s.strip() for s in (sources or []) if str(s).strip()))
    if not ids:
        return []
    src = dataset.sources.set_index("source_id")
    known = known_dates(dataset.sources)
    groups: dict[str, list[str]] = {}
    for sid in ids:
        groups.setdefault(_origin(dataset, sid) or sid, []).append(sid)
    out = []
    for oid, relays in groups.items():
        if oid in dataset.origins.index:
            o = dataset.origins.loc[oid]
            words = f"{o.publisher} {_KIND_WORDS.get(o.kind, o.kind)}"
            url = str(o.url or "")
            others = list(dataset.sources.source_id[dataset.sources.origin_id == oid]) if not url else []
        else:
            r = src.loc[relays[0]]
            words, url, others = f"{r.agency or r.outlet}", "", []
        released = min(known.get(s, "") for s in relays)
        if not url:
            for sid in relays + [x for x in others if x not in relays]:
                if sid in src.index and str(src.loc[sid, "url"] or "").startswith("http"):
                    url = str(src.loc[sid, "url"])
                    break
        when = day_name(released) if len(released) == 10 else released
        out.append(dict(origin=f"{words} of {when}", released=released, relays=relays, url=url))
    return out

def verdict_table(dataset: Dataset, checked: pd.DataFrame) -> pd.DataFrame:
    """The verdicts for a reader: #, Claim, Verdict, What the data say, Origin (of the figures, with the pages
    relaying it) and Link (its URL; "" when none is on file)."""
    rows = []
    for r in checked.itertuples(index=False):
        ev = evidence(dataset, r.sources)
        rows.append({"#": r.claim_id, "Claim": r.claim, "Verdict": r.verdict,
                     "What the data say": ("" if r.computed in ("–", "not in the data") else
                                           _dates_in_words(r.computed) if r.kind == "event" else r.computed),
                     "Origin": "; ".join(f"{e['origin']} ({', '.join(e['relays'])})" for e in ev),
                     "Link": ev[0]["url"] if ev else ""})
    return pd.DataFrame(rows, columns=["#", "Claim", "Verdict", "What the data say", "Origin", "Link"])

def _dates_in_words(text: str) -> str:
    """``2025-06-19`` -> ``19 June 2025`` (and ``2025-06-09 to 2025-06-10`` likewise); a month stays as it is."""
    import re

    return re.sub(r"\b\d{4}-\d{2}-\d{2}\b", lambda m: day_name(m.group(0)), text)

def table_html(table: pd.DataFrame, classes: str) -> str:
    """A table as HTML, every cell escaped and the ``Link`` column as links (offline-safe: plain ``<a>``), with
    its data (:func:`helpers.charts.figures.data_block`)."""
    import html

    def cell(col, v):
        v = "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
        if col == "Link" and v.startswith("http"):
            return f'<a href="{html.escape(v)}">{html.escape(_host(v))}</a>'
        return html.escape(v)

    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(c, v)}</td>" for c, v in zip(table.columns, row)) + "</tr>"
                   for row in table.itertuples(index=False))
    from helpers.charts.figures import data_block  # the table's data beside it, as every table of a report has

    return (f'<table class="dataframe {classes}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
            + data_block(table.to_csv(index=False, lineterminator="\n"), "table"))

def _host(url: str) -> str:
    from urllib.parse import urlparse

    return urlparse(url).netloc.removeprefix("www.") or url

def result_sentence(checked: pd.DataFrame, day: str = "", article_day: bool = False) -> str:
    """The check's result in one sentence: ``On 20 July 2025, the day the article was published, 9 of its
    12 claims were consistent with what had been released; none was contradicted; 3 could not be checked
    (1 is not about export data, 1 is beyond what the data on file can say, 1 is about a month not yet
    published).`` ``day``: the date the data are as known on ("" for everything on file)."""
    n = summary(checked)
    unc = checked[checked.verdict == UNCHECKABLE]
    why = unc.why.fillna("")
    counts = {"not about export data": int(why.str.startswith("Not checkable from export data").sum()),
              "about a month not yet in the data used": int(why.str.startswith("Not checkable yet").sum())}
    counts["beyond what the data on file can say"] = len(unc) - sum(counts.values())
    reasons = [f"{k} {'is' if k and v == 1 else 'are'} {w}".replace(f"{v} is", f"{v} is")
               for w, v in counts.items() if v for k in [v]]
    if article_day and day:
        when = f"On {day_name(day)}, the day the article was published"
    elif day:
        when = f"With the data as known on {day_name(day)}"
    else:
        when = "With every figure on file"
    wrong = {0: "none was contradicted", 1: "1 was contradicted"}.get(n[WRONG], f"{n[WRONG]} were contradicted")
    split = {1: "; 1 agrees with one of two sources that disagree (both are shown)"}.get(
        n[CONFLICT], f"; {n[CONFLICT]} agree with one of two sources that disagree (both are shown)") if n[CONFLICT] else ""
    return (f"{when}, {n[OK]} of its {len(checked)} claims were consistent with what had been released; {wrong}"
            + split + (f"; {len(unc)} could not be checked ({', '.join(reasons)})" if len(unc) else "") + ".")

def later_table(dataset: Dataset, then: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    """The claims whose verdict the figures published since change: #, Claim, Then, Now, Why (now), Origin, Link."""
    a, b = then.set_index("claim_id"), now.set_index("claim_id")
    rows = []
    for cid in a.index:
        if cid in b.index and a.loc[cid, "verdict"] != b.loc[cid, "verdict"]:
            ev = evidence(dataset, b.loc[cid, "sources"])
            rows.append({"#": cid, "Claim": a.loc[cid, "claim"], "Then": a.loc[cid, "verdict"],
                         "Now": b.loc[cid, "verdict"], "Why (now)": b.loc[cid, "why"],
                         "Origin": "; ".join(f"{e['origin']} ({', '.join(e['relays'])})" for e in ev),
                         "Link": ev[0]["url"] if ev else ""})
    return pd.DataFrame(rows, columns=["#", "Claim", "Then", "Now", "Why (now)", "Origin", "Link"])

def article_line(dataset: Dataset, claims: pd.DataFrame) -> tuple[str, str, str]:
    """The article a claims file checks, from the source and origin registers: (words, link, published date).

    The link is the article's own URL, else that of a page on file relaying the same article
    ("" when none: the words then say "no URL on file", once).
    """
    ids = source_ids([s for s in claims.source_id if s])
    src = dataset.sources[dataset.sources.source_id.isin(ids)]
    if src.empty:
        days = [d for d in claims.get("published", pd.Series(dtype=str)) if d]
        when = f", published {day_name(days[0])}" if days else ""
        return f"an article not in the source register{when} (no URL on file)", "", days[0] if days else ""
    r = src.iloc[0]
    oid = _origin(dataset, r.source_id)
    title, outlet = str(r.title), str(r.outlet)
    if oid in dataset.origins.index and dataset.origins.loc[oid, "kind"] == "article":
        title = str(dataset.origins.loc[oid, "title"]) or title
        outlet = str(dataset.origins.loc[oid, "publisher"]) or outlet
    title = title.replace(" (no URL on file)", "")
    ev = evidence(dataset, [r.source_id])
    link = str(r.url or "") or (ev[0]["url"] if ev else "")
    relayed = ""
    if link and not str(r.url or ""):
        via = dataset.sources[dataset.sources.url == link]
        relayed = f"; its text is on file as relayed by {via.outlet.iloc[0]} ({via.source_id.iloc[0]})" if len(via) else ""
    words = (f"{outlet}, published {day_name(published_date_of(r))}: “{title}” ({r.source_id}{relayed})"
             + ("" if link else "; no URL on file"))
    return words, link, published_date_of(r)

def published_date_of(source_row) -> str:
    from helpers.data.dataset import published_date

    return published_date(source_row.published)

def summary(checked: pd.DataFrame) -> dict:
    """Counts of each verdict: ``{"✓": 10, "✗": 0, "not checkable": 2, "sources disagree": 0}``."""
    counts = checked.verdict.value_counts()
    return {v: int(counts.get(v, 0)) for v in (OK, WRONG, UNCHECKABLE, CONFLICT)}

def changed_verdicts(then: pd.DataFrame, now: pd.DataFrame) -> str:
    """Which verdicts differ between a check on the data as known then and on the data on file now."""
    a = then.set_index("claim_id")
    b = now.set_index("claim_id")
    changed = [(cid, a.loc[cid, "verdict"], b.loc[cid, "verdict"]) for cid in a.index
               if cid in b.index and a.loc[cid, "verdict"] != b.loc[cid, "verdict"]]
    if not changed:
        return "With every figure on file today, no verdict changes."
    return ("With every figure on file today, " + "; ".join(
        f"claim {cid} goes from {old} to {new}" for cid, old, new in changed) + ".")
