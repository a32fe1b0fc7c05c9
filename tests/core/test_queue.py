"""The task queue end to end: enqueue, a real consumer picks the task up, the result comes back.

Runs on the default SQLite queue and on Redis (skipped with the reason when no Redis answers, failed in CI).
"""

import os
import uuid

import redis

from tandem.core.bootstrap import build_huey
from tandem.core.models import WorkerHeartbeat
from tandem.core.tasks import record_heartbeat
from tests.conftest import skip_or_fail

REDIS_URL = os.environ.get("TANDEM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def run_through_queue(huey):
    task = huey.task(name=f"smoke-{uuid.uuid4().hex}")(record_heartbeat)
    result = task()
    assert huey.pending_count() == 1, "the task must wait in the queue, not run inline"
    consumer = huey.create_consumer(
        workers=1, worker_type="thread", periodic=False, check_worker_health=False
    )
    consumer.start()
    try:
        worker_name = result.get(blocking=True, timeout=20)
    finally:
        consumer.stop(graceful=True)
    assert WorkerHeartbeat.objects.filter(worker=worker_name).exists()


def test_sqlite_queue_runs_a_task_in_a_real_consumer(transactional_db, tmp_path):
    huey = build_huey(redis_url="", sqlite_path=tmp_path / "queue.sqlite3", name="smoke-sqlite")
    assert type(huey).__name__ == "SqliteHuey" and not huey.immediate
    run_through_queue(huey)


def test_redis_queue_runs_a_task_in_a_real_consumer(transactional_db, tmp_path):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis not reachable at {REDIS_URL}: {error}")
    name = f"smoke-redis-{uuid.uuid4().hex[:8]}"
    huey = build_huey(redis_url=REDIS_URL, sqlite_path=tmp_path / "unused", name=name)
    assert type(huey).__name__ == "RedisHuey"
    try:
        run_through_queue(huey)
    finally:
        huey.storage.flush_all()
