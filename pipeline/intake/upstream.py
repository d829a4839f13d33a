"""One upstream file read and checked completely, nothing written: its format given or told from
its header by the registry (:mod:`pipeline.intake.formats.registry`), its rows parsed by that format's module."""

from __future__ import annotations

import datetime as dt
import gzip
import io
from pathlib import Path

from helpers.errors import DataError, ParameterError
from helpers.data.partners import partner_resolver

from pipeline.intake.model import Options, Parsed
from pipeline.intake.reading import decode_upstream, read_rows
from pipeline.intake.formats.registry import detect_format, formats


#: The largest file (unpacked) magnet-import reads: a month of China's magnet exports from any of the
#: three sources is a few kilobytes; 20 MB keeps an import's memory under about half a gigabyte.
MAX_IMPORT_BYTES = 20_000_000


def read_file(path: Path, fmt: str | None, lookup: dict[str, str], opts: Options, today: dt.date,
              name: str | None = None) -> Parsed:
    """Read and check one upstream file completely (nothing is written)."""
    path = Path(path)
    name = name or str(path)
    if fmt is not None and fmt not in formats():
        raise ParameterError("--format", fmt, ", ".join(formats()))
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
    candidates = [formats()[fmt]] if fmt else list(formats().values())
    text = decode_upstream(raw, name, [(e, f.recognises, f.encoding_name, f.label, f.name)
                                       for f in candidates for e in f.encodings], forced=fmt is not None)
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    # a format may come tab-separated (UN Comtrade's bulk files); the others are comma-separated
    tsv = "\t" in first and "," not in first and any(f.tab_marker and f.tab_marker in first for f in candidates)
    header, rows = read_rows(text, name, "\t" if tsv else ",")
    fmt = fmt or detect_format(header, name)
    return formats()[fmt].parse(header, rows, name, partner_resolver(lookup), opts, today)
