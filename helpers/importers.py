"""Add a file of official figures to ``data/`` as a new, immutable raw batch.

Three upstream formats are read (see ``docs/adding-data.md``):

- ``comtrade`` — a UN Comtrade monthly CSV as its API and bulk files give it
  (``period``/``refPeriodId``, ``reporterCode`` 156, ``flowCode`` X, ``partnerCode``/
  ``partnerISO``/``partnerDesc``, ``cmdCode`` 850511, ``netWgt`` in kg, ...);
- ``customs`` — China Customs' English (or Chinese) online query export
  (``Date of data``, ``Trading partner``, ``Commodity code`` 85051110, ``Quantity``,
  ``Unit``, ...), UTF-8 or GBK;
- ``news`` — the project's own simple format for figures typed in from a news
  release (``month, partner, measure, value, source_url, published`` and optional
  ``to_month, approx, outlet, agency, title, note``).

:func:`import_file` reads and checks the whole file, checks the figures against the
dataset (conflicts, plausibility), builds the batch in a temporary folder, validates
the whole dataset with the batch included, then moves it into ``data/raw/`` and
records its checksums last. Any error leaves ``data/`` byte-identical and names the
file and row (or the parameter) in one line.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import hashlib
import io
import os
import re
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlencode, urlparse

import pandas as pd
import pycountry

from . import paths
from .data import MAIN_SERIES, MEASURES, TOTAL, TABLES, check_header, load_dataset, record_checksums, validate_figures
from .errors import ConflictError, DataError, MagnetError, ParameterError
from .series import month_range

FORMATS = ("comtrade", "customs", "news")
#: A tonnage above IMPLAUSIBLE_HIGH times the partner's median reported monthly total (or
#: below IMPLAUSIBLE_LOW times it) is implausible: the usual cause is kg typed as tonnes.
IMPLAUSIBLE_HIGH = 5.0
IMPLAUSIBLE_LOW = 1 / 20

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

#: China Customs' English export headers, with the Chinese headers of the same query.
CUSTOMS_COLUMNS = {
    "Date of data": ("数据年月",),
    "Trading partner code": ("贸易伙伴编码",),
    "Trading partner": ("贸易伙伴名称", "贸易伙伴"),
    "Commodity code": ("商品编码",),
    "Commodity": ("商品名称",),
    "Customs Regime code": ("贸易方式编码",),
    "Customs Regime": ("贸易方式名称", "贸易方式"),
    "Quantity": ("第一数量",),
    "Unit": ("第一计量单位",),
    "Supplimentary Quantity": ("第二数量", "Supplementary Quantity"),
    "Supplimentary Unit": ("第二计量单位", "Supplementary Unit"),
    "US dollar": ("美元",),
    "Trade flow": ("进出口", "Flow", "Import or export", "Import/Export"),
}
CUSTOMS_REQUIRED = ("Date of data", "Trading partner", "Commodity code", "Quantity", "Unit")
CUSTOMS_COMMODITY = "85051110"
CUSTOMS_URL = "http://stats.customs.gov.cn/indexEn"

NEWS_REQUIRED = ("month", "partner", "measure", "value", "source_url", "published")
NEWS_OPTIONAL = ("to_month", "approx", "outlet", "agency", "title", "note")

#: Names China Customs' Chinese-language exports use for frequent partners (more go
#: into ``data/reference/partners.csv`` as aliases: a data change, not a code change).
CHINESE_NAMES = {
    "总值": TOTAL, "全球": TOTAL, "世界": TOTAL, "合计": TOTAL, "美国": "US", "德国": "DE", "日本": "JP",
    "韩国": "KR", "越南": "VN", "印度": "IN", "泰国": "TH", "墨西哥": "MX", "中国台湾": "TW", "中国香港": "HK",
    "英国": "GB", "法国": "FR", "意大利": "IT", "荷兰": "NL", "西班牙": "ES", "波兰": "PL", "马来西亚": "MY",
    "新加坡": "SG", "印度尼西亚": "ID", "菲律宾": "PH", "巴西": "BR", "加拿大": "CA", "俄罗斯联邦": "RU",
    "土耳其": "TR", "澳大利亚": "AU", "捷克": "CZ", "奥地利": "AT", "瑞士": "CH", "瑞典": "SE", "比利时": "BE",
    "丹麦": "DK", "匈牙利": "HU", "斯洛伐克": "SK", "以色列": "IL", "阿联酋": "AE", "巴基斯坦": "PK", "南非": "ZA",
}

KG_UNITS = {"kg", "kgs", "kilogram", "kilograms", "千克", "公斤"}
TONNE_UNITS = {"t", "tonne", "tonnes", "ton", "tons", "metric ton", "吨"}

UPSTREAM_NUMBER_RE = re.compile(r"^\d+(\.\d+)?([eE][+-]?\d+)?$")
THOUSANDS_RE = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
NEWS_NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")
MONTH_TEXT_RE = re.compile(r"^(\d{4})-(\d{2})$")
CUSTOMS_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*月?(?:[-/.]\d{1,2})?$")
DATE_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
SLUG_RE = re.compile(r"[^a-z0-9]+")

FIGURE_COLUMNS = ("from_month", "to_month", "partner", "measure", "value", "approx", "series",
                  "source_id", "note")
SOURCE_COLUMNS = ("source_id", "outlet", "agency", "title", "url", "published", "accessed", "note")
RESOLUTION_COLUMNS = ("from_month", "to_month", "partner", "measure", "winning_source_id", "series", "note")
assert set(FIGURE_COLUMNS) == set(sum(TABLES["figures"], ()))
assert set(SOURCE_COLUMNS) == set(sum(TABLES["sources"], ()))
assert set(RESOLUTION_COLUMNS) == set(sum(TABLES["resolutions"], ()))


@dataclass
class Figure:
    """One figure read from the upstream file, before it gets its source id."""

    from_month: str
    to_month: str
    partner: str
    measure: str
    value: str           #: as text: its decimals are its precision
    row: int             #: line of the upstream file it came from
    source_key: str      #: which :class:`Source` of the file reported it
    approx: str = ""
    note: str = ""


@dataclass
class Source:
    """One source register row to add (without its id and access date)."""

    outlet: str
    agency: str
    title: str
    url: str
    published: str
    note: str = ""
    row: int | None = None


@dataclass
class Parsed:
    """What one upstream file says."""

    format: str
    figures: list[Figure]
    sources: dict[str, Source]
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """What :func:`import_file` added."""

    batch: Path | None          #: the new batch folder (None for a dry run)
    source_ids: list[str]
    figures: int
    resolutions: int
    months: list[str]
    warnings: list[str]


@dataclass
class Options:
    """What the command line says where the file itself cannot."""

    source_url: str | None = None
    published: str | None = None
    title: str | None = None
    outlet: str | None = None
    agency: str | None = None
    flow: str | None = None


# --------------------------------------------------------------------------- reading


def decode_upstream(raw: bytes, name: str, fmt: str | None = None) -> str:
    """Decode an upstream file: UTF-8 (with or without Excel's byte-order mark),
    UTF-16 with a byte-order mark, and — for China Customs files — GBK/GB18030."""
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(name, "is an Excel workbook, not CSV (save it as 'CSV UTF-8')")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise DataError(name, "starts with a UTF-16 byte-order mark but is not UTF-16 text") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if fmt in (None, "customs"):
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            pass
        else:
            if fmt == "customs" or any(h in text for alts in CUSTOMS_COLUMNS.values() for h in alts):
                return text
    line = raw[: utf8_error.start].count(b"\n") + 1
    hint = "save it as UTF-8" + ("" if fmt == "customs" else "; China Customs GBK files: use --format customs")
    if fmt == "customs":
        hint = "neither UTF-8 nor GBK/GB18030; save it as UTF-8"
    raise DataError(name, f"cannot be decoded: byte 0x{raw[utf8_error.start]:02x} is not UTF-8 text ({hint})",
                    row=line)


def read_rows(text: str, name: str, delimiter: str = ",") -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Parse CSV text: the header and ``(line number, {column: cell})`` per non-blank row."""
    if not text.strip():
        raise DataError(name, "is empty")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise DataError(name, f"is not valid CSV ({exc})", row=1) from None
    if len(header) == 1:
        for delim in (";", "\t", "|"):
            if delim in header[0]:
                shown = {"\t": "tab", ";": "';'", "|": "'|'"}[delim]
                raise DataError(name, f"is not comma-separated (the header splits on {shown}; "
                                "save it as CSV with ',' between columns)", row=1)
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise DataError(name, f"duplicate column(s): {', '.join(dupes)}", row=1, column=dupes[0])
    rows = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise DataError(name, f"has {len(cells)} fields where the header has {len(header)} "
                                "(an unquoted comma, or a different delimiter?)", row=line)
            rows.append((line, {h: c.strip() for h, c in zip(header, cells)}))
    except csv.Error as exc:
        raise DataError(name, f"is not valid CSV ({exc})", row=reader.line_num) from None
    if not rows:
        raise DataError(name, "has a header but no data rows")
    return header, rows


def detect_format(header: list[str], name: str) -> str:
    """Tell the format from the header."""
    h = set(header)
    if {"reporterCode", "cmdCode"} <= h or {"flowCode", "netWgt"} <= h:
        return "comtrade"
    customs_names = set(CUSTOMS_COLUMNS) | {a for alts in CUSTOMS_COLUMNS.values() for a in alts}
    if len(h & customs_names) >= 3:
        return "customs"
    if {"month", "source_url"} <= h or {"month", "measure", "value"} <= h:
        return "news"
    raise DataError(name, "cannot tell the format from the header; pass --format "
                    f"({', '.join(FORMATS)})", row=1)


# --------------------------------------------------------------------------- values


def month_of(year: str, month: str, name: str, row: int, column: str, text: str, today: dt.date) -> str:
    """``YYYY-MM`` from year and month digits, refusing month 13 and future months."""
    m = int(month)
    if not 1 <= m <= 12:
        raise DataError(name, f"'{text}' is not a month (month {m} is not 01-12)", row=row, column=column)
    value = f"{int(year):04d}-{m:02d}"
    if value > f"{today:%Y-%m}":
        raise DataError(name, f"'{text}' is in the future (today is {today:%Y-%m-%d})", row=row, column=column)
    return value


def parse_quantity(text: str, name: str, row: int, column: str) -> Decimal:
    """A non-negative upstream number (thousands separators and exponents allowed)."""
    t = text.strip()
    if THOUSANDS_RE.match(t):
        t = t.replace(",", "")
    if t.startswith("-") and UPSTREAM_NUMBER_RE.match(t[1:]):
        raise DataError(name, f"negative weight {text}", row=row, column=column)
    if not UPSTREAM_NUMBER_RE.match(t):
        raise DataError(name, f"'{text}' is not a number", row=row, column=column)
    try:
        return Decimal(t)
    except InvalidOperation:  # pragma: no cover - the regex already guards
        raise DataError(name, f"'{text}' is not a number", row=row, column=column) from None


def tonnes_text(quantity: Decimal, unit: str) -> str:
    """Tonnes as text, keeping the precision of the upstream figure (kg -> 3 decimals)."""
    t = quantity.scaleb(-3) if unit == "kg" else quantity
    if unit == "kg" and t.as_tuple().exponent > -3:
        t = t.quantize(Decimal("0.001"))
    if t.as_tuple().exponent > 0:
        t = t.quantize(Decimal(1))
    return format(t, "f")


def unit_kind(unit: str) -> str | None:
    """``kg``, ``t`` or None for another unit."""
    u = unit.strip().lower()
    if u in KG_UNITS:
        return "kg"
    if u in TONNE_UNITS:
        return "t"
    return None


def partner_lookup(partners: pd.DataFrame) -> dict[str, str]:
    """Lower-cased code, name and alias -> partner code, from ``partners.csv``."""
    out: dict[str, str] = {}
    for r in partners.itertuples():
        for text in [r.code, r.name, *str(r.aliases).split(";")]:
            if text.strip():
                out[text.strip().lower()] = r.code
    return out


def map_partner(text: str, lookup: dict[str, str]) -> str | None:
    """A partner name or code -> ISO 3166-1 alpha-2 (``WLD`` for the world), or None.

    The reference table's aliases first, then ISO 3166 codes and names, then a fuzzy
    search when it finds exactly one country.
    """
    t = " ".join(text.split())
    if not t:
        return None
    if t.lower() in lookup:
        return lookup[t.lower()]
    if t in CHINESE_NAMES:
        return CHINESE_NAMES[t]
    country = None
    if t.isdigit():
        if int(t) == 0:
            return TOTAL
        country = pycountry.countries.get(numeric=t.zfill(3))
    elif len(t) == 2 and t.isalpha():
        country = pycountry.countries.get(alpha_2=t.upper())
    elif len(t) == 3 and t.isalpha():
        country = pycountry.countries.get(alpha_3=t.upper())
    if country is None:
        low = t.lower()
        for c in pycountry.countries:
            names = [c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)]
            if low in {n.lower() for n in names if n}:
                country = c
                break
    if country is None and len(t) > 3 and not t.isdigit():
        try:
            hits = pycountry.countries.search_fuzzy(t)
        except LookupError:
            hits = []
        if len(hits) == 1:
            country = hits[0]
    return country.alpha_2 if country is not None else None


def safe_text(text: str) -> str:
    """One line of text: control characters and line breaks become spaces."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def check_date_param(name: str, value: str) -> str:
    if not DATE_RE.match(value):
        raise ParameterError(name, value, "a date, YYYY-MM-DD (or YYYY-MM)")
    try:
        dt.date.fromisoformat(value if len(value) == 10 else value + "-01")
    except ValueError:
        raise ParameterError(name, value, "a real date, YYYY-MM-DD") from None
    return value


def check_url_param(name: str, value: str) -> str:
    if not re.match(r"^https?://\S+$", value):
        raise ParameterError(name, value, "an http(s) URL without spaces")
    return value


def check_slug(value: str) -> str:
    """A safe batch-name slug from a user-given one; refuses paths."""
    if "/" in value or "\\" in value or ".." in value or os.path.isabs(value) or value.startswith("~"):
        raise ParameterError("--slug", value, "a short name, not a path (no '/', '\\', '..')")
    slug = SLUG_RE.sub("-", value.lower()).strip("-")[:40].strip("-")
    if not slug:
        raise ParameterError("--slug", value, "letters or digits (a-z, 0-9, '-')")
    return slug


# --------------------------------------------------------------------------- parsers


def parse_comtrade(header, rows, name, lookup, opts: Options, today: dt.date) -> Parsed:
    """Read a UN Comtrade monthly file (API or bulk CSV)."""
    missing = [c for c in COMTRADE_REQUIRED if c not in header]
    if "period" not in header and "refPeriodId" not in header:
        missing.append("period")
    if missing:
        raise DataError(name, f"missing column(s) of a UN Comtrade file: {', '.join(missing)}", row=1,
                        column=missing[0])
    warnings = []
    unknown = [c for c in header if c not in COMTRADE_KNOWN]
    if unknown:
        warnings.append(f"{name}, row 1: ignoring column(s) UN Comtrade does not document: {', '.join(unknown)}")
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
        if r["cmdCode"] != MAIN_SERIES:
            raise DataError(name, f"commodity '{r['cmdCode']}' is not {MAIN_SERIES} (rare-earth permanent "
                            "magnets)", row=line, column="cmdCode")
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
            for text in (r.get("partnerISO", ""), code, desc):
                partner = map_partner(text, lookup) if text else None
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
                              note=f"UN Comtrade netWgt {format(kg, 'f')} kg"))
    months = sorted({f.to_month for f in figures})
    if not figures:
        raise DataError(name, "has no figures to add (every row was skipped)")
    url = opts.source_url or "https://comtradeapi.un.org/public/v1/preview/C/M/HS?" + urlencode(
        {"reporterCode": 156, "period": ",".join(m.replace("-", "") for m in months), "cmdCode": MAIN_SERIES,
         "flowCode": "X"})
    source = Source(outlet=opts.outlet or "UN Comtrade", agency=opts.agency or "UN Comtrade (China's GAC data)",
                    title=opts.title or f"UN Comtrade: China's exports of HS {MAIN_SERIES} by partner, "
                    f"{_months_label(months)}", url=url, published=_need_published(opts, "comtrade"))
    return Parsed("comtrade", figures, {"file": source}, warnings)


def parse_customs(header, rows, name, lookup, opts: Options, today: dt.date) -> Parsed:
    """Read China Customs' online query export (English or Chinese headers)."""
    alias = {a: en for en, alts in CUSTOMS_COLUMNS.items() for a in alts}
    alias.update({en: en for en in CUSTOMS_COLUMNS})
    canon = [alias.get(h, h) for h in header]
    missing = [c for c in CUSTOMS_REQUIRED if c not in canon]
    if missing:
        raise DataError(name, f"missing column(s) of a China Customs export: {', '.join(missing)}", row=1,
                        column=missing[0])
    warnings = []
    unknown = [h for h in header if h not in alias]
    if unknown:
        warnings.append(f"{name}, row 1: ignoring unknown column(s): {', '.join(unknown)}")
    if "Trade flow" not in canon:
        if opts.flow is None:
            raise ParameterError("--flow", None, "the China Customs file does not say whether it holds exports "
                                 "or imports; check the query and pass --flow export")
        if opts.flow != "export":
            raise ParameterError("--flow", opts.flow, "only exports are imported (--flow export)")
    sums: dict[tuple[str, str], list] = {}
    seen: dict[tuple[str, str, str], int] = {}
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
        if code != CUSTOMS_COMMODITY:
            raise DataError(name, f"commodity '{r['Commodity code']}' is not {CUSTOMS_COMMODITY} (rare-earth "
                            "permanent magnets)", row=line, column=_orig(header, alias, "Commodity code"))
        partner = map_partner(r["Trading partner"], lookup)
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
        key = (month, partner, regime)
        if key in seen:
            raise DataError(name, f"duplicate row: {partner} in {month}" + (f", regime {regime}" if regime else "")
                            + f" already on row {seen[key]}", row=line, column=_orig(header, alias, "Trading partner"))
        seen[key] = line
        kg = qty * 1000 if unit_col == "t" else qty
        entry = sums.setdefault((month, partner), [Decimal(0), line, 0])
        entry[0] += kg
        entry[2] += 1
    figures = []
    for (month, partner), (kg, line, n) in sums.items():
        note = f"China Customs {format(kg, 'f')} kg" + (f", sum of {n} customs regimes" if n > 1 else "")
        figures.append(Figure(month, month, partner, "tonnes", tonnes_text(kg, "kg"), line, "file", note=note))
    months = sorted({f.to_month for f in figures})
    source = Source(outlet=opts.outlet or "China Customs online query", agency=opts.agency or "GAC",
                    title=opts.title or f"China Customs statistics: exports of {CUSTOMS_COMMODITY} by partner, "
                    f"{_months_label(months)}", url=opts.source_url or CUSTOMS_URL,
                    published=_need_published(opts, "customs"))
    return Parsed("customs", figures, {"file": source}, warnings)


def parse_news(header, rows, name, lookup, opts: Options, today: dt.date) -> Parsed:
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
        if not re.match(r"^https?://\S+$", r["source_url"]):
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
        measure = r["measure"]
        if measure not in MEASURES:
            raise DataError(name, f"unknown measure '{measure}' (allowed: {', '.join(MEASURES)})", row=line,
                            column="measure")
        value = r["value"]
        if not NEWS_NUMBER_RE.match(value):
            raise DataError(name, f"'{value}' is not a number (plain digits, '.' for decimals, no thousands "
                            "separator, '-' for decreases)", row=line, column="value")
        if measure == "tonnes" and value.startswith("-"):
            raise DataError(name, f"negative weight {value}", row=line, column="value")
        if measure != "tonnes" and float(value) <= -100:
            raise DataError(name, f"a change of {value}% is impossible (must be above -100)", row=line,
                            column="value")
        if measure == "mom_pct" and a != b:
            raise DataError(name, "a month-on-month change needs a single month (no to_month)", row=line,
                            column="to_month")
        approx = r.get("approx", "")
        if approx not in ("", "yes", "no"):
            raise DataError(name, f"'{approx}' must be yes, no or empty", row=line, column="approx")
        partner = map_partner(r["partner"], lookup)
        if partner is None:
            raise DataError(name, f"unknown partner '{r['partner']}' (ISO 3166 code or country name; WLD or "
                            "World for all destinations)", row=line, column="partner")
        key = (a, b, partner, measure)
        if key in seen:
            raise DataError(name, f"duplicate row: {measure} of {partner} {a}..{b} already on row {seen[key]}",
                            row=line, column="value")
        seen[key] = line
        url = r["source_url"]
        host = (urlparse(url).hostname or url).removeprefix("www.")
        src = Source(outlet=safe_text(r.get("outlet", "")) or opts.outlet or host,
                     agency=safe_text(r.get("agency", "")) or opts.agency or "",
                     title=safe_text(r.get("title", "")) or opts.title or f"News release ({host})",
                     url=url, published=r["published"], row=line)
        if url in sources:
            first = sources[url]
            if (first.published, first.outlet, first.title) != (src.published, src.outlet, src.title):
                raise DataError(name, f"the same source URL with a different published/outlet/title than on "
                                f"row {first.row}", row=line, column="source_url")
        else:
            sources[url] = src
        figures.append(Figure(a, b, partner, measure, value, line, url, approx=approx,
                              note=safe_text(r.get("note", ""))))
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


def read_file(path: Path, fmt: str | None, lookup: dict[str, str], opts: Options, today: dt.date,
              name: str | None = None) -> Parsed:
    """Read and check one upstream file completely (nothing is written)."""
    path = Path(path)
    name = name or str(path)
    if fmt is not None and fmt not in FORMATS:
        raise ParameterError("--format", fmt, ", ".join(FORMATS))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(name, f"cannot read the file ({exc.strerror})") from None
    if raw.startswith(b"\x1f\x8b"):  # UN Comtrade bulk files come gzipped
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(name, f"is not a readable gzip file ({exc})") from None
    if not raw.strip() or raw.strip() in (b"\xef\xbb\xbf",):
        raise DataError(name, "is empty")
    text = decode_upstream(raw, name, fmt)
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    # UN Comtrade bulk files are tab-separated; every other format is comma-separated
    tsv = fmt in (None, "comtrade") and "\t" in first and "," not in first and "reporterCode" in first
    header, rows = read_rows(text, name, "\t" if tsv else ",")
    fmt = fmt or detect_format(header, name)
    return PARSERS[fmt](header, rows, name, lookup, opts, today)


# --------------------------------------------------------------------------- checks against the dataset


def _reported_monthly(figures: pd.DataFrame, partner: str) -> list[float]:
    f = figures
    sel = f[(f.partner == partner) & (f.measure == "tonnes") & (f.series == MAIN_SERIES) & (f.from_month == f.to_month)]
    return list(sel.value.astype(float))


def check_plausible(parsed: Parsed, figures: pd.DataFrame, name: str, accept: bool) -> list[str]:
    """Refuse (or, with ``accept``, warn about) tonnages far from the partner's history."""
    warnings = []
    for f in parsed.figures:
        if f.measure != "tonnes":
            continue
        history = _reported_monthly(figures, f.partner)
        if not history:
            continue
        median = statistics.median(history)
        if median <= 0:
            continue
        per_month = float(f.value) / len(month_range(f.from_month, f.to_month))
        ratio = per_month / median
        if IMPLAUSIBLE_LOW <= ratio <= IMPLAUSIBLE_HIGH:
            continue
        cause = ("likely kilograms entered as tonnes" if ratio > IMPLAUSIBLE_HIGH
                 else "likely tonnes entered as thousands of tonnes, or a partial figure")
        span = f.from_month if f.from_month == f.to_month else f"{f.from_month}..{f.to_month} (per month)"
        text = (f"implausible: {f.value} t for {f.partner} in {span} is {ratio:.3g}x the median of its "
                f"{len(history)} reported monthly totals ({median:g} t), {cause}")
        if not accept:
            raise DataError(name, text + "; pass --accept-implausible if it is right", row=f.row, column="value")
        warnings.append(f"{name}, row {f.row}: {text}; accepted (--accept-implausible)")
    return warnings


def find_conflicts(parsed: Parsed, new_ids: dict[str, str], dataset, name: str, prefer: str | None):
    """Compare each new figure with the figures already reported for the same key.

    Returns the resolutions to write. A figure that agrees within rounding
    corroborates; one that does not is refused unless ``prefer`` says which wins.
    """
    existing = dataset.figures
    resolved = dataset.resolutions
    out = []
    for f in parsed.figures:
        sid = new_ids[f.source_key]
        same = existing[(existing.from_month == f.from_month) & (existing.to_month == f.to_month)
                        & (existing.partner == f.partner) & (existing.measure == f.measure)
                        & (existing.series == MAIN_SERIES)]
        if same.empty:
            continue
        dup = same[same.source_id == sid]
        if len(dup):
            d = dup.iloc[0]
            raise DataError(name, f"{f.measure} of {f.partner} {f.from_month}..{f.to_month} from {sid} is "
                            f"already in the dataset ({d.file} row {d.row}); nothing to add", row=f.row,
                            column="value")
        res = resolved[(resolved.from_month == f.from_month) & (resolved.to_month == f.to_month)
                       & (resolved.partner == f.partner) & (resolved.measure == f.measure)
                       & (resolved.series == MAIN_SERIES)]
        if len(res):
            winners = same[same.source_id == res.iloc[0].winning_source_id]
            same = winners if len(winners) else same
        value = float(f.value)
        hw = 0.5 * 10.0 ** -(len(f.value.split(".")[1]) if "." in f.value else 0) * (2 if f.approx == "yes" else 1)
        clash = same[(value + hw < same.value - same.half_width) | (value - hw > same.value + same.half_width)]
        if clash.empty:
            continue
        old = clash.sort_values("half_width").iloc[0]
        what = f"{f.measure} of {f.partner} in {f.from_month}" + (
            f"..{f.to_month}" if f.to_month != f.from_month else "")
        both = (f"new {f.value} ({sid}, {name} row {f.row}) conflicts with existing {old.value:g} "
                f"({old.source_id}, {old.file} row {old.row})")
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
                    "measure": f.measure, "winning_source_id": winner, "series": MAIN_SERIES,
                    "note": f"magnet-import --prefer {prefer}: {winner} over {loser}"})
    return out


# --------------------------------------------------------------------------- writing


def _next_source_ids(sources: pd.DataFrame, n: int) -> list[str]:
    numbers = [int(m.group(1)) for s in sources.source_id if (m := re.match(r"^S(\d+)$", s))]
    start = max(numbers, default=0) + 1
    return [f"S{start + i}" for i in range(n)]


def _write_csv(path: Path, columns, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([r.get(c, "") for c in columns])


def _original_name(path: Path) -> str:
    suffix = path.suffix.lower()
    return "original" + (suffix if re.match(r"^\.[a-z0-9]{1,5}$", suffix) else ".csv")


def _lock(data_dir: Path):
    from filelock import FileLock

    key = hashlib.sha1(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return FileLock(os.path.join(tempfile.gettempdir(), f"magnet-import-{key}.lock"), timeout=60)


def _validate_combined(data_dir: Path, batch: Path, new_files: list[str], name: str, row_of: dict[int, int],
                       today: dt.date) -> None:
    """Load the whole dataset with the new batch included, on a throw-away copy."""
    from .series import derive

    with tempfile.TemporaryDirectory(prefix="magnet-import-check-") as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data_dir, copy, ignore=shutil.ignore_patterns(".import-*"))
        shutil.copytree(batch, copy / "raw" / batch.name)
        record_checksums([copy / "raw" / batch.name / f for f in new_files], data_dir=copy)
        try:
            derive(load_dataset(copy, today=today))
        except DataError as exc:
            file = exc.file
            for prefix in (str(copy.resolve()), str(copy)):
                if file.startswith(prefix):
                    file = "data" + file[len(prefix):]
            msg = exc.message
            if file.endswith(f"{batch.name}/figures.csv") and exc.row in row_of:
                raise type(exc)(name, msg + f" (would be {file} row {exc.row})", row=row_of[exc.row],
                                column=exc.column) from None
            raise type(exc)(file, msg + f" (with {name} added)", row=exc.row, column=exc.column) from None


def import_file(path, fmt: str | None = None, *, data_dir: Path | None = None, opts: Options | None = None,
                slug: str | None = None, prefer: str | None = None, accept_implausible: bool = False,
                dry_run: bool = False, today: dt.date | None = None, now: dt.datetime | None = None,
                name: str | None = None) -> ImportResult:
    """Add one upstream file to ``data_dir`` as a new raw batch, or change nothing.

    Everything is checked before anything is written; the batch is built in a
    temporary folder inside ``data/``, the whole dataset is validated with it, then
    it is moved into ``data/raw/`` and its checksums are recorded last.
    """
    data_dir = Path(data_dir or paths.DATA).resolve()
    opts = opts or Options()
    today = today or dt.date.today()
    now = now or dt.datetime.now()
    path = Path(path)
    name = name or str(path)
    if prefer not in (None, "new", "existing"):
        raise ParameterError("--prefer", prefer, "new or existing")
    if opts.published:
        check_date_param("--published", opts.published)
    if opts.source_url:
        check_url_param("--source-url", opts.source_url)
    for attr in ("title", "outlet", "agency"):
        if getattr(opts, attr):
            setattr(opts, attr, safe_text(getattr(opts, attr)))
    slug = check_slug(slug) if slug is not None else None
    if path.is_dir():
        raise ParameterError("FILE", str(path), "a file, not a folder")

    with _lock(data_dir):
        dataset = load_dataset(data_dir, today=today)
        lookup = partner_lookup(dataset.partners)
        parsed = read_file(path, fmt, lookup, opts, today, name=name)
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        for old in (data_dir / "raw").glob("*/original.*"):
            if hashlib.sha256(old.read_bytes()).hexdigest() == digest:
                raise DataError(name, f"was already imported as {paths.relative(old.parent)} (identical bytes)")

        # sources: reuse a registered page (news format), else new ids
        registered = dict(zip(dataset.sources.url, dataset.sources.source_id))
        new_keys = [k for k, s in parsed.sources.items() if not (parsed.format == "news" and s.url in registered)]
        ids = dict(zip(new_keys, _next_source_ids(dataset.sources, len(new_keys))))
        for k, s in parsed.sources.items():
            ids.setdefault(k, registered.get(s.url, ""))

        warnings = list(parsed.warnings)
        warnings += check_plausible(parsed, dataset.figures, name, accept_implausible)
        resolutions = find_conflicts(parsed, ids, dataset, name, prefer)

        figure_rows = [{"from_month": f.from_month, "to_month": f.to_month, "partner": f.partner,
                        "measure": f.measure, "value": f.value, "approx": f.approx, "series": MAIN_SERIES,
                        "source_id": ids[f.source_key], "note": f.note} for f in parsed.figures]
        row_of = {i + 2: f.row for i, f in enumerate(parsed.figures)}
        accessed = f"{today:%Y-%m-%d}"
        source_rows = [{"source_id": ids[k], "outlet": s.outlet, "agency": s.agency, "title": s.title,
                        "url": s.url, "published": s.published, "accessed": accessed,
                        "note": f"added by magnet-import from {_original_name(path)} ({parsed.format} format)"}
                       for k, s in parsed.sources.items() if k in new_keys]
        # the new rows must pass the loader's own checks, named by the upstream row
        frame = pd.DataFrame(figure_rows, columns=FIGURE_COLUMNS, dtype=str).fillna("")
        frame["row"], frame["file"] = [f.row for f in parsed.figures], name
        validate_figures(frame, set(dataset.sources.source_id) | set(ids.values()), today)

        months = sorted({f.to_month for f in parsed.figures})
        slug = slug or check_slug(f"{parsed.format}-{_months_label(months).replace(' to ', '-to-')}")
        batch_name = f"{now:%Y%m%d-%H%M%S}-{slug}"
        target = data_dir / "raw" / batch_name
        if target.exists():
            raise ParameterError("--slug", slug, f"a batch named {batch_name} exists; wait a second or pick another")
        if dry_run:
            return ImportResult(None, list(ids.values()), len(figure_rows), len(resolutions), months, warnings)

        tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=data_dir))
        manifest = data_dir / "checksums.sha256"
        manifest_before = manifest.read_bytes()
        moved = False
        try:
            batch = tmp / batch_name
            batch.mkdir()
            files = ["figures.csv"]
            _write_csv(batch / "figures.csv", FIGURE_COLUMNS, figure_rows)
            if source_rows:
                _write_csv(batch / "sources.csv", SOURCE_COLUMNS, source_rows)
                files.append("sources.csv")
            if resolutions:
                _write_csv(batch / "resolutions.csv", RESOLUTION_COLUMNS, resolutions)
                files.append("resolutions.csv")
            original = _original_name(path)
            (batch / original).write_bytes(raw)
            files.append(original)
            _validate_combined(data_dir, batch, files, name, row_of, today)
            os.replace(batch, target)
            moved = True
            record_checksums([target / f for f in files], data_dir=data_dir)
            load_dataset(data_dir, today=today)
        except BaseException:
            if moved:
                shutil.rmtree(target, ignore_errors=True)
                manifest.write_bytes(manifest_before)
            raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return ImportResult(target, list(ids.values()), len(figure_rows), len(resolutions), months, warnings)


# --------------------------------------------------------------------------- command line


class _UsageError(MagnetError):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump
        raise _UsageError(f"{message} (see magnet-import --help)")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="magnet-import", description="Add a file of official figures to data/ as a new raw batch "
                "(UN Comtrade CSV, China Customs query export, or the simple news format; see docs/adding-data.md).")
    p.add_argument("file", metavar="FILE", help="the upstream file (CSV)")
    p.add_argument("--format", choices=FORMATS, help="the file's format (default: told from its header)")
    p.add_argument("--source-url", help="URL of the page or query the file came from (default: the file's, "
                   "or the UN Comtrade / China Customs query page)")
    p.add_argument("--published", help="date the data were published, YYYY-MM-DD (needed for comtrade and customs)")
    p.add_argument("--title", help="title of the source, for the source register")
    p.add_argument("--outlet", help="who published it (default: UN Comtrade / China Customs / the URL's host)")
    p.add_argument("--agency", help="the originating agency (default: UN Comtrade / GAC)")
    p.add_argument("--flow", choices=("export", "import"),
                   help="China Customs files without a flow column: say which flow the query was (export)")
    p.add_argument("--slug", help="short name for the batch folder (letters, digits, '-')")
    p.add_argument("--prefer", choices=("new", "existing"),
                   help="which figure wins where the file conflicts with one already reported")
    p.add_argument("--accept-implausible", action="store_true",
                   help="accept values far from the partner's history (> 5x or < 1/20 of its median month)")
    p.add_argument("--check", action="store_true", help="check the file against the data; write nothing")
    return p


def main(argv: list[str] | None = None) -> int:
    """``magnet-import FILE [options]``: exit 0 on success, 1 with one ``error:`` line otherwise."""
    try:
        args = build_parser().parse_args(argv)
        opts = Options(source_url=args.source_url, published=args.published, title=args.title,
                       outlet=args.outlet, agency=args.agency, flow=args.flow)
        result = import_file(args.file, args.format, opts=opts, slug=args.slug, prefer=args.prefer,
                             accept_implausible=args.accept_implausible, dry_run=args.check)
    except MagnetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # e.g. a full disk while writing: everything was rolled back
        print(f"error: {exc.filename or ''}: {exc.strerror or exc} (nothing was changed)", file=sys.stderr)
        return 1
    for w in result.warnings:
        print(f"WARNING: {w}", file=sys.stderr)
    where = paths.relative(result.batch) if result.batch else "nothing written (--check)"
    print(f"{'checked' if args.check else 'added'} {result.figures} figures for {_months_label(result.months)} "
          f"from source(s) {', '.join(result.source_ids)}"
          + (f", {result.resolutions} resolution(s)" if result.resolutions else "") + f": {where}")
    if not args.check:
        print(f"next: make reports (the latest month is now {load_dataset().latest_month})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
