"""The whole dataset as a Frictionless data package, published beside the reports (``reports/data/``).

Statistical offices publish a downloadable dataset with every bulletin; Our World in Data serves
the data and its metadata beside every chart. The build writes here, whenever the data changed:

- ``figures.csv``: every figure as its source published it (one row per figure and source), with
  its series (scope), measure, unit and source;
- ``monthly.csv``: the monthly series the reports draw, per destination: reported, derived (with
  the range the rounding of its inputs allows, its method and sources) or missing;
- ``sources.csv`` and ``events.csv``: the source register and the timeline of policy steps;
- ``datapackage.json``: the descriptor (Frictionless Data Package v1): licence, sources, and for
  each resource its schema (field types, keys) and the scope of its series.

The tests validate it with the ``frictionless`` library.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

FOLDER = "data"
LICENSE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
           "path": "https://creativecommons.org/licenses/by/4.0/"}


def _schema(fields: list[tuple[str, str, str]], key: list[str] | None = None) -> dict:
    schema = {"fields": [{"name": n, "type": t, "description": d} for n, t, d in fields],
              "missingValues": [""]}
    if key:
        schema["primaryKey"] = key
    return schema


FIGURES = [("series", "string", "the scope the figure counts (see the resource's 'scopes')"),
           ("partner", "string", "destination: ISO 3166-1 alpha-2 code, or WLD for all destinations"),
           ("from_month", "yearmonth", "first month the figure covers"),
           ("to_month", "yearmonth", "last month it covers (a cumulative total spans several)"),
           ("measure", "string", "tonnes, mom_pct (change on the month before, %), yoy_pct (on a year before, %), ..."),
           ("value", "number", "as published (its rounding is the half-width)"),
           ("half_width", "number", "half the last published digit: the rounding the value allows"),
           ("approx", "boolean", "the source said 'about' or 'nearly'"),
           ("source_id", "string", "the source that published it (sources.csv)"),
           ("note", "string", "the source's own remark, as written")]
MONTHLY = [("partner", "string", "destination code, or WLD for all destinations"),
           ("name", "string", "destination name"),
           ("month", "yearmonth", "the month"),
           ("tonnes", "number", "exports in metric tonnes (empty when not known)"),
           ("low", "number", "lower end of the range the rounding of its inputs allows"),
           ("high", "number", "upper end of that range"),
           ("status", "string", "reported, derived, or missing (not reported and not derivable: never zero)"),
           ("method", "string", "how a derived value follows from published figures"),
           ("sources", "string", "the sources it rests on, separated by ';'")]
SOURCES = [("source_id", "string", "id used by figures.csv and the reports"), ("outlet", "string", "who published the page"),
           ("agency", "string", "whose figures or story it carries"), ("title", "string", "title of the page"),
           ("url", "string", "where it is"), ("published", "string", "date published (YYYY-MM-DD or YYYY-MM)"),
           ("accessed", "date", "date accessed")]
EVENTS = [("event_id", "string", "id"), ("date", "date", "date of the policy step"),
          ("end_date", "date", "end of a period (controls), if any"), ("kind", "string", "controls, easing, tariffs, ..."),
          ("label", "string", "short name"), ("description", "string", "what happened"),
          ("source_id", "string", "source (sources.csv)")]


def _write_csv(df, path: Path) -> None:
    from pipeline.render.safecsv import neutralise_frame

    neutralise_frame(df).to_csv(path, index=False, lineterminator="\n")   # no formulas (OWASP)


def monthly_rows(dataset):
    """Every destination's monthly series from its first to the latest month with data."""
    import pandas as pd

    from helpers.data.partners import TOTAL
    from helpers.analysis.series import build_monthly_series

    frames = []
    start = min(dataset.figures.from_month)
    for p in [TOTAL] + sorted(set(dataset.figures.partner) - {TOTAL}):
        s = build_monthly_series(dataset, p, start, dataset.latest_month)
        if (s.status == "missing").all():
            continue
        s = s.assign(partner=p, name=dataset.partner_name(p))
        frames.append(s[["partner", "name", "month", "tonnes", "low", "high", "status", "method", "sources"]])
    out = pd.concat(frames, ignore_index=True)
    for c in ("tonnes", "low", "high"):
        out[c] = out[c].round(4)
    return out


def descriptor(dataset) -> dict:
    """The ``datapackage.json`` of the dataset."""
    from helpers.data.tables import SERIES

    scopes = [{"series": code, "tariff": s.tariff, "goods": s.goods, "publisher": s.publisher}
              for code, s in SERIES.items()]
    from pipeline.render.safecsv import neutralise

    sources = [{"title": neutralise(f"{r.outlet}: {r.title}"), "path": r.url or "", "id": r.source_id}
               for r in dataset.sources.itertuples()]
    sources = [dict(s, path=s["path"]) if s["path"] else {"title": s["title"]} for s in sources]
    return {
        "profile": "tabular-data-package",
        "name": "china-rare-earth-magnet-exports",
        "title": "China's rare-earth magnet exports, month by month, with every value's source",
        "description": ("China's exports of rare-earth permanent magnets (China's tariff line 8505.11.10) as "
                        "published by China's customs and relayed by news agencies; derived months with the "
                        "range the rounding of their inputs allows; the sources and the policy timeline."),
        "version": dataset.checksum[:12],
        "licenses": [LICENSE],
        "sources": sources,
        "resources": [
            {"name": "figures", "path": "figures.csv", "profile": "tabular-data-resource", "format": "csv",
             "mediatype": "text/csv", "encoding": "utf-8", "title": "Every figure as published",
             "scopes": scopes, "schema": _schema(FIGURES)},
            {"name": "monthly", "path": "monthly.csv", "profile": "tabular-data-resource", "format": "csv",
             "mediatype": "text/csv", "encoding": "utf-8", "title": "The monthly series the reports draw",
             "scope": scopes[0] if scopes else {}, "schema": _schema(MONTHLY, ["partner", "month"])},
            {"name": "sources", "path": "sources.csv", "profile": "tabular-data-resource", "format": "csv",
             "mediatype": "text/csv", "encoding": "utf-8", "title": "The source register",
             "schema": _schema(SOURCES, ["source_id"])},
            {"name": "events", "path": "events.csv", "profile": "tabular-data-resource", "format": "csv",
             "mediatype": "text/csv", "encoding": "utf-8", "title": "The timeline of policy steps",
             "schema": _schema(EVENTS, ["event_id"])},
        ],
    }


def write_data_package(dataset, out_dir: Path) -> Path:
    """Write ``out_dir/data/`` (atomically: a new folder renamed over the old) when the data changed."""
    target = Path(out_dir) / FOLDER
    stamp = target / ".checksum"
    try:
        if stamp.read_text(encoding="utf-8") == dataset.checksum:
            return target / "datapackage.json"
    except OSError:
        pass
    tmp = Path(out_dir) / f".{FOLDER}.{os.getpid()}.new"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    fig = dataset.figures.rename(columns={})[[n for n, _, _ in FIGURES]]
    _write_csv(fig.sort_values(["series", "partner", "from_month", "to_month", "measure", "source_id"]), tmp / "figures.csv")
    _write_csv(monthly_rows(dataset), tmp / "monthly.csv")
    _write_csv(dataset.sources[[n for n, _, _ in SOURCES]], tmp / "sources.csv")
    _write_csv(dataset.events[[n for n, _, _ in EVENTS]], tmp / "events.csv")
    (tmp / "datapackage.json").write_text(json.dumps(descriptor(dataset), indent=1, ensure_ascii=False),
                                          encoding="utf-8")
    (tmp / ".checksum").write_text(dataset.checksum, encoding="utf-8")
    old = Path(out_dir) / f".{FOLDER}.{os.getpid()}.old"
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)
    return target / "datapackage.json"
