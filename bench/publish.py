"""Publishing benchmark: a burst of posts on many Telegram channels, all due at the same instant.

The loopback Telegram server (tests/fakes) answers in 20 ms and enforces Telegram's limits (30 messages/s per
bot, 1/s per chat) with real 429 + retry_after answers. The worker runs as `make run` starts it
(`tandem worker`, Huey on SQLite, or Redis when REDIS_URL is set). Prints one JSON line per database:
deliveries/s, lateness after the due time (p50, p95, max), 429 answers, duplicates and losses.

    .venv/bin/python bench/publish.py                      # burst of 2,000 on SQLite and PostgreSQL
    .venv/bin/python bench/publish.py --posts 10000 --label sustained
"""

import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402

from tests.fakes.telegram import FakeTelegramServer  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get("TANDEM_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


def run(args, env, **kwargs):
    # Fixed command lines built in this file.
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True, **kwargs)  # noqa: S603


def database(kind: str, data_dir: Path) -> str | None:
    if kind == "sqlite":
        return f"sqlite:///{data_dir / 'bench.sqlite3'}"
    import psycopg

    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute("DROP DATABASE IF EXISTS tandem_bench")
            admin.execute("CREATE DATABASE tandem_bench")
    except psycopg.OperationalError:
        return None
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/tandem_bench"


def query(url: str, sql: str):
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return db.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(url) as db:
        return db.execute(sql).fetchall()


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else None


def bench(kind: str, args) -> dict:
    with (
        tempfile.TemporaryDirectory(prefix="tandem-bench-") as tmp,
        FakeTelegramServer(rate_limits=True, latency_ms=args.latency_ms) as fake,
    ):
        data_dir = Path(tmp)
        url = database(kind, data_dir)
        if url is None:
            return {"database": kind, "skipped": "PostgreSQL does not answer"}
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tandem.settings",
            "TANDEM_DATA_DIR": str(data_dir),
            "DATABASE_URL": url,
            "TANDEM_TELEGRAM_API_URL": fake.url,
            "TANDEM_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "TANDEM_LOG_LEVEL": "WARNING",
        }
        run(["-m", "tandem.cli", "migrate", "-v", "0"], env)
        bots = [fake.add_bot() for _ in range(args.bots)]
        chats = []
        for n in range(args.channels):
            bot = bots[n % len(bots)]
            chat = fake.add_chat("channel", f"Bench {n}")
            fake.set_member(bot, chat, "administrator")
            chats.append((bot.token, chat.id))
        log_path = os.environ.get("BENCH_WORKER_LOG")  # set it to read what the worker printed
        worker_log = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115 - lives with the worker
        worker = subprocess.Popen(
            [sys.executable, "-m", "tandem.cli", "worker"], cwd=ROOT, env=env, stderr=worker_log
        )
        try:
            time.sleep(2)  # the worker is up before anything is due, as in production
            due = time.time() + args.lead
            spec = data_dir / "spec.json"
            spec.write_text(json.dumps({"due": due, "posts": args.posts, "chats": chats}))
            run(["bench/publish_setup.py", str(spec)], env)
            if time.time() > due:
                raise SystemExit("setup took longer than --lead; raise it")
            deadline = due + args.timeout
            while time.time() < deadline:
                open_count = query(
                    url,
                    "SELECT count(*) FROM content_delivery WHERE state NOT IN ('sent','failed','unconfirmed')",
                )[0][0]
                if open_count == 0:
                    break
                time.sleep(0.25)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
        rows = query(url, "SELECT state, due_at, sent_at FROM content_delivery")
        posted = sum(len(fake.messages(chat_id)) for _token, chat_id in chats)
        sends = fake.stats.by_method["sendmessage"]
    from datetime import datetime

    def ts(value):
        return value.timestamp() if hasattr(value, "timestamp") else datetime.fromisoformat(value).timestamp()

    lateness = [ts(sent) - ts(due_at) for state, due_at, sent in rows if state == "sent"]
    sent = len(lateness)
    span = max(lateness) if lateness else 0
    return {
        "bench": "publish",
        "label": args.label,
        "database": kind,
        "posts": args.posts,
        "channels": args.channels,
        "bots": args.bots,
        "latency_ms": args.latency_ms,
        "sent": sent,
        "deliveries_per_s": round(sent / span, 1) if span else None,
        "lateness_min_s": round(min(lateness), 3) if lateness else None,
        "lateness_p50_s": round(percentile(lateness, 0.5), 3) if lateness else None,
        "lateness_p95_s": round(percentile(lateness, 0.95), 3) if lateness else None,
        "lateness_max_s": round(span, 3),
        "answers_429": fake.stats.rate_limited,
        "share_429": round(fake.stats.rate_limited / max(1, sends), 4),
        "duplicates": max(0, posted - sent),
        "losses": args.posts - sent,
        "mean_lateness_s": round(statistics.fmean(lateness), 3) if lateness else None,
    }


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--channels", type=int, default=2000)
    parser.add_argument("--bots", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--lead", type=float, default=25, help="seconds between setup start and the due time")
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--label", default="burst")
    args = parser.parse_args()
    for kind in args.databases.split(","):
        print(json.dumps(bench(kind, args)), flush=True)


if __name__ == "__main__":
    main()
