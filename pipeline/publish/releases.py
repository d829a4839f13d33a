"""A report set published all at once: releases and one symlink swapped, as atomic deploys do.

The output folder holds every edition of the whole set in a folder of its own, and one symlink
says which is published::

    reports/
      releases/20261207T034512123456-4242/   one complete edition: NAME.html, .pdf, .ipynb, .log,
                                             .facts.json, .card.json, NAME.data/, data/ (the data
                                             package), index.html, technical.html, feed.xml, .state/
      current -> releases/20261207T034512123456-4242
      index.html -> current/index.html       one link per entry of the release, so that readers'
      NAME.html -> current/NAME.html         paths (reports/NAME.html) stay what they were
      ...

A build that publishes anything makes a new release: a copy of the current one made of hard links
(no byte is copied; published files are only ever replaced, never changed in place), into which the
reports that succeeded, the data package, the index, the technical page and the feed are written.
Then ``current`` is replaced by a symlink to it in one ``rename(2)``: a reader, the index, the feed
and the data package see the old edition of the whole set or the new one, never a mix. A build
killed before that leaves ``releases/.new-*``, removed by the next build; the published set is as
it was. A build that publishes nothing makes no release and changes nothing published.

A folder in the flat layout of earlier versions (``reports/NAME.html`` files, or a copy that turned
the symlinks into files and folders) is adopted on its first build: its files become the first
release (hard links again), then links replace them.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

RELEASES, CURRENT = "releases", "current"
#: What the output folder holds beside the published entries (never linked, never released).
OWN = {".build.lock", ".staging", RELEASES, CURRENT}
#: Releases kept besides the current one (the one before it, for a reader mid-download).
KEEP = 1


def _new_id() -> str:
    return f"{dt.datetime.now():%Y%m%dT%H%M%S%f}-{os.getpid()}"


def _link_copy(src: Path, dst: Path) -> None:
    """``src`` copied to ``dst`` as hard links (falls back to a copy where links are refused)."""
    def link(a, b):
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)

    if src.is_dir():
        shutil.copytree(src, dst, symlinks=True, copy_function=link)
    else:
        link(src, dst)


def _own(name: str) -> bool:
    """The output folder's own entries and leftovers: everything but what a release publishes."""
    return name in OWN or (name.startswith(".") and name != ".state") or name.endswith((".tmp", ".old"))


def current(root: Path) -> Path | None:
    """The published release (``root/current``'s target), or None."""
    link = Path(root) / CURRENT
    if link.is_symlink():
        target = link.resolve()
        if target.is_dir():
            return target
    return None


def adopt(root: Path) -> Path:
    """The published release, made first when ``root`` has none: from the files of the flat layout
    (earlier versions, or a copy that followed the symlinks), or empty. Call it under the build lock."""
    root = Path(root)
    found = current(root)
    if found is not None:
        return found
    new = root / RELEASES / f".new-{_new_id()}"
    new.mkdir(parents=True)
    for entry in sorted(root.iterdir()):
        if _own(entry.name) or entry.is_symlink():
            continue
        _link_copy(entry, new / entry.name)
    (new / ".state").mkdir(exist_ok=True)
    return switch(root, new)


def begin(root: Path, release: Path) -> Path:
    """A new release to write into: ``release`` copied as hard links into ``releases/.new-ID``."""
    new = Path(root) / RELEASES / f".new-{_new_id()}"
    _link_copy(release, new)
    (new / ".state").mkdir(exist_ok=True)
    return new


def switch(root: Path, new: Path) -> Path:
    """Publish the release ``new`` (a ``.new-*`` folder): renamed into place, linked from the top, then
    ``current`` swapped to it in one rename; the links of entries it no longer has removed, and
    releases older than the one before removed. Returns the published release."""
    root = Path(root)
    final = new.with_name(new.name[len(".new-"):]) if new.name.startswith(".new-") else new
    if final != new:
        os.replace(new, final)
    # links first (a new report's link points at nothing for the moment before the swap), then the swap
    for entry in sorted(final.iterdir()):
        _link(root, entry.name)
    tmp = root / f".current.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    os.symlink(f"{RELEASES}/{final.name}", tmp)
    if (root / CURRENT).is_dir() and not (root / CURRENT).is_symlink():   # a copy that followed the link
        aside = root / f".current.{os.getpid()}.old"
        os.replace(root / CURRENT, aside)
        shutil.rmtree(aside, ignore_errors=True)
    os.replace(tmp, root / CURRENT)   # the one moment the published set changes
    for entry in list(root.iterdir()):   # links to what the release no longer has (a pruned report)
        if entry.is_symlink() and os.readlink(entry).startswith(CURRENT + "/") and not entry.exists():
            entry.unlink(missing_ok=True)
    remove_old(root)
    return final


def _link(root: Path, name: str) -> None:
    """``root/name`` -> ``current/name``, replacing a file or folder of the flat layout."""
    path, target = root / name, f"{CURRENT}/{name}"
    if path.is_symlink() and os.readlink(path) == target:
        return
    tmp = root / f".{name}.{os.getpid()}.link.tmp"
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    if path.is_dir() and not path.is_symlink():
        aside = root / f".{name}.{os.getpid()}.old"
        os.replace(path, aside)
        os.replace(tmp, path)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.replace(tmp, path)


def remove_old(root: Path) -> list[str]:
    """Remove unfinished releases (``.new-*``: a killed build's) and every release but the current one and
    the :data:`KEEP` before it. Call it under the build lock."""
    folder = Path(root) / RELEASES
    if not folder.is_dir():
        return []
    cur = current(root)
    done = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    keep = {cur} if cur else set()
    older = [p for p in done if cur is None or p.name < cur.name]
    keep |= set(older[-KEEP:]) if KEEP else set()
    removed = []
    for p in folder.iterdir():
        if p.name.startswith(".new-") or (p.is_dir() and p not in keep and not p.name.startswith(".")):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    return removed
