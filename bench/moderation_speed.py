"""Moderation speed: verdicts per second of the shipped engine (every ready pack + the shipped classifier) on
one core, and the latency of a single ``review()``.

    .venv/bin/python bench/moderation_speed.py [--data ../shared/datasets] [--batch 100000] [--single 5000]

Comments are the texts of ../shared/datasets, cycled to the batch size, each with one of 2,000 authors and a
time 20 ms after the previous one, so the flood and repeated-text rules see traffic (an InMemoryHistory fed
as the stream is read). Throughput: ``review_many`` over the whole batch in chunks of 1,000 (one classifier
call per chunk, as ``tandem moderate`` reads a file). Latency: ``Engine.defaults().review()`` per comment.
Both are measured in the process's CPU time (what one dedicated core spends; the machine may be shared),
with the wall-clock figures beside them. Prints ONE JSON line with the figures, the targets (>= 5,000
verdicts/s, p99 < 5 ms) and whether they pass.
"""

import os

# One core: no thread pools under numpy/scipy (must be set before they are imported).
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")

import django  # noqa: E402

django.setup()

from tandem.moderation.engine import AuthorFacts, Engine, InMemoryHistory, Message  # noqa: E402

TARGET_PER_SECOND = 5000
TARGET_P99_MS = 5.0
CHUNK = 1000
AUTHORS = 2000
DATASETS = {
    "ru_toxic_2ch_pikabu": "comments.csv",
    "en_davidson_hate_offensive": "tweets.csv",
    "en_youtube_spam": "comments.csv",
    "ru_tg_spam_umputun": "messages.csv",
}


def read_texts(data: Path) -> list[str]:
    texts = []
    for folder, name in DATASETS.items():
        with (data / folder / name).open(newline="", encoding="utf-8") as file:
            texts += [row["text"] for row in csv.DictReader(file) if row["text"]]
    # interleave the sets so every chunk is a mix of languages and kinds
    return list(itertools.chain.from_iterable(zip(*(texts[i::4] for i in range(4)), strict=False)))


def stream(texts: list[str], count: int) -> list[Message]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    authors = [AuthorFacts(f"user{i}", first_seen=start, message_count=10) for i in range(AUTHORS)]
    return [
        Message(
            text, author=authors[i % AUTHORS], sent_at=start + timedelta(milliseconds=20 * i), channel_key="c"
        )
        for i, text in zip(range(count), itertools.cycle(texts), strict=False)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--single", type=int, default=5000)
    args = parser.parse_args()

    texts = read_texts(args.data)
    engine = Engine.defaults()
    engine.review_many(texts[:CHUNK])  # warm up: dictionaries, caches, the model's first call

    messages = stream(texts, args.batch)
    history = InMemoryHistory()
    actions: dict[str, int] = {}
    started, started_cpu = time.perf_counter(), time.process_time()
    for offset in range(0, len(messages), CHUNK):
        for verdict in engine.review_many(messages[offset : offset + CHUNK], history, record=True):
            actions[verdict.action] = actions.get(verdict.action, 0) + 1
    batch_seconds = time.perf_counter() - started
    # On a shared machine the wall clock also counts other processes' turns on the core; the process's own
    # CPU time is what one core dedicated to moderation would spend.
    cpu_seconds = time.process_time() - started_cpu
    per_second = len(messages) / cpu_seconds

    # The same stream without the classifier: how much of the time is the engine's own (normalising once,
    # every pack's rules, history, verdicts) and how much the model's.
    rules_only = Engine(list(engine.rules))
    history = InMemoryHistory()
    started_cpu = time.process_time()
    for offset in range(0, len(messages), CHUNK):
        rules_only.review_many(messages[offset : offset + CHUNK], history, record=True)
    rules_per_second = len(messages) / (time.process_time() - started_cpu)

    singles = stream(texts[len(texts) // 2 :], args.single)
    history = InMemoryHistory()
    latencies = []  # CPU milliseconds of each call (see above); the wall-clock ones are kept beside them
    wall_latencies = []
    for message in singles:
        started, started_cpu = time.perf_counter_ns(), time.process_time_ns()
        engine.review(message, history, record=True)
        latencies.append((time.process_time_ns() - started_cpu) / 1e6)
        wall_latencies.append((time.perf_counter_ns() - started) / 1e6)
    p50 = statistics.median(latencies)
    p99 = statistics.quantiles(latencies, n=100)[98]

    print(
        json.dumps(
            {
                "bench": "moderation_speed",
                "engine": "defaults: every pack + shipped classifier",
                "batch": len(messages),
                "chunk": CHUNK,
                "cpu_seconds": round(cpu_seconds, 2),
                "wall_seconds": round(batch_seconds, 2),
                "verdicts_per_second": round(per_second),
                "verdicts_per_wall_second": round(len(messages) / batch_seconds),
                "without_classifier_per_second": round(rules_per_second),
                "actions": dict(sorted(actions.items())),
                "single_reviews": len(latencies),
                "single_p50_ms": round(p50, 3),
                "single_p99_ms": round(p99, 3),
                "single_wall_p50_ms": round(statistics.median(wall_latencies), 3),
                "single_wall_p99_ms": round(statistics.quantiles(wall_latencies, n=100)[98], 3),
                "target_verdicts_per_second": TARGET_PER_SECOND,
                "target_p99_ms": TARGET_P99_MS,
                "throughput_ok": per_second >= TARGET_PER_SECOND,
                "latency_ok": p99 < TARGET_P99_MS,
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
