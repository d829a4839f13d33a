"""Load and validate every data file.

The data live in ``data/``:

- ``raw/<batch>/`` immutable batches, each with any of ``sources.csv``,
  ``figures.csv``, ``rankings.csv``, ``events.csv``, ``resolutions.csv``, and the
  origin register ``origins.csv`` / ``relays.csv`` (see ``data/README.md``);
- ``reference/partners.csv`` display names and aliases of partner codes;
- ``claims/*.csv`` the claims of news reports, checked by ``helpers.articles.claims``;
- in each batch folder, ``reference/`` and ``claims/``, a ``SHA256SUMS`` of its files (``sha256sum -c`` format).

:func:`load_dataset` reads them all, checks every row (:mod:`helpers.data.tables`) and every checksum
(:mod:`helpers.data.checksums`), and returns a :class:`Dataset`. This module only reads: it never writes,
deletes or recovers anything, and ignores dot-folders (an import's staging folder). What writes to
``data/`` is ``magnet-import`` (:mod:`pipeline.intake.batch`: a batch renamed into ``raw/`` whole) and
``python -m pipeline.intake.manifest`` (deliberate re-records, migrations). Bad data stops with a
:class:`~helpers.errors.DataError` naming the file, the row (as a text editor numbers it, header = 1) and the column.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd

from helpers import paths
from helpers.data.checksums import DATASET_FOLDERS, verify_checksums
from helpers.errors import DataError
from helpers.data.partners import TOTAL, partner_name
from helpers.data.tables import MAIN_SERIES, TABLES, _check_unique, _concat, apply_rescopes, apply_setasides, attach_origins, check_scope_matches, load_partners, read_table, validate_events, validate_figures, validate_origins, validate_rankings, validate_relays, validate_resolutions, validate_sources


@dataclass(frozen=True, eq=False)  # eq=False: hashed by identity, so results can be cached per dataset
class Dataset:
    """Every table of ``data/``, validated.

    ``figures`` has, beyond its file columns, ``value`` as a float, ``half_width``
    (half the rounding unit of the value as written, doubled for approximate
    values), ``row`` and ``file`` (where each value came from).

    ``sources`` has, beyond its file columns, ``origin_id`` (the original release or
    story the page relays, from ``relays.csv``) and ``origin_released`` (that origin's
    ``released`` date); ``origins`` is the origin register indexed by ``origin_id``.
    """

    sources: pd.DataFrame
    figures: pd.DataFrame
    rankings: pd.DataFrame
    events: pd.DataFrame
    partners: pd.DataFrame
    resolutions: pd.DataFrame  #: which source wins where reported figures conflict
    checksum: str  #: sha256 of every folder's ``SHA256SUMS``: one id for this state of the data

    @cached_property   # (the tables never change once loaded: a set of many reports asks it for each)
    def latest_month(self) -> str:
        """The last month with a reported all-destinations total."""
        f = self.figures
        monthly = f[(f.partner == TOTAL) & (f.measure == "tonnes") & (f.series == MAIN_SERIES)
                    & (f.from_month == f.to_month)]
        return str(monthly.to_month.max())

    def partner_name(self, code: str) -> str:
        """Display name of a partner code (``US`` -> ``United States``)."""
        return _partner_name_cached(self.partners_key, code)

    @property
    def partners_key(self) -> "_SourcesKey":
        return _SourcesKey(self.partners)

    def rankings_in(self, month: str) -> pd.DataFrame:
        """The reported rankings of one month (an index over the rankings, built once per dataset)."""
        return _rankings_by_month(self).get(month, self.rankings.iloc[0:0])

    def source(self, source_id: str) -> pd.Series:
        """The register row of one source."""
        return self.sources.set_index("source_id").loc[source_id]

    #: The date this dataset is "as known on" (``YYYY-MM-DD``), or "" for everything on file.
    known_on_date: str = ""
    #: The origin register (``origins.csv`` of every batch), indexed by ``origin_id``.
    origins: pd.DataFrame = field(default_factory=lambda: _empty_origins())

    def origin(self, origin_id: str) -> pd.Series:
        """The register row of one origin."""
        return self.origins.loc[origin_id]

    def known_on(self, date: str | None) -> "Dataset":
        """The data as they were known on ``date`` (``YYYY-MM-DD``): only figures, rankings and
        resolutions known by then (:func:`known_dates`: from their origin's release, else their
        earliest relay), and the events that had happened. ``None`` or "" keeps everything."""
        if not date:
            return self
        return _known_on_cached(self, str(date))

def known_dates(sources: pd.DataFrame) -> dict[str, str]:
    """``{source_id: YYYY-MM-DD}``: the day each source's figures became known.

    A figure is known from its **origin**'s release (GAC's release day, an agency's story:
    ``origin_released`` of the origin register), the relaying page being the evidence; where
    no release date is on file, from the earliest page relaying the same origin; where no
    origin is on file, from the page's own ``published`` date. A month-only date counts as the
    month's last day (:func:`published_date`).
    """
    return dict(_known_dates_cached(_SourcesKey(sources)))

class _SourcesKey:
    """Hashes a sources table by identity (tables are never changed once loaded)."""

    def __init__(self, df: pd.DataFrame):
        self.df = df

    def __hash__(self):
        return id(self.df)

    def __eq__(self, other):
        return isinstance(other, _SourcesKey) and other.df is self.df

@lru_cache(maxsize=16)
def _known_dates_cached(key: _SourcesKey) -> tuple[tuple[str, str], ...]:
    s = key.df
    page = [published_date(p) for p in s.published]
    origin = list(s.origin_id) if "origin_id" in s.columns else [""] * len(s)
    released = (["" if pd.isna(x) else published_date(x) if str(x).strip() else "" for x in s.origin_released]
                if "origin_released" in s.columns else [""] * len(s))
    first_relay: dict[str, str] = {}
    for o, p in zip(origin, page):
        if o and not pd.isna(o) and p:
            first_relay[o] = min(first_relay.get(o, p), p)
    out = []
    for sid, o, p, r in zip(s.source_id, origin, page, released):
        has_origin = bool(o) and not pd.isna(o)
        out.append((sid, r or (first_relay.get(o, p) if has_origin else p)))
    return tuple(out)

@lru_cache(maxsize=1024)
def _partner_name_cached(key: "_SourcesKey", code: str) -> str:
    return partner_name(code, key.df)


@lru_cache(maxsize=64)
def _rankings_by_month(dataset: "Dataset") -> dict:
    return {m: g for m, g in dataset.rankings.groupby("month", sort=False)}


@lru_cache(maxsize=16)
def _known_on_cached(dataset: Dataset, date: str) -> Dataset:
    import dataclasses

    public = {sid for sid, d in known_dates(dataset.sources).items() if d <= date}
    f, r, res, ev = dataset.figures, dataset.rankings, dataset.resolutions, dataset.events
    return dataclasses.replace(
        dataset, figures=f[f.source_id.isin(public)], rankings=r[r.source_id.map(lambda x: all(
            s in public for s in str(x).split(";")))],
        resolutions=res[res.winning_source_id.isin(public)],
        # the events that had happened by then (an announcement is public on its day)
        events=ev[ev.date.map(published_date) <= date],
        checksum=f"{dataset.checksum}@{date}", known_on_date=date)

def _empty_origins() -> pd.DataFrame:
    required, optional = TABLES["origins"]
    return pd.DataFrame(columns=list(required + optional) + ["row", "file"], dtype=str).set_index("origin_id")

def origin_of(dataset: "Dataset", source_id: str) -> str:
    """The id of the origin (original release or story) that the source page ``source_id`` relays."""
    hit = dataset.sources.origin_id[dataset.sources.source_id == source_id]
    if hit.empty:
        raise DataError("data/raw/*/sources.csv", f"unknown source id '{source_id}'")
    return str(hit.iloc[0])

def published_date(text: str) -> str:
    """A source's ``published`` as ``YYYY-MM-DD``; a month-only date (``YYYY-MM``) counts as the
    month's **last** day: the conservative reading (the figure was surely public by then)."""
    import calendar

    text = str(text).strip()
    if len(text) == 7:
        y, m = int(text[:4]), int(text[5:7])
        return f"{text}-{calendar.monthrange(y, m)[1]:02d}"
    return text

def load_dataset(data_dir: Path | None = None, today: dt.date | None = None) -> Dataset:
    """Read, validate and checksum-verify the data (``raw/``, ``reference/``); return a :class:`Dataset`."""
    data_dir = Path(data_dir or paths.DATA)
    checksum = verify_checksums(data_dir, DATASET_FOLDERS)
    return _load_dataset_cached(str(data_dir), checksum, today)

@lru_cache(maxsize=4)
def _load_dataset_cached(data_dir: str, checksum: str, today: dt.date | None) -> Dataset:
    data_dir = Path(data_dir)
    batches = sorted(p for p in (data_dir / "raw").iterdir() if p.is_dir() and not p.name.startswith("."))
    tables: dict[str, list[pd.DataFrame]] = {
        t: [] for t in ("sources", "figures", "rankings", "events", "resolutions", "origins", "relays", "rescopes", "setasides")}
    for batch in batches:
        for table in tables:
            path = batch / f"{table}.csv"
            if path.exists():
                tables[table].append(read_table(path, table))
    sources = validate_sources(_concat(tables["sources"], "sources"))
    _check_unique(sources, ["source_id"], "source id")
    origins = validate_origins(_concat(tables["origins"], "origins"))
    raw_relays = _concat(tables["relays"], "relays")
    relays = validate_relays(raw_relays, sources, origins)
    # an origin a correction replaced, that no page relays any more, leaves the register (its row stays on file)
    replaced = set(raw_relays.get("replaces", pd.Series(dtype=str)).fillna("")) - {""} - set(relays.origin_id)
    origins = origins[~origins.origin_id.isin(replaced)]
    sources = attach_origins(sources, relays, origins)
    ids = set(sources.source_id)
    figures = _concat(tables["figures"], "figures")
    figures = apply_rescopes(figures, _concat(tables["rescopes"], "rescopes"))
    figures = validate_figures(figures, ids, today)
    figures = apply_setasides(figures, _concat(tables["setasides"], "setasides"), sources)
    rankings = validate_rankings(_concat(tables["rankings"], "rankings"), ids, today)
    events = validate_events(_concat(tables["events"], "events"), ids)
    partners = load_partners(data_dir / "reference" / "partners.csv")
    resolutions = _concat(tables["resolutions"], "resolutions")
    resolutions = validate_resolutions(resolutions, ids)
    check_scope_matches(figures, resolutions)
    return Dataset(sources=sources, figures=figures, rankings=rankings, events=events,
                   partners=partners, resolutions=resolutions, checksum=checksum,
                   origins=origins.set_index("origin_id"))

def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.data.dataset``: check the data (every row, every checksum, claims files included).

    It only reads; deliberate changes to recorded checksums are ``python -m pipeline.intake.manifest``."""
    import argparse
    import sys

    from helpers.errors import MagnetError

    parser = argparse.ArgumentParser(prog="python -m helpers.data.dataset", description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    try:
        verify_checksums()  # every data file, claims included
        ds = load_dataset()
    except MagnetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"data OK: {len(ds.sources)} sources from {len(ds.origins)} origins, {len(ds.figures)} figures, {len(ds.events)} events, "
          f"latest month {ds.latest_month}, checksum {ds.checksum[:12]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
