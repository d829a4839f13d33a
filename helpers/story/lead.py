"""What page 1 leads with: candidate statements for a month, scored as a desk editor would.

:func:`candidates` draws every statement page 1 could lead with from the whole series up to the
edition's month — the month's move, a record, a streak, the year as a whole, a shift in a
destination's share, the month's policy steps — each a :class:`helpers.analysis.statements.Fact` carrying
its claim, so the build judges it like every other sentence. :mod:`helpers.story.facts` picks the
headline and main points from them. Nothing about missing data is ever a candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.analysis import compare
from helpers.story import monthfacts as mf
from helpers import text
from helpers.data.partners import TOTAL
from helpers.data.dataset import Dataset
from helpers.months import add_months, month_range
from helpers.analysis.statements import Fact, event_claim, record, record_words, streak, streak_words, _days

#: The bloc whose share page 1 follows beside the focus destination's (Europe against the United States).
SHARE_GROUP = "EU"


def _fact(key, words, claim=None, parts=(), status="reported", sources=(), published=""):
    return Fact(key=key, text=words, status=status, sources=tuple(sources), published=published,
                claim=claim or {}, parts=tuple(parts))


def _share_over(dataset: Dataset, partner: str, first: str, last: str):
    part, whole = compare.estimate(dataset, partner, first, last), compare.estimate(dataset, TOTAL, first, last)
    if part is None or whole is None or whole.value <= 0:
        return None
    return part.value / whole.value * 100, part, whole


def share_shift(dataset: Dataset, partner: str, month: str) -> dict | None:
    """A destination's share of the total over the last full year, the year after it, and the months of
    ``month``'s year so far: ``{"periods": [...], "values": [...]}`` where each is known."""
    y = int(month[:4])
    periods = [(f"{y - 2}-01", f"{y - 2}-12"), (f"{y - 1}-01", f"{y - 1}-12")]
    if not month.endswith("-12"):
        periods.append((f"{y}-01", month))
    else:
        periods = [(f"{y - 1}-01", f"{y - 1}-12"), (f"{y}-01", f"{y}-12")]
    got = [(p, _share_over(dataset, partner, *p)) for p in periods]
    got = [(p, s) for p, s in got if s is not None]
    if len(got) < 2:
        # no two whole years known (the EU, reported for the bloc in some months only): the month against the
        # same month a year before, where both shares are known
        periods = [(add_months(month, -12),) * 2, (month, month)]
        got = [(p, _share_over(dataset, partner, *p)) for p in periods]
        got = [(p, s) for p, s in got if s is not None]
    if len(got) < 2:
        return None
    return {"kind": "share_shift", "partner": partner, "first": got[0][0][0], "last": got[-1][0][1],
            "periods": [list(p) for p, _ in got], "values": [round(s[0], 1) for _, s in got],
            "derived": [s[1].status != "reported" or s[2].status != "reported" for _, s in got]}


def _period_words(a: str, b: str) -> str:
    if a.endswith("-01") and b.endswith("-12") and a[:4] == b[:4]:
        return a[:4]
    if a.endswith("-01") and b.endswith("-03") and a[:4] == b[:4]:
        return f"the first quarter of {a[:4]}"
    if a == b:
        return text.month_name(a)
    return text.period_name(a, b)


def share_shift_words(dataset: Dataset, claim: dict) -> str:
    name = text.in_sentence(dataset.partner_name(claim["partner"]))
    # a share resting on a derived value is said so in words: "about" (house style: a derived value said once)
    vals = [("about " if d else "") + f"{v:.1f}% in {_period_words(*p)}"
            for p, v, d in zip(claim["periods"], claim["values"], claim["derived"])]
    move = "fell" if claim["values"][-1] < claim["values"][0] else "rose"
    return f"The share of China's magnet exports going to {name} {move} from {vals[0]} to " + \
        (" and ".join(vals[1:]) if len(vals) > 2 else vals[1])


@dataclass
class Candidate:
    score: float
    fact: object
    kind: str


def candidates(dataset: Dataset, month: str, partner: str = TOTAL, focus: str | None = None) -> list[Candidate]:
    """Every statement page 1 could lead with for ``partner`` in ``month``, scored as a desk editor would."""
    m = mf.month(dataset, month, partner)
    out: list[Candidate] = []
    if not m.tonnes:
        return out
    who = "China's rare-earth magnet exports" + ("" if partner == TOTAL else f" to {m.name}")
    out.append(Candidate(0, _fact(f"{partner} {month} lead value", f"{who} were {m.tonnes.text} in {m.month_name}",
                                  parts=(m.tonnes,)), "value"))
    # the move on the month, and on the year
    for ch, base, weight in ((m.mom, m.previous_month_name.text, 1.0), (m.yoy, m.year_before_name.text, 0.8)):
        if ch:
            if weight == 1.0:   # on the month: the move itself ("rose to"); on the year, the comparison
                words = f"{who} {'rose' if ch.value > 0 else 'fell'} to {m.tonnes.text} in {m.month_name}"
            else:
                words = f"{who} were {m.tonnes.text} in {m.month_name}"
            out.append(Candidate(weight * min(abs(ch.value), 300) / 10, _fact(
                f"{partner} {month} lead {base}", f"{words}, {ch.text} on {base}", parts=(m.tonnes, ch)), "move"))
    rec = record(dataset, month, partner)
    if rec:
        span = len(month_range(rec["since"], month))
        words = record_words(rec)
        out.append(Candidate(4 + min(span, 60) / 3, _fact(
            f"{partner} {month} lead record", f"{who} in {m.month_name}, {m.tonnes.text}, were {words}",
            claim=rec, parts=(m.tonnes,)), "record"))
    st = streak(dataset, month, partner, min_n=3)
    if st:
        out.append(Candidate(3 + 2 * st["n"], _fact(
            f"{partner} {month} lead streak", f"{who} in {m.month_name} ({m.tonnes.text}) were "
            f"{streak_words(st)}", claim=st, parts=(m.tonnes,)), "streak"))
    if month.endswith("-12") and m.ytd and m.ytd_change:
        out.append(Candidate(12 + abs(m.ytd_change.value), _fact(
            f"{partner} {month} lead year", f"{who} in {month[:4]} as a whole were {m.ytd.text}, "
            f"{m.ytd_change.text} on {int(month[:4]) - 1}", parts=(m.ytd, m.ytd_change)), "year"))
    elif m.ytd and m.ytd_change:
        out.append(Candidate(abs(m.ytd_change.value) / 3, _fact(
            f"{partner} {month} lead ytd", f"Over {m.ytd_name}, {who} came to "
            f"{m.ytd.text}, {m.ytd_change.text} on the same months a year before", parts=(m.ytd, m.ytd_change)),
            "ytd"))
    # shifts in where the magnets go: the focus destination's share, and the EU's (reported for the bloc)
    # against it on the total's page 1
    shifting = [focus, SHARE_GROUP] if partner == TOTAL else [partner]
    for sh_partner in dict.fromkeys(p for p in shifting if p and p != TOTAL):
        ss = share_shift(dataset, sh_partner, month)
        if ss and abs(ss["values"][-1] - ss["values"][0]) >= 1.0:
            out.append(Candidate(6 + abs(ss["values"][-1] - ss["values"][0]), _fact(
                f"{sh_partner} {month} lead share", share_shift_words(dataset, ss), claim=ss), "share"))
    ev = dataset.events
    sel = ev[(pd.to_datetime(ev.date).dt.strftime("%Y-%m") == month) & ev.kind.isin(["controls", "easing", "tariffs"])]
    if partner == TOTAL and len(sel):
        steps = [_fact(f"event {r.event_id}", f"{r.label}, {_days(r.date, r.end_date)} ({r.source_id})",
                       claim=event_claim(r.event_id, r.date), sources=(r.source_id,)) for r in sel.itertuples()]
        out.append(Candidate(2, _fact(f"{month} events", f"Policy steps in {m.month_name} — "
                                      + "; ".join(f.text for f in steps), parts=steps), "event"))
    return out


