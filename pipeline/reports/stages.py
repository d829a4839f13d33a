"""The named stages of a build, and the test hook that stops a build at one of them.

``MAGNET_BUILD_STOP_AT=<stage>[:<SIGNAL>]`` (SIGNAL: ``SIGKILL``, the default, or ``SIGTERM``)
makes the build send itself that signal when it reaches the stage, as if someone had killed it at
that moment; a worker that reaches it signals the build and waits to be stopped with it. Tests use
it to stop builds at each moment that matters, instead of at a random time (tests/test_unattended.py).
"""

from __future__ import annotations

import os
import signal
import time

#: The environment variable of the hook, and the one holding the build's pid for its workers.
STOP_ENV, PID_ENV = "MAGNET_BUILD_STOP_AT", "MAGNET_BUILD_STOP_PID"
#: The stages, in order: magnet-build's main() entered (its imports done); the output folder locked and
#: cleared of leftovers; the staging folder made and the kernel zygote started; a report's notebook
#: half executed (its first cell done, its kernel running: in a worker); a report's HTML and PDF
#: written to staging (in a worker); a report's files half moved into place; a report published
#: (its state recorded), the next not yet.
STAGES = ("start", "locked", "staged", "executing", "rendered", "publishing", "published")


def armed(name: str) -> bool:
    """True when the hook asks to stop at ``name``."""
    return os.environ.get(STOP_ENV, "").partition(":")[0] == name


def stage(name: str) -> None:
    """Mark a stage; the hook's signal is sent here when it names this stage (once per process)."""
    if name not in STAGES:
        raise ValueError(f"unknown build stage {name!r}")
    if not armed(name):
        return
    sig = getattr(signal, os.environ[STOP_ENV].partition(":")[2] or "SIGKILL")
    os.environ[STOP_ENV] = ""  # once
    build = int(os.environ.get(PID_ENV) or os.getpid())
    os.kill(build, sig)
    if build != os.getpid():  # a worker: stopped by the build (its SIGTERM handler, or parent death)
        time.sleep(60)


def arm_workers() -> None:
    """Called by the build: its workers (forked, or in this process) signal this process."""
    if os.environ.get(STOP_ENV):
        os.environ[PID_ENV] = str(os.getpid())
