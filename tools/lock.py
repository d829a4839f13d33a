"""The locked environment: make the lock files, the conda environment, and audit them.

    python -m tools.lock compile [--upgrade]  # requirements/lock-py3XX.txt, tools.txt, environment.yml
    python -m tools.lock conda                # environment.yml from requirements/lock-py311.txt
    python -m tools.lock audit                # known vulnerabilities in the locks (pip-audit)

``make lock`` / ``make lock-upgrade`` / ``make audit`` run these. pyproject.toml states what
the project needs (lower bounds); the locks pin every package, with hashes, for each
supported Python on Linux x86-64; environment.yml is generated from the Python 3.11 lock,
so pip and conda users get the same versions from one source.

Only the standard library is imported at module level: ``compile`` and ``audit`` run from
the tools environment, the checks from the project's (tests/test_environment.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
REQUIREMENTS = ROOT / "requirements"
ENVIRONMENT_YML = ROOT / "environment.yml"

#: The supported interpreters (CPython on Linux x86-64): one lock each.
PYTHONS = ("3.11", "3.12")
PLATFORM = "x86_64-manylinux_2_28"
#: The Python whose lock environment.yml is generated from.
CONDA_PYTHON = "3.11"
#: The extras installed with the project (``make`` installs ``.[test]``).
EXTRAS = ("test",)
#: The dependency group of the maintenance tools (uv, pip-audit), locked apart.
TOOLS_GROUP = "tools"
COMPILE_COMMAND = "make lock"


def lock_path(python: str) -> Path:
    """``requirements/lock-py311.txt`` for ``"3.11"``."""
    return REQUIREMENTS / f"lock-py{python.replace('.', '')}.txt"


TOOLS_LOCK = REQUIREMENTS / "tools.txt"


# --------------------------------------------------------------------------- reading

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def canonical(name: str) -> str:
    """PEP 503 normalised name (``Jupyter_Core`` -> ``jupyter-core``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(text: str) -> dict[str, dict]:
    """``{name: {"version", "marker", "hashes"}}`` from a ``uv pip compile --generate-hashes`` file."""
    pins: dict[str, dict] = {}
    current = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("--hash="):
            if current is None:
                raise ValueError(f"a hash before any requirement: {stripped}")
            current["hashes"].append(stripped.removeprefix("--hash=").rstrip(" \\"))
            continue
        m = _PIN.match(stripped)
        if not m:
            raise ValueError(f"not an exact pin: {stripped!r}")
        name = canonical(m.group(1))
        if name in pins and not m.group(4):
            raise ValueError(f"{name} is pinned twice")
        current = {"version": m.group(3), "marker": (m.group(4) or "").strip(), "hashes": []}
        pins[name] = current
    return pins


def declared_requirements(pyproject: dict) -> list[str]:
    """What the project asks for: its dependencies, the installed extras and its build backend."""
    meta = pyproject["project"]
    reqs = list(meta.get("dependencies", []))
    for extra in EXTRAS:
        reqs += meta.get("optional-dependencies", {}).get(extra, [])
    reqs += pyproject.get("build-system", {}).get("requires", [])
    return reqs


# --------------------------------------------------------------------------- checks (used by the tests)

def lock_problems(pyproject_text: str, lock_text: str, python: str) -> list[str]:
    """Why the lock does not satisfy pyproject.toml for ``python`` (empty list: it does).

    Every requirement of the dependencies, the installed extras and the build backend must be
    pinned, with a hash, at a version its specifier allows; extras of a requirement must be
    locked too. Needs ``packaging``.
    """
    from packaging.markers import default_environment
    from packaging.requirements import Requirement

    env = default_environment()
    env.update(python_version=python, python_full_version=f"{python}.0", implementation_name="cpython",
               platform_python_implementation="CPython", sys_platform="linux", os_name="posix",
               platform_system="Linux", platform_machine="x86_64")
    try:
        pins = read_lock(lock_text)
    except ValueError as exc:
        return [f"unreadable lock: {exc}"]
    problems = []
    for name, pin in pins.items():
        if not pin["hashes"]:
            problems.append(f"{name}=={pin['version']} has no hash")
    for raw in declared_requirements(tomllib.loads(pyproject_text)):
        req = Requirement(raw)
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        pin = pins.get(canonical(req.name))
        if pin is None:
            problems.append(f"{req} is not in the lock")
        elif not req.specifier.contains(pin["version"], prereleases=True):
            problems.append(f"{req} but the lock pins {req.name}=={pin['version']}")
    return problems


# --------------------------------------------------------------------------- conda

#: PyPI name -> conda-forge name, where they differ (the rest keep their PyPI name).
CONDA_NAMES = {
    "brotli": "brotli-python",
    "fastjsonschema": "python-fastjsonschema",
    "ipython-pygments-lexers": "ipython_pygments_lexers",
    "jupyter-client": "jupyter_client",
    "jupyter-core": "jupyter_core",
    "jupyter-events": "jupyter_events",
    "jupyter-server": "jupyter_server",
    "jupyter-server-terminals": "jupyter_server_terminals",
    "jupyterlab-pygments": "jupyterlab_pygments",
    "jupyterlab-server": "jupyterlab_server",
    "matplotlib": "matplotlib-base",       # "matplotlib" on conda-forge adds a Qt GUI backend
    "prometheus-client": "prometheus_client",
    "pure-eval": "pure_eval",
    "stack-data": "stack_data",
    "typing-extensions": "typing_extensions",
    "tzdata": "python-tzdata",
}
#: PyPI packages that conda-forge does not carry under any name: pip installs them (same pins).
PIP_ONLY: set[str] = set()


def render_environment(lock_text: str, python: str = CONDA_PYTHON) -> str:
    """environment.yml for ``python`` from its lock: every pin, exact, under conda-forge's names."""
    pins = read_lock(lock_text)
    conda, pip = [], []
    for name in sorted(pins):
        pin = pins[name]
        if pin["marker"]:
            raise ValueError(f"{name} has a marker ({pin['marker']}): conda cannot express it")
        if name in PIP_ONLY:
            pip.append(f"{name}=={pin['version']}")
        else:
            conda.append(f"{CONDA_NAMES.get(name, name)}=={pin['version']}")
    lines = [
        f"# GENERATED by `make lock` from {lock_path(python).relative_to(ROOT)}: do not edit by hand.",
        "# The conda-forge environment with exactly the versions of the pip lock (Python "
        f"{python}, Linux x86-64);",
        "# tests/test_environment.py fails when this file and the lock drift apart.",
        "#   conda env create -f environment.yml && conda activate magnet-exports",
        "name: magnet-exports",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={python}",
        "  - pip",
        *(f"  - {c}" for c in conda),
        "  - pip:",
        *(f"      - {p}" for p in pip),
        "      - -e .",
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- compile

def _uv() -> list[str]:
    exe = Path(sys.executable).with_name("uv")
    return [str(exe)] if exe.exists() else ["uv"]


def _uv_compile(args: list[str], output: Path, stdin: str | None = None) -> None:
    """``uv pip compile ARGS -o OUTPUT``, through a copy: OUTPUT is only rewritten when it changes
    (a touched lock would make the next ``make`` rebuild .venv for nothing). The copy starts
    as the current lock, so uv keeps its pins unless told to upgrade."""
    new = output.with_name(output.name + ".new")
    if output.is_file():
        new.write_bytes(output.read_bytes())
    try:
        subprocess.run(_uv() + ["pip", "compile", *args, "-o", str(new.relative_to(ROOT))], cwd=ROOT,
                       input=stdin, text=True, check=True)
        text = new.read_text(encoding="utf-8").replace(str(new.relative_to(ROOT)), str(output.relative_to(ROOT)))
        changed = not output.is_file() or output.read_text(encoding="utf-8") != text
        if changed:
            output.write_text(text, encoding="utf-8")
    finally:
        new.unlink(missing_ok=True)
    print(f"{'locked' if changed else 'unchanged'} {output.relative_to(ROOT)} "
          f"({len(read_lock(output.read_text(encoding='utf-8')))} packages)")


def compile_locks(upgrade: bool = False, upgrade_packages: tuple[str, ...] = ()) -> None:
    """Resolve pyproject.toml into one hashed lock per supported Python, then environment.yml."""
    REQUIREMENTS.mkdir(exist_ok=True)
    pyproject = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    build = "\n".join(pyproject.get("build-system", {}).get("requires", [])) + "\n"
    common = ["--generate-hashes", "--custom-compile-command", COMPILE_COMMAND, "--quiet"]
    common += (["--upgrade"] if upgrade else []) + [f"--upgrade-package={p}" for p in upgrade_packages]
    for python in PYTHONS:
        _uv_compile(["pyproject.toml", "-", *(f"--extra={e}" for e in EXTRAS), "--python-version", python,
                     "--python-platform", PLATFORM, *common], lock_path(python), stdin=build)
    _uv_compile(["--group", f"pyproject.toml:{TOOLS_GROUP}", "--universal", "--python-version", PYTHONS[0],
                 *common], TOOLS_LOCK)
    write_environment()


def write_environment() -> None:
    text = render_environment(lock_path(CONDA_PYTHON).read_text(encoding="utf-8"))
    if not ENVIRONMENT_YML.is_file() or ENVIRONMENT_YML.read_text(encoding="utf-8") != text:
        ENVIRONMENT_YML.write_text(text, encoding="utf-8")
        print(f"wrote {ENVIRONMENT_YML.relative_to(ROOT)}")
    else:
        print(f"unchanged {ENVIRONMENT_YML.relative_to(ROOT)}")


# --------------------------------------------------------------------------- audit

def judge_audit(report: dict) -> tuple[list[str], list[str], int, int]:
    """From pip-audit's JSON: (fixable findings, unfixable findings, packages audited, packages skipped)."""
    fixable, unfixable, audited, skipped = [], [], 0, 0
    for dep in report.get("dependencies", []):
        if "skip_reason" in dep:
            skipped += 1
            continue
        audited += 1
        for vuln in dep.get("vulns", []):
            line = f"{dep['name']}=={dep['version']}: {vuln['id']}"
            if vuln.get("fix_versions"):
                fixable.append(f"{line} (fixed in {', '.join(vuln['fix_versions'])})")
            else:
                unfixable.append(f"{line} (no fixed release yet)")
    return fixable, unfixable, audited, skipped


def audit(pip_audit: str, locks: list[Path], require_service: bool = False) -> int:
    """pip-audit over each lock. Fails (1) on a known vulnerability that has a fixed release.

    When the vulnerability service cannot be reached (offline, or PyPI's per-release JSON API
    unavailable), says so in one line and passes, unless ``require_service`` (CI with network).
    """
    status = 0
    for lock in locks:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "audit.json"
            proc = subprocess.run([pip_audit, "-r", str(lock), "--disable-pip", "--require-hashes",
                                   "--progress-spinner", "off", "--format", "json", "--output", str(out),
                                   "--timeout", "20"], capture_output=True, text=True)
            report = json.loads(out.read_text()) if out.is_file() and out.stat().st_size else None
        name = lock.relative_to(ROOT) if lock.is_relative_to(ROOT) else lock
        if report is None:
            reason = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"audit: {name}: vulnerability service unreachable, nothing audited ({reason[:160]})")
            status = max(status, 2 if require_service else 0)
            continue
        fixable, unfixable, audited, skipped = judge_audit(report)
        if audited == 0:
            print(f"audit: {name}: vulnerability service unreachable, nothing audited "
                  f"({skipped} packages skipped: not found on the service)")
            status = max(status, 2 if require_service else 0)
            continue
        for f in fixable:
            print(f"audit: {name}: VULNERABLE {f}")
        for f in unfixable:
            print(f"audit: {name}: warning {f}")
        print(f"audit: {name}: {audited} packages audited, {skipped} skipped, "
              f"{len(fixable)} fixable and {len(unfixable)} unfixable known vulnerabilities")
        if fixable:
            status = 1
    return status


# --------------------------------------------------------------------------- command line

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.lock", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("compile", help="regenerate the locks and environment.yml from pyproject.toml")
    p.add_argument("--upgrade", action="store_true", help="move every package to its newest allowed release")
    p.add_argument("--upgrade-package", action="append", default=[], metavar="NAME",
                   help="move only NAME to its newest allowed release (repeatable)")
    sub.add_parser("conda", help="regenerate environment.yml from the Python 3.11 lock")
    p = sub.add_parser("audit", help="pip-audit the locks; fail on a vulnerability with a fix")
    p.add_argument("--pip-audit", default=str(Path(sys.executable).with_name("pip-audit")))
    p.add_argument("--require-service", action="store_true",
                   default=os.environ.get("AUDIT_REQUIRE_SERVICE") == "1",
                   help="fail when the vulnerability service is unreachable (env AUDIT_REQUIRE_SERVICE=1)")
    p.add_argument("locks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.command == "compile":
        compile_locks(upgrade=args.upgrade, upgrade_packages=tuple(args.upgrade_package))
    elif args.command == "conda":
        write_environment()
    else:
        return audit(args.pip_audit, [p.resolve() for p in args.locks] or [lock_path(v) for v in PYTHONS],
                     require_service=args.require_service)
    return 0


if __name__ == "__main__":
    sys.exit(main())
