"""``tandem moderate FILE``: the moderation engine's verdict on every comment of an export, so a team can try
its rules on real data and accuracy can be measured.

Input: CSV with a header that has a ``text`` column, or JSON Lines with a ``text`` field in every object;
optional ``id``, ``author`` and ``time`` (ISO 8601, or unix seconds). Output: one row per input row, in order,
with ``id`` (when the input has ids), ``verdict``, ``score`` and ``reasons``.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError

from tandem.moderation.engine import AuthorFacts, Engine, InMemoryHistory, Message, Verdict

BATCH = 1000
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
CSV_SUFFIXES = {".csv", ".tsv"}


class InputError(Exception):
    """A problem in the input file, with its line number."""

    def __init__(self, line: int, problem: str):
        super().__init__(f"line {line}: {problem}")


@dataclass(frozen=True)
class Row:
    line: int
    text: str
    id: Any = None  # as given: a CSV cell, or any JSON value
    author: str = ""
    time: datetime | None = None


# --- reading -------------------------------------------------------------------------------------------


def _decoded_lines(raw: IO[bytes]) -> Iterator[tuple[int, str]]:
    """(line number, text) for each physical line, decoded as UTF-8 (a byte-order mark is allowed)."""
    for number, line in enumerate(raw, start=1):
        if number == 1:
            line = line.removeprefix(b"\xef\xbb\xbf")
        try:
            yield number, line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(number, f"not UTF-8 text ({error.reason} at byte {error.start})") from None


def _parse_time(value: Any, line: int) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = float(value)
        except ValueError:
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                raise InputError(line, f'time "{value}" is neither ISO 8601 nor unix seconds') from None
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    else:
        raise InputError(line, f"time {value!r} is neither ISO 8601 nor unix seconds")
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise InputError(line, f"time {value!r} is out of range") from None


def _row(line: int, fields: dict) -> Row:
    text = fields.get("text")
    if text is None:
        raise InputError(line, 'the row has no "text"')
    if not isinstance(text, str):
        raise InputError(line, '"text" must be a string')
    author = fields.get("author")
    return Row(
        line,
        text,
        id=fields.get("id"),
        author="" if author is None else str(author),
        time=_parse_time(fields.get("time"), line),
    )


def read_csv(lines: Iterator[tuple[int, str]], delimiter: str = ",") -> tuple[list[str], Iterator[Row]]:
    """(header fields, rows) of a CSV file; the header must have a ``text`` column."""
    numbers: list[int] = []

    def text_lines():
        for number, line in lines:
            numbers.append(number)
            yield line

    reader = csv.reader(text_lines(), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise InputError(1, "the file is empty: expected a header with a text column") from None
    except csv.Error as error:
        raise InputError(numbers[-1] if numbers else 1, f"bad CSV: {error}") from None
    if "text" not in header:
        raise InputError(1, f'the header has no "text" column (columns: {", ".join(header) or "none"})')

    def rows() -> Iterator[Row]:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise InputError(numbers[-1], f"bad CSV: {error}") from None
            line = numbers[-1]
            if not cells or cells == [""]:
                continue  # a blank line
            if len(cells) > len(header):
                raise InputError(line, f"{len(cells)} cells but the header has {len(header)} columns")
            yield _row(line, dict(zip(header, cells, strict=False)))

    return header, rows()


def read_jsonl(lines: Iterator[tuple[int, str]]) -> Iterator[Row]:
    for number, line in lines:
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(number, f"bad JSON: {error.msg} (column {error.colno})") from None
        if not isinstance(fields, dict):
            raise InputError(number, 'expected a JSON object with a "text" field')
        yield _row(number, fields)


def _input_format(path: str, first_line: bytes) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in CSV_SUFFIXES:
        return "csv"
    return "jsonl" if first_line.lstrip(b"\xef\xbb\xbf \t").startswith(b"{") else "csv"


# --- writing ------------------------------------------------------------------------------------------


def readable_reasons(verdict: Verdict) -> str:
    return "; ".join(
        f"{reason.source} {reason.name} → {reason.action}" + (f": {reason.detail}" if reason.detail else "")
        for reason in verdict.reasons
    )


class CsvWriter:
    def __init__(self, out: IO[str], with_id: bool):
        self.writer = csv.writer(out, lineterminator="\n")
        self.with_id = with_id
        self.writer.writerow((["id"] if with_id else []) + ["verdict", "score", "reasons"])

    def write(self, row: Row, verdict: Verdict) -> None:
        cells = [verdict.action, f"{verdict.score:.4f}", readable_reasons(verdict)]
        self.writer.writerow((["" if row.id is None else row.id] if self.with_id else []) + cells)


class JsonlWriter:
    def __init__(self, out: IO[str], with_id: bool):
        self.out = out
        self.with_id = with_id

    def write(self, row: Row, verdict: Verdict) -> None:
        record = {"id": row.id} if self.with_id else {}
        record |= {
            "verdict": verdict.action,
            "score": round(verdict.score, 4),
            "reasons": verdict.reasons_json(),
        }
        self.out.write(json.dumps(record, ensure_ascii=False) + "\n")


@contextmanager
def _output(path: str | None, stdout) -> Iterator[IO[str]]:
    """The output file, written beside its final name and moved there only when every row is done, so a
    malformed input never leaves a half-written result behind; stdout when no path is given."""
    if path is None:
        yield stdout
        return
    target = Path(path)
    handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


# --- the command --------------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Judge every comment of a CSV (a header with a text column) or JSON Lines file (objects with a text "
        "field); optional id, author and time (ISO 8601 or unix seconds). Writes one row per input row, in "
        "order: id (when given), verdict, score and reasons. Without --workspace, the shipped defaults (every "
        "ready pack and the starting classifier). The flood and repeated-text rules use the authors and times "
        "in the file; a file without times has no flood. A malformed file (no text column, a row without "
        "text, bad JSON, not UTF-8) stops with the line number and a non-zero exit."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help='CSV or JSON Lines file ("-" reads standard input)')
        parser.add_argument(
            "--workspace", help="the slug of the workspace whose rules, packs and settings to use"
        )
        parser.add_argument(
            "--output", help="write here instead of standard output; the extension sets the format"
        )
        parser.add_argument(
            "--format", choices=["csv", "jsonl"], help="output format (default: by --output, or csv)"
        )

    def handle(self, *args, file, workspace, output, format, **options):
        engine = self._engine(workspace)
        output_format = format or (
            "jsonl" if output and Path(output).suffix.lower() in JSONL_SUFFIXES else "csv"
        )
        try:
            raw = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115 - closed below
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        try:
            self._run(engine, raw, file, output, output_format)
        except InputError as error:
            raise CommandError(f"{file}: {error}") from None
        finally:
            if raw is not sys.stdin.buffer:
                raw.close()

    def _engine(self, slug: str | None) -> Engine:
        if not slug:
            return Engine.defaults()
        from tandem.workspaces.models import Workspace

        found = Workspace.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f'Unknown workspace "{slug}".')
        return Engine.for_workspace(found)

    def _run(self, engine: Engine, raw: IO[bytes], path: str, output: str | None, output_format: str) -> None:
        first = raw.peek(64).split(b"\n", 1)[0] if hasattr(raw, "peek") else b""
        lines = _decoded_lines(raw)
        if _input_format(path, first) == "csv":
            header, rows = read_csv(lines, delimiter="\t" if path.lower().endswith(".tsv") else ",")
            with_id, has_time = "id" in header, "time" in header
        else:
            rows = read_jsonl(lines)
            head = next(rows, None)
            with_id = has_time = False
            if head is not None:
                with_id, has_time = head.id is not None, head.time is not None
                rows = _chain(head, rows)
        # Without times there is no timeline, so the flood and repeated-text rules are not fed.
        history = InMemoryHistory() if has_time else None
        with _output(output, self.stdout) as out:
            writer = (JsonlWriter if output_format == "jsonl" else CsvWriter)(out, with_id)
            for batch in _batches(_messages(rows, has_time), BATCH):
                verdicts = engine.review_many(
                    [message for _, message in batch], history, record=history is not None
                )
                for (row, _), verdict in zip(batch, verdicts, strict=True):
                    writer.write(row, verdict)


def _chain(head: Row, rest: Iterator[Row]) -> Iterator[Row]:
    yield head
    yield from rest


def _messages(rows: Iterator[Row], has_time: bool) -> Iterator[tuple[Row, Message]]:
    """Each row with its Message: the author's first time and count as seen so far in the file; a row without
    a time in a file with times takes the previous row's."""
    first_seen: dict[str, datetime | None] = {}
    counts: dict[str, int] = {}
    last_time: datetime | None = None
    for row in rows:
        sent_at = (row.time or last_time) if has_time else None
        last_time = sent_at
        author = None
        if row.author:
            first_seen.setdefault(row.author, sent_at)
            counts[row.author] = counts.get(row.author, 0) + 1
            author = AuthorFacts(
                row.author, first_seen=first_seen[row.author], message_count=counts[row.author]
            )
        yield row, Message(row.text, author=author, sent_at=sent_at)


def _batches(items: Iterator, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
