"""Analytics benchmark on PostgreSQL: a large workspace's dashboards, the rollup refresh and the import speed.

    .venv/bin/python bench/analytics.py                       # 100,000 posts, 5,000,000 comments, 2 years
    .venv/bin/python bench/analytics.py --posts 10000 --comments 200000 --messages 100000   # a quick look

1. Creates the database ``tandem_bench_analytics`` on the PostgreSQL server of POSTGRES_BENCH_URL (default
   postgres://postgres@127.0.0.1:5432/postgres), migrates it and fills one workspace in bulk, inside
   PostgreSQL (generate_series): ten Telegram channels, two years of daily channel rows, ``--posts`` posts,
   ``--comments`` public comments from 200,000 people (long-tailed: the most active 1 % write about a fifth;
   one in twenty comments answered by the team) and moderation actions. Bulk SQL, because the benchmark
   measures reading, not writing through the ORM.
2. Rollup refresh: the time of ``rollups.refresh`` over the whole two years; then ``VACUUM ANALYZE`` (what
   autovacuum does after bulk writes) and the periodic round's work, each timed: ``rollups.refresh_recent``
   (today and yesterday) and the daily warm-up of the preset periods' top commenters (``top_commenters.warm``).
3. Dashboard: the workspace and channel dashboards for 7, 30, 90 and 365 days, each page requested
   ``--requests`` times through Django's test client as a manager (after one warm-up each); p50/p95/max in ms.
4. Import: a ``--messages`` message Telegram Desktop export written by tests/analytics/export_generator.py,
   imported by ``tandem import telegram-export`` in a child process: messages per second and its peak memory.

Prints ONE JSON line with the figures, the targets (dashboard p95 < 300 ms, import >= 20,000 messages/s with
peak memory < 500 MB) and whether they pass. The database is dropped at the end unless --keep is given.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATABASE = "tandem_bench_analytics"
TARGET_DASHBOARD_P95_MS = 300
TARGET_IMPORT_PER_SECOND = 20_000
TARGET_IMPORT_PEAK_MB = 500
CHANNELS = 10
PEOPLE = 200_000
DAYS = 731
PERIODS = (7, 30, 90, 365)


def database_url(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(server_url: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def drop_database(server_url: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


FILL_SQL = [
    # two years of audience rows per channel: slow growth with daily joins and leaves
    """INSERT INTO analytics_channelday (channel_id, date, followers, joins, leaves, source, updated_at)
       SELECT c.id, %(first_day)s::date + d, 20000 + c.id %% 7 * 3000 + d * 12 + (d * 37 %% 50),
              20 + (d * 13 + c.id) %% 25, 8 + (d * 7 + c.id) %% 11, 'collected', now()
       FROM channels_channel c, generate_series(0, %(days)s - 1) d WHERE c.workspace_id = %(ws)s""",
    # posts spread evenly over the two years and the channels, at varied hours
    """INSERT INTO analytics_channelpost (workspace_id, channel_id, external_id, published_at, text, kind,
              source, views, reach, reactions, reactions_total, comments, shares, poll_votes, interactions,
              metrics_updated_at)
       SELECT %(ws)s, ch.ids[1 + g %% %(channels)s], g::text,
              %(start)s::timestamptz + (g::float8 / %(posts)s) * %(days)s * interval '1 day'
                + (g %% 13) * interval '1 hour',
              'Post number ' || g, 'text', 'imported',
              CASE WHEN g %% 3 = 0 THEN NULL ELSE 1000 + (g * 7919) %% 9000 END, NULL,
              '{"👍": 10}'::jsonb, 10 + (g * 31) %% 90, (g * 17) %% 40, (g * 11) %% 15, NULL,
              10 + (g * 31) %% 90 + (g * 17) %% 40 + (g * 11) %% 15, now()
       FROM generate_series(1, %(posts)s) g,
            (SELECT array_agg(id ORDER BY id) AS ids FROM channels_channel WHERE workspace_id = %(ws)s) ch""",
    """INSERT INTO community_author (workspace_id, platform, external_id, display_name, username, is_bot,
              first_seen, last_seen, message_count, warnings, notes)
       SELECT %(ws)s, 'telegram', 'u' || g, 'Person ' || g, '', false,
              %(start)s::timestamptz + (g %% %(days)s) * interval '1 day',
              %(start)s::timestamptz + %(days)s * interval '1 day', 25, 0, ''
       FROM generate_series(1, %(people)s) g""",
    # public comments over the two years, one in twenty from the team; the authors long-tailed as in real
    # communities: person n writes more the smaller n is, and the most active 1 % write about a fifth
    """INSERT INTO community_comment (workspace_id, channel_id, author_id, chat_id, external_id, thread_id,
              text, fingerprint, has_media, sent_at, received_at, status, state, from_team, imported,
              verdict_action, verdict_reasons, label)
       SELECT %(ws)s, ch.ids[1 + g %% %(channels)s],
              CASE WHEN g %% 20 = 0 THEN NULL
                   ELSE a.first + floor(%(people)s * power((g::bigint * 7919 %% 1000003)::float8 / 1000003, 3))::int
              END,
              'group', g::text, '', 'Comment number ' || g, '', false,
              %(start)s::timestamptz + (g::float8 / %(comments)s) * %(days)s * interval '1 day',
              now(), CASE WHEN g %% 97 = 0 THEN 'deleted' WHEN g %% 53 = 0 THEN 'held' ELSE 'visible' END,
              'done', g %% 20 = 0, true, '', '[]'::jsonb, ''
       FROM generate_series(1, %(comments)s) g,
            (SELECT array_agg(id ORDER BY id) AS ids FROM channels_channel WHERE workspace_id = %(ws)s) ch,
            (SELECT min(id) AS first FROM community_author WHERE workspace_id = %(ws)s) a""",
    # the team's replies answer the comment just before them
    """UPDATE community_comment SET parent_id = id - 1 WHERE workspace_id = %(ws)s AND from_team""",
    """INSERT INTO community_moderationaction (workspace_id, comment_id, author_id, action, source, rule_name,
              reasons, ok, platform_answer, created_at)
       SELECT %(ws)s, c.id, c.author_id,
              CASE WHEN c.status = 'deleted' THEN 'delete' ELSE 'hold' END, 'pack', 'Spam and scams',
              '[]'::jsonb, true, '', c.sent_at
       FROM community_comment c WHERE c.workspace_id = %(ws)s AND c.status IN ('deleted', 'held')""",
    "ANALYZE",
]


def fill(args) -> dict:
    """Bulk-fill the benchmark workspace; returns the ids the measurements need and the time it took."""
    from datetime import UTC, datetime, timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection

    from tandem.channels.models import Channel, Platform
    from tandem.workspaces.models import Membership, Workspace

    started = time.perf_counter()
    workspace = Workspace.objects.create(name="Bench", slug="bench", time_zone="Europe/Moscow")
    for n in range(CHANNELS):
        Channel.objects.create(
            workspace=workspace, platform=Platform.TELEGRAM, name=f"Channel {n}", external_id=f"-100{n + 1}"
        )
    # the import goes into a workspace of its own, so its rollup refresh covers only what it imported
    Workspace.objects.create(name="Imported", slug="imported", time_zone="Europe/Moscow")
    manager = get_user_model().objects.create_user(email="manager@bench.test", password="bench-password")
    Membership.objects.create(workspace=workspace, user=manager, role="manager")
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=DAYS - 1)
    params = {
        "ws": workspace.pk,
        "channels": CHANNELS,
        "posts": args.posts,
        "comments": args.comments,
        "people": PEOPLE,
        "days": DAYS,
        "start": start,
        "first_day": start.date(),
    }
    with connection.cursor() as cursor:
        for statement in FILL_SQL:
            cursor.execute(statement, params)
    return {"workspace": workspace, "manager": manager, "seconds": time.perf_counter() - started}


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure_dashboards(workspace, manager, requests: int) -> dict:
    from django.test import Client
    from django.urls import reverse

    client = Client(SERVER_NAME="localhost")
    client.force_login(manager)
    channel = workspace.channels.order_by("pk").first()
    pages = [reverse("analytics:dashboard", args=[workspace.slug])]
    pages.append(reverse("analytics:channel", args=[workspace.slug, channel.pk]))
    timings = []
    for page in pages:
        for days in PERIODS:
            url = f"{page}?days={days}"
            response = client.get(url)  # warm-up
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            for _ in range(requests):
                began = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - began) * 1000)
    return {
        "dashboard_requests": len(timings),
        "dashboard_p50_ms": round(percentile(timings, 0.50), 1),
        "dashboard_p95_ms": round(percentile(timings, 0.95), 1),
        "dashboard_max_ms": round(max(timings), 1),
    }


def measure_import(args, env: dict) -> dict:
    from tests.analytics.export_generator import write_export

    with tempfile.TemporaryDirectory(prefix="tandem-bench-import-") as tmp:
        path = Path(tmp) / "result.json"
        write_export(path, kind="public_supergroup", messages=args.messages)
        size_mb = path.stat().st_size / 1e6
        os.sync()  # the generator's writes reach the disk now, not while the import is timed
        began = time.perf_counter()
        done = subprocess.run(  # noqa: S603 - fixed command line
            [sys.executable, "-m", "tandem.cli", "import", "telegram-export", str(path), "--workspace", "imported"],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"the import failed: {done.stderr or done.stdout}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "import_messages": args.messages,
        "import_file_mb": round(size_mb, 1),
        "import_seconds": round(seconds, 1),
        "import_messages_per_second": round(args.messages / seconds),
        "import_peak_mb": round(peak_mb, 1),
    }


def bench(args) -> dict:
    server_url = args.server or os.environ.get(
        "POSTGRES_BENCH_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    recreate_database(server_url)
    from cryptography.fernet import Fernet

    data_dir = tempfile.mkdtemp(prefix="tandem-bench-analytics-")
    env = {
        **os.environ,
        "TANDEM_DATA_DIR": data_dir,
        "DJANGO_SETTINGS_MODULE": "tandem.settings",
        "DATABASE_URL": database_url(server_url, DATABASE),
        "TANDEM_ENCRYPTION_KEYS": os.environ.get("TANDEM_ENCRYPTION_KEYS") or Fernet.generate_key().decode(),
        "TANDEM_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    try:
        for command in (["migrate"], ["collectstatic", "--noinput"]):  # pages are served as in production
            subprocess.run(  # noqa: S603 - fixed command lines
                [sys.executable, "-m", "tandem.cli", *command, "-v", "0"], cwd=ROOT, env=env, check=True
            )
        import django

        django.setup()
        from django.db import connection

        from tandem.analytics import rollups, top_commenters

        filled = fill(args)
        workspace = filled["workspace"]
        began = time.perf_counter()
        rollups.refresh(workspace)
        refresh_seconds = time.perf_counter() - began
        # What PostgreSQL's autovacuum does by itself after such bulk writes (statistics, visibility map);
        # then the steady state of a running install: the 10-minute round (today and yesterday rewritten,
        # the top commenters of the day's settled days kept), each timed.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        began = time.perf_counter()
        rollups.refresh_recent(workspace)
        tick_seconds = time.perf_counter() - began
        began = time.perf_counter()
        top_commenters.warm(workspace)
        warm_seconds = time.perf_counter() - began
        figures = {
            "posts": args.posts,
            "comments": args.comments,
            "days": DAYS,
            "fill_seconds": round(filled["seconds"], 1),
            "rollup_refresh_seconds": round(refresh_seconds, 2),
            "rollup_recent_seconds": round(tick_seconds, 2),
            "top_commenters_warm_seconds": round(warm_seconds, 2),
            **measure_dashboards(workspace, filled["manager"], args.requests),
        }
        if args.messages:
            figures.update(measure_import(args, env))
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(server_url)
        shutil.rmtree(data_dir, ignore_errors=True)
    figures["targets"] = {
        "dashboard_p95_ms": TARGET_DASHBOARD_P95_MS,
        "import_messages_per_second": TARGET_IMPORT_PER_SECOND,
        "import_peak_mb": TARGET_IMPORT_PEAK_MB,
    }
    passed = figures["dashboard_p95_ms"] < TARGET_DASHBOARD_P95_MS
    if args.messages:
        passed = (
            passed
            and figures["import_messages_per_second"] >= TARGET_IMPORT_PER_SECOND
            and figures["import_peak_mb"] < TARGET_IMPORT_PEAK_MB
        )
    figures["pass"] = passed
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--comments", type=int, default=5_000_000)
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages in the import; 0 skips it")
    parser.add_argument("--requests", type=int, default=10, help="timed requests per page and period")
    parser.add_argument(
        "--server", help="PostgreSQL server URL (a database to connect to for CREATE DATABASE)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database for a look afterwards")
    print(json.dumps({"benchmark": "analytics", **bench(parser.parse_args())}))


if __name__ == "__main__":
    main()
