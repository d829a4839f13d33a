"""The text patterns every data file, parameter and upstream file is checked against (one set)."""

from __future__ import annotations

import re

#: A month, ``YYYY-MM``.
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
#: A date, ``YYYY-MM-DD`` (or ``YYYY-MM`` when only the month is known).
DATE_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
#: A number as the data store it: optional minus, digits, optional decimals; no thousands separator.
NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")
#: An http(s) address without spaces.
URL_RE = re.compile(r"^https?://\S+$")
