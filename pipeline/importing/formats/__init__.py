"""The upstream formats magnet-import reads, one module each, behind a registry.

A format is a :class:`~pipeline.importing.formats.registry.Format`: its name, how to tell it from a
file's header, how to parse its rows into figures and sources (:mod:`pipeline.importing.model`), the
text encodings its files may come in beyond UTF-8 and UTF-16, and what kind of origin its sources
are. Adding a format is one module in this folder that calls ``register`` (and is imported below),
plus its test. :func:`read_file` reads and checks one upstream file completely (nothing is written).
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
from pathlib import Path

from helpers.errors import DataError, ParameterError
from helpers.partners import partner_resolver

from ..model import Options, Parsed
from ..reading import decode_upstream, read_rows
from . import comtrade, customs, news  # noqa: F401  (each registers itself, in this order)
from .registry import REGISTRY, Format, _months_label, detect_format, names, register  # noqa: F401  (the formats' API)


#: The largest file (unpacked) magnet-import reads: a month of China's magnet exports from any of the
#: three sources is a few kilobytes; 20 MB keeps an import's memory under about half a gigabyte.
MAX_IMPORT_BYTES = 20_000_000


def read_file(path: Path, fmt: str | None, lookup: dict[str, str], opts: Options, today: dt.date,
              name: str | None = None) -> Parsed:
    """Read and check one upstream file completely (nothing is written)."""
    path = Path(path)
    name = name or str(path)
    if fmt is not None and fmt not in REGISTRY:
        raise ParameterError("--format", fmt, ", ".join(REGISTRY))
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
    candidates = [REGISTRY[fmt]] if fmt else list(REGISTRY.values())
    text = decode_upstream(raw, name, [(e, f.recognises, f.encoding_name, f.label, f.name)
                                       for f in candidates for e in f.encodings], forced=fmt is not None)
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    # a format may come tab-separated (UN Comtrade's bulk files); the others are comma-separated
    tsv = "\t" in first and "," not in first and any(f.tab_marker and f.tab_marker in first for f in candidates)
    header, rows = read_rows(text, name, "\t" if tsv else ",")
    fmt = fmt or detect_format(header, name)
    return REGISTRY[fmt].parse(header, rows, name, partner_resolver(lookup), opts, today)
