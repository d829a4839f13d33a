"""China Customs' online query exports (English or Chinese headers, UTF-8 or GBK): tariff lines 85051110, 85051190."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from helpers.data.tables import MAIN_SERIES, OTHER_METALS_SERIES, SERIES
from helpers.errors import DataError, ParameterError

from pipeline.intake.model import Figure, Options, Parsed, Source
from pipeline.intake.reading import month_of, parse_quantity, tonnes_text, unit_kind
from pipeline.intake.formats.registry import Format, _columns, _months_label, _need_published, register

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
#: Every header text of a China Customs export, English and Chinese.
CUSTOMS_NAMES = set(CUSTOMS_COLUMNS) | {a for alts in CUSTOMS_COLUMNS.values() for a in alts}
CUSTOMS_REQUIRED = ("Date of data", "Trading partner", "Commodity code", "Quantity", "Unit")
#: The China Customs commodity codes a query export may hold, and the series each goes to.
CUSTOMS_COMMODITIES = {"85051110": MAIN_SERIES, "85051190": OTHER_METALS_SERIES}
CUSTOMS_URL = "http://stats.customs.gov.cn/indexEn"

CUSTOMS_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*月?(?:[-/.]\d{1,2})?$")



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


def _orig(header, alias, canon_name: str) -> str:
    """The header text of the file for a canonical China Customs column name."""
    for h in header:
        if alias.get(h, h) == canon_name:
            return h
    return canon_name


FORMAT = register(Format(
    name="customs", label="China Customs", parse=parse_customs,
    detects=lambda h: len(h & CUSTOMS_NAMES) >= 3,
    encodings=("gb18030",), encoding_name="GBK/GB18030",
    recognises=lambda text: any(h in text for alts in CUSTOMS_COLUMNS.values() for h in alts)))
