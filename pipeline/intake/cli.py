"""``magnet-import FILE``: the command line of the importer; one ``error:`` line and exit 1 on bad input."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers import paths
from helpers.data.tables import MAIN_SERIES, SERIES
from helpers.data.dataset import load_dataset
from helpers.errors import MagnetError, UsageError

from pipeline.intake.batch import import_file
from pipeline.intake.formats.registry import _months_label, names
from pipeline.intake.model import Options


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (a UsageError), not a usage dump."""

    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="magnet-import", description="Add a file of official figures to data/ as a new raw batch "
                "(UN Comtrade CSV, China Customs query export, or the simple news format; see docs/adding-data.md).")
    p.add_argument("file", metavar="FILE", help="the upstream file (CSV)")
    p.add_argument("--format", choices=names(), help="the file's format (default: told from its header)")
    p.add_argument("--source-url", help="URL of the page or query the file came from (default: the file's, "
                   "or the UN Comtrade / China Customs query page)")
    p.add_argument("--published", help="date the data were published, YYYY-MM-DD (needed for comtrade and customs)")
    p.add_argument("--title", help="title of the source, for the source register")
    p.add_argument("--outlet", help="who published it (default: UN Comtrade / China Customs / the URL's host)")
    p.add_argument("--agency", help="the originating agency (default: UN Comtrade / GAC)")
    p.add_argument("--flow", choices=("export", "import"),
                   help="China Customs files without a flow column: say which flow the query was (export)")
    p.add_argument("--origin", metavar="ORIGIN_ID",
                   help="the origin on file (data/raw/*/origins.csv) that the new source(s) relay, e.g. O23 for a "
                   "copy of a Reuters story already registered (default: each new source is an origin of its own)")
    p.add_argument("--origin-kind", choices=("release", "agency", "analysis", "calculation", "article"),
                   help="the kind of the new origin of each new source (default: release for UN Comtrade and "
                   "China Customs files, article for the news format)")
    p.add_argument("--slug", help="short name for the batch folder (letters, digits, '-')")
    p.add_argument("--prefer", choices=("new", "existing"),
                   help="which figure wins where the file conflicts with one already reported")
    p.add_argument("--accept-implausible", action="store_true",
                   help="accept values far from the partner's history (> 5x or < 1/20 of its median month)")
    p.add_argument("--accept-scope-match", action="store_true",
                   help="accept a rare-earth magnet tonnage equal to the same month's rare-earth minerals total "
                   "(series cn:rare-earths) once the page's scope is checked: magnets, not minerals")
    p.add_argument("--check", action="store_true", help="check the file against the data; write nothing")
    return p


#: Warnings printed one a line; the rest are counted in one line.
WARNINGS_SHOWN = 5


def print_result(result, check: bool, source: str) -> None:
    """What an import did: its warnings (stderr), then one line (stdout) — for every command that imports."""
    for w in result.warnings[:WARNINGS_SHOWN]:
        print(f"WARNING: {w}", file=sys.stderr)
    if len(result.warnings) > WARNINGS_SHOWN:   # one summary line, not hundreds
        print(f"WARNING: ... and {len(result.warnings) - WARNINGS_SHOWN:,} more warnings like these "
              f"({len(result.warnings):,} in all)", file=sys.stderr)
    where = paths.relative(result.batch) if result.batch else "nothing written (--check)"
    scope = "" if result.series in ((), (MAIN_SERIES,)) else " of " + " and ".join(
        f"{SERIES[s].tariff} ({SERIES[s].goods})" for s in result.series)
    print(f"{'checked' if check else 'added'} {result.figures} figures{scope} for {_months_label(result.months)} "
          f"from {source}" + (f", {result.resolutions} resolution(s)" if result.resolutions else "") + f": {where}")
    if MAIN_SERIES not in result.series:
        print(f"note: none of these is {SERIES[MAIN_SERIES].tariff}, the series the reports follow; the "
              "destinations report shows them beside it as a scope comparison")


def _size(file) -> int:
    try:
        return Path(file).stat().st_size if file else 0
    except OSError:
        return 0


def main(argv: list[str] | None = None) -> int:
    """``magnet-import FILE [options]``: exit 0 on success, 1 with one ``error:`` line otherwise."""
    args = None
    try:
        args = build_parser().parse_args(argv)
        opts = Options(source_url=args.source_url, published=args.published, title=args.title,
                       outlet=args.outlet, agency=args.agency, flow=args.flow,
                       origin=args.origin, origin_kind=args.origin_kind)
        result = import_file(args.file, args.format, opts=opts, slug=args.slug, prefer=args.prefer,
                             accept_implausible=args.accept_implausible,
                             accept_scope_match=args.accept_scope_match, dry_run=args.check)
    except MagnetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # e.g. a full disk while writing: everything was rolled back
        from pipeline.publish.guard import disk_full, is_disk_full

        if is_disk_full(exc):
            size = _size(getattr(args, "file", None))
            print(f"error: {disk_full(exc, paths.DATA, 3 * size, 'the import')} (nothing was changed)",
                  file=sys.stderr)
        else:
            where = paths.relative(Path(exc.filename)) if exc.filename else paths.relative(paths.DATA)
            print(f"error: {where}: {exc.strerror or exc} (nothing was changed)", file=sys.stderr)
        return 1
    print_result(result, args.check, f"source(s) {', '.join(result.source_ids)}")
    if not args.check:
        latest = result.latest_month or load_dataset().latest_month
        print(f"next: make reports (the latest month is now {latest})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
