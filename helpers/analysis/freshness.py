"""How fresh the data on file are: the latest month, its release, and what GAC's calendar had due by the build.

GAC releases a month's trade figures around the 20th of the following month, except January, which it
releases with February (around 20 March). :func:`due_through` gives the latest month whose release was
due by a date; :func:`claim` states the latest month on file, its release date and how many months
behind the data are on the build date, as a claim of kind ``freshness`` that :mod:`helpers.analysis.judge`
recomputes like every other statement.

The build date is the edition's own date when it is made "as known on" a day (``as_known_on``), else
``SOURCE_DATE_EPOCH`` when set (reproducible builds), else today (UTC).
"""

from __future__ import annotations

import datetime as dt
import os

from helpers.analysis import compare
from helpers import text
from helpers.data.partners import TOTAL
from helpers.data.dataset import Dataset
from helpers.months import add_months, month_range

#: The day of the following month around which GAC releases a month's figures.
RELEASE_DAY = 20


def build_date(dataset: Dataset | None = None) -> str:
    """``YYYY-MM-DD``: the dataset's "as known on" date, else SOURCE_DATE_EPOCH, else today (UTC)."""
    if dataset is not None and dataset.known_on_date:
        return dataset.known_on_date
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date().isoformat()
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


def due_date(month: str) -> str:
    """The day GAC's calendar releases ``month`` (around the 20th of the next month; January with February)."""
    release_month = add_months(month, 2 if month.endswith("-01") else 1)
    return f"{release_month}-{RELEASE_DAY:02d}"


def due_through(date: str) -> str:
    """The latest month whose release GAC's calendar had due on or before ``date``."""
    m = date[:7]
    while due_date(m) > date:
        m = add_months(m, -1)
    return m


def latest(dataset: Dataset) -> tuple[str, str]:
    """The latest month with a reported all-destinations total, and the day it became known."""
    month = dataset.latest_month
    e = compare.estimate(dataset, TOTAL, month)
    return month, (e.published if e is not None else "")


def claim(dataset: Dataset, date: str | None = None) -> dict:
    """The freshness claim of the data as known in ``dataset`` on the build date ``date``."""
    month, released = latest(dataset)
    # a build reads the data on file, so it cannot precede their latest release: a SOURCE_DATE_EPOCH set
    # earlier (a fixed epoch in tests) counts as that release day
    date = max(date or build_date(dataset), released)
    due = due_through(date)
    behind = month_range(add_months(month, 1), due) if due > month else []
    return {"kind": "freshness", "partner": TOTAL, "first": month, "last": month, "released": released,
            "build_date": date, "due_through": due, "behind": len(behind)}


def words(c: dict) -> str:
    """The freshness line: the latest month on file, its release, and how far behind the calendar it is."""
    head = f"Latest month on file: {text.month_name(c['first'])}, released on {text.day_name(c['released'])}"
    on = text.day_name(c["build_date"])
    if not c["behind"]:
        return f"{head}, the latest release GAC's calendar had due by {on}."
    first = add_months(c["first"], 1)
    span = text.month_name(first) if first == c["due_through"] else text.period_name(first, c["due_through"])
    return (f"{head}. By GAC's calendar (each month around the {RELEASE_DAY}th of the next, January with "
            f"February) the releases for {span} were due by {on}, the last around "
            f"{text.day_name(due_date(c['due_through']))}: the data on file are {text.plural(c['behind'], 'month')} "
            "behind.")
