"""What an upstream file says, before it is written: figures, sources, options and the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from helpers.data.tables import MAIN_SERIES


@dataclass
class Figure:
    """One figure read from the upstream file, before it gets its source id."""

    from_month: str
    to_month: str
    partner: str
    measure: str
    value: str           #: as text: its decimals are its precision
    row: int             #: line of the upstream file it came from
    source_key: str      #: which :class:`Source` of the file reported it
    approx: str = ""
    note: str = ""
    series: str = MAIN_SERIES  #: the scope it counts (helpers.data.dataset.SERIES)


@dataclass
class Source:
    """One source register row to add (without its id and access date)."""

    outlet: str
    agency: str
    title: str
    url: str
    published: str
    note: str = ""
    row: int | None = None
    origin: str = ""     #: the id of an origin on file that this page relays ("" = a new origin of its own)


@dataclass
class Parsed:
    """What one upstream file says."""

    format: str
    figures: list[Figure]
    sources: dict[str, Source]
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """What :func:`import_file` added."""

    batch: Path | None          #: the new batch folder (None for a dry run)
    source_ids: list[str]
    figures: int
    resolutions: int
    months: list[str]
    warnings: list[str]
    latest_month: str | None = None  #: the latest month with data once the batch is in (None for a dry run)
    series: tuple[str, ...] = ()     #: the series (scopes) of the figures, in helpers.data.dataset.SERIES order


@dataclass
class Options:
    """What the command line says where the file itself cannot."""

    source_url: str | None = None
    published: str | None = None
    title: str | None = None
    outlet: str | None = None
    agency: str | None = None
    flow: str | None = None
    origin: str | None = None       #: an origin on file that every new source relays (``--origin O23``)
    origin_kind: str | None = None  #: the kind of the new origin of each new source (``--origin-kind``)
