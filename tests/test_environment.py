"""The project's declared environment: pyproject.toml and environment.yml must not drift apart."""

from __future__ import annotations

import re
import tomllib

import yaml
from packaging.requirements import Requirement

from helpers import paths


def _pyproject() -> dict[str, str]:
    meta = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(meta["dependencies"]) + [r for group in meta["optional-dependencies"].values() for r in group]
    out = {}
    for r in map(Requirement, reqs):
        out[r.name.lower()] = str(r.specifier)
    return out


def _conda() -> dict[str, str]:
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text(encoding="utf-8"))
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            m = re.match(r"^([A-Za-z0-9_.-]+)\s*(.*)$", dep)
            out[m.group(1).lower()] = m.group(2).replace(" ", "")
        elif isinstance(dep, dict):  # packages only on PyPI, installed by pip
            for req in dep.get("pip", []):
                if not req.startswith("-"):
                    r = Requirement(req)
                    out[r.name.lower()] = str(r.specifier)
    return out


def test_environment_yml_matches_pyproject():
    pyproject, conda = _pyproject(), _conda()
    conda.pop("python"), conda.pop("pip")
    assert conda == pyproject, (
        f"only in pyproject: {sorted(set(pyproject) - set(conda))}; only in environment.yml: "
        f"{sorted(set(conda) - set(pyproject))}; differing pins: "
        f"{sorted(k for k in set(conda) & set(pyproject) if conda[k] != pyproject[k])}")


def test_python_version_agrees():
    meta = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert f"python{meta['requires-python']}" in env["dependencies"]


def test_conda_env_installs_the_project_itself():
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert "-e ." in pip
