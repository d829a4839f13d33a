"""The three upstream formats: UN Comtrade, China Customs query exports, and the project's news format.

Each parser turns rows (:mod:`pipeline.importing.reading`) into figures and sources
(:mod:`pipeline.importing.model`), refusing a row that is not China's exports of the
series in one line naming the file, row and column.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode, urlparse

from helpers.data import HS6_SERIES, MAIN_SERIES, OTHER_METALS_SERIES, SERIES, check_header
from helpers.errors import DataError, ParameterError
from helpers.partners import partner_resolver
from helpers.patterns import URL_RE

from .model import Figure, Options, Parsed, Source
from .reading import (CUSTOMS_COLUMNS, FORMATS, check_date_param, decode_upstream, detect_format, month_of, parse_quantity,
                      read_rows, safe_text, tonnes_text, unit_kind)


# --------------------------------------------------------------------------- formats

COMTRADE_REQUIRED = ("reporterCode", "flowCode", "partnerCode", "cmdCode", "netWgt")
#: Columns of UN Comtrade's API (``/data/v1/get``) and bulk CSV files; they are
#: accepted and, except those read above, ignored.
COMTRADE_KNOWN = {
    "typeCode", "freqCode", "refPeriodId", "refYear", "refMonth", "period", "reporterCode",
    "reporterISO", "reporterDesc", "flowCode", "flowDesc", "partnerCode", "partnerISO", "partnerDesc",
    "partner2Code", "partner2ISO", "partner2Desc", "classificationCode", "classificationSearchCode",
    "isOriginalClassification", "cmdCode", "cmdDesc", "aggrLevel", "isLeaf", "customsCode",
    "customsDesc", "mosCode", "motCode", "motDesc", "qtyUnitCode", "qtyUnitAbbr", "qty",
    "isQtyEstimated", "altQtyUnitCode", "altQtyUnitAbbr", "altQty", "isAltQtyEstimated", "netWgt",
    "isNetWgtEstimated", "grossWgt", "isGrossWgtEstimated", "cifvalue", "fobvalue", "primaryValue",
    "legacyEstimationFlag", "isReported", "isAggregate", "datasetCode", "lastUpdated",
}
#: UN Comtrade partner codes that are not a country and not the world: their
#: tonnage cannot be attributed to a destination and is skipped with a warning.
COMTRADE_RESIDUAL = {"97", "290", "292", "473", "492", "527", "568", "577", "636", "637", "837",
                     "838", "839", "849", "879", "899"}
#: UN Comtrade reports Taiwan as "Other Asia, nes" (code 490).
COMTRADE_SPECIAL = {"490": "TW"}

CUSTOMS_REQUIRED = ("Date of data", "Trading partner", "Commodity code", "Quantity", "Unit")
#: The China Customs commodity codes a query export may hold, and the series each goes to.
CUSTOMS_COMMODITIES = {"85051110": MAIN_SERIES, "85051190": OTHER_METALS_SERIES}
#: UN Comtrade's commodity: the HS subheading (6 digits; national tariff lines are not in Comtrade).
COMTRADE_COMMODITY = "850511"
CUSTOMS_URL = "http://stats.customs.gov.cn/indexEn"

NEWS_REQUIRED = ("month", "partner", "measure", "value", "source_url", "published")
NEWS_OPTIONAL = ("to_month", "approx", "outlet", "agency", "title", "note", "series", "origin")


CUSTOMS_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*月?(?:[-/.]\d{1,2})?$")


# --------------------------------------------------------------------------- parsers


def _columns(name: str, missing: list[str], unknown: list[str], what: str, ignoring: str) -> list[str]:
    """Refuse an upstream file with ``missing`` columns; the warning for its ``unknown`` ones (ignored)."""
    if missing:
        raise DataError(name, f"missing column(s) of {what}: {', '.join(missing)}", row=1, column=missing[0])
    return [f"{name}, row 1: {ignoring}: {', '.join(unknown)}"] if unknown else []


def parse_comtrade(header, rows, name, resolve, opts: Options, today: dt.date) -> Parsed:
    """Read a UN Comtrade monthly file (API or bulk CSV)."""
    missing = [c for c in COMTRADE_REQUIRED if c not in header]
    if "period" not in header and "refPeriodId" not in header:
        missing.append("period")
    warnings = _columns(name, missing, [c for c in header if c not in COMTRADE_KNOWN], "a UN Comtrade file",
                        "ignoring column(s) UN Comtrade does not document")
    figures: list[Figure] = []
    seen: dict[tuple[str, str], int] = {}
    for line, r in rows:
        if r.get("freqCode", "M") not in ("M", ""):
            raise DataError(name, f"freqCode '{r['freqCode']}' is not monthly data (download freqCode M)",
                            row=line, column="freqCode")
        period, column = r.get("period", ""), "period"
        if not period:
            period, column = r.get("refPeriodId", ""), "refPeriodId"
        m = re.match(r"^(\d{4})(\d{2})(\d{2})?$", period)
        if not m:
            raise DataError(name, f"'{period}' is not a month (YYYYMM, or refPeriodId YYYYMMDD)",
                            row=line, column=column)
        month = month_of(m.group(1), m.group(2), name, line, column, period, today)
        if r["reporterCode"] != "156":
            who = r.get("reporterDesc") or r["reporterCode"]
            raise DataError(name, f"reporter '{who}' is not China (reporterCode 156)", row=line,
                            column="reporterCode")
        flow = r["flowCode"]
        if flow != "X":
            what = {"M": "imports", "RX": "re-exports", "RM": "re-imports"}.get(flow, f"flow '{flow}'")
            raise DataError(name, f"flowCode '{flow}' is {what}, not exports (only flowCode X is accepted)",
                            row=line, column="flowCode")
        if r["cmdCode"] != COMTRADE_COMMODITY:
            raise DataError(name, f"commodity '{r['cmdCode']}' is not {COMTRADE_COMMODITY} ({SERIES[HS6_SERIES].tariff}, "
                            f"{SERIES[HS6_SERIES].goods})", row=line, column="cmdCode")
        for col, total in (("partner2Code", {"0", ""}), ("customsCode", {"C00", ""}), ("motCode", {"0", ""})):
            if r.get(col, "") not in total:
                raise DataError(name, f"{col} '{r[col]}' is a breakdown; download totals (partner2Code 0, "
                                "customsCode C00, motCode 0)", row=line, column=col)
        code = r["partnerCode"]
        desc = r.get("partnerDesc", "")
        if code in COMTRADE_SPECIAL:
            partner = COMTRADE_SPECIAL[code]
        elif code in COMTRADE_RESIDUAL or desc.lower().endswith(", nes") or desc.lower().endswith(" nes"):
            warnings.append(f"{name}, row {line}: skipping partner '{desc or code}' (an area, not a country)")
            continue
        else:
            partner = None
            for text in (r.get("partnerISO", ""), code, desc):   # the first that resolves
                partner = resolve(text) if text else None
                if partner:
                    break
            if partner is None:
                raise DataError(name, f"unknown partner '{desc or code}' (code {code}); add an alias to "
                                "data/reference/partners.csv", row=line, column="partnerCode")
        weight, wcol = r["netWgt"], "netWgt"
        if not weight and unit_kind(r.get("qtyUnitAbbr", "")) == "kg":
            weight, wcol = r.get("qty", ""), "qty"
        if not weight:
            raise DataError(name, "no net weight (netWgt is empty)", row=line, column="netWgt")
        kg = parse_quantity(weight, name, line, wcol)
        key = (month, partner)
        if key in seen:
            raise DataError(name, f"duplicate row: {partner} in {month} already on row {seen[key]}",
                            row=line, column="partnerCode")
        seen[key] = line
        figures.append(Figure(month, month, partner, "tonnes", tonnes_text(kg, "kg"), line, "file",
                              note=f"UN Comtrade netWgt {format(kg, 'f')} kg", series=HS6_SERIES))
    months = sorted({f.to_month for f in figures})
    if not figures:
        raise DataError(name, "has no figures to add (every row was skipped)")
    url = opts.source_url or "https://comtradeapi.un.org/public/v1/preview/C/M/HS?" + urlencode(
        {"reporterCode": 156, "period": ",".join(m.replace("-", "") for m in months), "cmdCode": COMTRADE_COMMODITY,
         "flowCode": "X"})
    source = Source(outlet=opts.outlet or "UN Comtrade", agency=opts.agency or "UN Comtrade (China's GAC data)",
                    title=opts.title or f"UN Comtrade: China's exports of HS {COMTRADE_COMMODITY} by partner, "
                    f"{_months_label(months)}", url=url, published=_need_published(opts, "comtrade"))
    return Parsed("comtrade", figures, {"file": source}, warnings)


def parse_customs(header, rows, name, resolve, opts: Options, today: dt.date) -> Parsed:
    """Read China Customs' online query export (English or Chinese headers)."""
    alias = {a: en for en, alts in CUSTOMS_COLUMNS.items() for a in alts}
    alias.update({en: en for en in CUSTOMS_COLUMNS})
    canon = [alias.get(h, h) for h in header]
    warnings = _columns(name, [c for c in CUSTOMS_REQUIRED if c not in canon], [h for h in header if h not in alias],
                        "a China Customs export", "ignoring unknown column(s)")
    if "Trade flow" not in canon:
        if opts.flow is None:
            raise ParameterError("--flow", None, "the China Customs file does not say whether it holds exports "
                                 "or imports; check the query and pass --flow export")
        if opts.flow != "export":
            raise ParameterError("--flow", opts.flow, "only exports are imported (--flow export)")
    sums: dict[tuple[str, str, str], list] = {}
    seen: dict[tuple[str, str, str, str], int] = {}
    for line, raw in rows:
        r = {alias.get(k, k): v for k, v in raw.items()}
        if "Trade flow" in r:
            flow = r["Trade flow"].lower()
            if flow not in ("export", "exports", "出口"):
                raise DataError(name, f"'{r['Trade flow']}' is not exports (only exports are imported)",
                                row=line, column=_orig(header, alias, "Trade flow"))
        text = r["Date of data"]
        m = CUSTOMS_MONTH_RE.match(text)
        if not m:
            raise DataError(name, f"'{text}' is not a month (202506, 2025-06 or 2025/06)", row=line,
                            column=_orig(header, alias, "Date of data"))
        month = month_of(m.group(1), m.group(2), name, line, _orig(header, alias, "Date of data"), text, today)
        code = r["Commodity code"].replace(".", "").replace(" ", "")
        if code not in CUSTOMS_COMMODITIES:
            raise DataError(name, f"commodity '{r['Commodity code']}' is not one of " + ", ".join(
                f"{c} ({SERIES[s].goods})" for c, s in CUSTOMS_COMMODITIES.items()), row=line,
                column=_orig(header, alias, "Commodity code"))
        partner = resolve(r["Trading partner"])
        if partner is None:
            raise DataError(name, f"unknown partner '{r['Trading partner']}'; add an alias to "
                            "data/reference/partners.csv", row=line, column=_orig(header, alias, "Trading partner"))
        qty, unit_col = None, None
        for qcol, ucol in (("Quantity", "Unit"), ("Supplimentary Quantity", "Supplimentary Unit")):
            kind = unit_kind(r.get(ucol, ""))
            if kind:
                qty = parse_quantity(r.get(qcol, ""), name, line, _orig(header, alias, qcol))
                unit_col = kind
                break
        if qty is None:
            raise DataError(name, f"unit '{r['Unit']}' is not a weight (kg or tonnes)", row=line,
                            column=_orig(header, alias, "Unit"))
        regime = r.get("Customs Regime code", "") or r.get("Customs Regime", "")
        key = (month, partner, code, regime)
        if key in seen:
            raise DataError(name, f"duplicate row: {partner} in {month}" + (f", regime {regime}" if regime else "")
                            + f" already on row {seen[key]}", row=line, column=_orig(header, alias, "Trading partner"))
        seen[key] = line
        kg = qty * 1000 if unit_col == "t" else qty
        entry = sums.setdefault((month, partner, code), [Decimal(0), line, 0])
        entry[0] += kg
        entry[2] += 1
    figures = []
    for (month, partner, code), (kg, line, n) in sums.items():
        note = f"China Customs {format(kg, 'f')} kg" + (f", sum of {n} customs regimes" if n > 1 else "")
        figures.append(Figure(month, month, partner, "tonnes", tonnes_text(kg, "kg"), line, "file", note=note,
                              series=CUSTOMS_COMMODITIES[code]))
    months = sorted({f.to_month for f in figures})
    source = Source(outlet=opts.outlet or "China Customs online query", agency=opts.agency or "GAC",
                    title=opts.title or f"China Customs statistics: exports of {', '.join(sorted({c for _, _, c in sums}))} by partner, "
                    f"{_months_label(months)}", url=opts.source_url or CUSTOMS_URL,
                    published=_need_published(opts, "customs"))
    return Parsed("customs", figures, {"file": source}, warnings)


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
        # (helpers.data.validate_figures), which import_file runs on these rows by their line
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


PARSERS = {"comtrade": parse_comtrade, "customs": parse_customs, "news": parse_news}


def _orig(header, alias, canon_name: str) -> str:
    """The header text of the file for a canonical China Customs column name."""
    for h in header:
        if alias.get(h, h) == canon_name:
            return h
    return canon_name


def _months_label(months: list[str]) -> str:
    return months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"


def _need_published(opts: Options, fmt: str) -> str:
    if not opts.published:
        raise ParameterError("--published", None, f"the date the data were published (YYYY-MM-DD); a {fmt} "
                             "file does not say")
    return opts.published


#: The largest file (unpacked) magnet-import reads: a month of China's magnet exports from any of the
#: three sources is a few kilobytes; 20 MB keeps an import's memory under about half a gigabyte.
MAX_IMPORT_BYTES = 20_000_000


def read_file(path: Path, fmt: str | None, lookup: dict[str, str], opts: Options, today: dt.date,
              name: str | None = None) -> Parsed:
    """Read and check one upstream file completely (nothing is written)."""
    path = Path(path)
    name = name or str(path)
    if fmt is not None and fmt not in FORMATS:
        raise ParameterError("--format", fmt, ", ".join(FORMATS))
    limit = f"magnet-import reads files up to {MAX_IMPORT_BYTES // 1_000_000} MB (a month of this trade is a few kB): " \
            "query only the commodity and months to add (docs/adding-data.md)"
    try:
        size = path.stat().st_size
        if size > MAX_IMPORT_BYTES:   # refused before reading: memory stays bounded whatever the file
            raise DataError(name, f"is {size / 1e6:,.0f} MB; {limit}")
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(name, f"cannot read the file ({exc.strerror})") from None
    if raw.startswith(b"\x1f\x8b"):  # UN Comtrade bulk files come gzipped
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
                raw = gz.read(MAX_IMPORT_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise DataError(name, f"is not a readable gzip file ({exc})") from None
        if len(raw) > MAX_IMPORT_BYTES:
            raise DataError(name, f"unpacks to more than {MAX_IMPORT_BYTES // 1_000_000} MB; {limit}")
    if not raw.strip() or raw.strip() in (b"\xef\xbb\xbf",):
        raise DataError(name, "is empty")
    text = decode_upstream(raw, name, fmt)
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    # UN Comtrade bulk files are tab-separated; every other format is comma-separated
    tsv = fmt in (None, "comtrade") and "\t" in first and "," not in first and "reporterCode" in first
    header, rows = read_rows(text, name, "\t" if tsv else ",")
    fmt = fmt or detect_format(header, name)
    return PARSERS[fmt](header, rows, name, partner_resolver(lookup), opts, today)
