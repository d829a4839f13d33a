"""Run a command with values a user gave ``make`` as arguments, never through a shell.

    python -m tools.run [--one VAR] [--split VAR] -- COMMAND [ARG...]

The Makefile exports ``ARGS`` and ``FILE`` unexpanded (``$(value ...)``) as ``MAGNET_ARGS`` and
``MAGNET_FILE``; this appends them to ``COMMAND``: ``--one VAR`` as one argument (a path with
spaces stays one path), ``--split VAR`` split the way a shell splits words (:func:`shlex.split`:
quotes group, nothing is run or expanded: ``; id`` is two arguments, ``;`` and ``id``). Then it
replaces itself with the command (``os.execv``), so exit codes and signals are the command's.
Only the standard library: it runs before anything else is installed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys


def argv(args: list[str], environ=os.environ) -> list[str]:
    """The command line: ``COMMAND ARG...`` after ``--``, then the values of the named variables."""
    if "--" not in args:
        raise SystemExit("usage: python -m tools.run [--one VAR] [--split VAR] -- COMMAND [ARG...]")
    cut = args.index("--")
    opts, command = args[:cut], args[cut + 1:]
    if not command or len(opts) % 2:
        raise SystemExit("usage: python -m tools.run [--one VAR] [--split VAR] -- COMMAND [ARG...]")
    extra = []
    for flag, var in zip(opts[::2], opts[1::2]):
        value = environ.get(var, "")
        if flag == "--one":
            extra += [os.path.expanduser(value)] if value else []   # FILE=~/Downloads/x.csv as a shell would
        elif flag == "--split":
            try:
                extra += shlex.split(value)
            except ValueError as exc:   # an unclosed quote
                raise SystemExit(f"error: {var.removeprefix('MAGNET_')}={value[:80]!r}: {exc}") from None
        else:
            raise SystemExit(f"tools.run: unknown option {flag}")
    return command + extra


def main(args: list[str] | None = None) -> None:
    cmd = argv(sys.argv[1:] if args is None else args)
    exe = cmd[0] if os.sep in cmd[0] else (shutil.which(cmd[0]) or cmd[0])
    sys.stdout.flush()
    os.execv(exe, cmd)


if __name__ == "__main__":
    main()
