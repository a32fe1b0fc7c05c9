"""Webhook benchmark: comments arrive by Telegram webhook at a steady rate, half of them obscene; how fast does
Tandem answer the webhook, and how long until an obscene comment is deleted on Telegram?

Runs the real stack as `make run` does (`tandem serve`: gunicorn and the Huey worker, SQLite by default)
against the loopback Telegram server (tests/fakes) with a channel linked to its discussion group. Each comment
is written on the fake (so deleteMessage finds it), then its update is POSTed to Tandem's webhook with the
bot's secret. Prints one JSON line: webhook answer time and webhook-to-deleteMessage time (p50, p99, max, in
ms), wrong deletes (friendly comments deleted), misses (obscene comments left), and the targets.

    .venv/bin/python bench/webhook.py                    # 500 updates at 20/s
    .venv/bin/python bench/webhook.py --updates 2000 --rate 50
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_DELETE_P99_MS = 300
# Each friendly comment is different (the number), as in a real chat: the same text from several people is
# what the flood pack deletes.
FRIENDLY = (
    "Спасибо, очень вкусный кофе! Беру уже {n}-ю пачку",
    "Во сколько вы открываетесь в субботу? Хотим прийти вшестером, столик {n}",
    "Thanks, this is really helpful! Brewed {n} ml this morning",
    "Can I order {n} bags of the Ethiopian for the office?",
    "Попробовала по вашему совету — стало намного вкуснее, {n} баллов из 10",
    "What grind size do you recommend for a French press of {n} grams?",
)
OBSCENE = (
    "Иди на х у й со своей рекламой",
    "Вы все тут дебилы, бл@ть",
    "пи3дец, а не сервис",
    "This is f.u.c.k.i.n.g garbage",
    "fuck off with your ads",
    "ну и хуйня у вас",
)


def setup(spec_path: str) -> None:
    """In the benchmark's database: a workspace with the Telegram channel (webhook on, so nothing polls) and
    the published post; prints the webhook's secret."""
    import django

    django.setup()
    from django.utils import timezone

    from tandem.channels.models import Channel, Platform
    from tandem.community.webhooks import webhook_secret
    from tandem.content.models import Delivery, DeliveryState, Post
    from tandem.workspaces.models import Workspace

    spec = json.loads(Path(spec_path).read_text())
    workspace = Workspace.objects.create(name="Bench", slug="bench")
    channel = Channel(
        workspace=workspace,
        platform=Platform.TELEGRAM,
        name="Bench News",
        external_id=str(spec["channel_id"]),
        details={
            "type": "channel",
            "bot_id": spec["bot_id"],
            "linked_chat_id": spec["group_id"],
            "webhook": True,
        },
    )
    channel.secret_values = {"token": spec["token"]}
    channel.save()
    post = Post.objects.create(workspace=workspace, text="Bench post", status="approved")
    Delivery.objects.create(
        post=post,
        channel=channel,
        due_at=timezone.now(),
        state=DeliveryState.SENT,
        sent_at=timezone.now(),
        external_id=str(spec["post_id"]),
    )
    print(json.dumps({"secret": webhook_secret(spec["bot_id"])}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else None


def wait_for(url: str, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - our own loopback server
                return
        except OSError:  # refused while starting, or slow to answer its first request
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def record_deletes(fake) -> dict[int, float]:
    """message_id → when the fake received deleteMessage for it (time.monotonic, this process's clock)."""
    deleted_at: dict[int, float] = {}
    original = fake.state.api_deletemessage

    def recording(bot, params, uploads):
        received = time.monotonic()
        result = original(bot, params, uploads)
        deleted_at.setdefault(int(params["message_id"]), received)
        return result

    fake.state.api_deletemessage = recording
    return deleted_at


def bench(args) -> dict:
    from cryptography.fernet import Fernet

    from tests.fakes.telegram import FakeTelegramServer

    with (
        tempfile.TemporaryDirectory(prefix="tandem-bench-") as tmp,
        FakeTelegramServer(latency_ms=args.latency_ms) as fake,
    ):
        data_dir = Path(args.data_dir or tmp)
        data_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tandem.settings",
            "TANDEM_DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{data_dir / 'bench.sqlite3'}",
            "TANDEM_TELEGRAM_API_URL": fake.url,
            "TANDEM_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "TANDEM_BASE_URL": f"http://127.0.0.1:{port}",
            "TANDEM_LOG_LEVEL": "WARNING",
            "TANDEM_SANDBOX_AUDIENCE": "0",
        }
        bot = fake.add_bot()
        channel = fake.add_chat("channel", "Bench News")
        group = fake.add_chat("supergroup", "Bench Chat")
        for chat in (channel, group):
            fake.set_member(bot, chat, "administrator")
        fake.link_discussion(channel, group)
        post = post_in_channel(fake, bot, channel)
        copy_id = fake.copy_of(channel, post)
        deleted_at = record_deletes(fake)

        # `serve` migrates first; the setup needs the tables, so migrate here and let serve find nothing to do.
        subprocess.run(
            [sys.executable, "-m", "tandem.cli", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        spec = data_dir / "spec.json"
        spec.write_text(json.dumps({"token": bot.token, "bot_id": bot.id, "channel_id": channel.id,
                                    "group_id": group.id, "post_id": post}))  # fmt: skip
        secret = json.loads(
            subprocess.run(  # noqa: S603 - this file, fixed arguments
                [sys.executable, __file__, "--setup", str(spec)],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )["secret"]
        # Set BENCH_SERVER_LOG to a path to read what the server and the worker printed.
        log_path = os.environ.get("BENCH_SERVER_LOG")
        log = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115 - lives with the server
        server = subprocess.Popen(  # noqa: S603 - fixed command line
            [sys.executable, "-m", "tandem.cli", "serve", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz", 60)
            time.sleep(args.warmup)  # the worker has started and loaded the engine's code
            results = send_updates(args, fake, bot, group, copy_id, port, secret)
            deadline = time.monotonic() + args.drain
            obscene_ids = {r["message_id"] for r in results if r["obscene"]}
            while time.monotonic() < deadline and not obscene_ids <= deleted_at.keys():
                time.sleep(0.1)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
    return summarize(args, results, deleted_at)


def post_in_channel(fake, bot, channel) -> int:
    """The bot posts in the channel (Telegram copies the post into the discussion group)."""
    body = json.dumps({"chat_id": channel.id, "text": "Fresh roast on Friday"}).encode()
    url = f"{fake.url}/bot{bot.token}/sendMessage"
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})  # noqa: S310 - the fake
    with urllib.request.urlopen(request) as answer:  # noqa: S310 - the loopback fake
        return json.loads(answer.read())["result"]["message_id"]


def send_updates(args, fake, bot, group, copy_id, port, secret) -> list[dict]:
    """POST ``args.updates`` updates at ``args.rate`` per second, from a pool so a slow answer does not delay
    the next send; each result has the message id, whether it is obscene, its send time and answer time."""
    url = f"http://127.0.0.1:{port}/hooks/telegram/{bot.id}/"
    results: list[dict] = []
    lock = threading.Lock()

    def post(number: int) -> None:
        obscene = number % 2 == 1
        # Everyone writes once: the ladder would mute a repeat offender (who then cannot write at all), and
        # the flood pack deletes a person's burst of messages.
        user_id = 10_000 + number
        pool = OBSCENE if obscene else FRIENDLY
        text = pool[number // 2 % len(pool)].format(n=number)
        message = fake.user_says(group, user_id, f"Person {user_id}", text, reply_to=copy_id)
        body = json.dumps({"update_id": 900_000 + number, "message": message}).encode()
        request = urllib.request.Request(
            url, body, {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
        )
        sent = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - our own server
                status = answer.status
        except OSError as error:  # counted as not answered 200; Telegram would deliver it again
            status = getattr(error, "code", type(error).__name__)
        answered = time.monotonic()
        with lock:
            results.append({"message_id": message["message_id"], "obscene": obscene, "sent": sent,
                            "answer_ms": (answered - sent) * 1000, "status": status})  # fmt: skip

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for number in range(args.updates):
            time.sleep(max(0.0, start + number / args.rate - time.monotonic()))
            pool.submit(post, number)
    return results


def summarize(args, results: list[dict], deleted_at: dict[int, float]) -> dict:
    answers = [r["answer_ms"] for r in results]
    to_delete = [
        (deleted_at[r["message_id"]] - r["sent"]) * 1000
        for r in results
        if r["obscene"] and r["message_id"] in deleted_at
    ]
    p99 = percentile(to_delete, 0.99)
    return {
        "bench": "webhook",
        "updates": args.updates,
        "rate_per_s": args.rate,
        "telegram_latency_ms": args.latency_ms,
        "answered_200": sum(r["status"] == 200 for r in results),
        "not_answered": dict(Counter(str(r["status"]) for r in results if r["status"] != 200)),
        "webhook_answer_p50_ms": round(percentile(answers, 0.5), 1),
        "webhook_answer_p99_ms": round(percentile(answers, 0.99), 1),
        "webhook_to_delete_p50_ms": round(percentile(to_delete, 0.5), 1) if to_delete else None,
        "webhook_to_delete_p99_ms": round(p99, 1) if to_delete else None,
        "webhook_to_delete_max_ms": round(max(to_delete), 1) if to_delete else None,
        "deleted": len(to_delete),
        "wrong_deletes": sum(1 for r in results if not r["obscene"] and r["message_id"] in deleted_at),
        "misses": sum(1 for r in results if r["obscene"] and r["message_id"] not in deleted_at),
        "target_delete_p99_ms": TARGET_DELETE_P99_MS,
        "target_met": bool(to_delete) and p99 < TARGET_DELETE_P99_MS,
    }


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--updates", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20, help="updates per second")
    parser.add_argument("--latency-ms", type=float, default=20, help="the fake Telegram's answer time")
    parser.add_argument(
        "--warmup", type=float, default=3, help="seconds between start-up and the first update"
    )
    parser.add_argument("--drain", type=float, default=15, help="seconds to wait for the last deletes")
    parser.add_argument("--data-dir", help="keep the run's database here (default: a temporary directory)")
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup(args.setup)
        return
    print(json.dumps(bench(args)), flush=True)


if __name__ == "__main__":
    main()
