"""The servers under test and what the benchmark does to them: the production settings, gunicorn
started and stopped, the CPU each side spends, a gunicorn worker killed in the middle of a
request, and with_postgres.sh's throw-away PostgreSQL stopped and started again."""

import dataclasses
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .common import HOST, ROOT, SETTINGS_MODULE, WSGI_MODULE


def production_env():
    """The same production settings for this process and for gunicorn."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench: DATABASE_URL must name a PostgreSQL database (run it through `make bench`).")
    return {
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
    }


# --- CPU accounting ------------------------------------------------------------------------------


class CpuMeter:
    """CPU seconds spent by the app server (gunicorn's master and workers), the database server
    (the postmaster and its backends, when it is with_postgres.sh's throw-away cluster in PG_WORK),
    this client, and the whole machine, read from /proc. CPU per request changes much less than
    latency when other programs compete for the cores. Linux only; elsewhere every figure is None."""

    def __init__(self, app_pid):
        self.app_pid = app_pid
        self.db_pid = None
        pid_file = Path(os.environ.get("PG_WORK", "/nonexistent")) / "data" / "postmaster.pid"
        try:
            self.db_pid = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def _processes(self):
        """{pid: (parent pid, CPU s of the process and of its children it has waited for)}"""
        processes = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended meanwhile
            processes[int(entry)] = (int(fields[1]), sum(map(int, fields[11:15])) / self.tick)
        return processes

    def snapshot(self):
        if not os.path.exists("/proc/stat"):
            return None
        processes = self._processes()

        def tree(root):
            if root not in processes:
                return None
            return processes[root][1] + sum(cpu for parent, cpu in processes.values() if parent == root)

        with open("/proc/stat") as f:
            ticks = [int(x) for x in f.readline().split()[1:]]
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
        times = os.times()
        return {
            "app": tree(self.app_pid),
            "db": tree(self.db_pid) if self.db_pid else None,
            "client": times.user + times.system,
            "busy": (sum(ticks[:8]) - idle) / self.tick,
            "total": sum(ticks[:8]) / self.tick,
        }

    @staticmethod
    def delta(before, after):
        if before is None or after is None:
            return None
        return {k: None if before[k] is None or after[k] is None else after[k] - before[k] for k in before}


# --- gunicorn ------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def answers_ping(port):
    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        conn.request("GET", "/ping/")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


class Server:
    def __init__(self, env, workers, log_path=None):
        self.port = free_port()
        self.workers = workers
        self.log_path = log_path or ROOT / ".bench" / "gunicorn.log"
        self.log_path.parent.mkdir(exist_ok=True)
        self.command = [
            str(Path(sys.executable).parent / "gunicorn"),
            WSGI_MODULE,
            *("--workers", str(workers), "--bind", f"{HOST}:{self.port}"),
            *("--timeout", "60", "--graceful-timeout", "5", "--error-logfile", str(self.log_path)),
        ]
        self.env = {**os.environ, **env}
        self.process = None

    def start(self):
        # gunicorn writes to its own copy of the descriptor: this one can close once it started.
        with open(self.log_path, "w") as log_file:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            if answers_ping(self.port):
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 60 s:\n{self.log_tail()}")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the session this script started
                self.process.wait(timeout=5)

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# --- Faults: PostgreSQL stopped and started, workers killed mid-request ---------------------------


class Postgres:
    """The throw-away cluster of scripts/with_postgres.sh, stopped and started again with the
    options it was started with (PG_BIN, PG_WORK, PG_OPTIONS), as its owner `postgres` when this
    runs as root."""

    def __init__(self, pg_bin, work, options):
        self.pg_ctl = str(Path(pg_bin) / "pg_ctl")
        self.work, self.options = Path(work), options
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @classmethod
    def from_environment(cls):
        values = [os.environ.get(name) for name in ("PG_BIN", "PG_WORK", "PG_OPTIONS")]
        return cls(*values) if all(values) and (Path(values[1]) / "data").is_dir() else None

    def _pg_ctl(self, *args):
        command = [*self.as_owner, self.pg_ctl, "-D", str(self.work / "data"), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def stop(self):
        """Fast shutdown: open transactions are rolled back, sessions cut."""
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self):
        self._pg_ctl("-l", str(self.work / "server.log"), "-w", "-o", self.options, "start")


def worker_pids(master):
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        pids.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return pids


def worker_serving(workers, server_port, client_port):
    """The worker holding the accepted connection from `client_port`, through /proc/net/tcp
    (the socket's inode) and the workers' file descriptors; None before a worker accepted it."""
    inode = None
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            local, remote, state = fields[1], fields[2], fields[3]
            if (
                state == "01"
                and int(local.split(":")[1], 16) == server_port
                and int(remote.split(":")[1], 16) == client_port
            ):
                inode = fields[9]
                break
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in workers:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return pid
        except OSError:
            continue
    return None


@dataclasses.dataclass
class Kill:
    at: float
    pid: int | None
    kind: str  # what the worker was serving
    client_port: int = 0
    replaced_after: float | None = None


def kill_worker_mid_request(run, server, kinds, within=10.0):
    """SIGKILL the gunicorn worker serving a request of one of `kinds` (any kind when None), as
    soon as one is seen in flight, within `within` seconds. The worker is a child of the gunicorn
    this benchmark started. `run` is the soak's Run: its requests in flight and its clock."""
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        workers = worker_pids(server.process.pid)
        with run.in_flight_lock:
            in_flight = list(run.in_flight.values())
        for kind, client_port in in_flight:
            if kinds is None or kind in kinds:
                pid = worker_serving(workers, server.port, client_port)
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)
                    kill = Kill(run.now(), pid, kind, client_port)
                    _wait_replaced(server, kill, len(workers))
                    return kill
        time.sleep(0.002)
    return Kill(run.now(), None, "nothing in flight")


def _wait_replaced(server, kill, count, within=30.0):
    deadline = time.perf_counter() + within
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        workers = worker_pids(server.process.pid)
        if kill.pid not in workers and len(workers) >= count:
            kill.replaced_after = time.perf_counter() - start
            return
        time.sleep(0.05)
