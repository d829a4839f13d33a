"""Deliberate changes to ``data/checksums.sha256``: re-record files, migrate legacy series identifiers.

``python -m pipeline.intake.manifest --record FILE...`` re-records the checksum of files under
``data/`` edited on purpose; ``--migrate`` rewrites the legacy ``series`` values of every batch with
their scoped identifiers. Then the data are checked, as ``python -m helpers.data.dataset`` does.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from helpers import paths
from helpers.data.checksums import DATASET_FOLDERS, verify_checksums
from helpers.data.tables import legacy_series, read_table
from helpers.data.dataset import load_dataset
from helpers.data.staging import atomic_write, record_checksums


def migrate_series(data_dir: Path | None = None) -> list[Path]:
    """Rewrite the legacy ``series`` values of every batch in place with their scoped identifiers
    (:func:`legacy_series`) and re-record those files' checksums; return the files changed.

    Only the ``series`` cells change; every file is checked against the manifest first, and
    each rewritten file is written beside the old one and renamed over it. Idempotent.
    """

    data_dir = Path(data_dir or paths.DATA)
    verify_checksums(data_dir, DATASET_FOLDERS)
    ds = load_dataset(data_dir)
    changed = []
    for path in sorted((data_dir / "raw").glob("*/*.csv")):
        table = path.stem
        if table not in ("figures", "resolutions"):
            continue
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        header = [h.strip() for h in rows[0]]
        if "series" not in header:
            continue
        df = read_table(path, table)
        new = legacy_series(df.series, df.source_id if table == "figures" else df.winning_source_id, ds.sources)
        if (new == df.series).all():
            continue
        col = header.index("series")
        for r, value in zip(rows[1:], new):
            r[col] = value
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\n").writerows(rows)
        atomic_write(path, out.getvalue().encode("utf-8"))
        changed.append(path)
    if changed:
        record_checksums(changed, data_dir)
    return changed


def main(argv: list[str] | None = None) -> int:
    """``python -m pipeline.intake.manifest``: re-record (``--record FILE...``) or migrate (``--migrate``)."""
    import argparse

    from helpers.data import dataset as data
    from helpers.errors import MagnetError

    parser = argparse.ArgumentParser(prog="python -m pipeline.intake.manifest", description=__doc__.splitlines()[0])
    parser.add_argument("--record", nargs="+", metavar="FILE",
                        help="deliberately (re)record the checksum of these files under data/")
    parser.add_argument("--migrate", action="store_true",
                        help="rewrite legacy series identifiers (850511) with scoped ones (cn:85051110, "
                        "hs:850511) in place and re-record the checksums of the files changed")
    args = parser.parse_args(argv)
    if not (args.record or args.migrate):
        parser.error("nothing to do: --record FILE... or --migrate (python -m helpers.data.dataset checks the data)")
    try:
        if args.record:
            record_checksums(args.record)
        if args.migrate:
            changed = migrate_series()
            print(f"migrated {len(changed)} file(s)" + "".join(f"\n  {paths.relative(p)}" for p in changed))
    except MagnetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return data.main([])


if __name__ == "__main__":
    raise SystemExit(main())
