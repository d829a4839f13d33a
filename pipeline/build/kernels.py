"""Warm kernels: one zygote per build imports what reports import, then forks a fresh kernel per report.

Starting a kernel and importing pandas, matplotlib and the helpers costs each
report a few seconds. The zygote does those imports once per build, then forks
one fresh kernel per report: every report still gets its own new kernel process
(nothing from one report reaches another), minus the start-up. jupyter_client
launches a tiny client (the kernelspec's argv) that asks the zygote for a kernel
and stands in for it: it forwards signals and exits when the kernel does. Should
the zygote not come up, the build uses the ordinary ``python3`` kernel.
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
    per request."""
    import importlib
    import signal
    import socket

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
    children = []
    while True:
        conn, _ = srv.accept()
        with conn:
            req = json.loads(conn.makefile("r", encoding="utf-8").readline() or "{}")
            if req.get("quit"):
                break
            pid = os.fork()
            if pid == 0:  # the kernel
                die_with_parent(signal.SIGKILL, zygote_pid)  # ...and its kernels with it
                srv.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                os.chdir(req["cwd"])
                os.environ.clear()
                os.environ.update(req["env"])
                os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
                from ipykernel.kernelapp import IPKernelApp

                sys.argv = ["ipykernel_launcher", *req["argv"]]
                if sys.path and sys.path[0] in ("", os.getcwd()):
                    sys.path.pop(0)
                try:
                    IPKernelApp.launch_instance(argv=req["argv"])
                finally:
                    os._exit(0)
            children.append(pid)
            conn.sendall(f"{pid}\n".encode())
    for pid in children:
        try:
            os.kill(pid, 9)
        except OSError:
            pass


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


def _kernel_client(sock_path: str, argv: list[str]) -> int:
    """The process jupyter_client manages: get a forked kernel, relay signals, exit with it."""
    import signal
    import socket

    # jupyter_client names the worker that launched this client: when it dies, this client gets SIGTERM,
    # from the start (a build killed while this client still waits for the zygote's socket, which is
    # then gone, must not leave it waiting); once the kernel runs, SIGTERM is relayed to it
    try:
        launcher = int(os.environ.get("JPY_PARENT_PID", ""))
    except ValueError:
        launcher = None
    die_with_parent(signal.SIGTERM, launcher)
    deadline = time.monotonic() + 120
    while True:
        try:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            with socket_address(sock_path) as address:
                conn.connect(address)
            break
        except OSError:
            conn.close()
            if time.monotonic() > deadline:
                print(f"error: no kernel zygote at {sock_path}", file=sys.stderr)
                return 1
            time.sleep(0.05)
    with conn:
        conn.sendall((json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}) + "\n").encode())
        pid = int(conn.makefile("r").readline())

    def relay(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, relay)
    while running(pid):
        time.sleep(0.01)  # jupyter_client learns that the kernel has exited when this process does
    return 0


def running(pid: int) -> bool:
    """Whether process ``pid`` still runs: neither gone nor a zombie.

    A kernel whose zygote died (the build was killed) is handed to PID 1 and stays a zombie until PID 1
    reaps it, which some container inits do late or never; ``kill(pid, 0)`` still succeeds on a zombie,
    so its state is asked of psutil."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


@contextlib.contextmanager
def warm_kernels(folder: Path, modules: list[str] = ()):
    """A zygote for this build that imports ``modules`` (:func:`notebook_imports` of the reports to run);
    yields a function giving the kernel name to use (``python3`` as fallback)."""
    import subprocess

    folder.mkdir(parents=True, exist_ok=True)
    sock = folder / "zygote.sock"
    spec = folder / "kernels" / WARM_KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "pipeline.build.kernels", "--kernel-client", str(sock), "-f", "{connection_file}"],
        "display_name": "Python 3 (magnet-exports)", "language": "python"}), encoding="utf-8")
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
    from jupyter_client.utils import run_sync
    from jupyter_core.paths import jupyter_runtime_dir
    from traitlets import CaselessStrEnum, default

    class IPCKernelManager(KernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        @default("client_factory")
        def _client_factory_default(self):
            return ready_client()

        @property
        def ipykernel(self) -> bool:
            # The warm kernel is an IPython kernel too: nbclient then keeps its history in memory
            # (--HistoryManager.hist_file=:memory:), as for the usual python3 kernel, instead of
            # every cell of every report going to the user's ~/.ipython history database.
            return self.kernel_name == WARM_KERNEL or super().ipykernel

        async def _async_finish_shutdown(self, waittime=None, pollinterval=0.01, restart=False):
            # jupyter_client checks every 0.1 s whether the kernel has exited after its shutdown_request
            return await super()._async_finish_shutdown(waittime, pollinterval, restart)

        finish_shutdown = run_sync(_async_finish_shutdown)

        @default("ip")
        def _ip_default(self):
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
    import asyncio
    from queue import Empty

    from jupyter_client.blocking import BlockingKernelClient
    from jupyter_client.manager import KernelManager
    from jupyter_client.utils import ensure_async, run_sync

    class ReadyKernelClient(BlockingKernelClient):
        async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            if not isinstance(self.parent, KernelManager):  # as jupyter_client: heartbeats first
                while not await self._async_is_alive():
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"Kernel didn't respond to heartbeats in {timeout} seconds")
                    await asyncio.sleep(0.05)
            asked, reply = set(), None
            while True:
                asked.add(self.kernel_info())
                if reply is None:
                    try:
                        msg = await ensure_async(self.shell_channel.get_msg(timeout=1))
                    except Empty:
                        pass
                    else:
                        if msg["msg_type"] == "kernel_info_reply":
                            reply = msg
                if reply is not None:
                    try:
                        while True:
                            msg = await ensure_async(self.iopub_channel.get_msg(timeout=0.2))
                            if (msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"
                                    and msg["parent_header"].get("msg_id") in asked):
                                self._handle_kernel_info_reply(reply)
                                return
                    except Empty:
                        pass
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

        wait_for_ready = run_sync(_async_wait_for_ready)

    _READY_CLIENT = ReadyKernelClient
    return _READY_CLIENT


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """``python -m pipeline.build.kernels --zygote SOCK [MODULE ...]`` or ``--kernel-client SOCK -f CONNECTION_FILE``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) >= 2 and argv[0] == "--zygote":
        _zygote(argv[1], argv[2:])
        # told to quit: its kernels are gone, nothing to tear down (the interpreter's teardown of
        # pandas and matplotlib would hold the build for 0.2 s)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    if len(argv) >= 2 and argv[0] == "--kernel-client":
        return _kernel_client(argv[1], argv[2:])
    print("usage: python -m pipeline.build.kernels --zygote SOCK [MODULE ...] | --kernel-client SOCK -f FILE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
