"""Facts a trade reporter states, each with its status and its text: what a report leads with.

This module holds the headline and main points a report opens with and the outlook's statements;
the facts of a month, a span, a year or a destination (:class:`Fact`, :func:`month`, :func:`chapter`)
are :mod:`helpers.story.monthfacts`, re-exported here, so a notebook needs only ``from helpers import facts``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from helpers.analysis import compare, freshness as _freshness, judge, statements
from helpers.story import lead
from helpers import text
from helpers.data.partners import TOTAL
from helpers.data.dataset import Dataset
from helpers.data.partners import GROUPS
from helpers.story.monthfacts import Fact, plain, MonthFacts, month, span, event, event_date, destinations, _and, year, partner_sentence, partner_history, extreme  # noqa: E402


# --------------------------------------------------------------------------- the outlook's facts


def _scenario_words(spec, start: str) -> str:
    months, to = (spec, None) if not isinstance(spec, (list, tuple)) else spec
    if months is None:
        return f"stays at the {start} level"
    target = ("the highest month on file that day" if to == "peak" else "the 2024 level" if to is None
              else f"{float(to):g} times the 2024 level")
    return f"reaches {target} {months} month{'s' if months > 1 else ''} after {start}"


def scenarios_described(scenarios: dict, start_month: str) -> Fact:
    """Each scenario in words: ``fast: reaches the 2024 level 2 months after June 2025; stalled: …``."""
    start = text.month_name(start_month)
    return plain("scenarios", "; ".join(f"{name}: {_scenario_words(spec, start)}"
                                        for name, spec in scenarios.items()) + ".")


def baseline_described(level: dict, baseline: str, projections: pd.DataFrame, known_on: str = "") -> Fact:
    """What "the 2024 level" means for the chosen baseline (and on which day's data it was computed)."""
    when = f" on {text.day_name(known_on)}" if known_on else " today"
    if baseline == "average":
        words = (f"the average of the {level['months_known']} months of 2024 known{when}: "
                 f"{text.fmt_num(level['tonnes'])} t a month ({level['months_reported']} reported, "
                 f"{level['months_derived']} derived)")
    else:
        per_month = "; ".join(f"{text.month_name(m).split()[0]}: {b}" for m, b in
                              projections.drop_duplicates("month")[["month", "target_basis"]].itertuples(index=False))
        words = (f"the same calendar month of 2024, where it was known{when}; otherwise the average of the "
                 f"{level['months_known']} known months of 2024 ({text.fmt_num(level['tonnes'])} t). "
                 f"Per month: {per_month}")
    return plain("baseline", words, value=float(level["tonnes"]), published=known_on)


def outlook_headline(dataset: Dataset, actual: pd.DataFrame, projections: pd.DataFrame, against: pd.DataFrame,
                     level: dict, as_of: str, start_month: str) -> Fact:
    """What happened after ``as_of``, plainly, against the 2024 level, the scenarios and the naive benchmark."""
    after = actual[(actual.month > as_of) & (actual.status != "missing")]
    start = month(dataset, start_month)
    if after.empty:
        return plain("headline", f"No month after {text.month_name(as_of)} is in the data yet (the latest month is "
                     f"{text.month_name(dataset.latest_month)}): the paths below cannot yet be set against what "
                     "happened.", status="missing")
    n, first = len(after), after.iloc[0]
    avg = float(after.tonnes.mean())
    rose = "rose" if first.tonnes > start.tonnes.value else "fell"
    above_level = int((after.tonnes > level["tonnes"]).sum())
    top = projections.groupby("month").tonnes.max()
    low = projections.groupby("month").tonnes.min()
    over = int(sum(t > top.get(m, np.inf) for m, t in zip(after.month, after.tonnes)))
    under = int(sum(t < low.get(m, -np.inf) for m, t in zip(after.month, after.tonnes)))
    naive = against[against.method == "naive"]
    inside = int((naive.position == "inside the 80% interval").sum())
    above80 = int(naive.position.str.startswith("above").sum())
    span = text.span_name(after.month.iloc[0], after.month.iloc[-1]) if n > 1 else text.month_name(first.month)
    words = (f"Exports {rose} from {start.tonnes} in {start.month_name} to {text.fmt_tonnes(first.tonnes)} in "
             f"{text.month_name(first.month)}"
             + (f", and averaged {text.fmt_num(avg)} t a month over {span}" if n > 1 else "")
             + f": above the 2024 level of {text.fmt_num(level['tonnes'])} t in {above_level} of {text.plural(n, 'month')}. "
             + f"The actual months were above every scenario in {over} of {n}, below every scenario in {under}"
             + (f"; the naive benchmark's 80% interval held {inside} of them ({above80} came in above it)."
                if len(naive) else "."))
    return plain("headline", words, status="derived", value=avg,
                 published=max((e for e in after.get("published", pd.Series(dtype=str)) if e), default=""))


def revised(dataset: Dataset, first: str = "2023-01", last: str | None = None, partner: str = TOTAL) -> Fact:
    """How many monthly values of ``first..last`` changed since they were first known: a reported figure a
    later publication revised, or a derived value worked out again from later figures (the table lists them)."""
    last = last or dataset.latest_month
    claim = statements.revision_claim(dataset, first, last, partner)
    n = claim["count"]
    when = f"As known on {text.day_name(dataset.known_on_date)}, " if dataset.known_on_date else ""
    period = text.period_name(first, last)
    if not n:
        return Fact(key=f"revisions {first}..{last}",
                    text=_cap(f"{when}no monthly value of {period} had changed since it was first known."),
                    status="reported", value=0.0, claim=claim)
    months = _and([text.month_name(m) for m in claim["months"]])
    return Fact(key=f"revisions {first}..{last}",
                text=_cap(f"{when}{text.plural(n, 'monthly value')} of {period} had changed since first known "
                          f"({months}): a later publication revised a figure, or later figures changed what a "
                          "derived value works out at. The latest vintage is used throughout; the table below sets "
                          "each against its first value."), status="reported", value=float(n), claim=claim)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def revision_table(dataset: Dataset, first: str = "2023-01", last: str | None = None,
                   partner: str = TOTAL) -> pd.DataFrame:
    """Each monthly value that changed since first known: as first known (and when), as now, the change."""
    rows = []
    for r in statements.revisions(dataset, first, last or dataset.latest_month, partner):
        def v(x, st):
            return f"{text.fmt_num(x)} t" + (" (derived)" if st == "derived" else "")
        rows.append({"Month": text.month_name(r["month"]),
                     "First known": f"{v(r['first_value'], r['first_status'])}, {text.day_name(r['first_date'])}",
                     "Now": f"{v(r['value'], r['status'])}, {text.day_name(r['date'])}",
                     "Change": text.fmt_num(r["value"] - r["first_value"]).replace("-", "−")
                     if round(r["value"] - r["first_value"]) < 0 else "+" + text.fmt_num(r["value"] - r["first_value"])})
    return pd.DataFrame(rows, columns=["Month", "First known", "Now", "Change"])


def scope(dataset: Dataset, partners, start: str, end: str) -> Fact:
    """What the figures count, and the wider scopes beside the rare-earth line where any is on file
    (words, not a value: an edition's "what's new" lists the values, not this sentence)."""
    from helpers.data.tables import HS6_SERIES, MAIN_SERIES, OTHER_METALS_SERIES, SERIES

    line, hs6, other = SERIES[MAIN_SERIES], SERIES[HS6_SERIES], SERIES[OTHER_METALS_SERIES]
    head = f"Every tonnage in this report is {line.tariff}, {line.goods}."
    cmp = compare.scope_comparison(dataset, partners, start, end)
    if cmp.empty:
        return plain("scope", f"{head} No figure of the wider {hs6.tariff} ({hs6.goods}, as UN "
                     f"Comtrade publishes China's exports) or of {other.tariff} ({other.goods}) is on file for "
                     f"{text.period_name(start, end)}, so there is no scope comparison to show.", status="missing")
    first = cmp[cmp.partner == list(partners)[0]]   # the report's own destination, when it has a wider scope
    last = (first if len(first) else cmp).iloc[-1]
    name = text.in_sentence(dataset.partner_name(last.partner))
    what = (f"In {text.month_name(last.month)}, exports to {name} were "
            + (f"{text.fmt_tonnes(last.hs6.value)} of all metal magnets ({last.hs6.source_id}) against " if last.hs6 is not None
               else "")
            + ("an unknown tonnage of rare-earth magnets" if last.rare_earth is None
               else f"{text.fmt_tonnes(last.rare_earth.value)} of rare-earth magnets")
            + ("" if math.isnan(last.other_high) else
               f": other metal magnets {'were ' + text.fmt_tonnes(last.other.value) if last.other is not None else 'at most ' + text.fmt_tonnes(math.ceil(last.other_high))}")
            + ".")
    sources = tuple(sorted({r.source_id for r in list(cmp.hs6) + list(cmp.other) if r is not None}))
    return plain("scope", f"{head} For {text.plural(len(cmp), 'destination-month')} a wider scope is on file too; the table "
                 "sets them side by side. The difference is magnets of other metals: a comparison of scopes, "
                 f"never a check of the rare-earth figures. {what}", sources=sources)


# --------------------------------------------------------------------------- headline and main points


def change_words(f: Fact, base: str, compare_words: bool = False) -> str:
    """A change as a headline says it: ``down 3.2% on November 2025``, ``up about 667.4% on May 2025``."""
    if not f or f.value is None:
        return ""
    about = "about " if f.text.startswith("about ") else ""
    word = "up" if f.value > 0 else "down" if f.value < 0 else "unchanged"
    if compare_words and word != "unchanged":
        return f"{about}{abs(f.value):.1f}% {'above' if f.value > 0 else 'below'} {base}"
    return f"{word} {about}{abs(f.value):.1f}% on {base}" if word != "unchanged" else f"unchanged on {base}"


def low_point(dataset: Dataset, month: str, partner: str = TOTAL) -> Fact:
    """The lowest and highest known month of the twelve up to ``month`` ("of the known months" where some
    are not on file; a derived one said so)."""
    lo = statements.window_extreme(dataset, month, 12, "lowest", partner)
    hi = statements.window_extreme(dataset, month, 12, "highest", partner)
    if not lo or not hi:
        return plain(f"{partner} {month} low point", "", status="missing")
    low_f, high_f = extreme(dataset, lo, f"{partner} {month} low"), extreme(dataset, hi, f"{partner} {month} high")
    known = " known" if lo["qualified"] else ""
    return Fact(key=f"{partner} {month} low point",
                text=f"Of the{known} months in the twelve to {text.month_name(month)}, the lowest was {low_f.text} "
                     f"and the highest {high_f.text}.", status="derived", value=lo["value"], parts=(low_f, high_f))


def freshness(dataset: Dataset, date: str | None = None) -> Fact:
    """The freshness line (:mod:`helpers.analysis.freshness`): the latest month on file, its release day, and how many
    months behind GAC's calendar the data are on the build date — a statement the build judges."""
    c = _freshness.claim(dataset, date)
    # keyed by the latest month: an edition's "what's new" finds its new month here too
    return Fact(key=f"{c['first']} freshness", text=_freshness.words(c), status="reported", value=float(c["behind"]),
                published=c["released"], claim=c)


def _with_freshness(dataset: Dataset, month_: str, points: list[Fact]) -> list[Fact]:
    """Page 1's main points, the last of them the freshness line when the edition covers the latest month."""
    if month_ != dataset.latest_month:
        return points[:5]
    return points[:4] + [freshness(dataset)]


def _month_line(m: MonthFacts) -> Fact:
    """``March 2026: 5,238 t, +10.5% on February 2026 and −1.6% on March 2025.``"""
    changes = [f"{c} on {base}" for c, base in ((m.mom, m.previous_month_name), (m.yoy, m.year_before_name)) if c]
    return Fact(key=f"{m.partner} {m.month} line", text=f"{m.month_name}: {m.tonnes}"
                + (", " + " and ".join(changes) if changes else "") + ".", status=m.tonnes.status,
                parts=tuple(f for f in (m.tonnes, m.mom, m.yoy) if f), sources=m.tonnes.sources)


def _ytd_line(m: MonthFacts) -> Fact | None:
    if not m.ytd:
        return None
    year = int(m.month[:4])
    whole = m.month.endswith("-12")
    label = f"{year} as a whole" if whole else m.ytd_name.text
    base = str(year - 1) if whole else f"the same months of {year - 1}"
    return Fact(key=f"{m.partner} {m.month} ytd line", text=f"{label[0].upper() + label[1:]}: {m.ytd}"
                + (f", {m.ytd_change} on {base}" if m.ytd_change else "") + ".", status=m.ytd.status,
                parts=tuple(f for f in (m.ytd, m.ytd_change) if f))


def _sentence(f: Fact) -> Fact:
    """A candidate's words as a sentence of its own (capitalised, with its full stop)."""
    t = f.text.rstrip(".")
    return Fact(key=f.key, text=t[0].upper() + t[1:] + ".", status=f.status, value=f.value, sources=f.sources,
                published=f.published, claim=f.claim, parts=f.parts)


def _lead(dataset: Dataset, month_: str, partner: str, focus: str | None) -> tuple[Fact, list[Fact]]:
    """The headline (the best-scored candidate) and the other candidates, best first."""
    cands = sorted(lead.candidates(dataset, month_, partner, focus), key=lambda c: -c.score)
    best = cands[0]
    return _sentence(best.fact), [_sentence(c.fact) for c in cands[1:] if c.kind not in ("move", "ytd", "year", "value")]


def main_points(dataset: Dataset, month_: str, focus_partner: str | None = None) -> dict:
    """The edition's headline and three to five main points, chosen among candidate statements as a desk
    editor leads (:func:`helpers.story.lead.candidates`): ``{"headline": Fact, "points": [Fact, ...]}``."""
    m = month(dataset, month_)
    head, news = _lead(dataset, month_, TOTAL, focus_partner)
    points = [_month_line(m)]
    ytd = _ytd_line(m)
    if ytd:
        points.append(ytd)
    points += [p for p in news if p.text != head.text][:2]
    if focus_partner and focus_partner != TOTAL:
        f = month(dataset, month_, focus_partner)
        if f.tonnes:
            s = (f"Exports to {f.name}: {f.tonnes} in {f.month_name}" + (f", {f.mom} on the month before" if f.mom else "")
                 + (f", {f.share} of the month's total" if f.share else ""))
            points.append(Fact(key=f"{focus_partner} {month_} point", text=s + ".", status=f.tonnes.status,
                               parts=tuple(x for x in (f.tonnes, f.mom, f.share) if x)))
        else:
            last = statements.latest_known_month(dataset, focus_partner, month_)
            if last:
                g = month(dataset, last, focus_partner)
                points.append(Fact(key=f"{focus_partner} {last} point", text=f"Exports to {g.name}: {g.tonnes} in "
                                   f"{g.month_name}, the latest month with a figure for {g.name}.",
                                   status=g.tonnes.status, parts=(g.tonnes,)))
    rank = destinations(dataset, month_)
    if rank and rank.sources:
        points.append(_sentence(rank))
    low = low_point(dataset, month_)
    if low:
        points.append(low)
    return {"headline": head, "points": _with_freshness(dataset, month_, points)}


def destination_points(dataset: Dataset, partner: str, start: str, month_: str) -> dict:
    """A destination edition's headline and main points (``{"headline": Fact, "points": [Fact, ...]}``): the
    month asked for, or where the destination has no figure then, its latest month with one."""
    lead_month = month_ if compare.estimate(dataset, partner, month_) else \
        statements.latest_known_month(dataset, partner, month_)
    if not lead_month:
        raise ValueError(f"no month up to {month_} has a figure for exports to {dataset.partner_name(partner)}")
    here = month(dataset, lead_month, partner)
    head, news = _lead(dataset, lead_month, partner, None)
    points = [partner_sentence(here)]
    if lead_month != month_:
        points.append(plain(f"{partner} latest", f"The latest month with a figure for exports to {here.name} is "
                            f"{here.month_name}."))
    points += news[:2]
    hist = partner_history(dataset, partner, start, lead_month)
    if hist["known"] and hist["peak"]:
        points.append(Fact(key=f"{partner} {start}..{lead_month} range", text=f"Of the {hist['known']} from "
                           f"{text.month_name(start)} to {here.month_name} with a figure, the highest was "
                           f"{hist['peak']} and the lowest {hist['low']}.", status="derived",
                           parts=(hist["peak"], hist["low"])))
    ranks = compare.partner_ranks(dataset, partner)
    ranks = ranks[(ranks.month <= month_) & ranks["rank"].notna()]
    if len(ranks):
        r = ranks.iloc[-1]
        points.append(Fact(key=f"{partner} {r.month} reported rank", text=f"In the latest ranking a source "
                           f"reported, for {text.month_name(r.month)}, {here.name} stood "
                           f"{text.ordinal(int(r['rank']))} of the top {r['of']} ({text.fmt_sources(r.source_id)}).",
                           claim=statements.rank_claim(partner, r.month, int(r["rank"]), int(r["of"]))))
    return {"headline": head, "points": _with_freshness(dataset, month_, points)}


def claims_points(counts: dict, total: int, as_of_name: str, later: int, article: str) -> dict:
    """The claims check's headline and main points, from the verdict counts."""
    ok, wrong, open_ = counts.get("✓", 0), counts.get("✗", 0), counts.get("not checkable", 0)
    split = counts.get("sources disagree", 0)
    if ok + wrong + open_ + split != total:   # every verdict is counted in the points, or none is stated
        raise ValueError(f"claims_points: verdicts {dict(counts)} do not add up to {total} claims")
    head = (f"Of the {text.plural(total, 'claim')} of {article}, {ok} {'agrees' if ok == 1 else 'agree'} with the "
            f"data known when it was written and {wrong or 'none'} {'is' if wrong == 1 else 'are'} contradicted")
    points = [f"{text.plural(ok, 'claim')} consistent with the data up to {as_of_name}.",
              f"{text.plural(wrong, 'claim')} contradicted by the data.",
              f"{text.plural(open_, 'claim')} not checkable with the data then known."]
    if split:
        points.insert(2, f"{text.plural(split, 'claim')} on which sources disagree: both figures are shown, "
                         "with their origins.")
    if later:
        points.append(f"With every figure on file today, {text.plural(later, 'verdict')} would change.")
    return {"headline": plain("claims headline", head + "."),
            "points": [plain(f"claims point {i + 1}", p) for i, p in enumerate(points)]}


def outlook_points(start: MonthFacts, level: dict, projections: pd.DataFrame, backtest: Fact) -> dict:
    """The outlook's headline and main points: where it starts, the 2024 level, what came."""
    names = list(dict.fromkeys(projections.scenario))
    head = (backtest.text.split(". ")[0].replace(": ", ", which put them ") if backtest else
            f"Exports start from {start.tonnes} in {start.month_name}; no later month is in the data yet")
    points = [f"The scenarios start from {start.month_name}: {start.tonnes}.",
              f"The 2024 level they return to is {text.fmt_tonnes(level['tonnes'])} a month.",
              f"{text.plural(len(names), 'scenario')}: {_and([str(n) for n in names])}."]
    if backtest:
        points.append(backtest.text)
    return {"headline": plain("outlook headline", head.rstrip(".") + "."),
            "points": [plain(f"outlook point {i + 1}", p) for i, p in enumerate(points)]}


def points_html(bulletin: dict) -> str:
    """The main points as an HTML list (escaped), shown under the headline on a report's first page."""
    import html as _html

    # the freshness line is marked, so the index can show it under the headline
    marked = ' class="freshness"'
    items = "".join(f"<li{marked if p.claim.get('kind') == 'freshness' else ''}>{_html.escape(p.text)}</li>"
                    for p in bulletin["points"])
    # a heading without an id: not in the contents, which go after the question
    return (f'<section class="report-points" aria-label="Main points"><h2 class="points-title">Main points</h2>'
            f"<ul>{items}</ul></section>")


def show_points(bulletin: dict) -> None:
    """Show the main points (:func:`points_html`), with the statements they make for the build to judge."""
    from IPython.display import display

    display(judge.bundle(points_html(bulletin), bulletin["points"], page_one=True), raw=True)


def points_markdown(bulletin: dict) -> str:
    """Markdown of the headline and main points (the notebook shows it under the title)."""
    items = "\n".join(f"- {text.escape(p.text)}" for p in bulletin["points"])
    return f"**{text.escape(bulletin['headline'].text)}**\n\n### Main points\n\n{items}\n"


# --------------------------------------------------------------------------- issue 35: Europe, prices, calendar, freshness


def bloc_against(dataset: Dataset, month_: str, bloc: str = "EU", other: str = "US") -> Fact:
    """Europe against the United States in words: the bloc's latest month with a figure up to ``month_``, its
    tonnage and share against ``other``'s that month, and the shift in the bloc's share where one is known."""
    last = statements.latest_known_month(dataset, bloc, month_)
    bname = text.in_sentence(dataset.partner_name(bloc))
    if not last:
        return plain(f"{bloc} against {other} {month_}", f"No month up to {text.month_name(month_)} has a figure for "
                     f"exports to {bname} as a bloc.", status="missing")
    b, o = month(dataset, last, bloc), month(dataset, last, other)
    parts = [f for f in (b.tonnes, b.share) if f]
    words = f"In {b.month_name}, the latest month with a figure for {bname}, exports to it were {b.tonnes}"
    words += f" ({b.share} of the total)" if b.share else ""
    if o.tonnes:
        words += f", against {o.tonnes} to {o.name}" + (f" ({o.share})" if o.share else "")
        parts += [f for f in (o.tonnes, o.share) if f]
    words += "."
    ss = lead.share_shift(dataset, bloc, last)
    shift = None
    if ss:
        shift = Fact(key=f"{bloc} {last} share shift", text=lead.share_shift_words(dataset, ss), claim=ss)
        words += " " + shift.text + "."
    if bloc in GROUPS:
        n = len([m for m in statements.monthly(dataset, bloc) if m <= month_])
        words += (f" Figures for the bloc are on file for {text.plural(n, 'month')} in all: the sources give it in "
                  "some months only, so its share is not followed month by month.")
    return Fact(key=f"{bloc} against {other} {month_}", text=words, status=b.tonnes.status,
                parts=tuple(parts) + ((shift,) if shift else ()), published=b.tonnes.published)


def prices(dataset: Dataset, month_: str, partners=(TOTAL, "EU", "US")) -> Fact:
    """Every price the data support up to ``month_``, where a value and a tonnage of the same months are both
    known (the sources' own prices are in the chart and its CSV, not restated here)."""
    from helpers.analysis import values

    got = [f for p in partners for f in values.price_statements(dataset, p, month_) if f.status == "derived"]
    if not got:
        return plain(f"prices {month_}", f"No export value of a month or span up to {text.month_name(month_)} is on "
                     "file beside its tonnage, so no price is worked out.", status="missing")
    by = {}
    for f in got:
        by.setdefault(f.claim["partner"], []).append(f)
    clauses = []
    for p, fs in by.items():
        who = "all destinations" if p == TOTAL else text.in_sentence(dataset.partner_name(p))
        clauses.append(f"to {who}, " + "; ".join(f.text for f in fs))
    return Fact(key=f"prices {month_}", text="Exports " + "; and ".join(clauses) + ".", status="derived",
                parts=tuple(got), published=max(f.published for f in got))


def lunar_new_year(dataset: Dataset, month_: str) -> Fact:
    """The trade calendar in words: the Lunar New Year of the latest two years on file up to ``month_``, and
    February's change on the year before set against them (a comparison across the holiday, said so)."""
    ev = dataset.events[dataset.events.label == "Lunar New Year"]
    ev = ev[ev.date.str[:7] <= month_].sort_values("date")
    if len(ev) < 2:
        return plain(f"lunar new year {month_}", "", status="missing")
    a, b = ev.iloc[-2], ev.iloc[-1]
    fa, fb = event_date(dataset, a.event_id), event_date(dataset, b.event_id)
    where = lambda r: "January" if r.date[5:7] == "01" else "February"  # noqa: E731
    words = (f"The Lunar New Year fell on {fa} ({a.source_id}) and on {fb} ({b.source_id}): in {where(a)} one year "
             f"and in {where(b)} the next.")
    parts = [fa, fb]
    feb = f"{b.date[:4]}-02"
    if feb <= month_ and where(a) != where(b):
        m = month(dataset, feb)
        if m.tonnes and m.yoy:
            words += (f" February {b.date[:4]}'s change on February {a.date[:4]}, {m.yoy}, sets a month "
                      f"{'with' if where(b) == 'February' else 'without'} the holiday against one "
                      f"{'without' if where(b) == 'February' else 'with'} it; January and February together compare "
                      "like with like, which is why GAC publishes them combined (S125).")
            parts += [m.tonnes, m.yoy]
    return Fact(key=f"lunar new year {month_}", text=words, status="reported", parts=tuple(parts),
                sources=(a.source_id, b.source_id), published=max(fa.published, fb.published))


def policy_through(dataset: Dataset) -> Fact:
    """The latest policy event on file, and what is not known about it (the body of a report, never page 1)."""
    ev = dataset.events[(dataset.events.label != "Lunar New Year") & (dataset.events.kind != "release")]
    ev = ev.sort_values("date")
    if ev.empty:
        return plain("policy through", "", status="missing")
    r = ev.iloc[-1]
    e, d = event(dataset, r.event_id), event_date(dataset, r.event_id)
    words = f"The latest policy event on file is dated {d}: {e.text}."
    _, released = _freshness.latest(dataset)
    if r.date > released:   # after the latest release on file: what came of it is not known
        words += " It falls after the latest release on file."
    return Fact(key="policy through", text=words, status="reported", parts=(e, d), published=e.published)


def other_scopes(dataset: Dataset, month_: str) -> Fact:
    """GAC's rare-earth minerals total and Bloomberg's rare-earth products total in words, each as a series of its
    own beside the magnet line (never added to it, compared with it as one, or read as it)."""
    from helpers.data.tables import MINERALS_SERIES, PRODUCTS_SERIES

    f = dataset.figures
    f = f[(f.measure == "tonnes") & (f.partner == TOTAL) & (f.from_month == f.to_month) & (f.to_month <= month_)]
    out, srcs = [], []
    minerals = f[f.series == MINERALS_SERIES].sort_values("to_month")
    if len(minerals):
        r = minerals.iloc[-1]
        mag = compare.estimate(dataset, TOTAL, r.to_month)
        out.append(f"GAC's rare-earth minerals total counts rare earths themselves, not magnets: in "
                   f"{text.month_name(r.to_month)} it was {text.fmt_tonnes(r.value)} ({r.source_id})"
                   + (f", the same month's magnets {text.about(mag) if mag.status == 'derived' else text.fmt_tonnes(mag.value)}"
                      if mag is not None else "") + ": two series, never added or compared as one")
        srcs.append(r.source_id)
    products = f[f.series == PRODUCTS_SERIES].sort_values("to_month")
    if len(products):
        items = "; ".join(f"{text.month_name(r.to_month)}, {text.fmt_tonnes(r.value)} ({r.source_id})"
                          for r in products.itertuples())
        out.append(f"Bloomberg's rare-earth products, its own sum of GAC lines typically dominated by magnets, is a "
                   f"third series, neither magnets nor minerals: {items}")
        srcs += list(products.source_id)
    if not out:
        return plain(f"other scopes {month_}", "", status="missing")
    return plain(f"other scopes {month_}", ". ".join(out) + ".", sources=tuple(dict.fromkeys(srcs)))
