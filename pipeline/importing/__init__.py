"""``magnet-import``: add a file of official figures to ``data/`` as a new, immutable raw batch.

Three upstream formats are read (see ``docs/adding-data.md``): ``comtrade`` (a UN
Comtrade monthly CSV, API or bulk), ``customs`` (China Customs' online query export,
English or Chinese, UTF-8 or GBK) and ``news`` (the project's simple format for
figures typed in from a news release). One module per job:

- :mod:`.reading`  bytes to rows: encodings, CSV, the format, numbers, months, parameters
- :mod:`.formats`  the three parsers: rows to figures and sources
- :mod:`.checks`   plausibility and conflicts against the data on file
- :mod:`.batch`    the transactional write of a new batch
- :mod:`.cli`      the command line
"""

from .batch import import_file
from .model import ImportResult, Options

__all__ = ["ImportResult", "Options", "import_file"]
