"""CSV downloads that cannot run formulas (OWASP "CSV injection").

A spreadsheet opening a CSV runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return before one) as a formula: ``=HYPERLINK("http://evil","x")`` from a claim's text or an
imported title would become a link, ``=cmd|' /C calc'!A0`` a command. Every CSV and data-package value
a reader downloads goes through :func:`neutralise`, the way OWASP recommends: such a cell gets a
single quote in front (``'=HYPERLINK(...)``), which spreadsheets show as text. A plain number
(``-3.5``, ``+2``, ``1e-3``) stays a number. The HTML shows the values as they are: only the
downloads are written this way.
"""

from __future__ import annotations

import csv
import io
import re

#: What a cell may not begin with (OWASP): formula starters, and tab / carriage return (and line feed,
#: which a carriage return becomes).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise(value):
    """``value`` safe for a spreadsheet: text beginning with a formula starter gets a leading ``'``.

    A carriage return inside text becomes a line feed: Python's CSV writer (and pandas') with ``\n``
    line endings quotes a cell holding ``\n`` but not one holding a bare ``\r``, which readers take
    for the end of the row (and the ``=`` after it for the start of a cell)."""
    if not isinstance(value, str):
        return value
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith(FORMULA_START) and not NUMBER_RE.match(text):
        return "'" + text
    return text


def needs_neutralising(value) -> bool:
    return neutralise(value) != value


def neutralise_csv(text: str) -> str:
    """A CSV text with every cell :func:`neutralise`-d (unchanged, byte for byte, when no cell needs it)."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not any(needs_neutralising(c) for row in rows for c in row):
        return text
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows([[neutralise(c) for c in row] for row in rows])
    return buf.getvalue()


def neutralise_frame(df):
    """A DataFrame with every text cell :func:`neutralise`-d (numbers, dates and missing values kept)."""
    import pandas as pd

    df = df.copy()
    for col in df.columns:
        if not pd.api.types.is_numeric_dtype(df[col].dtype):   # text (object or string dtype)
            df[col] = df[col].map(neutralise)
    return df
