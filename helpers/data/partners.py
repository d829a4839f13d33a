"""Partners (destinations): codes, display names, and resolving a name, alias or code to a code.

One resolver serves the notebooks' parameters, the data checks and the importers:
the reference table's codes, names and aliases (``data/reference/partners.csv``)
first, then the Chinese names China Customs uses, then ISO 3166 (numeric, alpha-2,
alpha-3 codes and names), then a fuzzy search that finds exactly one country.
"""

from __future__ import annotations

from functools import cache, lru_cache

import pandas as pd
import pycountry

#: Partner code of the all-destinations total (not an ISO 3166 code).
TOTAL = "WLD"
#: Partner code of the European Union as a bloc: an aggregate of countries, never summed with them.
EU = "EU"
#: Country groups (blocs, not ISO 3166 countries): reported as a whole, never summed with
#: their member countries, never listed or ranked among countries.
GROUPS = (EU,)
#: Codes that are aggregates of other partners (the total and the groups).
AGGREGATES = (TOTAL,) + GROUPS

#: Names China Customs' Chinese-language exports use for frequent partners (more go
#: into ``data/reference/partners.csv`` as aliases: a data change, not a code change).
CHINESE_NAMES = {
    "总值": TOTAL, "全球": TOTAL, "世界": TOTAL, "合计": TOTAL, "美国": "US", "德国": "DE", "日本": "JP",
    "韩国": "KR", "越南": "VN", "印度": "IN", "泰国": "TH", "墨西哥": "MX", "中国台湾": "TW", "中国香港": "HK",
    "英国": "GB", "法国": "FR", "意大利": "IT", "荷兰": "NL", "西班牙": "ES", "波兰": "PL", "马来西亚": "MY",
    "新加坡": "SG", "印度尼西亚": "ID", "菲律宾": "PH", "巴西": "BR", "加拿大": "CA", "俄罗斯联邦": "RU",
    "土耳其": "TR", "澳大利亚": "AU", "捷克": "CZ", "奥地利": "AT", "瑞士": "CH", "瑞典": "SE", "比利时": "BE",
    "丹麦": "DK", "匈牙利": "HU", "斯洛伐克": "SK", "以色列": "IL", "阿联酋": "AE", "巴基斯坦": "PK", "南非": "ZA",
    "欧盟": EU,
}


@lru_cache(maxsize=4096)
def is_partner_code(code: str) -> bool:
    """True for ``WLD``, ``EU`` and any ISO 3166-1 alpha-2 code."""
    if code in AGGREGATES:
        return True
    return len(code) == 2 and code.isupper() and pycountry.countries.get(alpha_2=code) is not None


def is_country(code: str) -> bool:
    """True for a single country (not the total, not a bloc)."""
    return code not in AGGREGATES and is_partner_code(code)


def partner_name(code: str, partners: pd.DataFrame) -> str:
    """Display name: the reference table's, else ISO 3166's common or official name, else the code."""
    hit = partners.loc[partners.code == code, "name"]
    if len(hit):
        return str(hit.iloc[0])
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def partner_lookup(partners: pd.DataFrame) -> dict[str, str]:
    """Case-folded code, name and alias -> partner code, from the reference table."""
    out: dict[str, str] = {}
    for r in partners.itertuples():
        for text in [r.code, r.name, *str(r.aliases).split(";")]:
            if text.strip():
                out[text.strip().casefold()] = r.code
    return out


def partner_resolver(lookup: dict[str, str]):
    """:func:`resolve_partner` for one ``lookup``, remembering each text it resolved: a file
    of thousands of rows names a few hundred partners, and ISO 3166 is searched once per name."""
    @cache
    def resolve(text: str) -> str | None:
        return resolve_partner(text, lookup)

    return resolve


def resolve_partner(text: str, lookup: dict[str, str]) -> str | None:
    """A partner name, alias or code -> its code (``WLD`` for the world), or None.

    ``lookup`` is :func:`partner_lookup` of the reference table.
    """
    t = " ".join(str(text).split())
    if not t:
        return None
    if t.casefold() in lookup:
        return lookup[t.casefold()]
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
        low = t.casefold()
        for c in pycountry.countries:
            names = [c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)]
            if low in {n.casefold() for n in names if n}:
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
