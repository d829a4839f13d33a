"""The transactional write: a checked file becomes a new immutable batch in ``data/raw/``, or nothing changes.

:func:`import_file` reads and checks the whole file, checks its figures with the
loader's own validator and against the dataset (conflicts, plausibility), builds
the batch with its ``SHA256SUMS`` in a staging folder ``data/.import-*`` (same file
system), validates the whole dataset with it included, then renames it into
``data/raw/``: one atomic step, so a process killed at any moment leaves ``data/`` as it
was or with the whole batch (plus, at most, a staging folder that readers ignore and the
next import removes under its lock). Any error leaves ``data/`` byte-identical.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path

import pandas as pd

from helpers import paths
from helpers.data.writing import record_folder
from helpers.data.tables import MAIN_SERIES, ORIGIN_KINDS, SERIES, TABLES, scope_match_text, scope_matches, validate_figures
from helpers.data.dataset import load_dataset
from helpers.errors import DataError, ParameterError
from helpers.data.partners import partner_lookup

from pipeline.intake.checks import check_plausible, find_conflicts
from pipeline.intake.formats.registry import _months_label, formats
from pipeline.intake.upstream import read_file
from pipeline.intake.model import ImportResult, Options
from pipeline.intake.reading import check_date_param, check_slug, check_url_param, safe_text


def _columns(table: str) -> tuple[str, ...]:
    """A table's columns as the loader defines them (required, then optional)."""
    required, optional = TABLES[table]
    return required + optional


def _next_source_ids(sources: pd.DataFrame, n: int) -> list[str]:
    numbers = [int(m.group(1)) for s in sources.source_id if (m := re.match(r"^S(\d+)$", s))]
    start = max(numbers, default=0) + 1
    return [f"S{start + i}" for i in range(n)]


def _next_origin_ids(origins: pd.DataFrame, n: int) -> list[str]:
    numbers = [int(m.group(1)) for o in origins.index if (m := re.match(r"^O(\d+)$", str(o)))]
    start = max(numbers, default=0) + 1
    return [f"O{start + i}" for i in range(n)]


def _origin_rows(parsed, ids: dict, new_keys: list, dataset, opts: Options, name: str) -> tuple[list, list]:
    """The ``origins.csv`` and ``relays.csv`` rows of the new sources: each relays the origin its row
    (news format ``origin`` column) or ``--origin`` names, which must be on file, or else is an origin of
    its own (kind ``--origin-kind``, default ``release`` for official files, ``article`` for news)."""
    if dataset.origins.empty and len(dataset.sources):   # a data folder without an origin register
        return [], []
    kind = opts.origin_kind or formats()[parsed.format].origin_kind
    if kind not in ORIGIN_KINDS:
        raise ParameterError("--origin-kind", kind, ", ".join(ORIGIN_KINDS))
    if opts.origin and opts.origin not in dataset.origins.index:
        raise ParameterError("--origin", opts.origin, "an origin_id of data/raw/*/origins.csv")
    own = [k for k in new_keys if not (parsed.sources[k].origin or opts.origin)]
    fresh = dict(zip(own, _next_origin_ids(dataset.origins, len(own))))
    origins, relays = [], []
    for k in new_keys:
        s = parsed.sources[k]
        origin = s.origin or opts.origin or fresh[k]
        if s.origin and s.origin not in dataset.origins.index:
            raise DataError(name, f"unknown origin id '{s.origin}' (not in any origins.csv; leave the cell "
                            "empty for a page that is its own origin)", row=s.row, column="origin")
        if k in fresh:
            origins.append({"origin_id": origin, "publisher": s.agency or s.outlet, "kind": kind,
                            "released": s.published, "title": s.title, "url": s.url,
                            "note": f"added by magnet-import with {ids[k]}"})
        relays.append({"source_id": ids[k], "origin_id": origin})
    return origins, relays


def _scope_matches(checked: pd.DataFrame, dataset, name: str, accept: bool) -> tuple[list[dict], list[str]]:
    """Magnet-line tonnages of the file equal to a same-month rare-earth minerals total (on file or in the
    file), or minerals totals of the file equal to a magnet figure on file: refused, or with ``accept``
    kept with a warning and a ``resolutions.csv`` row naming the magnet figure's page (the scope was checked)."""
    both = pd.concat([dataset.figures.assign(_new=False), checked.assign(_new=True)], ignore_index=True)
    rows, warnings = [], []
    for m, x in scope_matches(both):
        if not (m["_new"] or x["_new"]):
            continue
        new = m if m["_new"] else x
        text = scope_match_text(m, x)
        if not m["_new"]:
            text += f" (the magnet figure is on file: {m['file']} row {m['row']})"
        if not accept:
            raise DataError(name, text + "; pass --accept-scope-match if the page's figure is magnets",
                            row=int(new["row"]), column="value")
        warnings.append(f"{name} row {new['row']}: {text}; kept (--accept-scope-match)")
        rows.append({"from_month": m.from_month, "to_month": m.to_month, "partner": m.partner, "measure": m.measure,
                     "winning_source_id": m.source_id, "series": MAIN_SERIES,
                     "note": f"scope checked and kept with --accept-scope-match: {text}"})
    return rows, warnings


def _write_csv(path: Path, columns, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([r.get(c, "") for c in columns])


def _original_name(path: Path) -> str:
    suffix = path.suffix.lower()
    return "original" + (suffix if re.match(r"^\.[a-z0-9]{1,5}$", suffix) else ".csv")


#: Prefix of staging folders inside ``data/`` (git-ignored; readers ignore dot-folders).
STAGING_PREFIX = ".import-"
#: Test hook: ``MAGNET_IMPORT_KILL_AT=<stage>`` makes an import SIGKILL itself at that stage.
KILL_ENV = "MAGNET_IMPORT_KILL_AT"
#: The stages of an import, in order (the names :func:`stage` is called with).
STAGES = ("staging", "staged", "checking", "validated", "moved")


def stage(name: str) -> None:
    """Mark a stage of an import; with ``MAGNET_IMPORT_KILL_AT=name`` the process kills itself here
    (SIGKILL: no cleanup, no ``finally``), so tests can stop an import at a named moment."""
    if name not in STAGES:
        raise ValueError(f"unknown import stage {name!r}")
    if os.environ.get(KILL_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def lock(data_dir: Path, timeout: float = 60):
    """The import lock of one data folder (a file lock outside ``data/``, so that a refused import leaves
    the project byte for byte as it was; released when its process dies).

    The lock file is in the system's temporary folder, named after the data folder. One that another
    user made there (root, before the project was handed to a user) cannot be opened by this one: this
    user then locks a file of its own, which keeps this user's imports one at a time."""
    from filelock import FileLock

    key = hashlib.sha1(str(Path(data_dir).resolve()).encode()).hexdigest()[:16]
    path = os.path.join(tempfile.gettempdir(), f"magnet-import-{key}.lock")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        path = os.path.join(tempfile.gettempdir(), f"magnet-import-{key}-uid{os.getuid()}.lock")
    return FileLock(path, timeout=timeout)


def sweep_staging(data_dir: Path) -> list[str]:
    """Remove the staging folders killed imports left in ``data/`` (call under the import lock: no
    import is running, so every one is a leftover). A leftover holds nothing of the data: a killed
    import's batch is either still in it (never renamed: dropped) or already whole in ``raw/``."""
    gone = []
    for p in sorted(Path(data_dir).glob(STAGING_PREFIX + "*")):
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
            gone.append(p.name)
    return gone


def _fsync(*files: Path) -> None:
    """Flush files (or folders) to disk: a staged batch before the rename publishes it, so that a power
    cut after the rename cannot leave a batch of empty files; ``raw/`` after it."""
    for p in files:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _validate_combined(data_dir: Path, batch: Path, name: str, row_of: dict[int, int],
                       today: dt.date, work: Path) -> str:
    """Load the whole dataset with the new batch (and its ``SHA256SUMS``) included, on a throw-away
    copy; its latest month.

    The copy is made in ``work`` (the import's staging folder inside ``data/``, git-ignored), not in the
    system's temporary folder: an import killed meanwhile leaves it where the next import removes it
    with the staging folder (:func:`sweep_staging`)."""
    from helpers.analysis.series import derive

    check = work / "check"
    copy = check / "data"
    try:
        try:
            shutil.copytree(data_dir, copy, ignore=shutil.ignore_patterns(STAGING_PREFIX + "*"))
            shutil.copytree(batch, copy / "raw" / batch.name)
        except shutil.Error as exc:   # copytree gathers its errors: the first, as an OSError naming its file
            src, dst, why = exc.args[0][0]
            import errno

            raise OSError(errno.ENOSPC if "No space left" in str(why) else errno.EIO, str(why), dst) from None
        stage("checking")
        try:
            combined = load_dataset(copy, today=today)
            derive(combined)
            return combined.latest_month
        except DataError as exc:
            file = exc.file
            for prefix in (str(copy.resolve()), str(copy)):
                if file.startswith(prefix):
                    file = "data" + file[len(prefix):]
            msg = exc.message
            if file.endswith(f"{batch.name}/figures.csv") and exc.row in row_of:
                raise type(exc)(name, msg + f" (would be {file} row {exc.row})", row=row_of[exc.row],
                                column=exc.column) from None
            raise type(exc)(file, msg + f" (with {name} added)", row=exc.row, column=exc.column) from None
    finally:
        shutil.rmtree(check, ignore_errors=True)


#: The prefix of the check copies earlier versions made in the system's temporary folder.
OLD_CHECK_PREFIX = "magnet-import-check-"


def sweep_old_checks(max_age: float = 3600) -> list[str]:
    """Remove this user's ``magnet-import-check-*`` folders in the system's temporary folder older than
    ``max_age`` seconds: what imports of earlier versions killed there left (4.8 MB each)."""
    import time

    gone = []
    root = Path(tempfile.gettempdir())
    for p in root.glob(OLD_CHECK_PREFIX + "*"):
        try:
            st = p.lstat()
            if p.is_dir() and not p.is_symlink() and st.st_uid == os.getuid() and time.time() - st.st_mtime > max_age:
                shutil.rmtree(p, ignore_errors=True)
                gone.append(p.name)
        except OSError:
            continue
    return gone


def _named(exc: OSError, path: Path) -> OSError:
    """``exc`` naming ``path`` when it names no file (a write that failed on ``close``, a full disk)."""
    if exc.filename:
        return exc
    return OSError(exc.errno, exc.strerror or str(exc), str(path))


def import_file(path, fmt: str | None = None, *, data_dir: Path | None = None, opts: Options | None = None,
                slug: str | None = None, prefer: str | None = None, accept_implausible: bool = False,
                accept_scope_match: bool = False, dry_run: bool = False, today: dt.date | None = None, now: dt.datetime | None = None,
                name: str | None = None) -> ImportResult:
    """Add one upstream file to ``data_dir`` as a new raw batch, or change nothing.

    Everything is checked before anything is written; the batch is built with its
    ``SHA256SUMS`` in a staging folder inside ``data/``, the whole dataset is validated
    with it, then it is renamed into ``data/raw/`` (one atomic step).
    """
    data_dir = Path(data_dir or paths.DATA).resolve()
    opts = opts or Options()
    today = today or dt.date.today()
    now = now or dt.datetime.now()
    path = Path(path)
    name = name or str(path)
    if prefer not in (None, "new", "existing"):
        raise ParameterError("--prefer", prefer, "new or existing")
    if opts.published:
        check_date_param("--published", opts.published)
    if opts.source_url:
        check_url_param("--source-url", opts.source_url)
    for attr in ("title", "outlet", "agency"):
        if getattr(opts, attr):
            setattr(opts, attr, safe_text(getattr(opts, attr)))
    slug = check_slug(slug) if slug is not None else None
    if path.is_dir():
        raise ParameterError("FILE", str(path), "a file, not a folder")

    with lock(data_dir):
        sweep_staging(data_dir)   # what imports killed earlier left (no import runs: we hold the lock)
        sweep_old_checks()
        dataset = load_dataset(data_dir, today=today)
        lookup = partner_lookup(dataset.partners)
        parsed = read_file(path, fmt, lookup, opts, today, name=name)
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        for old in (data_dir / "raw").glob("*/original.*"):
            if hashlib.sha256(old.read_bytes()).hexdigest() == digest:
                raise DataError(name, f"was already imported as {paths.relative(old.parent)} (identical bytes)")

        # sources: reuse a registered page (news format), else new ids
        registered = dict(zip(dataset.sources.url, dataset.sources.source_id))
        reuse = formats()[parsed.format].reuses_registered_pages
        new_keys = [k for k, s in parsed.sources.items() if not (reuse and s.url in registered)]
        ids = dict(zip(new_keys, _next_source_ids(dataset.sources, len(new_keys))))
        for k, s in parsed.sources.items():
            ids.setdefault(k, registered.get(s.url, ""))

        figure_rows = [{"from_month": f.from_month, "to_month": f.to_month, "partner": f.partner,
                        "measure": f.measure, "value": f.value, "approx": f.approx, "series": f.series,
                        "source_id": ids[f.source_key], "note": f.note} for f in parsed.figures]
        row_of = {i + 2: f.row for i, f in enumerate(parsed.figures)}
        accessed = f"{today:%Y-%m-%d}"
        source_rows = [{"source_id": ids[k], "outlet": s.outlet, "agency": s.agency, "title": s.title,
                        "url": s.url, "published": s.published, "accessed": accessed,
                        "note": f"added by magnet-import from {_original_name(path)} ({parsed.format} format)"}
                       for k, s in parsed.sources.items() if k in new_keys]
        # the new rows must pass the loader's own checks, named by the upstream row
        frame = pd.DataFrame(figure_rows, columns=_columns("figures"), dtype=str).fillna("")
        frame["row"], frame["file"] = [f.row for f in parsed.figures], name
        checked = validate_figures(frame, set(dataset.sources.source_id) | set(ids.values()), today)
        scope_rows, scope_warnings = _scope_matches(checked, dataset, name, accept_scope_match)
        origin_rows, relay_rows = _origin_rows(parsed, ids, new_keys, dataset, opts, name)

        warnings = list(parsed.warnings)
        warnings += check_plausible(parsed, dataset.figures, name, accept_implausible)
        resolutions, revisions = find_conflicts(parsed, ids, dataset, name, prefer)
        warnings += revisions + scope_warnings
        keys = {(r["from_month"], r["to_month"], r["partner"], r["measure"], r.get("series") or MAIN_SERIES)
                for r in resolutions}
        resolutions += [r for r in scope_rows
                        if (r["from_month"], r["to_month"], r["partner"], r["measure"], r["series"]) not in keys]

        months = sorted({f.to_month for f in parsed.figures})
        scopes = tuple(s for s in SERIES if any(f.series == s for f in parsed.figures))
        slug = slug or check_slug(f"{parsed.format}-{_months_label(months).replace(' to ', '-to-')}")
        batch_name = f"{now:%Y%m%d-%H%M%S}-{slug}"
        target = data_dir / "raw" / batch_name
        if target.exists():
            raise ParameterError("--slug", slug, f"a batch named {batch_name} exists; wait a second or pick another")
        if dry_run:
            return ImportResult(None, list(ids.values()), len(figure_rows), len(resolutions), months, warnings,
                                series=scopes)

        # built with its SHA256SUMS in a staging folder inside data/ (same file system), validated, then
        # renamed into raw/: a process killed before the rename leaves only the staging folder (ignored by
        # readers, removed by the next import), killed after it, the whole batch
        tmp = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=data_dir))
        try:
            batch = tmp / batch_name
            batch.mkdir()
            _write_csv(batch / "figures.csv", _columns("figures"), figure_rows)
            stage("staging")
            for table, rows in (("sources", source_rows), ("resolutions", resolutions), ("origins", origin_rows),
                                ("relays", relay_rows)):
                if rows:  # a table only when the batch has rows of it
                    _write_csv(batch / f"{table}.csv", _columns(table), rows)
            (batch / _original_name(path)).write_bytes(raw)
            record_folder(batch)
            stage("staged")
            latest = _validate_combined(data_dir, batch, name, row_of, today, tmp)
            stage("validated")
            _fsync(*sorted(batch.iterdir()), batch)
            os.rename(batch, target)   # the import: one atomic rename (under the lock, target does not exist)
            stage("moved")
        except OSError as exc:
            raise _named(exc, tmp) from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        try:
            _fsync(target.parent)   # the batch is in: a failure to flush raw/ now is not a failed import
        except OSError:
            pass
        # the data now are the copy that was validated: its latest month is theirs
        return ImportResult(target, list(ids.values()), len(figure_rows), len(resolutions), months, warnings,
                            latest, scopes)
