"""Where things are: every path the notebooks, tests and commands use.

Paths are relative to the project root, which defaults to the folder holding
this package's parent and can be overridden with ``MAGNET_PROJECT_ROOT`` (the
tests and the build use that to work on a temporary copy of the project).
"""

from __future__ import annotations

import os
from pathlib import Path

#: The project root (holds ``data/``, ``notebooks/``, ``reports/``).
ROOT = Path(os.environ.get("MAGNET_PROJECT_ROOT", Path(__file__).resolve().parent.parent)).resolve()

DATA = ROOT / "data"
RAW = DATA / "raw"                      #: immutable raw files, one folder per batch
REFERENCE = DATA / "reference"          #: reference tables (partner names and aliases)
CLAIMS = DATA / "claims"                #: claims of news reports, one file per article
PARTNERS = REFERENCE / "partners.csv"

NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"
REPORT_SET = ROOT / "reports.yaml"
TEMPLATES = Path(__file__).resolve().parent / "templates"

#: The claims file of the July 2025 news report the project starts from.
DEFAULT_CLAIMS = CLAIMS / "S29-2025-07-20.csv"


def relative(path: Path) -> str:
    """Return ``path`` relative to the project root when inside it (for messages)."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
