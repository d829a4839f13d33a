"""What a report says about how it was built: the build time (reproducible), the versions, the lock.

The build time is ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds convention);
otherwise the time of the commit the project is at (``git log -1 --format=%ct``),
and outside git the latest publication date in the data. So two builds of the same
inputs write identical HTML, PDF and executed notebooks; the moment a build really
ran is in its log. Versions name Python, the key libraries and the lock file's hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import platform
import subprocess
import sys

from helpers import paths

#: The libraries whose versions every report names.
KEY_LIBRARIES = ("pandas", "matplotlib", "papermill", "nbconvert", "weasyprint")


def build_time(dataset=None) -> dt.datetime:
    """SOURCE_DATE_EPOCH, else the commit time, else the data's latest publication date (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    try:
        out = subprocess.run(["git", "-C", str(paths.ROOT), "log", "-1", "--format=%ct"], capture_output=True,
                             text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip().isdigit():
            return dt.datetime.fromtimestamp(int(out.stdout.strip()), dt.timezone.utc)
    except (OSError, subprocess.SubprocessError):
        pass
    if dataset is not None and len(dataset.sources):
        latest = max(str(p) for p in dataset.sources.published)
        return dt.datetime.fromisoformat(latest if len(latest) == 10 else latest + "-01").replace(
            tzinfo=dt.timezone.utc)
    return dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def lock_file():
    """The lock of this Python (``requirements/lock-pyXY.txt``), or None."""
    p = paths.ROOT / "requirements" / f"lock-py{sys.version_info.major}{sys.version_info.minor}.txt"
    return p if p.is_file() else None


def versions() -> dict:
    """``{"python": "3.11.7", "pandas": "3.1.1", …, "lock": "lock-py311.txt sha256:…"}``."""
    import importlib.metadata  # only when reports are built (slow to import, unused by a no-op build)

    out = {"python": platform.python_version()}
    for name in KEY_LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    lock = lock_file()
    out["lock"] = (f"{lock.name} sha256:{hashlib.sha256(lock.read_bytes()).hexdigest()[:12]}" if lock
                   else "no lock for this Python")
    return out


def scrub_notebook(nb, name: str, notebook: str) -> None:
    """Remove what differs between two executions of the same inputs: papermill's and the kernel's
    timings, and the paths of the build's staging folder."""
    pm = nb.metadata.get("papermill", {})
    for key in ("start_time", "end_time", "duration", "exception"):
        if key in pm:
            pm[key] = None
    if "input_path" in pm:
        pm["input_path"] = notebook
    if "output_path" in pm:
        pm["output_path"] = f"{name}.ipynb"
    for cell in nb.cells:
        cpm = cell.metadata.get("papermill")
        if cpm:
            for key in ("start_time", "end_time", "duration"):
                cpm[key] = None
        cell.metadata.pop("execution", None)
