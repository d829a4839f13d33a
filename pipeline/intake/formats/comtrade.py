"""UN Comtrade's monthly files (API or bulk CSV, HS 8505.11): the wider scope, never the story's line."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

from helpers.data.tables import HS6_SERIES, SERIES
from helpers.errors import DataError

from pipeline.intake.model import Figure, Options, Parsed, Source
from pipeline.intake.reading import month_of, parse_quantity, tonnes_text, unit_kind
from pipeline.intake.formats.registry import Format, _columns, _months_label, _need_published, register

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

#: UN Comtrade's commodity: the HS subheading (6 digits; national tariff lines are not in Comtrade).
COMTRADE_COMMODITY = "850511"


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


FORMAT = register(Format(
    name="comtrade", label="UN Comtrade", parse=parse_comtrade,
    detects=lambda h: {"reporterCode", "cmdCode"} <= h or {"flowCode", "netWgt"} <= h,
    tab_marker="reporterCode"))
