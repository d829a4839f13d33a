"""Reading upstream files: bytes to text (UTF-8, UTF-16, GBK), CSV rows, the format, numbers, months, parameters.

Everything here is about the file as bytes and text; what its rows mean is
:mod:`pipeline.intake.formats`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from decimal import Decimal, InvalidOperation

from helpers.errors import DataError, ParameterError
from helpers.data.patterns import DATE_RE, URL_RE
from helpers.data.tables import csv_records

KG_UNITS = {"kg", "kgs", "kilogram", "kilograms", "千克", "公斤"}
TONNE_UNITS = {"t", "tonne", "tonnes", "ton", "tons", "metric ton", "吨"}
UPSTREAM_NUMBER_RE = re.compile(r"^\d+(\.\d+)?([eE][+-]?\d+)?$")
THOUSANDS_RE = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
SLUG_RE = re.compile(r"[^a-z0-9]+")

# --------------------------------------------------------------------------- reading


def decode_upstream(raw: bytes, name: str, fallbacks=(), forced: bool = False) -> str:
    """Decode an upstream file: UTF-8 (with or without Excel's byte-order mark), UTF-16 with a
    byte-order mark, else an encoding a format's files come in (``fallbacks``: ``(encoding, recognises,
    encoding name, format label, format name)`` from :mod:`pipeline.intake.formats`), taken when the
    format was given (``forced``) or its text is recognisably that format's."""
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
    for encoding, recognises, *_ in fallbacks:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if forced or recognises(text):
            return text
    line = raw[: utf8_error.start].count(b"\n") + 1
    if forced and fallbacks:
        hint = f"neither UTF-8 nor {fallbacks[0][2]}; save it as UTF-8"
    else:
        hint = "save it as UTF-8" + "".join(f"; {label} {ename.split('/')[0]} files: use --format {fname}"
                                           for _, _, ename, label, fname in fallbacks)
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
    rows = [(line, {h: c.strip() for h, c in zip(header, cells)})
            for line, cells in csv_records(reader, name, len(header), exact=True,
                                           hint="an unquoted comma, or a different delimiter?")]
    if not rows:
        raise DataError(name, "has a header but no data rows")
    return header, rows


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
    if not URL_RE.match(value):
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
