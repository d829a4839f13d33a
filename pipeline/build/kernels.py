"""Warm kernels: one zygote per build imports what reports import, then forks a fresh kernel per report.

Starting a kernel and importing pandas, matplotlib and the helpers costs each
report a few seconds. The zygote does those imports once per build, then forks
one fresh kernel per report: every report still gets its own new kernel process
(nothing from one report reaches another), minus the start-up.

The warm kernel is an ordinary kernelspec (``python -m ipykernel_launcher -f
{connection_file}``) that names a kernel provisioner, jupyter_client's public seam
for how a kernel process is started, polled, signalled and killed
(:class:`ZygoteProvisioner`, registered under the entry point group
``jupyter_client.kernel_provisioners`` in ``pyproject.toml``). Instead of running
that command it asks the zygote to fork a kernel with the same arguments, and
manages the forked process with psutil. Should the zygote be gone, it runs the
command itself (a cold kernel); should it not come up at all, the build uses the
ordinary ``python3`` kernel.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from pathlib import Path

from helpers import paths

WARM_KERNEL = "magnet-warm"
#: The warm kernel's provisioner, by its entry point name (``pyproject.toml``).
PROVISIONER = "magnet-zygote"
PROVISIONERS = "jupyter_client.kernel_provisioners"
#: The build's process id, given to the zygote so it dies with the build.
PARENT_ENV = "MAGNET_BUILD_PID"
#: What the zygote imports in every build: the kernel (with what IPKernelApp.initialize imports in every
#: kernel: the IPython kernel and shell, and the debugger with debugpy, 0.1 s a kernel). To these it
#: adds what the set's notebooks import (:func:`notebook_imports`): pandas, matplotlib and the helpers
#: for the story notebooks, nothing more for a notebook that imports nothing.
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
                  "IPython.display")


def notebook_cells(notebook) -> list[tuple[str, str]]:
    """``(cell_type, source)`` of each cell of a notebook, read from its JSON without validation
    (fast; outputs left out); none if it cannot be read."""
    try:
        cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return []
    out = []
    for cell in cells:
        source = cell.get("source") or ""
        out.append((cell.get("cell_type", ""), source if isinstance(source, str) else "".join(source)))
    return out


def notebook_imports(notebooks) -> list[str]:
    """The modules the code cells of ``notebooks`` import (``import x.y``, ``from x import y``), sorted.

    Read with :mod:`ast` from the notebook's JSON; a cell that is not plain Python (a magic) is skipped,
    as is a relative import: the zygote imports what it can and a report still imports the rest itself."""
    import ast

    found = set()
    for notebook in notebooks:
        for kind, source in notebook_cells(notebook):
            if kind != "code":
                continue
            try:
                tree = ast.parse(source)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module)
                    found.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return sorted(found)


def die_with_parent(sig: int | None = None, parent: int | None = None) -> None:
    """Have the kernel send ``sig`` (default SIGKILL) to this process when its parent dies (Linux).

    ``prctl(PR_SET_PDEATHSIG)`` through ctypes: a build killed with ``kill -9``
    takes its workers, kernel zygote and kernels with it instead of leaving them
    re-parented to PID 1. Should the parent (``parent``, when given) be gone
    already, the signal is sent at once. Elsewhere (no prctl) it does nothing.
    """
    import signal

    sig = signal.SIGKILL if sig is None else sig
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, int(sig), 0, 0, 0) != 0:  # 1 = PR_SET_PDEATHSIG
            return
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), sig)


def _parent_pid() -> int | None:
    try:
        return int(os.environ.get(PARENT_ENV, ""))
    except ValueError:
        return None


@contextlib.contextmanager
def socket_address(path: str):
    """``path`` as an address a Unix socket accepts (at most 107 bytes).

    A build's staging folder can be deeper than that (a long project path, a test's temporary
    folder): there the address goes through a descriptor of the socket's folder,
    ``/proc/self/fd/N/zygote.sock`` (Linux). Elsewhere the path is used as it is, and a zygote
    that cannot bind says so (:func:`warm_kernels` then warns and starts kernels cold)."""
    folder, name = os.path.split(path)
    if len(os.fsencode(path)) < 100 or not os.path.isdir("/proc/self/fd"):
        yield path
        return
    fd = os.open(folder or ".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}/{name}"
    finally:
        os.close(fd)


def _zygote(sock_path: str, modules: list[str]) -> None:
    """Serve kernels: import the kernel and ``modules`` (what the reports import), then fork one kernel
    per request.

    A request is one line of JSON on a connection to ``sock_path``: the kernel's arguments (those of
    ``ipykernel_launcher``), working folder and environment; the answer is the kernel's process id. The
    connection stays open while the kernel runs: it is the kernel's lifeline to whoever asked for it
    (:class:`ZygoteProvisioner`, in a build's worker), and a kernel whose lifeline closes while it still
    runs (the worker was killed) stops (:func:`_die_with_requester`)."""
    import importlib
    import signal
    import socket

    import psutil

    die_with_parent(signal.SIGKILL, _parent_pid())  # the zygote dies with the build
    os.environ.pop(PARENT_ENV, None)
    zygote_pid = os.getpid()
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for module in (*KERNEL_MODULES, *modules):
        try:
            importlib.import_module(module)
        except Exception:  # not a module (a name imported from one), or one that fails: the report says so
            pass
    if "helpers.data.dataset" in sys.modules:  # the notebooks read the data: load and derive it once, here
        _warm_data()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped automatically
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    tmp = sock_path + ".tmp"
    with socket_address(tmp) as address:
        srv.bind(address)
    srv.listen(16)
    os.replace(tmp, sock_path)  # the socket appears only when ready
    while True:
        conn, _ = srv.accept()
        with conn:
            try:
                req = json.loads(conn.makefile("r", encoding="utf-8").readline() or "{}")
            except ValueError:
                continue
            if req.get("quit"):
                break
            pid = os.fork()
            if pid == 0:  # the kernel (which never returns to this loop, whatever fails)
                try:
                    die_with_parent(signal.SIGKILL, zygote_pid)  # ...and its kernels with it
                    srv.close()
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    os.setsid()  # its own process group, as jupyter_client starts a kernel: signalled as one
                    os.chdir(req["cwd"])
                    os.environ.clear()
                    os.environ.update(req["env"])
                    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
                    _die_with_requester(conn)
                    from ipykernel.kernelapp import IPKernelApp

                    sys.argv = ["ipykernel_launcher", *req["argv"]]
                    if sys.path and sys.path[0] in ("", os.getcwd()):
                        sys.path.pop(0)
                    IPKernelApp.launch_instance(argv=req["argv"])
                except Exception:
                    import traceback

                    traceback.print_exc()
                finally:
                    os._exit(0)
            conn.sendall(f"{pid}\n".encode())
    for kernel in psutil.Process().children():
        with contextlib.suppress(psutil.Error):
            kernel.kill()


def _die_with_requester(conn) -> None:
    """Stop this kernel when ``conn``, the connection its request came on, closes: the process that asked
    for it (a build's worker) has shut it down, or died. SIGTERM, as jupyter_client's kernel launcher sends
    a kernel whose worker died; SIGKILL should the kernel still run 5 s later."""
    import signal
    import threading

    def watch():
        try:
            while conn.recv(64):
                pass
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="magnet-lifeline", daemon=True).start()


def _warm_data() -> None:
    """Load and derive the data once, in the zygote, for every kernel it forks.

    Each notebook still calls ``load_dataset()`` itself, which checksums the data files on disk
    and finds this dataset in :mod:`helpers.data.dataset`'s cache only under the same checksum (a changed
    file is loaded afresh, as without the zygote); :func:`helpers.analysis.series.derive` is cached per
    dataset the same way. A failure here changes nothing: the kernel loads the data itself and
    reports the error in its cell.
    """
    try:
        from helpers.data.dataset import load_dataset
        from helpers.analysis.series import derive

        derive(load_dataset())
    except Exception:
        pass


def running(process) -> bool:
    """Whether ``process`` (a process id or a :class:`psutil.Process`) still runs: neither gone nor a zombie.

    A kernel whose zygote died (the build was killed) is handed to PID 1 and stays a zombie until PID 1
    reaps it, which some container inits do late or never; ``kill(pid, 0)`` still succeeds on a zombie,
    so its state is asked of psutil. A :class:`psutil.Process` is also safe from the reuse of its id
    by a later process."""
    import psutil

    try:
        if not isinstance(process, psutil.Process):
            process = psutil.Process(process)
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


@contextlib.contextmanager
def warm_kernels(folder: Path, modules: list[str] = ()):
    """A zygote for this build that imports ``modules`` (:func:`notebook_imports` of the reports to run);
    yields a function giving the kernel name to use (``python3`` as fallback)."""
    import subprocess
    from importlib.metadata import entry_points

    if not entry_points(group=PROVISIONERS, name=PROVISIONER):  # an environment installed before it was
        print(f"warning: no warm kernels (the kernel provisioner {PROVISIONER} is not installed: make env); "
              "every report starts its kernel cold", file=sys.stderr)
        yield lambda: "python3"
        return
    folder.mkdir(parents=True, exist_ok=True)
    sock = folder / "zygote.sock"
    spec = folder / "kernels" / WARM_KERNEL
    spec.mkdir(parents=True)
    # ipykernel's own command (the kernel a KernelManager would run without the provisioner, and the one the
    # provisioner runs should the zygote be gone); the provisioner has the zygote fork it instead
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (magnet-exports)", "language": "python",
        "metadata": {"kernel_provisioner": {"provisioner_name": PROVISIONER, "config": {"socket": str(sock)}}}}),
        encoding="utf-8")
    env = dict(os.environ, **{PARENT_ENV: str(os.getpid())}, PYTHONPATH=os.pathsep.join([str(paths.ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    with open(folder / "zygote.log", "wb") as log:
        # -Xfrozen_modules=off as in ipykernel's own kernelspec: the kernels' debugger needs it
        proc = subprocess.Popen([sys.executable, "-Xfrozen_modules=off", "-m", "pipeline.build.kernels", "--zygote", str(sock),
                                 *modules], cwd=str(paths.ROOT), stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(folder)] + ([old] if old else []))
    warned = False

    def kernel_name() -> str:
        """The warm kernel once the zygote listens; ``python3`` if it did not come up (said once on stderr:
        every report then starts its kernel from scratch, which works but takes longer)."""
        nonlocal warned
        deadline = time.monotonic() + 60
        while not sock.exists():
            stopped = proc.poll() is not None
            if stopped or time.monotonic() > deadline:
                if not warned:
                    lines = (folder / "zygote.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()
                    why = ((f"it stopped: {lines[-1]}" if lines else "it stopped") if stopped
                           else "it did not start within 60 s")
                    print(f"warning: no warm kernels ({why}); every report starts its kernel cold", file=sys.stderr)
                    warned = True
                return "python3"
            time.sleep(0.02)
        return WARM_KERNEL

    try:
        yield kernel_name
    finally:
        if old is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = old
        try:
            import socket

            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
                c.settimeout(5)
                with socket_address(str(sock)) as address:
                    c.connect(address)
                c.sendall(b'{"quit": true}\n')
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()


_ZYGOTE_PROVISIONER = None


def zygote_provisioner():
    """The kernel provisioner of the warm kernel (:data:`PROVISIONER`): jupyter_client's
    :class:`~jupyter_client.provisioning.LocalProvisioner`, except that the zygote listening on its
    ``socket`` forks the kernel instead of a new process running the kernelspec's command.

    The kernel is not this process's child: it is polled, signalled and killed through psutil (its
    process id checked against reuse), as its own process group (the zygote gives it a session of its
    own, as jupyter_client's launcher does). Its request's connection stays open until the kernel is
    shut down and cleaned up: should this process die first, the kernel stops (:func:`_die_with_requester`).
    With no zygote to answer, the provisioner runs the kernelspec's command as the local provisioner does.
    The class is defined on first use, so that importing this module imports no jupyter_client.
    """
    global _ZYGOTE_PROVISIONER
    if _ZYGOTE_PROVISIONER is not None:
        return _ZYGOTE_PROVISIONER
    import asyncio
    import signal
    import socket

    import psutil
    from jupyter_client.provisioning import LocalProvisioner
    from traitlets import Unicode

    class ZygoteProvisioner(LocalProvisioner):
        socket = Unicode(config=True, help="The Unix socket of the zygote that forks the kernels.")
        #: The forked kernel (a psutil.Process) while it runs, and its request's connection.
        kernel = None
        lifeline = None

        @property
        def has_process(self) -> bool:
            return self.kernel is not None or super().has_process

        async def launch_kernel(self, cmd, **kwargs):
            self.drop_lifeline()
            pid = None
            if "ipykernel_launcher" in cmd:
                request = {"argv": cmd[cmd.index("ipykernel_launcher") + 1:], "cwd": str(kwargs.get("cwd") or os.getcwd()),
                           "env": dict(kwargs.get("env") or os.environ)}
                conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    conn.settimeout(60)
                    with socket_address(self.socket) as address:
                        conn.connect(address)
                    conn.sendall((json.dumps(request) + "\n").encode())
                    pid = int(conn.makefile("r", encoding="utf-8").readline())
                    conn.settimeout(None)
                except (OSError, ValueError):
                    conn.close()
            if pid is None:  # no zygote (it died with a failed import, or was stopped): a cold kernel
                self.log.warning("No kernel zygote at %s: starting the kernel cold", self.socket)
                return await super().launch_kernel(cmd, **kwargs)
            try:
                self.kernel = psutil.Process(pid)
            except psutil.NoSuchProcess:  # it failed at once (its traceback is in the zygote's log)
                conn.close()
                raise RuntimeError(f"the kernel forked by the zygote at {self.socket} exited at once") from None
            self.lifeline = conn
            self.pid = self.pgid = pid
            self.cwd = request["cwd"]
            return self.connection_info

        async def poll(self):
            if self.kernel is None:
                return await super().poll()
            return None if running(self.kernel) else 0

        async def wait(self):
            if self.kernel is None:
                return await super().wait()
            while running(self.kernel):  # callers bound the wait with a timeout (jupyter_client's own)
                await asyncio.sleep(0.01)
            self.kernel = None
            self.drop_lifeline()
            return 0

        async def send_signal(self, signum: int) -> None:
            if self.kernel is None:
                return await super().send_signal(signum)
            if running(self.kernel):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.kernel.pid, signum)

        async def kill(self, restart: bool = False) -> None:
            if self.kernel is None:
                return await super().kill(restart)
            await self.send_signal(signal.SIGKILL)

        async def terminate(self, restart: bool = False) -> None:
            if self.kernel is None:
                return await super().terminate(restart)
            await self.send_signal(signal.SIGTERM)

        async def shutdown_requested(self, restart: bool = False) -> None:
            # jupyter_client then checks every 0.1 s whether the kernel has exited; an idle ipykernel exits
            # a few ms after its shutdown_request: wait for that here, 0.01 s at a time, for 1 s at most
            # (jupyter_client's own waits, then SIGTERM and SIGKILL, follow should it still run)
            await super().shutdown_requested(restart)
            deadline = time.monotonic() + 1
            while await self.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.01)

        async def cleanup(self, restart: bool = False) -> None:
            self.drop_lifeline()
            await super().cleanup(restart)

        def drop_lifeline(self) -> None:
            if self.lifeline is not None:
                self.lifeline.close()
                self.lifeline = None

    _ZYGOTE_PROVISIONER = ZygoteProvisioner
    return _ZYGOTE_PROVISIONER


def __getattr__(name: str):
    # pipeline.build.kernels:ZygoteProvisioner, the entry point of PROVISIONER, defined on first use
    if name == "ZygoteProvisioner":
        return zygote_provisioner()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def ipc_kernel_manager():
    """A jupyter_client KernelManager class whose kernels talk over local (``ipc``) sockets.

    The kernel and the build are on the same machine: Unix sockets instead of TCP
    ports, so no port is opened and ipykernel has no reason to log "Kernel is
    running over TCP without encryption" in every report's log. The socket files
    live beside the connection file in Jupyter's runtime folder (short paths: a
    Unix socket path has at most 107 bytes).
    """
    import uuid

    from jupyter_client.manager import KernelManager
    from jupyter_core.paths import jupyter_runtime_dir
    from traitlets import CaselessStrEnum, default

    class IPCKernelManager(KernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        @default("client_factory")
        def ready_client_factory(self):  # (traitlets finds a default by its decorator, not its name)
            return ready_client()

        @property
        def ipykernel(self) -> bool:
            # The warm kernel is an IPython kernel too: nbclient then keeps its history in memory
            # (--HistoryManager.hist_file=:memory:), as for the usual python3 kernel, instead of
            # every cell of every report going to the user's ~/.ipython history database.
            return self.kernel_name == WARM_KERNEL or super().ipykernel

        @default("ip")
        def ipc_address(self):
            if self.connection_file:
                return os.path.splitext(self.connection_file)[0] + "-ipc"
            folder = jupyter_runtime_dir()
            os.makedirs(folder, exist_ok=True)
            return os.path.join(folder, f"kernel-{uuid.uuid4().hex[:12]}-ipc")

    return IPCKernelManager


_READY_CLIENT = None


def ready_client():
    """jupyter_client's blocking kernel client, ready as soon as the kernel is.

    ``wait_for_ready`` in jupyter_client 8 asks for ``kernel_info``, then waits for any IOPub
    message (0.2 s at most) and finally drains IOPub until it has been quiet for 0.2 s: a
    fixed 0.2 s or more before every notebook's first cell. This one waits for the events
    that matter instead: the ``kernel_info_reply`` on the shell channel, then, on IOPub, the
    kernel's ``idle`` status for that request, which it publishes after the reply (so IOPub
    is connected, and every message published before it has been drained, as jupyter_client
    drains them). Should IOPub not be connected yet (the ``idle`` is lost: nothing comes within
    0.2 s, jupyter_client's own limit), it asks again and takes the ``idle`` of either request.
    """
    global _READY_CLIENT
    if _READY_CLIENT is not None:
        return _READY_CLIENT
    from queue import Empty

    from jupyter_client import protocol_version_info
    from jupyter_client.blocking import BlockingKernelClient
    from jupyter_client.manager import KernelManager

    class ReadyKernelClient(BlockingKernelClient):
        def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            if not isinstance(self.parent, KernelManager):  # as jupyter_client: heartbeats first
                while not self.is_alive():
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"Kernel didn't respond to heartbeats in {timeout} seconds")
                    time.sleep(0.05)
            asked, reply = set(), None
            while True:
                asked.add(self.kernel_info())
                if reply is None:
                    try:
                        msg = self.shell_channel.get_msg(timeout=1)
                    except Empty:
                        pass
                    else:
                        if msg["msg_type"] == "kernel_info_reply":
                            reply = msg
                if reply is not None:
                    try:
                        while True:
                            msg = self.iopub_channel.get_msg(timeout=0.2)
                            if (msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"
                                    and msg["parent_header"].get("msg_id") in asked):
                                # as jupyter_client does with the reply: speak the kernel's protocol version
                                version = int(reply["content"]["protocol_version"].split(".")[0])
                                if version != protocol_version_info[0]:
                                    self.session.adapt_version = version
                                return
                    except Empty:
                        pass
                if not self.is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

    _READY_CLIENT = ReadyKernelClient
    return _READY_CLIENT


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """``python -m pipeline.build.kernels --zygote SOCK [MODULE ...]``: the zygote (:func:`warm_kernels` starts it)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) >= 2 and argv[0] == "--zygote":
        _zygote(argv[1], argv[2:])
        # told to quit: its kernels are gone, nothing to tear down (the interpreter's teardown of
        # pandas and matplotlib would hold the build for 0.2 s)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    print("usage: python -m pipeline.build.kernels --zygote SOCK [MODULE ...]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
