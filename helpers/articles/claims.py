"""Check a news report's claims against the data, rounding-aware.

A claims file (format: ``data/claims/README.md``) lists one claim per row with
what it states. :func:`load_claims` validates it; :func:`check_claims` gives
each claim a verdict — ``✓`` (consistent with the data), ``✗`` (contradicted)
or ``not checkable`` — and says why, with the numbers.

Rounding is carried through both sides. A stated value is taken as rounded to
its last digit (``157`` means anything in [156.5, 157.5]; ``approx = yes``
doubles that), and a computed value carries the range the rounding of its own
inputs allows (46 t is anything in [45.5, 46.5] t, so 46 t → 353 t is a rise of
+658.1 % to +676.9 %). A claim is consistent when the two ranges meet.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers import paths
from helpers.analysis.compare import change, partners_in_month, reported_ranking
from helpers.data.checksums import verify_data_file
from helpers.data.dataset import Dataset
from helpers.data.partners import TOTAL, is_partner_code
from helpers.data.tables import MEASURES, read_table
from helpers.data.patterns import DATE_RE, MONTH_RE, NUMBER_RE
from helpers.errors import DataError, listing
from helpers.months import add_months
from helpers.text import day_name, fmt_num, fmt_signed_pct, fmt_t, month_name, source_ids, span_name
from helpers.articles.conflicts import _decimals, _disagreement, _estimate, stated_range
from helpers.articles.verdicts import OK, WRONG, UNCHECKABLE, primary_sources  # noqa: E402

KINDS = ("value", "ranking", "event", "direction", "record", "streak", "share", "not_checkable")
#: A record as an article states it: ``highest since 2025-01``, ``lowest in 9 months``, ``highest on file``.
RECORD_RE = __import__("re").compile(r"^(highest|lowest) (?:since (\d{4}-\d{2})|in (\d+) months|on file)$")
#: A streak: ``fall 5`` (the fifth monthly fall in a row), ``rise 2``.
STREAK_RE = __import__("re").compile(r"^(rise|fall) (\d+)$")
DIRECTIONS = ("up", "down", "flat")
#: A change of less than this (in %, either way) counts as "flat".
FLAT_PCT = 1.0
REQUIRED = ("claim_id", "claim", "kind")
OPTIONAL = ("partner", "from_month", "to_month", "measure", "stated_value", "approx", "event_id",
            "source_id", "published", "note")



# --------------------------------------------------------------------------- loading


def load_claims(path) -> pd.DataFrame:
    """Read and validate a claims file; bad rows raise a DataError naming the file, row and column."""
    path = Path(path)
    name = paths.relative(path)
    if path.is_file():
        verify_data_file(path)  # a claims file under data/ is checksummed like every data file
    table = read_table(path, "claims", spec=(REQUIRED, OPTIONAL), exact=True)   # the data files' one reader
    records = []
    for rec in table.drop(columns="file").to_dict("records"):
        _validate_row(name, rec["row"], rec)
        records.append(rec)
    if not records:
        raise DataError(name, "has no claims")
    df = pd.DataFrame(records, columns=list(REQUIRED + OPTIONAL) + ["row"])
    dup = df.claim_id.duplicated()
    if dup.any():
        r = df[dup].iloc[0]
        raise DataError(name, f"duplicate claim_id '{r.claim_id}'", row=int(r.row), column="claim_id")
    df["file"] = name
    return df


def _validate_row(name: str, i: int, r: dict) -> None:
    def fail(column, message):
        raise DataError(name, message, row=i, column=column)

    for col in REQUIRED:
        if not r[col]:
            fail(col, "is empty")
    kind = r["kind"]
    if r["published"] and not (DATE_RE.match(r["published"]) and len(r["published"]) == 10):
        fail("published", f"'{r['published']}' is not a date (YYYY-MM-DD)")
    if kind not in KINDS:
        fail("kind", f"unknown kind '{kind}' (allowed: {listing(KINDS, 'kinds')})")
    if r["approx"] not in ("", "yes", "no"):
        fail("approx", f"'{r['approx']}' must be yes, no or empty")
    if kind in ("value", "direction", "record", "streak", "share"):
        if not is_partner_code(r["partner"]):
            fail("partner", f"unknown partner code '{r['partner']}' (ISO 3166-1 alpha-2, or WLD for the total)")
    if kind in ("value", "direction", "ranking", "record", "streak", "share"):
        for col in ("from_month", "to_month"):
            if not MONTH_RE.match(r[col]):
                fail(col, f"'{r[col]}' is not a month (YYYY-MM)")
        if r["from_month"] > r["to_month"]:
            fail("to_month", f"'{r['to_month']}' is before from_month '{r['from_month']}'")
    if kind == "value":
        if r["measure"] not in MEASURES:
            fail("measure", f"unknown measure '{r['measure']}' (allowed: {listing(MEASURES, 'measures')})")
        if r["measure"] == "mom_pct" and r["from_month"] != r["to_month"]:
            fail("measure", "a month-on-month change needs from_month = to_month")
        if not NUMBER_RE.match(r["stated_value"]):
            fail("stated_value", f"'{r['stated_value']}' is not a number (plain digits, '.' for decimals)")
    elif kind == "direction":
        if r["measure"] not in ("mom_pct", "yoy_pct"):
            fail("measure", f"'{r['measure']}' must be mom_pct or yoy_pct for a direction")
        if r["stated_value"] not in DIRECTIONS:
            fail("stated_value", f"'{r['stated_value']}' must be one of {', '.join(DIRECTIONS)}")
    elif kind == "ranking":
        if r["from_month"] != r["to_month"]:
            fail("to_month", "a ranking covers one month (from_month = to_month)")
        codes = r["stated_value"].split(";")
        bad = [c for c in codes if not is_partner_code(c) or c == TOTAL]
        if not r["stated_value"] or bad:
            fail("stated_value", f"'{r['stated_value']}' must be ISO alpha-2 codes separated by ';', largest first")
        if len(set(codes)) != len(codes):
            fail("stated_value", "names a partner twice")
    elif kind in ("record", "streak", "share") and r["from_month"] != r["to_month"]:
        fail("to_month", f"a {kind} is about one month (from_month = to_month)")
    elif kind == "record" and not RECORD_RE.match(r["stated_value"]):
        fail("stated_value", f"'{r['stated_value']}' must read 'highest since YYYY-MM', 'lowest in N months' "
             "or 'highest on file'")
    elif kind == "streak" and not STREAK_RE.match(r["stated_value"]):
        fail("stated_value", f"'{r['stated_value']}' must read 'rise N' or 'fall N' (the Nth in a row)")
    elif kind == "share" and not NUMBER_RE.match(r["stated_value"]):
        fail("stated_value", f"'{r['stated_value']}' is not a number (the share of the total, in %)")
    elif kind == "event":
        if not r["event_id"]:
            fail("event_id", "is empty (an event claim names the event_id of data/raw/*/events.csv)")
        if not DATE_RE.match(r["stated_value"]):
            fail("stated_value", f"'{r['stated_value']}' is not a date (YYYY-MM-DD or YYYY-MM)")


# --------------------------------------------------------------------------- formatting




def _describe(e, dataset: Dataset | None = None) -> str:
    """How an estimate is known: 'reported by 2 origins: Reuters, 20 Jul 2025 [S49]; …' or 'derived: …'."""
    if e.status == "reported":
        if dataset is not None:
            from helpers.analysis.provenance import cite_counted

            return "reported by " + cite_counted(dataset, e.sources)
        return "reported by " + ", ".join(e.sources)
    return "derived: " + (e.method or e.formula)


def _article_origin(dataset: Dataset, article: str) -> str | None:
    """The origin of the article under check (its claims' ``source_id``), or None when not on file."""
    from helpers.data.dataset import origin_of

    if not article or article not in set(dataset.sources.source_id):
        return None
    return origin_of(dataset, article) or article


def _only_the_article(dataset: Dataset, ids, article: str) -> str:
    """A sentence when every page behind a value relays the article under check itself (so the check
    confirms the article agrees with itself or its copies), else ""."""
    from helpers.analysis.provenance import cite, origin_set

    mine = _article_origin(dataset, article)
    if mine is None or not ids or origin_set(dataset, ids) != {mine}:
        return ""
    return (f" Its only origin is the article under check ({cite(dataset, ids)}): not independently "
            "corroborated.")


def _within(lo: float, hi: float, slo: float, shi: float) -> str:
    """How the stated range [slo, shi] sits against the computed range [lo, hi]."""
    if shi < lo or slo > hi:
        return "lies outside the computed range: inconsistent"
    if slo >= lo and shi <= hi:
        return "lies within the computed range: consistent"
    if lo >= slo and hi <= shi:
        return "contains the computed range: consistent"
    return "overlaps the computed range: consistent"


# --------------------------------------------------------------------------- checking


COLUMNS = ["claim_id", "claim", "kind", "stated", "computed", "verdict", "why", "sources"]


def check_claims(dataset: Dataset, claims: pd.DataFrame, as_of: str, reports: Dataset | None = None) -> pd.DataFrame:
    """Each claim's verdict against the data known up to ``as_of``.

    Columns: claim_id, claim, kind, stated, computed, verdict (✓ / ✗ / not
    checkable), why, sources (the source ids of the figures or events the verdict rests
    on, ``;``-joined). A claim about a month after ``as_of`` — or, for data as known on
    a date, a month not yet published then — is "not checkable yet"; one the data cannot
    reach is "not checkable" and says what is missing. An event claim is judged on the
    timeline as known on the dataset's date, whatever ``as_of``.

    A value claim about a figure whose reports disagree (two origins, ranges that do not meet) gets the
    verdict "sources disagree" when it agrees with one of them: both figures are shown with their origins,
    and which one the project uses and why. ``reports``: the reports to look for such disagreements in
    (by default ``dataset``; give the data with the article's own figures, as known on the same date).
    """
    rows = []
    for r in claims.itertuples(index=False):
        check = {"value": _check_value, "ranking": _check_ranking, "event": _check_event,
                 "direction": _check_direction, "record": _check_judged, "streak": _check_judged,
                 "share": _check_judged, "not_checkable": _check_nothing}[r.kind]
        stated, computed, verdict, why, *used = check(dataset, r, as_of)
        if r.kind == "value" and verdict != UNCHECKABLE:
            verdict, why, extra = _disagreement(reports if reports is not None else dataset, r, verdict, why)
            used = [list(used[0] if used else ()) + list(extra)]
        rows.append(dict(claim_id=r.claim_id, claim=r.claim, kind=r.kind, stated=stated, computed=computed,
                         verdict=verdict, why=why, sources=";".join(dict.fromkeys(used[0])) if used and used[0] else ""))
    return pd.DataFrame(rows, columns=COLUMNS)


def _gap(dataset: Dataset, last: str) -> str:
    """For data as known on a day: that the months were public by then (released the month after), but no page on
    file reports them — a gap of the data, not a claim whose inputs were not yet public."""
    day = dataset.known_on_date
    if not day or add_months(last, 1) >= day[:7]:
        return ""
    return f" They had been released by {day_name(day)}, but no page on file reports them as known then."


def _not_yet(month: str, as_of: str, dataset: Dataset | None = None) -> str:
    if dataset is not None and dataset.known_on_date and month > dataset.latest_month:
        return (f"Not checkable yet: {month_name(month)} had not been published by "
                f"{day_name(dataset.known_on_date)}.")
    return f"Not checkable yet: {month_name(month)} is after as_of = {as_of}, the last month of data used."


def claim_of(r) -> dict:
    """A record, streak or share claim of an article as a statement's claim (:mod:`helpers.analysis.statements`):
    the same claims, judged by the same judge as the report's own sentences."""
    from helpers.analysis.statements import first_month_on_file

    month = r.to_month
    if r.kind == "share":
        v, lo, hi = stated_range(r.stated_value, r.approx == "yes")
        return {"kind": "share", "partner": r.partner, "first": month, "last": month, "value": v, "low": lo, "high": hi}
    if r.kind == "streak":
        direction, n = STREAK_RE.match(r.stated_value).groups()
        return {"kind": "streak", "partner": r.partner, "first": month, "last": month, "direction": direction,
                "n": int(n), "at_least": False}
    word, since, window = RECORD_RE.match(r.stated_value).groups()
    claim = {"kind": "record", "partner": r.partner, "first": month, "last": month, "word": word,
             "qualified": True}
    if window:   # "a nine-month low": the lowest of the nine months to it
        return dict(claim, window=int(window), window_end=month, since=add_months(month, -(int(window) - 1)),
                    inclusive=True)
    if since:
        return dict(claim, since=since, inclusive=False)
    return dict(claim, since="", inclusive=True)


def _check_judged(dataset: Dataset, r, as_of: str):
    """A record, a streak or a share, judged by :func:`helpers.analysis.judge.judge` (the report's own judge); over a
    history with months not on file the verdict says so."""
    from helpers.analysis.judge import CONSISTENT, INCONSISTENT, judge
    from helpers.analysis.statements import first_month_on_file, monthly
    from helpers.months import month_range

    stated = r.stated_value + ("%" if r.kind == "share" else "")
    if r.to_month > as_of:
        return stated, "–", UNCHECKABLE, _not_yet(r.to_month, as_of, dataset)
    claim = claim_of(r)
    if claim["kind"] == "record" and claim["inclusive"] and not claim.get("window"):
        claim["since"] = first_month_on_file(dataset, r.partner)
    known = monthly(dataset, r.partner)
    gaps_from = ""
    if claim["kind"] == "record" and not claim["inclusive"] and claim["since"] not in known:
        # "the highest since January" with January not on file: judged over the months on file after it,
        # and the verdict says which months it could not see
        gaps_from = claim["since"]
        start = add_months(gaps_from, 1)
        claim = dict(claim, since=start, window_end=r.to_month, inclusive=True,
                     window=len(month_range(start, r.to_month)) if start <= r.to_month else 1)
    if r.to_month not in known:
        return stated, "not in the data", UNCHECKABLE, f"{span_name(r.from_month, r.to_month)} is not on file."
    v = judge(claim, dataset)
    value = known[r.to_month]
    computed = fmt_t(value.value)
    if r.kind == "share":
        from helpers.analysis.compare import share_of_total

        sh = share_of_total(dataset, r.to_month, r.partner)
        computed = "–" if sh is None else f"{sh[0]:.1f}%"
    why = (v.why + "." if v.verdict == INCONSISTENT else f"{span_name(r.from_month, r.to_month)}: {computed}, "
           f"consistent with the data on file")
    if v.verdict == CONSISTENT and r.kind == "record":
        lo = gaps_from or claim["since"]
        gaps = [m for m in month_range(lo, add_months(r.to_month, -1)) if m not in known] if lo else []
        if gaps:
            why += (f" (consistent with the months on file; {', '.join(month_name(m) for m in gaps[:3])}"
                    f"{' and others' if len(gaps) > 3 else ''} {'is' if len(gaps) == 1 else 'are'} not on file)")
    verdict = OK if v.verdict == CONSISTENT else WRONG if v.verdict == INCONSISTENT else UNCHECKABLE
    return stated, computed, verdict, why.rstrip(".") + ".", primary_sources(dataset, value.sources)


def _check_nothing(dataset, r, as_of):
    return (r.stated_value or "–", "–", UNCHECKABLE,
            "Not checkable from export data: the claim is about something this dataset does not measure"
            + (f" ({r.note})." if r.note else "."))


def _check_value(dataset: Dataset, r, as_of: str):
    approx = r.approx == "yes"
    v, slo, shi = stated_range(r.stated_value, approx)
    what = span_name(r.from_month, r.to_month)
    who = "" if r.partner == TOTAL else f" to {dataset.partner_name(r.partner)}"
    tilde = "≈" if approx else ""
    if r.measure == "tonnes":
        stated = f"{tilde}{fmt_t(v)}"
    else:
        stated = f"{tilde}{fmt_signed_pct(v, _decimals(r.stated_value))}"
    d = _decimals(r.stated_value) + 1
    stated_text = (f"stated {stated} (read as {fmt_num(slo, d)} to {fmt_num(shi, d)}"
                   f"{' t' if r.measure == 'tonnes' else '%'}"
                   f"{', doubled for approx.' if approx else ''})")
    if r.to_month > as_of:
        return stated, "–", UNCHECKABLE, _not_yet(r.to_month, as_of, dataset)

    if r.measure == "tonnes":
        e = _estimate(dataset, r.partner, r.from_month, r.to_month)
        if e is None:
            return stated, "not in the data", UNCHECKABLE, (
                f"No reported or derived value of exports{who} in {what}." + _gap(dataset, r.to_month))
        verdict = OK if not (shi < e.low or slo > e.high) else WRONG
        rng = "" if e.width < 1e-9 else f" (range {fmt_t(e.low)} to {fmt_t(e.high)})"
        why = (f"Exports{who} in {what}: {fmt_t(e.value)}{rng}, {_describe(e, dataset)}; "
               f"{stated_text} {_within(e.low, e.high, slo, shi)}.")
        why += _only_the_article(dataset, e.sources, r.source_id)
        return stated, fmt_t(e.value), verdict, why, primary_sources(dataset, e.sources)

    lag = 1 if r.measure == "mom_pct" else 12
    a, b = add_months(r.from_month, -lag), add_months(r.to_month, -lag)
    cur = _estimate(dataset, r.partner, r.from_month, r.to_month)
    base = _estimate(dataset, r.partner, a, b)
    c = change(cur, base)
    base_name = span_name(a, b)
    if c is None:
        missing = what if cur is None else base_name
        return stated, "not in the data", UNCHECKABLE, (
            f"Exports{who} in {missing} are neither reported nor derivable, so the change cannot be computed."
            + _gap(dataset, r.to_month if cur is None else b))
    verdict = OK if not (shi < c.low or slo > c.high) else WRONG
    d = 2 if c.high - c.low < 1 else 1
    why = (f"{fmt_t(cur.value)} ({what}) ÷ {fmt_t(base.value)} ({base_name}) − 1 = {fmt_signed_pct(c.pct, d)} "
           f"(range {fmt_signed_pct(c.low, d)} to {fmt_signed_pct(c.high, d)} given the rounding of {fmt_t(base.value)} and "
           f"{fmt_t(cur.value)}); {stated_text} {_within(c.low, c.high, slo, shi)}.")
    for e, name in ((base, base_name), (cur, what)):
        if e.status == "derived":
            why += f" {name} is derived ({e.method or e.formula})."
    circular = sorted({i.source_id for e in (cur, base) for i in e.inputs
                       if (i.partner, i.first, i.last, i.measure) == (r.partner, r.from_month, r.to_month, r.measure)})
    if circular:
        from helpers.analysis.provenance import cite

        why += (f" That value rests on the change reported by {cite(dataset, circular)}, so this confirms the "
                "claim agrees with that source, not with independent data.")
    why += _only_the_article(dataset, tuple(cur.sources) + tuple(base.sources), r.source_id)
    return stated, fmt_signed_pct(c.pct), verdict, why, (primary_sources(dataset, cur.sources)
                                                         + primary_sources(dataset, base.sources))


def _check_ranking(dataset: Dataset, r, as_of: str):
    month = r.from_month
    stated_codes = r.stated_value.split(";")
    stated = ", ".join(dataset.partner_name(c) for c in stated_codes)
    if month > as_of:
        return stated, "–", UNCHECKABLE, _not_yet(month, as_of, dataset)
    rep = reported_ranking(dataset, month)
    used: list[str] = []
    known = partners_in_month(dataset, month).set_index("partner")
    notes, verdict, computed = [], None, "–"
    if len(rep):
        rep_codes = list(rep.partner)
        sources = source_ids(rep.source_id)  # a row may cite several pages (S29;S48)
        used += sources
        computed = ", ".join(rep.name)
        same = rep_codes[: len(stated_codes)] == stated_codes
        verdict = OK if same else WRONG
        from helpers.analysis.provenance import cite_counted, origin_set

        notes.append(f"The ranking on file for {month_name(month)} ({cite_counted(dataset, sources)}) "
                     + ("is the same." if same else f"differs: {computed}."))
        mine = _article_origin(dataset, r.source_id)
        if sources == [r.source_id] or (mine is not None and origin_set(dataset, sources) == {mine}):
            notes.append(f"That ranking's only origin is the article itself ({', '.join(sources)}): "
                         "it is not independently corroborated.")
    ranked = [c for c in stated_codes if c in known.index]
    if len(ranked) >= 2:
        pairs_ok = all(known.loc[x, "high"] >= known.loc[y, "low"] for x, y in zip(ranked, ranked[1:]))
        tonnes = "; ".join(f"{dataset.partner_name(c)} {fmt_t(known.loc[c, 'tonnes'])} ({known.loc[c, 'status']})"
                           for c in ranked)
        notes.append(f"Tonnages known for {len(ranked)} of the {len(stated_codes)} partners: {tonnes} — "
                     + ("in the stated order." if pairs_ok else "NOT in the stated order."))
        verdict = WRONG if not pairs_ok else (verdict or OK)
        used += [s for c in ranked for s in primary_sources(dataset, str(known.loc[c, "sources"]).split(";"))]
    elif len(ranked) == 1:
        notes.append(f"Only {dataset.partner_name(ranked[0])}'s tonnage is known for {month_name(month)}.")
    outside = [c for c in known.index if c not in stated_codes]
    if ranked and outside:
        smallest = min(known.loc[c, "high"] for c in ranked)
        above = [c for c in outside if known.loc[c, "low"] > smallest and len(stated_codes) <= len(known)]
        if above:
            verdict = WRONG
            notes.append("Exports to " + ", ".join(dataset.partner_name(c) for c in above)
                         + " were larger than to a listed partner.")
    if verdict is None:
        return stated, computed, UNCHECKABLE, (f"No ranking and too few partner tonnages on file for "
                                               f"{month_name(month)}.")
    return stated, computed, verdict, " ".join(notes), used


def _check_event(dataset: Dataset, r, as_of: str):
    stated = r.stated_value
    ev = dataset.events[dataset.events.event_id == r.event_id]
    if ev.empty:
        if dataset.known_on_date:
            return stated, "–", UNCHECKABLE, (f"Not checkable yet: event {r.event_id} is not in the timeline as "
                                             f"known on {day_name(dataset.known_on_date)}.")
        return stated, "–", UNCHECKABLE, f"Event {r.event_id} is not in the timeline (data/raw/*/events.csv)."
    e = ev.iloc[0]
    # an event is judged on the timeline as known on the day, whatever the last month of export data
    start, end = e.date, e.end_date or e.date
    n = len(stated)
    ok = start[:n] <= stated <= end[:n]
    when = start if start == end else f"{start} to {end}"
    why = (f"The timeline dates {e.label} ({e.event_id}, source {e.source_id}) {when}: "
           f"{e.description}. The stated {'month' if n == 7 else 'date'} {stated} "
           + ("matches." if ok else "does not match."))
    return stated, when, OK if ok else WRONG, why, (e.source_id,)


def _check_direction(dataset: Dataset, r, as_of: str):
    stated = r.stated_value
    lag = 1 if r.measure == "mom_pct" else 12
    what = span_name(r.from_month, r.to_month)
    base_name = span_name(add_months(r.from_month, -lag), add_months(r.to_month, -lag))
    if r.to_month > as_of:
        return stated, "–", UNCHECKABLE, _not_yet(r.to_month, as_of, dataset)
    c = change(_estimate(dataset, r.partner, r.from_month, r.to_month),
               _estimate(dataset, r.partner, add_months(r.from_month, -lag), add_months(r.to_month, -lag)))
    if c is None:
        return stated, "not in the data", UNCHECKABLE, f"{what} or {base_name} is neither reported nor derivable."
    if c.low > FLAT_PCT:
        actual = "up"
    elif c.high < -FLAT_PCT:
        actual = "down"
    elif -FLAT_PCT <= c.low and c.high <= FLAT_PCT:
        actual = "flat"
    else:
        return stated, fmt_signed_pct(c.pct), UNCHECKABLE, (
            f"{what} against {base_name}: {fmt_signed_pct(c.pct)} (range {fmt_signed_pct(c.low)} to {fmt_signed_pct(c.high)}): too close to "
            "call a direction.")
    why = (f"{what} ({fmt_t(c.current.value)}) against {base_name} ({fmt_t(c.base.value)}): {fmt_signed_pct(c.pct)} "
           f"(range {fmt_signed_pct(c.low)} to {fmt_signed_pct(c.high)}), i.e. {actual}; stated {stated}.")
    return (stated, f"{fmt_signed_pct(c.pct)} ({actual})", OK if actual == stated else WRONG, why,
            primary_sources(dataset, c.current.sources) + primary_sources(dataset, c.base.sources))


# --------------------------------------------------------------------------- evidence


