"""Sweeps: one report-set entry expanded into one report per value (of a list, or of the data).

``expand_sweeps`` replaces each sweep entry (checked by :mod:`pipeline.reports.reportset`) with its reports;
a sweep over the data (``over:``) loads the data to learn its values.
"""

from __future__ import annotations

from helpers.errors import BuildError, short

from helpers.months import LATEST, pin_latest

from pipeline.reports.reportset import MAX_REPORTS, Report, check_name, check_unique


def sweep_values(sweep: dict, dataset, as_of: str | None = None) -> list:
    """The values a sweep runs over, resolved against the data (``latest`` = ``as_of`` or the latest month)."""
    over = sweep.get("over")
    if over is None:
        return list(sweep["values"])
    latest = as_of or dataset.latest_month

    def month(key, default=LATEST):
        return pin_latest(sweep.get(key, default), latest)

    if over == "top_destinations":
        from helpers.analysis.compare import top_destination_codes

        return top_destination_codes(dataset, month("month"), int(sweep.get("n", 10)))
    if over == "destinations":
        from helpers.notebook.params import partners_with_tonnage

        return partners_with_tonnage(dataset)
    from helpers.months import month_range

    return month_range(month("from"), month("to"))


def expand_sweeps(reports: list[Report], dataset=None, as_of: str | None = None) -> list[Report]:
    """Each sweep entry replaced by one report per value, in place in the list; plain entries kept.

    The name is the entry's name with ``{PARAMETER}`` replaced by the value, lowercased
    (``destinations-{partner}`` -> ``destinations-us``), or the value appended after a
    ``-`` when the name has no placeholder. The data are loaded only when a sweep needs them.
    A name that collides with another report's is an error naming both.
    """
    if not any(r.sweep for r in reports):
        return list(reports)
    out: list[Report] = []
    for r in reports:
        if not r.sweep:
            out.append(r)
            continue
        param = r.sweep["parameter"]
        if dataset is None and r.sweep.get("over") is not None:
            from helpers.data.dataset import load_dataset

            dataset = load_dataset()
        values = sweep_values(r.sweep, dataset, as_of)
        placeholder = "{" + param + "}"
        for v in values:
            text = str(v).lower()
            name = r.name.replace(placeholder, text) if placeholder in r.name else f"{r.name}-{text}"
            check_name(name, f"report '{r.name}' (sweep value {short(v)})")
            out.append(Report(name=name, notebook=r.notebook, parameters={**r.parameters, param: v}))
    if len(out) > MAX_REPORTS:
        raise BuildError(f"report set: {len(out):,} reports once sweeps are expanded; a set holds at most "
                         f"{MAX_REPORTS:,} (narrow a sweep, or split the set)")
    seen: dict[str, Report] = {}
    for r in out:
        if r.name in seen:
            raise BuildError(f"report set: two reports are named '{r.name}' once sweeps are expanded; "
                             "rename one (a sweep's name can hold {PARAMETER})")
        seen[r.name] = r
    check_unique([r.name for r in out], "report set (sweeps expanded)")
    return out
