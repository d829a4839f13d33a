"""The registry of upstream formats: what a format is, the formats known, and telling one from a header."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from helpers.errors import DataError, ParameterError

from pipeline.intake.model import Options, Parsed


@dataclass(frozen=True)
class Format:
    """One upstream format."""

    name: str                                   #: what ``--format`` calls it
    label: str                                  #: what its files are, for readers ("China Customs")
    parse: Callable[..., Parsed]                #: (header, rows, file name, resolve, opts, today) -> Parsed
    detects: Callable[[set], bool]              #: whether a header (its set of columns) is this format's
    #: text encodings its files may come in beyond UTF-8 and UTF-16 (China Customs: GB18030, GBK's superset),
    #: with the name readers know them by, and how to recognise its text decoded in one of them
    encodings: tuple[str, ...] = ()
    encoding_name: str = ""
    recognises: Callable[[str], bool] = staticmethod(lambda text: False)
    #: a header column that marks a tab-separated file of this format (UN Comtrade's bulk files)
    tab_marker: str = ""
    #: the kind of origin its sources are (``release``: an official file; ``article``: a news page), and
    #: whether a page already on file is reused rather than registered again
    origin_kind: str = "release"
    reuses_registered_pages: bool = False


#: Every format, in the order a header is tried against them (their modules' names, sorted).
REGISTRY: dict[str, Format] = {}
_FOUND: list[bool] = []


def register(fmt: Format) -> Format:
    """Add a format to the registry (a format module calls it once, at import)."""
    REGISTRY[fmt.name] = fmt
    return fmt


def formats() -> dict[str, Format]:
    """Every format: each module of this folder but this one, imported once (each registers itself)."""
    if not _FOUND:
        folder = Path(__file__).parent
        for mod in sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if m.name != "registry"):
            importlib.import_module(f"{__package__}.{mod}")
        _FOUND.append(True)
    return REGISTRY


def names() -> tuple[str, ...]:
    """The formats' names (``--format``'s choices)."""
    return tuple(formats())


def detect_format(header: list[str], name: str) -> str:
    """Tell the format from the header."""
    h = set(header)
    for fmt in formats().values():
        if fmt.detects(h):
            return fmt.name
    raise DataError(name, "cannot tell the format from the header; pass --format "
                    f"({', '.join(formats())})", row=1)


def _columns(name: str, missing: list[str], unknown: list[str], what: str, ignoring: str) -> list[str]:
    """Refuse an upstream file with ``missing`` columns; the warning for its ``unknown`` ones (ignored)."""
    if missing:
        raise DataError(name, f"missing column(s) of {what}: {', '.join(missing)}", row=1, column=missing[0])
    return [f"{name}, row 1: {ignoring}: {', '.join(unknown)}"] if unknown else []


def _months_label(months: list[str]) -> str:
    return months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"


def _need_published(opts: Options, fmt: str) -> str:
    if not opts.published:
        raise ParameterError("--published", None, f"the date the data were published (YYYY-MM-DD); a {fmt} "
                             "file does not say")
    return opts.published


