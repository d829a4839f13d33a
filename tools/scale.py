"""Comtrade-size data for measuring scale: generated upstream files and a throw-away project copy.

:func:`comtrade_file` writes what a researcher gets when downloading China's full
partner breakdown from UN Comtrade (HS 850511, its own series): ``partners`` rows per
month (the world total and ``partners − 1`` countries) for ``months`` months ending
the month before ``before`` (by default the project's first month, so nothing
conflicts with the project's data). :func:`customs_file` writes the same shape as a
China Customs query export of tariff line 85051110, the series the reports derive. :func:`project_copy` copies the project's data, notebooks and
report set into a folder, where ``MAGNET_PROJECT_ROOT`` points the helpers at
it. ``make bench`` uses both; so do the scale tests.
"""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

import pycountry

from helpers import paths

HEADER = ["typeCode", "freqCode", "refPeriodId", "refYear", "refMonth", "period", "reporterCode", "reporterISO",
          "reporterDesc", "flowCode", "flowDesc", "partnerCode", "partnerISO", "partnerDesc", "partner2Code",
          "cmdCode", "cmdDesc", "customsCode", "motCode", "qtyUnitCode", "qtyUnitAbbr", "qty", "netWgt"]

#: Large partners first, so a smaller file keeps the ones the reports name.
_FIRST = ["US", "DE", "JP", "KR", "VN", "IN", "TH", "MX", "IT", "NL", "PL", "FR", "GB", "ES", "MY", "ID",
          "PH", "BR", "CA", "TR", "AU", "CZ", "AT", "CH", "SE", "BE", "DK", "HU", "SK", "IL", "AE", "PK", "ZA"]


def partner_codes(n: int) -> list[str]:
    """``n`` ISO alpha-2 codes: the project's usual partners first, then the rest of ISO 3166 in order."""
    from pipeline.intake.formats.comtrade import COMTRADE_RESIDUAL, COMTRADE_SPECIAL

    skip = set(COMTRADE_RESIDUAL) | set(COMTRADE_SPECIAL)  # areas Comtrade does not attribute, and Taiwan
    rest = [c.alpha_2 for c in pycountry.countries
            if c.alpha_2 not in _FIRST and c.numeric.lstrip("0") not in skip]
    return (_FIRST + rest)[:n]


def months_before(before: str, n: int) -> list[str]:
    from helpers.months import add_months

    return [add_months(before, -i) for i in range(n, 0, -1)]


def _history(partners: int, months: int, before: str, seed: int):
    """``(month, [(country, kg), ...])`` per month: the world total first (None), then ``partners − 1`` countries."""
    rng = random.Random(seed)
    codes = partner_codes(partners - 1)
    base = {c: rng.uniform(5_000, 800_000) / (1 + i) ** 0.5 for i, c in enumerate(codes)}  # kg per month
    for month in months_before(before, months):
        rows = [(pycountry.countries.get(alpha_2=c), int(base[c] * rng.uniform(0.7, 1.3))) for c in codes]
        yield month, [(None, int(sum(kg for _, kg in rows) * 1.15))] + rows


def comtrade_file(path: Path, partners: int = 150, months: int = 96, before: str = "2024-01",
                  seed: int = 11) -> Path:
    """Write a UN Comtrade CSV (HS 850511) of ``partners`` partners (world included) × ``months`` months."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADER)
        for month, rows in _history(partners, months, before, seed):
            y, m = month.split("-")
            for country, kg in rows:
                code, iso, desc = ("0", "W00", "World") if country is None else (
                    country.numeric.lstrip("0"), country.alpha_3, country.name)
                w.writerow(["C", "M", f"{y}{m}01", y, str(int(m)), f"{y}{m}", "156", "CHN", "China", "X", "Export",
                            code, iso, desc, "0", "850511", "Permanent magnets", "C00", "0", "8", "kg", kg, kg])
    return Path(path)


CUSTOMS_HEADER = ["Date of data", "Trading partner code", "Trading partner", "Commodity code", "Commodity",
                  "Quantity", "Unit", "Trade flow"]


def customs_file(path: Path, partners: int = 150, months: int = 96, before: str = "2024-01",
                 seed: int = 11) -> Path:
    """Write a China Customs query export of tariff line 85051110 (the rare-earth line the reports
    follow) of the same shape as :func:`comtrade_file`: the load a whole history puts on the series."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(CUSTOMS_HEADER)
        for month, rows in _history(partners, months, before, seed + 1):
            for country, kg in rows:
                name = "Total" if country is None else country.name
                w.writerow([month.replace("-", ""), "" if country is None else country.numeric, name, "85051110",
                            "Permanent magnets of rare earth metals", kg, "KG", "Export"])
    return Path(path)


def project_copy(dest: Path) -> Path:
    """Copy data/, notebooks/ and reports.yaml into ``dest`` (a project root for ``MAGNET_PROJECT_ROOT``)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for sub in ("data", "notebooks"):
        shutil.copytree(paths.ROOT / sub, dest / sub, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy2(paths.REPORT_SET, dest / "reports.yaml")
    return dest
