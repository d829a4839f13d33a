"""Unattended builds: killed builds leave nothing behind, failures explain themselves in one line,
the index lists what is published, and ``make lab`` runs as root only as root."""

from __future__ import annotations

import html.parser
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURE_SET, ROOT, run_build, write_report_set

from helpers import paths
from pipeline.render import convert as render
from pipeline.reports import stages
from pipeline.publish.site import PUBLISHED


def _digests(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _inodes(folder: Path) -> dict:
    return {p.name: p.stat().st_ino for p in sorted(folder.iterdir()) if p.is_file()}


def _processes_mentioning(text: str) -> list[str]:
    """Command lines of processes (other than this one) that mention ``text``."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or ())
        if proc.info["pid"] != os.getpid() and text in cmd:
            found.append(f"{proc.info['pid']}: {cmd[:200]}")
    return found


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def _assert_published_valid(out: Path) -> None:
    """Every published report is complete and valid; every index link resolves."""
    from pypdf import PdfReader

    links = _Links()
    links.feed((out / "index.html").read_text(encoding="utf-8"))
    local = [h for h in links.hrefs if "://" not in h and not h.startswith("#")]
    assert local, "the index links the reports"
    for href in local:
        assert (out / href).is_file(), f"index links {href}, which is missing"
    for page in out.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        parser = html.parser.HTMLParser()
        parser.feed(text)
        parser.close()
        assert text.rstrip().endswith("</html>"), f"{page.name} is incomplete"
    for pdf in out.glob("*.pdf"):
        assert len(PdfReader(pdf).pages) >= 1, pdf.name


# --------------------------------------------------------------------------- kill-safety


#: (stage, signal) pairs: the named stages of a build (pipeline.reports.stages.STAGES) under each signal. SIGKILL at
#: "start" is no different from never starting. "rendered" (a report's HTML and PDF written to staging, in
#: a worker) leaves nothing the stages around it do not: a worker that signals the build and must die with
#: it ("executing"), a staging folder holding a rendered report, removed by a stopped build and by the next
#: one, whose files no published file may share ("publishing"); it would cost 2.5 CPU-s a signal.
KILLS = [(at, sig) for at in stages.STAGES for sig in ("SIGKILL", "SIGTERM")
         if (at, sig) != ("start", "SIGKILL") and at != "rendered"]


@pytest.mark.slow
@pytest.mark.parametrize("at, sig", KILLS, ids=[f"{sig}-at-{at}" for at, sig in KILLS])
def test_a_build_killed_at_any_stage_leaves_nothing_behind(published, tmp_path, at, sig):
    """A forced rebuild of both reports, stopped at a named stage (the MAGNET_BUILD_STOP_AT hook):
    what is published stays whole and valid, the whole set as it was (the new edition is published in
    one swap, after every report), no process outlives the build, the next build removes the
    leftovers. SIGTERM explains itself in one line."""
    out, config = published
    before, current_before = _inodes(out), os.readlink(out / "current")
    proc = run_build("--force", "--config", config, "--output-dir", out, timeout=300,
                     env={stages.STOP_ENV: f"{at}:{sig}"})
    err = proc.stderr
    if sig == "SIGKILL":
        assert proc.returncode == -signal.SIGKILL, (proc.returncode, err)
    elif at == "start":  # before the build installed its handlers: the default action, nothing started
        assert proc.returncode == -signal.SIGTERM and not err and not (out / ".staging").exists(), err
    else:
        assert proc.returncode == 128 + signal.SIGTERM, err
        assert err.strip().splitlines()[-1].startswith("error: stopped by SIGTERM"), err
        assert "Traceback" not in err
    after = _inodes(out)  # a file moved into place is a new inode
    moved = {n: [ext for ext in PUBLISHED if after[f"{n}.{ext}"] != before[f"{n}.{ext}"]] for n in FIXTURE_SET}
    # the set is published all at once (pipeline.publish.releases): stopped anywhere before the swap, even
    # between two files of one report ("publishing") or two reports ("published"), every file of every
    # report, the index, the technical page, the feed and the data package are those of before
    assert not any(moved.values()), moved
    assert {k: v for k, v in after.items() if not k.startswith(tuple(FIXTURE_SET))} == \
        {k: v for k, v in before.items() if not k.startswith(tuple(FIXTURE_SET))}
    assert os.readlink(out / "current") == current_before
    if sig == "SIGTERM" and at != "start":
        assert not (out / ".staging").exists(), "a stopped build removes its staging folder"
        assert not list((out / "releases").glob(".new-*")), "a stopped build removes its unpublished edition"
    # no zygote, kernel, kernel client or worker outlives the build (a moment for the kernel to deliver)
    deadline = time.monotonic() + 10
    while _processes_mentioning(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes_mentioning(str(tmp_path)), _processes_mentioning(str(tmp_path))
    _assert_published_valid(out)
    nxt = run_build("--config", config, "--output-dir", out)
    assert nxt.returncode == 0, nxt.stderr
    assert not (out / ".staging").exists(), "the next build removes what the killed one left"
    assert not list((out / "releases").glob(".new-*")), "the next build removes the unpublished edition"
    assert not list(out.glob(".*.tmp")) and not list((out / ".state").glob(".*.tmp"))
    _assert_published_valid(out)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{n}.html"' in index for n in FIXTURE_SET)


def test_leftovers_of_a_killed_build_are_removed_under_the_lock(tmp_path):
    from pipeline.publish.guard import clear_leftovers

    out = tmp_path / "out"
    run = out / ".staging" / "20250101T000000-1"
    (run / "zygote").mkdir(parents=True)
    (run / "zygote" / "zygote.sock").write_text("")
    (out / ".index.html.99.tmp").write_text("half")
    # a stand-in for a zygote that outlived its build: its command line names the staging folder
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", str(run / "zygote" / "zygote.sock")])
    try:
        deadline = time.monotonic() + 10
        while not _processes_mentioning(str(run)) and time.monotonic() < deadline:
            time.sleep(0.05)  # until it has exec'd
        assert clear_leftovers(out) == [run.name]
        assert orphan.wait(timeout=10) == -signal.SIGKILL
    finally:
        if orphan.poll() is None:
            orphan.kill()
    assert not (out / ".staging").exists() and not (out / ".index.html.99.tmp").exists()


def test_die_with_parent_kills_a_child_when_its_parent_dies(tmp_path):
    """prctl(PR_SET_PDEATHSIG): the grandchild dies the moment its parent is killed."""
    from pipeline.build.kernels import running

    marker = tmp_path / "grandchild.pid"
    code = (f"import os, sys, time\nsys.path.insert(0, {str(ROOT)!r})\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    from pipeline.build.kernels import die_with_parent\n"
            "    die_with_parent(None, os.getppid())\n"
            f"    open({str(marker)!r}, 'w').write(str(os.getpid()))\n"
            "    time.sleep(120)\n"
            "    os._exit(0)\n"
            "time.sleep(120)\n")
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 30
        while not (marker.is_file() and marker.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        child = int(marker.read_text())
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 5
        while running(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(child)  # gone, or a zombie (dead, not yet reaped by PID 1)
    finally:
        if parent.poll() is None:
            parent.kill()


def test_a_kernel_left_a_zombie_counts_as_exited():
    """The zygote's provisioner waits for its kernel with :func:`pipeline.build.kernels.running`: a kernel orphaned
    by a killed build can stay a zombie (PID 1 reaps it late or never), and nothing must wait on it."""
    import psutil

    from pipeline.build.kernels import running

    r, w = os.pipe()
    parent = os.fork()
    if parent == 0:  # a parent that never reaps its child: the child stays a zombie
        child = os.fork()
        if child == 0:
            os._exit(0)
        os.write(w, str(child).encode())
        time.sleep(60)
        os._exit(0)
    os.close(w)
    try:
        child = int(os.read(r, 32))
        deadline = time.monotonic() + 10
        while psutil.Process(child).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline, "the child never exited"
            time.sleep(0.02)
        assert not running(child)
        assert running(parent) and running(os.getpid())
    finally:
        os.close(r)
        os.kill(parent, signal.SIGKILL)
        os.waitpid(parent, 0)
    assert not running(parent)


def test_a_forked_kernel_dies_with_the_worker_that_asked_for_it(tmp_path):
    """A report's worker killed while its kernel runs (the build lives on) takes the kernel with it: the
    kernel watches the connection its request came on (pipeline.build.kernels.ZygoteProvisioner), which closes
    when the worker dies; jupyter_client's own KernelManager gets the provisioner from the kernelspec."""
    from pipeline.build.kernels import running, warm_kernels

    with warm_kernels(tmp_path / "zygote") as kernel_name:
        name = kernel_name()
        assert name == "magnet-warm"
        code = ("import time\nfrom jupyter_client.manager import KernelManager\n"
                f"km = KernelManager(kernel_name={name!r})\nkm.start_kernel()\n"
                "print(type(km.provisioner).__name__, km.provisioner.pid, flush=True)\ntime.sleep(60)\n")
        worker = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            provisioner, kernel = worker.stdout.readline().split()
            kernel = int(kernel)
            assert provisioner == "ZygoteProvisioner" and running(kernel)
        finally:
            worker.kill()
            worker.wait()
        deadline = time.monotonic() + 10
        while running(kernel) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(kernel)


def test_with_its_zygote_gone_the_warm_kernel_starts_cold(tmp_path):
    """The provisioner runs the kernelspec's own command (ipykernel's) when no zygote answers."""
    import jupyter_client

    from pipeline.build.kernels import ipc_kernel_manager, running, warm_kernels

    with warm_kernels(tmp_path / "zygote") as kernel_name:
        name = kernel_name()
        (tmp_path / "zygote" / "zygote.sock").unlink()   # as if the zygote had died
        km = ipc_kernel_manager()(kernel_name=name)
        km.start_kernel()
        try:
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=60)
            reply = kc.execute_interactive("import os", timeout=30)
            assert reply["content"]["status"] == "ok"
            assert km.provisioner.kernel is None and km.provisioner.process is not None   # a child of ours
            kc.stop_channels()
        finally:
            pid = km.provisioner.pid
            km.shutdown_kernel()
        assert not running(pid)
    assert isinstance(km.provisioner, jupyter_client.LocalProvisioner)


def test_a_kernel_that_fails_at_once_leaves_the_zygote_serving(tmp_path):
    """A forked kernel that fails before it runs (here: its working folder does not exist) exits: it never
    returns to the zygote's loop as a second zygote, and the next kernel starts."""
    import psutil

    from pipeline.build.kernels import ipc_kernel_manager, running, warm_kernels

    with warm_kernels(tmp_path / "zygote") as kernel_name:
        name = kernel_name()
        failed = ipc_kernel_manager()(kernel_name=name)
        with pytest.raises(RuntimeError):
            failed.start_kernel(cwd=str(tmp_path / "no-such-folder"))
            kc = failed.client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=30)
            finally:
                kc.stop_channels()
        km = ipc_kernel_manager()(kernel_name=name)
        km.start_kernel(cwd=str(tmp_path))
        try:
            # this test's zygote (the worker may run the session's own, conftest.warm_kernel)
            zygote = next(p for p in psutil.Process().children() if str(tmp_path / "zygote") in " ".join(p.cmdline()))
            assert [k.pid for k in zygote.children()] == [km.provisioner.pid]
        finally:
            km.shutdown_kernel(now=True)
        assert not running(km.provisioner.pid)


def test_the_warm_kernel_overrides_no_private_method_of_jupyter_client():
    """The kernels' classes use jupyter_client's public seams only (issue 34): none of them defines a
    ``_``-prefixed name that a class it derives from defines."""
    from pipeline.build.kernels import ipc_kernel_manager, ready_client, zygote_provisioner

    for cls in (ipc_kernel_manager(), ready_client(), zygote_provisioner()):
        overridden = [name for name, value in vars(cls).items() if name.startswith("_") and not name.startswith("__")
                      and (callable(value) or isinstance(value, property))
                      and any(name in vars(base) for base in cls.__mro__[1:])]
        assert not overridden, (cls.__name__, overridden)


def test_the_failed_log_holds_the_traceback_and_the_full_error(published, capsys):
    from pipeline.build import cli as build

    out, config = published
    failing = write_report_set(config.parent, dict(FIXTURE_SET, alpha={"fail": True}), name="fail.yaml")
    before = _digests(out)
    assert build.main(["--config", str(failing), "--output-dir", str(out), "--only", "alpha", "--no-progress"]) == 1
    log = (out / ".state" / "alpha.failed.log").read_text(encoding="utf-8")
    assert "Traceback" in log or "----> " in log, log[-2000:]
    assert 'raise ValueError("boom in the fixture")' in log
    assert "ValueError: boom in the fixture" in log
    assert "\x1b[" not in log, "no colour codes in the log"
    after = _digests(out)
    after.pop("index.html"), before.pop("index.html")
    assert after == before


def test_long_lists_are_summarised_not_cut(tmp_path):
    from helpers.articles.claims import load_claims
    from helpers.errors import DataError, listing

    assert listing(["a", "b"]) == "a, b"
    assert listing([f"c{i}" for i in range(11)], "columns") == "11 columns (c0, c1, c2, …)"
    bad = tmp_path / "claims.csv"
    bad.write_text("claim_id,claim,kind,partner,from_month,to_month,measure,stated_vlaue\n1,x,value,US,2025-06,"
                   "2025-06,tonnes,353\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_claims(bad)
    msg = str(exc.value)
    assert "unknown column(s): stated_vlaue; allowed: 13 columns (claim_id, claim, kind, …)" in msg
    assert render.one_line(msg) == msg
    long = "word " * 100
    cut = render.one_line(long, 50)
    assert cut.endswith(" …") and all(w == "word" for w in cut[:-2].split())


# --------------------------------------------------------------------------- check before running


def test_as_of_outside_the_data_is_one_line_before_anything_starts(published):
    out, config = published
    before = _digests(out)
    proc = run_build("--config", config, "--output-dir", out, "--as-of", "2015-01")
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert re.match(r"error: --as-of 2015-01: the data cover \d{4}-\d\d to \d{4}-\d\d", proc.stderr)
    assert _digests(out) == before and not (out / ".staging").exists()


@pytest.mark.slow
def test_an_output_dir_that_cannot_be_written_is_one_line(tmp_path):
    config = write_report_set(tmp_path, FIXTURE_SET)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    proc = run_build("--config", config, "--output-dir", blocker / "reports")
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("error: ") and "not writable (Not a directory)" in proc.stderr
    proc = run_build("--config", config, "--output-dir", blocker)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert f"{blocker}/: not writable" in proc.stderr


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; the Not-a-directory case covers it")
def test_a_read_only_output_dir_is_one_line(tmp_path):
    config = write_report_set(tmp_path, FIXTURE_SET)
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        proc = run_build("--config", config, "--output-dir", out)
    finally:
        out.chmod(0o755)
    assert proc.returncode == 1 and proc.stderr == f"error: {out}/: not writable (Permission denied)\n"


@pytest.fixture
def draft_claims(tmp_path, monkeypatch):
    """An unrecorded draft claims file in data/claims/ of a copy of the project's data; this test's
    commands (MAGNET_PROJECT_ROOT) and helpers (helpers.paths) use the copy, the working tree stays as it is."""
    root = tmp_path / "project"
    shutil.copytree(paths.DATA, root / "data", ignore=shutil.ignore_patterns(".import-*"))
    draft = root / "data" / "claims" / "zz-draft-test.csv"
    draft.write_text("claim_id,claim,kind\nd1,A draft,not_checkable\n", encoding="utf-8")
    monkeypatch.setenv("MAGNET_PROJECT_ROOT", str(root))
    for name in ("DATA", "RAW", "REFERENCE", "CLAIMS"):
        monkeypatch.setattr(paths, name, root / getattr(paths, name).relative_to(paths.ROOT))
    return draft


def test_an_unrecorded_draft_claims_file_does_not_stop_the_dataset(draft_claims):
    from helpers.notebook import params
    from helpers.data.dataset import load_dataset
    from helpers.errors import ParameterError

    load_dataset()  # the dataset does not read claims files
    with pytest.raises(ParameterError, match="no recorded checksum"):
        params.check_claims_file("claims_file", str(draft_claims))


@pytest.mark.slow
def test_bad_parameters_fail_only_their_reports_before_any_kernel(published, draft_claims, tmp_path):
    """Checked against the data before running: each bad report is one line, the good ones build."""
    import yaml

    out, _ = published
    fixture = str(ROOT / "tests/fixtures/build/report.ipynb")
    misspelt = tmp_path / "misspelt.csv"
    misspelt.write_text("claim_id,claim,kind,stated_vlaue\n1,x,not_checkable,\n", encoding="utf-8")
    doc = {"reports": [
        {"name": "alpha", "notebook": fixture, "parameters": {"greeting": "still builds"}},
        {"name": "early", "notebook": str(ROOT / "notebooks/02_destinations.ipynb"),
         "parameters": {"partner": "US", "as_of": "2015-01"}},
        {"name": "nowhere", "notebook": str(ROOT / "notebooks/02_destinations.ipynb"),
         "parameters": {"partner": "Atlantis"}},
        {"name": "ranked", "notebook": str(ROOT / "notebooks/02_destinations.ipynb"),
         "parameters": {"partner": "Mexico"}},   # only ever ranked: no tonnage to show
        {"name": "draft", "notebook": str(ROOT / "notebooks/03_claims_check.ipynb"),
         "parameters": {"claims_file": str(draft_claims)}},
        {"name": "misspelt", "notebook": str(ROOT / "notebooks/03_claims_check.ipynb"),
         "parameters": {"claims_file": str(misspelt)}},
    ]}
    config = tmp_path / "bad.yaml"
    config.write_text(yaml.safe_dump(doc), encoding="utf-8")
    proc = run_build("--config", config, "--output-dir", out)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 5, proc.stderr
    by = {re.match(r"error: report '([^']+)'", e).group(1): e for e in errors}
    assert "parameter 'as_of' = '2015-01' is not allowed" in by["early"]
    assert "parameter 'partner' = 'Atlantis'" in by["nowhere"]
    assert "Mexico is only ever ranked, with no tonnage to show" in by["ranked"]
    assert "no recorded checksum" in by["draft"]
    assert "stated_vlaue; allowed: 13 columns (claim_id, claim, kind, …)" in by["misspelt"]
    assert not any(e.endswith("…") and not e.endswith(" …") for e in errors), "nothing cut mid-word"
    assert "1 built" in proc.stdout and "still builds" in (out / "alpha.html").read_text()
    for name in ("early", "nowhere", "ranked", "draft", "misspelt"):
        assert not (out / f"{name}.html").exists()
        assert "pre-flight" in (out / ".state" / f"{name}.failed.log").read_text()
    assert not (out / ".staging").exists()


# --------------------------------------------------------------------------- the index


@pytest.mark.slow
def test_another_sets_build_keeps_the_index_and_prune_removes_unlisted(published, tmp_path):
    out, config = published
    other = write_report_set(tmp_path, {"gamma": {"greeting": "other set"}}, name="other.yaml")
    proc = run_build("--config", other, "--output-dir", out)
    assert proc.returncode == 0, proc.stderr
    index = (out / "index.html").read_text()
    assert all(f'href="{n}.html"' in index for n in ("alpha", "beta", "gamma")), index
    assert "3 reports, newest edition first" in index
    assert "2 published report(s) not in" in proc.stderr and "--prune" in proc.stderr
    alpha = (out / "alpha.html").read_bytes()
    proc = run_build("--config", config, "--output-dir", out, "--prune")
    assert proc.returncode == 0, proc.stderr
    assert "pruned 1 report(s)" in proc.stderr and "gamma" in proc.stderr
    assert not list(out.glob("gamma.*")) and not list((out / ".state").glob("gamma*"))
    assert (out / "alpha.html").read_bytes() == alpha
    index = (out / "index.html").read_text()
    assert 'href="gamma.html"' not in index and "2 reports, newest edition first" in index


def test_no_tcp_encryption_warning_in_build_logs(built_fixture_reports):
    for name in built_fixture_reports.names:
        log = (built_fixture_reports.out / f"{name}.log").read_text(encoding="utf-8")
        assert "without encryption" not in log and "Executing notebook" in log


def test_reports_run_in_warm_kernels_even_from_a_deep_output_folder(built_fixture_reports):
    """The zygote's socket lives in the staging folder, here deeper than a Unix socket address may be:
    the reports still get warm kernels, and the build warns of nothing."""
    staging_socket = built_fixture_reports.out / ".staging" / "20261202T222903-123456" / "zygote" / "zygote.sock.tmp"
    assert len(str(staging_socket)) > 107
    for name in built_fixture_reports.names:
        log = (built_fixture_reports.out / f"{name}.log").read_text(encoding="utf-8")
        assert "(kernel magnet-warm)" in log, log[:500]
    assert "warning" not in built_fixture_reports.proc.stderr


def test_a_socket_deeper_than_the_address_limit_binds_and_connects(tmp_path):
    import socket

    from pipeline.build.kernels import socket_address

    folder = tmp_path / ("d" * 100) / ("e" * 100)
    folder.mkdir(parents=True)
    path = str(folder / "zygote.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as srv, \
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        with socket_address(path) as address:
            srv.bind(address)
        srv.listen(1)
        assert Path(path).exists()
        with socket_address(path) as address:
            client.connect(address)
        conn, _ = srv.accept()
        client.sendall(b"hi")
        assert conn.recv(2) == b"hi"
        conn.close()


# --------------------------------------------------------------------------- make lab


def test_make_lab_allows_root_only_as_root():
    proc = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True)
    line = next(line for line in proc.stdout.splitlines() if "jupyter lab" in line)
    assert "--allow-root" in line or "allow-root" in line
    shell = subprocess.run(["sh", "-c", re.sub(r"\S*jupyter lab", "echo jupyter lab", line, count=1)], cwd=ROOT,
                           capture_output=True, text=True)
    assert ("--allow-root" in shell.stdout) == (os.geteuid() == 0), shell.stdout
