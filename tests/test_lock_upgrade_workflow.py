"""The monthly lock-upgrade workflow does what docs/upgrading.md says: upgrade, test and audit
on every supported Python, then open a pull request (never push to main)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools import lock  # noqa: E402

WORKFLOW = ROOT / ".github" / "workflows" / "lock-upgrade.yml"


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def _uses(job: dict) -> list[str]:
    return [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]


def problems(doc: dict) -> list[str]:
    """What the workflow lacks (empty: nothing)."""
    out = []
    on = doc.get("on", doc.get(True, {}))  # YAML 1.1 reads the key `on` as true
    crons = [s.get("cron", "") for s in (on or {}).get("schedule", [])]
    if not any(c.split()[2:4] != ["*", "*"] and c.split()[3:5] == ["*", "*"] for c in crons if len(c.split()) == 5):
        out.append("no monthly schedule")
    if "workflow_dispatch" not in (on or {}):
        out.append("cannot be run by hand")
    jobs = doc.get("jobs", {})
    upgrade, test, pr = jobs.get("upgrade"), jobs.get("test"), jobs.get("pull-request")
    if not upgrade or "make lock-upgrade" not in _runs(upgrade):
        out.append("no job runs make lock-upgrade")
    if not test or "bash .ci/run" not in _runs(test):
        out.append("no job runs the tests and the audit (.ci/run: make audit, make test)")
    else:
        pythons = set(test.get("strategy", {}).get("matrix", {}).get("python", []))
        if pythons != set(lock.PYTHONS):
            out.append(f"tests on {sorted(pythons)}, not on every locked Python {list(lock.PYTHONS)}")
        if test.get("env", {}).get("AUDIT_REQUIRE_SERVICE") != "1":
            out.append("the audit may pass without reaching the vulnerability service")
        if test.get("needs") != "upgrade":
            out.append("the tests do not run on the upgraded lock")
    if not pr or "peter-evans/create-pull-request" not in _uses(pr):
        out.append("no pull request is opened")
    else:
        if pr.get("needs") != "test":
            out.append("the pull request does not wait for the tests")
        if pr.get("permissions", {}).get("pull-requests") != "write":
            out.append("the pull-request job cannot open a pull request")
        with_ = next(s for s in pr["steps"] if s.get("uses", "").startswith("peter-evans/"))["with"]
        paths = with_.get("add-paths", "")
        if not all(p in paths for p in ("requirements/", "environment.yml")):
            out.append("the pull request does not carry the locks and environment.yml")
        if with_.get("branch", "main") in ("main", "master"):
            out.append("pushes to main")
    if doc.get("permissions", {}).get("contents") != "read":
        out.append("the workflow's default permissions are not read-only")
    return out


def test_lock_upgrade_workflow_has_its_steps():
    assert problems(_workflow()) == []


def test_the_check_fails_on_a_workflow_without_tests_or_pull_request():
    doc = _workflow()
    del doc["jobs"]["pull-request"]
    doc["jobs"]["test"]["strategy"]["matrix"]["python"] = ["3.11"]
    assert problems(doc) == ["tests on ['3.11'], not on every locked Python ['3.11', '3.12']",
                             "no pull request is opened"]


def test_the_check_fails_on_a_weekly_schedule():
    doc = _workflow()
    key = "on" if "on" in doc else True
    doc[key]["schedule"] = [{"cron": "0 5 * * 1"}]
    assert problems(doc) == ["no monthly schedule"]
