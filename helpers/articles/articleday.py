"""An article judged on the day it was published, as a journalist would (:func:`judge_article`).

An article that relays that day's release is judged against that release (:func:`on_the_day`): the figures of
the months first released that day are the release as the article relays it, corroborated by other reports of
the same release where these are on file, and the check says so plainly where the article is the only record.
Everything else the article states is left out, to be judged against those figures and what came before.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.data.tables import MAIN_SERIES
from helpers.data.partners import TOTAL
from helpers.data.dataset import Dataset
from helpers.errors import DataError
from helpers.text import month_name, source_ids
from helpers.articles.verdicts import article_line, independent_of



@dataclass(frozen=True)
class ArticleDay:
    """What an article could be judged against on its day (:func:`on_the_day`)."""

    dataset: Dataset           #: the data to judge with: everything released by the day, the day's release included
    reports: Dataset           #: every report known that day, the article's own included (for conflicts)
    day: str                   #: YYYY-MM-DD
    months: tuple[str, ...]    #: the months whose figures were first released that day
    kept: tuple[str, ...]      #: the article's own pages whose figures of those months stand for the release
    corroborated: bool         #: whether another origin on file records that day's release too
    left_out: tuple[str, ...]  #: the article's pages left out for everything else

    def sentence(self, dataset: Dataset) -> str:
        """One sentence on what the day's release is taken from."""
        from helpers.analysis.provenance import cite

        if not self.months:
            return "No release of export data was made that day: every claim is judged on earlier releases."
        what = " and ".join(month_name(m) for m in self.months)
        if not self.kept:
            return f"The figures of {what}, released that day, are taken from other reports of that release."
        if self.corroborated:
            return (f"The figures of {what}, released that day, are that release as the article relays it "
                    f"({cite(dataset, self.kept)}), corroborated by other reports of the same release.")
        return (f"The figures of {what}, released that day, are that release as the article relays it "
                f"({cite(dataset, self.kept)}): on file, the article is the only record of that release, so its "
                "figures of that month are not independently corroborated; every other claim is judged "
                "against them and what was released before.")


def on_the_day(all_data: Dataset, claims: pd.DataFrame, day: str) -> ArticleDay:
    """The data an article is judged with on its publication day, as a journalist would.

    An article that relays a release is judged against that release: the figures of the months first
    released on ``day`` (tonnages of every partner, and the ranking) are taken from the article's own
    pages where no other report of the release is on file — the check then says that the article is the
    only record. Everything else the article states (changes, shares, ranks, records, streaks, totals,
    earlier months) is left out, to be judged against those figures and everything released before.
    """
    import dataclasses

    independent, left_out = independent_of(all_data, claims)
    base = independent.known_on(day)
    everything = all_data.known_on(day)
    known = __import__("helpers.data.dataset", fromlist=["known_dates"]).known_dates(all_data.sources)
    f = everything.figures
    monthly_total = f[(f.partner == TOTAL) & (f.measure == "tonnes") & (f.from_month == f.to_month)
                      & (f.series == MAIN_SERIES)]
    # the months first released that day, or first released by the article's own origin (a month an article
    # restates from an earlier release is not one)
    mine = set(left_out)
    first: dict[str, str] = {}
    for m, s in zip(monthly_total.to_month, monthly_total.source_id):
        first[m] = min(first.get(m, "9999"), known.get(s, "9999"))
    by_article = {m for m, s in zip(monthly_total.to_month, monthly_total.source_id)
                  if s in mine and known.get(s, "9999") <= first[m]}
    months = tuple(sorted({m for m, d in first.items() if d == day} | by_article))
    if not months or not mine:
        return ArticleDay(base, everything, day, months, (), bool(months), tuple(left_out))
    own = f[f.source_id.isin(mine) & (f.measure == "tonnes") & (f.from_month == f.to_month)
            & f.to_month.isin(months)]
    others = base.figures
    others = others[(others.partner == TOTAL) & (others.measure == "tonnes") & others.to_month.isin(months)
                    & (others.from_month == others.to_month)]
    r = everything.rankings
    own_rank = r[r.month.isin(months) & r.source_id.map(lambda x: any(s in mine for s in str(x).split(";")))]
    kept = tuple(sorted(set(own.source_id) | {s for x in own_rank.source_id for s in str(x).split(";") if s in mine},
                        key=lambda s: (len(s), s)))
    figures = pd.concat([base.figures, own[~own.index.isin(base.figures.index)]])
    rankings = pd.concat([base.rankings, own_rank[~own_rank.index.isin(base.rankings.index)]])
    dataset = dataclasses.replace(base, figures=figures, rankings=rankings,
                                  checksum=f"{base.checksum}+day:{'+'.join(kept)}")
    return ArticleDay(dataset, everything, day, months, kept, len(others) > 0, tuple(left_out))


def judge_article(all_data: Dataset, claims: pd.DataFrame, as_known_on: str = "article",
                  as_of: str = "") -> dict:
    """Check an article's claims as the claims report does (notebook 03, ``magnet-claims check``).

    ``as_known_on``: ``article`` (its publication day, as a journalist would judge it: :func:`on_the_day`),
    a date ``YYYY-MM-DD`` (the data as known then, the article's own figures left out), or "" (everything on
    file, the article's own figures left out). ``as_of``: the last month used ("" for the latest known).
    Returns ``checked`` (:func:`check_claims`), ``dataset`` (the data judged with), ``day`` (the date, "" for
    everything), ``article_day`` (whether that is the publication day), ``day_words`` (what the day's
    release is taken from), ``left_out`` (the article's pages left out), ``independent`` (every figure on
    file but the article's own) and ``as_of``.
    """
    independent, left_out = independent_of(all_data, claims)
    article_day = as_known_on == "article"
    day = as_known_on
    if article_day:   # the day its text says it was published, else the day its origin was released
        from helpers.data.dataset import known_dates

        given = [d for d in claims.get("published", pd.Series(dtype=str)) if d]
        ids = [x for x in source_ids([s for s in claims.source_id if s]) if x in set(all_data.sources.source_id)]
        day = given[0] if given else (known_dates(all_data.sources)[ids[0]] if ids else article_line(all_data, claims)[2])
    if article_day and not day:
        raise DataError(claims.file.iloc[0], "the article's publication day is unknown: give a 'published' column "
                        "(YYYY-MM-DD) or a source_id of the source register", column="published")
    if article_day:
        d = on_the_day(all_data, claims, day)
        dataset, reports, words, left_out = d.dataset, d.reports, d.sentence(all_data), list(d.left_out)
    else:
        dataset, reports, words = independent.known_on(day), all_data.known_on(day), ""
    as_of = min(as_of or dataset.latest_month, dataset.latest_month)
    from helpers.articles.claims import check_claims

    checked = check_claims(dataset, claims, as_of, reports=reports)
    return dict(checked=checked, dataset=dataset, day=day, article_day=article_day, day_words=words,
                left_out=left_out, independent=independent, as_of=as_of)
