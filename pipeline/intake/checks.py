"""Checks of new figures against the data on file: plausibility (a kg/t mix-up) and conflicts.

Both compare a figure only with figures of its own series (its commodity scope): a UN Comtrade
HS-6 tonnage never conflicts with, nor corroborates, GAC's rare-earth line.
"""

from __future__ import annotations

import statistics

import pandas as pd

from helpers.data.tables import HS6_SERIES, MAIN_SERIES, rounding_half_width
from helpers.data.dataset import published_date
from helpers.errors import ConflictError, DataError
from helpers.months import month_range

from pipeline.intake.model import Parsed

#: A tonnage above IMPLAUSIBLE_HIGH times the partner's median reported monthly total (or
#: below IMPLAUSIBLE_LOW times it) is implausible: the usual cause is kg typed as tonnes.
IMPLAUSIBLE_HIGH = 5.0
IMPLAUSIBLE_LOW = 1 / 20

#: A series with no history of its own is checked against the history of one it contains:
#: HS-6 holds the rare-earth line, so its tonnages are at least of the same order.
HISTORY_FALLBACK = {HS6_SERIES: MAIN_SERIES}


def _monthly_history(figures: pd.DataFrame) -> dict[tuple[str, str], list[float]]:
    """Every (series, partner)'s reported monthly tonnages, in one pass."""
    f = figures
    sel = f[(f.measure == "tonnes") & (f.from_month == f.to_month)]
    return {k: list(v) for k, v in sel.value.astype(float).groupby([sel.series, sel.partner], sort=False)}


def check_plausible(parsed: Parsed, figures: pd.DataFrame, name: str, accept: bool) -> list[str]:
    """Refuse (or, with ``accept``, warn about) tonnages far from the partner's history."""
    warnings = []
    history_of = _monthly_history(figures)
    medians: dict[tuple[str, str], float] = {}
    for f in parsed.figures:
        if f.measure != "tonnes":
            continue
        key = (f.series, f.partner)
        if key not in history_of and HISTORY_FALLBACK.get(f.series):
            key = (HISTORY_FALLBACK[f.series], f.partner)
        history = history_of.get(key)
        if not history:
            continue
        if key not in medians:
            medians[key] = statistics.median(history)
        median = medians[key]
        if median <= 0:
            continue
        per_month = float(f.value) / len(month_range(f.from_month, f.to_month))
        ratio = per_month / median
        if IMPLAUSIBLE_LOW <= ratio <= IMPLAUSIBLE_HIGH:
            continue
        cause = ("likely kilograms entered as tonnes" if ratio > IMPLAUSIBLE_HIGH
                 else "likely tonnes entered as thousands of tonnes, or a partial figure")
        span = f.from_month if f.from_month == f.to_month else f"{f.from_month}..{f.to_month} (per month)"
        whose = "its" if key[0] == f.series else f"the {key[0]} series'"
        text = (f"implausible: {f.value} t for {f.partner} in {span} is {ratio:.3g}x the median of {whose} "
                f"{len(history)} reported monthly totals ({median:g} t), {cause}")
        if not accept:
            raise DataError(name, text + "; pass --accept-implausible if it is right", row=f.row, column="value")
        warnings.append(f"{name}, row {f.row}: {text}; accepted (--accept-implausible)")
    return warnings


_KEY = ["from_month", "to_month", "partner", "measure", "series"]


def _by_key(frame: pd.DataFrame, wanted: set) -> dict[tuple, pd.DataFrame]:
    """The rows of ``frame`` grouped by figure key (series included), for the keys in ``wanted`` only."""
    keys = list(zip(*(frame[c] for c in _KEY)))
    hit = [k in wanted for k in keys]
    frame = frame[hit]
    if frame.empty:
        return {}
    return {k: g for k, g in frame.groupby(_KEY, sort=False)}


def find_conflicts(parsed: Parsed, new_ids: dict[str, str], dataset, name: str, prefer: str | None):
    """Compare each new figure with the figures already reported for the same key.

    Returns the resolutions to write and the revisions found. A figure that agrees within
    rounding corroborates. One that does not, from a source published later than every
    figure it contradicts, is a revision: both vintages are kept, the latest is used (and
    ``as_known_on`` before it gives the earlier one). Otherwise (the same day, or an older
    source arriving after a newer one) it is refused unless ``prefer`` says which wins.
    The figures on file are grouped by key once (an index, not a scan per new figure).
    """
    wanted = {(f.from_month, f.to_month, f.partner, f.measure, f.series) for f in parsed.figures}
    existing = _by_key(dataset.figures, wanted)
    resolved = _by_key(dataset.resolutions, wanted) if existing else {}
    out, revisions = [], []
    for f in parsed.figures:
        key = (f.from_month, f.to_month, f.partner, f.measure, f.series)
        same = existing.get(key)
        if same is None:
            continue
        sid = new_ids[f.source_key]
        dup = same[same.source_id == sid]
        if len(dup):
            d = dup.iloc[0]
            raise DataError(name, f"{f.measure} of {f.partner} {f.from_month}..{f.to_month} from {sid} is "
                            f"already in the dataset ({d.file} row {d.row}); nothing to add", row=f.row,
                            column="value")
        res = resolved.get(key, dataset.resolutions.iloc[:0])
        if len(res):
            winners = same[same.source_id == res.iloc[0].winning_source_id]
            same = winners if len(winners) else same
        value = float(f.value)
        hw = rounding_half_width(f.value, f.approx == "yes")
        clash = same[(value + hw < same.value - same.half_width) | (value - hw > same.value + same.half_width)]
        if clash.empty:
            continue
        # a later publication that changes a figure is a revision, kept beside the earlier vintage
        new_pub = published_date(parsed.sources[f.source_key].published)
        old_pubs = {published_date(p) for p in dataset.sources.set_index("source_id").loc[
            list(dict.fromkeys(clash.source_id)), "published"]}
        if prefer is None and not len(res) and all(new_pub > p for p in old_pubs):
            revisions.append(f"{name}, row {f.row}: {f.measure} of {f.partner} {f.from_month}"
                             f"{'..' + f.to_month if f.to_month != f.from_month else ''} revised from "
                             f"{', '.join(f'{v:g}' for v in clash.value)} ({', '.join(dict.fromkeys(clash.source_id))}, "
                             f"published {max(old_pubs)}) to {f.value} ({sid}, published {new_pub}); both vintages kept")
            continue
        old = clash.sort_values("half_width").iloc[0]
        what = f"{f.measure} of {f.partner} in {f.from_month}" + (
            f"..{f.to_month}" if f.to_month != f.from_month else "")
        both = (f"new {f.value} ({sid}, {name} row {f.row}, published {new_pub}) conflicts with existing "
                f"{old.value:g} ({old.source_id}, {old.file} row {old.row}, published {max(old_pubs)}; "
                "a revision must be published later)")
        if len(res):
            raise ConflictError(name, f"{what}: {both}, which a resolution already settles in favour of "
                                f"{res.iloc[0].winning_source_id} ({res.iloc[0].file} row {res.iloc[0].row})",
                                row=f.row, column="value")
        if prefer is None:
            raise ConflictError(name, f"{what}: {both}; pass --prefer new or --prefer existing", row=f.row,
                                column="value")
        winner = sid if prefer == "new" else old.source_id
        loser = old.source_id if prefer == "new" else sid
        out.append({"from_month": f.from_month, "to_month": f.to_month, "partner": f.partner,
                    "measure": f.measure, "winning_source_id": winner, "series": f.series,
                    "note": f"magnet-import --prefer {prefer}: {winner} over {loser}"})
    return out, revisions
