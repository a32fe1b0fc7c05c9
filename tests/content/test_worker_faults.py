"""Several real worker processes against one database and the loopback Telegram server: each delivery is
sent exactly once, and a worker killed mid-send loses nothing and doubles nothing. Runs on SQLite and, in the
PostgreSQL pass of ``make test``, on PostgreSQL."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from tandem.channels.models import Channel, Platform
from tandem.content import services
from tandem.content.models import Delivery, DeliveryState, Post
from tests.fakes.telegram import FakeTelegramServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_telegram(settings):
    with FakeTelegramServer() as server:
        settings.TANDEM_TELEGRAM_API_URL = server.url
        yield server


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user, host, port = settings["USER"], settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


def start_worker(fake, tmp_path, *, batch=3, idle=1.5, lease_seconds=600, start_at=0.0) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tandem.settings",
        "TANDEM_DATA_DIR": str(tmp_path),
        "DATABASE_URL": database_url(),
        "TANDEM_TELEGRAM_API_URL": fake.url,
        "TANDEM_HUEY_IMMEDIATE": "1",
        "TANDEM_DELIVERY_LEASE_SECONDS": str(lease_seconds),
        "TANDEM_ENCRYPTION_KEYS": ",".join(django_settings.ENCRYPTION_KEYS),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.content.dispatcher_process", str(batch), str(idle), str(start_at)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )


def plan_telegram_posts(team, fake, count: int, bots: int = 3):
    """``count`` Telegram channels (each with one post due now) spread over ``bots`` bots."""
    manager = team.membership("manager")
    fake_bots = [fake.add_bot() for _ in range(bots)]
    chats = []
    # Far enough ahead that the test process's own (immediate) queue does not wake the engine early.
    due = timezone.now() + timedelta(seconds=5)
    for n in range(count):
        bot = fake_bots[n % bots]
        chat = fake.add_chat("channel", f"Channel {n}", username=f"tandem_chan_{n}")
        fake.set_member(bot, chat, "administrator")
        channel = Channel(
            workspace=team.workspace, platform=Platform.TELEGRAM, name=chat.title, external_id=str(chat.id)
        )
        channel.secret_values = {"token": bot.token}
        channel.save()
        post = services.save_post(
            manager, None, text=f"Post {n}", rubric=None, tags=[], channels=[channel], variants={}
        )
        services.schedule(manager, post, at=due)
        chats.append(chat)
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()))
    return chats


def finish(process: subprocess.Popen, timeout: float = 60) -> None:
    try:
        _out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _out, err = process.communicate()
        pytest.fail(f"worker did not finish: {err[-2000:]}")
    assert process.returncode == 0, err[-3000:]


@pytest.mark.parametrize("workers", [2, 3])
def test_racing_workers_send_each_delivery_exactly_once(team, fake_telegram, tmp_path, workers):
    chats = plan_telegram_posts(team, fake_telegram, count=24)
    start_at = time.time() + 3  # every worker starts claiming at the same moment
    processes = [start_worker(fake_telegram, tmp_path, start_at=start_at) for _ in range(workers)]
    for process in processes:
        finish(process)
    assert [len(fake_telegram.messages(chat)) for chat in chats] == [1] * len(chats)
    states = list(Delivery.objects.values_list("state", flat=True))
    assert states == [DeliveryState.SENT] * len(chats)
    claimed_by = {d.attempts_log.get().worker.split("/")[0] for d in Delivery.objects.all()}
    assert len(claimed_by) > 1, "the workers should have shared the work"


def test_worker_killed_mid_send_then_restarted_loses_nothing_and_doubles_nothing(
    team, fake_telegram, tmp_path
):
    chats = plan_telegram_posts(team, fake_telegram, count=6, bots=1)
    stuck = chats[0]
    # Telegram stores the post, then the answer never comes: the worker is killed while waiting for it.
    fake_telegram.hang(times=1, seconds=60, chat=stuck)
    worker = start_worker(fake_telegram, tmp_path, batch=10)
    deadline = time.monotonic() + 30
    while not fake_telegram.messages(stuck) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake_telegram.messages(stuck), "the hanging send never reached the fake"
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)

    # The restarted worker finds the interrupted send once its lease ran out, and never re-sends it blindly.
    finish(start_worker(fake_telegram, tmp_path, lease_seconds=0))
    post_of_stuck = Post.objects.get(text="Post 0")
    stuck_delivery = Delivery.objects.get(post=post_of_stuck)
    assert stuck_delivery.state == DeliveryState.UNCONFIRMED
    assert len(fake_telegram.messages(stuck)) == 1

    # Every other delivery went out exactly once; the person then resolves the unconfirmed ones by looking.
    manager = team.membership("manager")
    for delivery in Delivery.objects.filter(state=DeliveryState.UNCONFIRMED).select_related("channel"):
        chat = next(c for c in chats if str(c.id) == delivery.channel.external_id)
        if fake_telegram.messages(chat):
            services.confirm_published(manager, delivery)
        else:
            services.retry_delivery(manager, delivery)
    finish(start_worker(fake_telegram, tmp_path))
    assert [len(fake_telegram.messages(chat)) for chat in chats] == [1] * len(chats)
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
