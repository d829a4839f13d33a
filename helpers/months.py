"""Month arithmetic on YYYY-MM strings (a month plus n, the months of a range) and the month word `latest`."""

from __future__ import annotations

from functools import lru_cache

#: The value a month parameter takes to follow the data: the latest month with data (as known on the
#: edition's date). Defined here only; ``reports.yaml``, sweeps and the notebooks' defaults all use it.
LATEST = "latest"


def pin_latest(value, month: str):
    """``value``, with :data:`LATEST` made ``month``."""
    return month if value == LATEST else value


@lru_cache(maxsize=65536)
def add_months(month: str, n: int) -> str:
    """``add_months("2025-01", -1) == "2024-12"``."""
    y, m = int(month[:4]), int(month[5:7])
    if len(month) != 7 or month[4] != "-" or not 1 <= m <= 12:
        raise ValueError(f"not a month YYYY-MM: {month!r}")
    i = y * 12 + (m - 1) + n
    return f"{i // 12:04d}-{i % 12 + 1:02d}"

@lru_cache(maxsize=65536)
def _month_range(start: str, end: str) -> tuple[str, ...]:
    out, m = [], start
    while m <= end:
        out.append(m)
        m = add_months(m, 1)
    return tuple(out)

def month_range(start: str, end: str) -> list[str]:
    """Every month from ``start`` to ``end`` inclusive, as ``YYYY-MM``."""
    return list(_month_range(start, end))
