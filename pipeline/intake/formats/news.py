"""The project's simple format for figures typed in from a news release, each row citing its page."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlparse

from helpers.data.tables import MAIN_SERIES, SERIES, check_header
from helpers.errors import DataError, ParameterError
from helpers.data.patterns import URL_RE

from pipeline.intake.model import Figure, Options, Parsed, Source
from pipeline.intake.reading import check_date_param, month_of, safe_text
from pipeline.intake.formats.registry import Format, register

NEWS_REQUIRED = ("month", "partner", "measure", "value", "source_url", "published")
NEWS_OPTIONAL = ("to_month", "approx", "outlet", "agency", "title", "note", "series", "origin")



def parse_news(header, rows, name, resolve, opts: Options, today: dt.date) -> Parsed:
    """Read the simple format for figures typed in from a news release."""
    check_header(name, header, NEWS_REQUIRED, NEWS_OPTIONAL)
    figures: list[Figure] = []
    sources: dict[str, Source] = {}
    seen: dict[tuple, int] = {}
    for line, r in rows:
        for col in ("month", "partner", "measure", "value"):
            if not r[col]:
                raise DataError(name, "is empty", row=line, column=col)
        if not r["source_url"]:
            raise DataError(name, "no source: every figure needs the URL of the page that reported it",
                            row=line, column="source_url")
        if not URL_RE.match(r["source_url"]):
            raise DataError(name, f"'{r['source_url']}' is not an http(s) URL", row=line, column="source_url")
        if not r["published"]:
            raise DataError(name, "no publication date of the source (YYYY-MM-DD)", row=line, column="published")
        try:
            check_date_param("published", r["published"])
        except ParameterError:
            raise DataError(name, f"'{r['published']}' is not a date (YYYY-MM-DD or YYYY-MM)", row=line,
                            column="published") from None
        months = []
        for col in ("month", "to_month"):
            text = r.get(col, "")
            if col == "to_month" and not text:
                months.append(months[0])
                continue
            m = re.match(r"^(\d{4})-(\d{1,2})$", text)
            if not m:
                raise DataError(name, f"'{text}' is not a month (YYYY-MM)", row=line, column=col)
            months.append(month_of(m.group(1), m.group(2), name, line, col, text, today))
        a, b = months
        if a > b:
            raise DataError(name, f"to_month '{b}' is before month '{a}'", row=line, column="to_month")
        measure, value, approx = r["measure"], r["value"], r.get("approx", "")
        # measure, value and approx are checked by the loader's own figure validator
        # (helpers.data.dataset.validate_figures), which import_file runs on these rows by their line
        partner = resolve(r["partner"])
        if partner is None:
            raise DataError(name, f"unknown partner '{r['partner']}' (ISO 3166 code or country name; WLD or "
                            "World for all destinations)", row=line, column="partner")
        series = r.get("series", "") or MAIN_SERIES
        if series not in SERIES:
            raise DataError(name, f"unknown series '{series}' (empty for GAC's rare-earth line, or one of "
                            f"{', '.join(SERIES)})", row=line, column="series")
        key = (a, b, partner, measure, series)
        if key in seen:
            raise DataError(name, f"duplicate row: {measure} of {partner} {a}..{b} already on row {seen[key]}",
                            row=line, column="value")
        seen[key] = line
        url = r["source_url"]
        host = (urlparse(url).hostname or url).removeprefix("www.")
        src = Source(outlet=safe_text(r.get("outlet", "")) or opts.outlet or host,
                     agency=safe_text(r.get("agency", "")) or opts.agency or "",
                     title=safe_text(r.get("title", "")) or opts.title or f"News release ({host})",
                     url=url, published=r["published"], row=line, origin=r.get("origin", "").strip())
        if src.origin and not re.match(r"^[A-Za-z][A-Za-z0-9_.-]*$", src.origin):
            raise DataError(name, f"'{src.origin}' is not an origin id (e.g. O23; see data/README.md, origins)",
                            row=line, column="origin")
        if url in sources:
            first = sources[url]
            if (first.published, first.outlet, first.title, first.origin) != (src.published, src.outlet, src.title,
                                                                              src.origin):
                raise DataError(name, f"the same source URL with a different published/outlet/title/origin than on "
                                f"row {first.row}", row=line, column="source_url")
        else:
            sources[url] = src
        figures.append(Figure(a, b, partner, measure, value, line, url, approx=approx,
                              note=safe_text(r.get("note", "")), series=series))
    return Parsed("news", figures, sources, [])


FORMAT = register(Format(
    name="news", label="news release", parse=parse_news,
    detects=lambda h: {"month", "source_url"} <= h or {"month", "measure", "value"} <= h,
    origin_kind="article", reuses_registered_pages=True))
