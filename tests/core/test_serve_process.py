"""`tandem serve` as an operator runs it: a real process with the product settings, SQLite in the data
directory, gunicorn and a Huey worker as children, stopped by Ctrl-C or SIGTERM.

The tests share one install (data directory), as an operator's machine would: started fresh, loaded with
the demo, started again. Each test also passes on its own, on a fresh install. Everything runs in
subprocesses, so nothing here touches the test database.
"""

import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tandem.workspaces.demo import DEMO_USERS

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60
WORKER_TIMEOUT = 30
STOP_TIMEOUT = 20
# A page, not a timing: CI runs this beside the rest of the suite on two busy cores.
REQUEST_TIMEOUT = 30
ENQUEUE_HEARTBEAT = (
    "import django; django.setup(); from tandem.core.tasks import heartbeat_now; heartbeat_now()"
)


def product_env(data_dir: Path) -> dict[str, str]:
    """The environment of a fresh one-machine install: product settings, no database or Redis URL, and none
    of the test suite's TANDEM_* variables (such as TANDEM_HUEY_IMMEDIATE, which would run tasks inline)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TANDEM_", "DJANGO_"))
        and name not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "ALLOWED_HOSTS"}
    }
    env.update(TANDEM_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="tandem.settings", PYTHONUNBUFFERED="1")
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tandem(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tandem.cli", *args],
        env=product_env(data_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


class Server:
    """A running `tandem serve` in its own process group, its output going to a log file."""

    def __init__(self, data_dir: Path, log_path: Path):
        self.data_dir = data_dir
        self.log_path = log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tandem.cli", "serve", "--bind", f"127.0.0.1:{self.port}"],
                env=product_env(data_dir),
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.session = self.process.pid  # a new session leader's session (and group) id is its pid

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output, without the access-log lines of our own /healthz polling."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        kept = [line for line in text.splitlines() if '"GET /healthz ' not in line]
        return "\n--- tandem serve output (tail) ---\n" + "\n".join(kept[-lines:])

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=REQUEST_TIMEOUT) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def health(self) -> dict | None:
        try:
            status, body = self.get("/healthz")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None
        return json.loads(body) if status == 200 else None

    def wait_for(self, what: str, check, timeout: float):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            if self.process.poll() is not None:
                pytest.fail(
                    f"tandem serve exited ({self.process.returncode}) waiting for {what}{self.log_tail()}"
                )
            time.sleep(0.1)
        pytest.fail(f"no {what} after {timeout} s{self.log_tail()}")

    def session_processes(self) -> list[int]:
        """Every process still in the server's session: `tandem serve` (started as a session leader), its
        children (each leads a process group of its own) and theirs."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # gone meanwhile
            if int(fields[3]) == self.session and fields[0] != "Z":
                found.append(int(stat.parent.name))
        return found

    def stop_and_check(self, send_signal) -> None:
        """Send a stop signal; the command must exit 0 within STOP_TIMEOUT and leave no process behind."""
        send_signal()
        try:
            code = self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"tandem serve still running {STOP_TIMEOUT} s after the stop signal{self.log_tail()}")
        assert code == 0, f"tandem serve exited with {code}{self.log_tail()}"
        deadline = time.monotonic() + 2  # orphans, if any, are reaped by init shortly after
        while self.session_processes() and time.monotonic() < deadline:
            time.sleep(0.05)
        left = self.session_processes()
        assert not left, f"processes {left} outlived tandem serve{self.log_tail()}"
        assert "Tandem stopped." in self.log_path.read_text(errors="replace"), self.log_tail()

    def kill(self) -> None:
        for pid in self.session_processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)


@pytest.fixture(scope="module")
def install(tmp_path_factory) -> Path:
    """The data directory of one Tandem install."""
    return tmp_path_factory.mktemp("install")


@contextlib.contextmanager
def serving(data_dir: Path, tmp_path: Path):
    server = Server(data_dir, tmp_path / "serve.log")
    try:
        server.wait_for("200 from /healthz", server.health, START_TIMEOUT)
        yield server
    finally:
        server.kill()


def test_serve_answers_pages_and_static_runs_the_worker_and_stops_cleanly_on_ctrl_c(install, tmp_path):
    with serving(install, tmp_path) as server:
        # Meanwhile another process enqueues the on-demand heartbeat into the SQLite queue in the data dir.
        enqueue_started = time.monotonic()
        enqueue = subprocess.Popen(
            [sys.executable, "-c", ENQUEUE_HEARTBEAT],
            env=product_env(server.data_dir),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

        # The stop check sees the children and theirs, though each child leads a process group of its own:
        # serve, gunicorn's master and its 2 workers, the task worker's consumer and (forking) its processes.
        assert len(server.session_processes()) >= 5, server.session_processes()

        status, html = server.get("/accounts/login/")
        assert status == 200, f"GET /accounts/login/ gave {status}{server.log_tail()}"
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
        assert stylesheet, f"no stylesheet link in the sign-in page:\n{html[:1500]}"
        status, css = server.get(stylesheet.group(1))
        assert status == 200 and css.strip(), f"{stylesheet.group(1)} gave {status}{server.log_tail()}"

        output, _ = enqueue.communicate(timeout=30)
        assert enqueue.returncode == 0, f"enqueueing heartbeat_now failed:\n{output}"

        def worker_answered():
            # A heartbeat written since the enqueueing began (the worker may run the task before that process
            # has even exited), so a stale row would not do.
            age = (server.health() or {}).get("worker_seen_seconds_ago")
            return isinstance(age, int | float) and age <= time.monotonic() - enqueue_started

        server.wait_for("worker heartbeat in /healthz", worker_answered, WORKER_TIMEOUT)

        server.stop_and_check(lambda: os.killpg(server.session, signal.SIGINT))  # Ctrl-C in a terminal


def test_running_demo_again_on_the_same_data_dir_keeps_the_data(install):
    data_dir = install
    first = tandem("demo", data_dir=data_dir)
    assert first.returncode == 0, first.stdout + first.stderr
    secret_key = (data_dir / "secret_key").read_text()

    second = tandem("demo", data_dir=data_dir)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "manager@demo.tandem" in second.stdout

    assert (data_dir / "secret_key").read_text() == secret_key, "a restart must keep the generated secret"
    with contextlib.closing(sqlite3.connect(data_dir / "tandem.sqlite3")) as db:
        workspaces = db.execute("SELECT id FROM workspaces_workspace WHERE slug = 'demo'").fetchall()
        assert len(workspaces) == 1
        (members,) = db.execute(
            "SELECT count(*) FROM workspaces_membership WHERE workspace_id = ?", workspaces[0]
        ).fetchone()
        assert members == len(DEMO_USERS)


def test_serve_started_again_stops_gunicorn_and_the_worker_when_only_it_gets_sigterm(install, tmp_path):
    # `docker stop` and systemd with KillMode=mixed signal the main process only: it must stop its children.
    with serving(install, tmp_path) as server:
        server.stop_and_check(lambda: server.process.send_signal(signal.SIGTERM))
