import contextlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Migrate, then run the production web server (gunicorn) and a task worker together. Ctrl-C or "
        "SIGTERM stops both cleanly, and whatever processes they started; if either dies, the other is "
        "stopped too."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="address:port to listen on (default %(default)s)"
        )
        parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=4, help="threads per web worker")
        parser.add_argument(
            "--no-worker", action="store_true", help="serve the web UI only (workers run elsewhere)"
        )

    def handle(self, *args, bind, web_workers, threads, no_worker, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        commands = [
            [
                sys.executable,
                "-m",
                "gunicorn",
                "tandem.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(web_workers),
                "--threads",
                str(threads),
                "--access-logfile",
                "-",
                "--forwarded-allow-ips",
                "127.0.0.1",
                "--graceful-timeout",
                "10",
                # gunicorn's control socket defaults to one path per user, shared by every instance.
                "--control-socket",
                str(settings.DATA_DIR / "gunicorn.ctl"),
            ],
        ]
        if not no_worker:
            commands.append([sys.executable, "-m", "tandem.cli", "worker"])
        # Each child leads a process group of its own, so that on stopping, whatever it leaves behind can be
        # killed with it (a worker signalled while still starting forks its processes before it handles
        # signals, and can die without them). The commands are fixed lists built above, never from user input.
        children = [subprocess.Popen(command, process_group=0) for command in commands]  # noqa: S603
        self.stdout.write(f"Tandem is serving on http://{bind}/ — press Ctrl-C to stop.")
        self.stdout.flush()
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        # SIGHUP too: a closed terminal must not leave gunicorn and the worker running without us.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, stop)
        exit_code = 0
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    self.stderr.write(f"{child.args[2]} exited with code {child.returncode}; stopping.")
                    exit_code = child.returncode or 1
                    stopping = True
            time.sleep(0.2)
        self._stop(children)
        if exit_code:
            sys.exit(exit_code)

    def _stop(self, children, timeout=15.0):
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)  # anything of its group still running
        self.stdout.write("Tandem stopped.")
