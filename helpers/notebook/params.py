"""Validate notebook parameters: one clear line naming the parameter and what is allowed.

Each notebook's first code cell after its imports calls these checks, so a bad
parameter stops the run at once with a :class:`~helpers.errors.ParameterError`
(``parameter 'as_of' = '2025-13' is not allowed: a month YYYY-MM from 2024-01 to
2025-12``) instead of a traceback deep inside a helper.
"""

from __future__ import annotations

import difflib
import functools
import re
from pathlib import Path

from helpers import paths
from helpers.data.dataset import Dataset
from helpers.data.partners import TOTAL, partner_lookup, resolve_partner
from helpers.data.tables import MAIN_SERIES
from helpers.data.patterns import DATE_RE, MONTH_RE
from helpers.errors import DataError, ParameterError
from helpers.months import LATEST




@functools.lru_cache(maxsize=16)   # a Dataset hashes by identity and never changes: once per dataset
def first_month(dataset: Dataset) -> str:
    """The first month the data cover: January of the year of the earliest figure."""
    f = dataset.figures
    earliest = str(f[f.series == MAIN_SERIES].from_month.min())
    return earliest[:4] + "-01"


def check_month(name: str, value, dataset: Dataset, earliest: str | None = None,
                latest: str | None = None) -> str:
    """``value`` as a month ``YYYY-MM`` within the data (or within ``earliest``..``latest``).

    :data:`LATEST` stands for the latest month with data (as in ``reports.yaml``).
    """
    lo = earliest or first_month(dataset)
    hi = latest or dataset.latest_month
    allowed = f"a month YYYY-MM from {lo} to {hi} (or '{LATEST}')"
    if value == LATEST:
        return hi
    if not isinstance(value, str) or not MONTH_RE.match(value.strip()):
        raise ParameterError(name, value, allowed)
    value = value.strip()
    if not lo <= value <= hi:
        raise ParameterError(name, value, allowed + " (the months the data cover)")
    return value


def check_month_order(first_name: str, first: str, last_name: str, last: str) -> None:
    """``first`` must not come after ``last``."""
    if first > last:
        raise ParameterError(first_name, first, f"a month no later than {last_name} = {last!r}")


def partners_with_data(dataset: Dataset) -> list[str]:
    """Codes of every destination with at least one figure of the main series."""
    f = dataset.figures
    codes = set(f[(f.series == MAIN_SERIES) & (f.partner != TOTAL)].partner) | set(dataset.rankings.partner)
    return sorted(codes)


def partners_with_tonnage(dataset: Dataset) -> list[str]:
    """Codes of every destination with at least one known monthly tonnage (reported or derived):
    the partners a report can show a series for (a partner only ever ranked is not one)."""
    from helpers.analysis.series import derive

    return sorted({p for (p, a, b) in derive(dataset).estimates if a == b and p != TOTAL})


#: Up to this many destinations, a refusal lists them all; beyond it, the nearest ones.
LIST_ALL_UP_TO = 20


def nearest_partners(value, dataset: Dataset, codes: list[str], n: int = 5) -> list[str]:
    """The codes among ``codes`` whose code or name is closest to ``value`` (difflib), best first."""
    text = str(value).strip().casefold()
    if not text:
        return []
    names: dict[str, str] = {}
    for c in codes:
        names.setdefault(c.casefold(), c)
        names.setdefault(dataset.partner_name(c).casefold(), c)
    hits = difflib.get_close_matches(text, list(names), n=n * 2, cutoff=0.5)
    return list(dict.fromkeys(names[h] for h in hits))[:n]


def check_partner(name: str, value, dataset: Dataset, allow_total: bool = False) -> str:
    """The partner code for ``value`` (ISO alpha-2 code, name or alias) among destinations with
    tonnage data; a refusal names the nearest ones (all of them when there are few)."""
    known = partners_with_tonnage(dataset)

    def names(codes) -> str:
        return ", ".join(f"{c} ({dataset.partner_name(c)})" for c in codes)

    near = nearest_partners(value, dataset, known) if isinstance(value, str) else []
    if len(known) <= LIST_ALL_UP_TO:
        allowed = f"an ISO 3166-1 alpha-2 code or name of a destination with tonnage data: {names(known)}"
        if near:
            allowed += f" (nearest: {names(near)})"
    else:
        allowed = (f"an ISO 3166-1 alpha-2 code or name of one of the {len(known)} destinations with tonnage "
                   "data" + (f"; nearest: {names(near)}" if near else
                             f", e.g. {names(known[:10])} (params.partners_with_tonnage lists them)"))
    if allow_total:
        allowed += f", or {TOTAL} (all destinations)"
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(name, value, allowed)
    code = resolve_partner(value, partner_lookup(dataset.partners))
    if code == TOTAL and allow_total:
        return code
    if code is None or code not in known:
        if code is not None and code in partners_with_data(dataset):
            allowed = f"{dataset.partner_name(code)} is only ever ranked, with no tonnage to show; " + allowed
        raise ParameterError(name, value, allowed)
    return code


def check_int(name: str, value, lo: int, hi: int) -> int:
    """A whole number from ``lo`` to ``hi`` (not a bool, not a string)."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ParameterError(name, value, f"a whole number from {lo} to {hi}")
    return value


def check_choice(name: str, value, choices) -> str:
    """One of ``choices``."""
    if value not in choices:
        raise ParameterError(name, value, "one of " + ", ".join(repr(c) for c in choices))
    return value


def check_file(name: str, value, base: Path | None = None, suffix: str = ".csv") -> Path:
    """An existing file; a relative path is taken relative to ``base`` (default: notebooks/)."""
    allowed = f"the path of an existing {suffix} file (relative to notebooks/ or absolute)"
    if not isinstance(value, (str, Path)) or not str(value).strip():
        raise ParameterError(name, value, allowed)
    path = Path(value)
    if not path.is_absolute():
        path = (base or paths.NOTEBOOKS) / path
    if not path.is_file() or (suffix and path.suffix.lower() != suffix):
        raise ParameterError(name, value, allowed)
    return path.resolve()


def check_claims_file(name: str, value, base: Path | None = None):
    """An existing, well-formed claims file (see ``data/claims/README.md``): the loaded claims."""
    from helpers.articles.claims import load_claims

    path = check_file(name, value, base)
    try:
        return load_claims(path)
    except DataError as exc:
        raise ParameterError(name, value, f"a claims file in the format of data/claims/README.md ({exc})") from None


def check_scenarios(name: str, value, max_months: int = 60) -> dict:
    """Scenarios as ``{name: months to return to the 2024 level, None for 'never', or [months, target]}``
    (``target``: ``"peak"``, the highest month on file, or a multiple of the 2024 level).

    A list of numbers is accepted too (named ``"N months"``).
    """
    allowed = (f'a dict of scenario name -> months to return to the 2024 level (1 to {max_months}), None '
               '(stalled), or [months, target] with target "peak" (the highest month on file) or a multiple of '
               'the 2024 level (0.1 to 5), e.g. {"stalled": None, "gradual": 6, "fast": 2, "restocking": [2, "peak"]}')
    if isinstance(value, (list, tuple)):
        value = {("stalled" if v is None else f"{v} months"): v for v in value}
    if not isinstance(value, dict) or not value:
        raise ParameterError(name, value, allowed)
    out = {}
    for k, v in value.items():
        ok_key = isinstance(k, str) and re.match(r"^[\w .()+-]{1,40}$", k)
        months, target = (v[0], v[1]) if isinstance(v, (list, tuple)) and len(v) == 2 else (v, None)
        ok_val = (months is None and not isinstance(v, (list, tuple))) or (
            isinstance(months, int) and not isinstance(months, bool) and 1 <= months <= max_months)
        ok_target = target is None or target == "peak" or (
            isinstance(target, (int, float)) and not isinstance(target, bool) and 0.1 <= target <= 5)
        if not ok_key or not ok_val or not ok_target or (isinstance(v, (list, tuple)) and target is None):
            raise ParameterError(name, value, allowed)
        out[k] = list(v) if isinstance(v, (list, tuple)) else v
    return out


def check_known_on(name: str, value, dataset: Dataset) -> str:
    """``value`` as a date ``YYYY-MM-DD`` for :meth:`Dataset.known_on` ("" or ``all``: everything on file)."""
    import datetime as dt

    if value in ("", None, "all"):
        return ""
    allowed = "a date YYYY-MM-DD (the data as known on that day), or '' / 'all' for everything on file"
    if not isinstance(value, str) or not DATE_RE.match(value.strip()) or len(value.strip()) != 10:
        raise ParameterError(name, value, allowed)
    try:
        dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ParameterError(name, value, allowed) from None
    known = dataset.known_on(value.strip())
    if known.figures.empty or known.latest_month in ("", "nan"):
        raise ParameterError(name, value, allowed + f"; no figure of the series had been published by {value}")
    return value.strip()
