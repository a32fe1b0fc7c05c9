"""``tandem moderate FILE``: CSV and JSON Lines in and out, order kept, clear errors on malformed files."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tandem.moderation.models import ModerationSettings, PackSetting, Rule

pytestmark = pytest.mark.django_db


def moderate(*args, **options) -> str:
    out = io.StringIO()
    call_command("moderate", *map(str, args), stdout=out, **options)
    return out.getvalue()


def write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding=encoding)
    return path


CSV_INPUT = (
    "id,text,author,time\n"
    "1,Спасибо за пост!,anna,2026-01-01T10:00:00Z\n"
    "2,иди нахуй,boris,1767261600\n"
    '3,"join us: t.me/+AbCdEf, now",carl,2026-01-01T10:00:05+00:00\n'
    '4,"several\nlines, ""quoted""",anna,\n'
)


def test_csv_in_csv_out_in_order(tmp_path):
    rows = list(csv.DictReader(io.StringIO(moderate(write(tmp_path, "in.csv", CSV_INPUT)))))
    assert [row["id"] for row in rows] == ["1", "2", "3", "4"]
    assert list(rows[0]) == ["id", "verdict", "score", "reasons"]
    assert rows[1]["verdict"] == "delete"
    assert rows[1]["score"] == "1.0000"
    assert 'pack ru_obscenity → delete: obscenity "нахуй"' in rows[1]["reasons"]
    assert rows[2]["verdict"] == "delete" and "invite" in rows[2]["reasons"]
    for row in rows:
        assert row["verdict"] in {"allow", "hold", "hide", "delete", "warn", "mute", "ban"}
        assert len(row["score"].split(".")[1]) == 4


def test_jsonl_in_jsonl_out_with_output_file(tmp_path):
    source = write(
        tmp_path,
        "in.jsonl",
        '{"id": 7, "text": "Добрый вечер"}\n\n{"id": "x", "text": "fuck this"}\n{"text": "no id here"}\n',
    )
    target = tmp_path / "out.jsonl"
    assert moderate(source, output=target) == ""
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["id"] for r in records] == [7, "x", None]
    assert records[1]["verdict"] == "delete"
    assert records[1]["reasons"][0] == {
        "source": "pack",
        "name": "en_profanity",
        "action": "delete",
        "detail": 'profanity "fuck"',
        "span": [0, 4],
    }
    assert all(set(r) == {"id", "verdict", "score", "reasons"} for r in records)


def test_formats_are_detected_by_content_and_chosen_by_flag(tmp_path):
    jsonl_without_suffix = write(tmp_path, "export.txt", '{"text": "hello"}\n')
    out = moderate(jsonl_without_suffix, format="jsonl")
    assert json.loads(out)["verdict"] in {"allow", "hold"}
    csv_without_suffix = write(tmp_path, "export.dat", "text\nhello\n")
    assert moderate(csv_without_suffix).splitlines()[0] == "verdict,score,reasons"
    target = tmp_path / "result.csv"
    moderate(jsonl_without_suffix, output=target)
    assert target.read_text().splitlines()[0] == "verdict,score,reasons"


def test_authors_and_times_feed_flood_and_repeated_text(tmp_path):
    lines = ["author,time,text"] + [f"spammer,{1767261600 + i},buy followers cheap {i}" for i in range(6)]
    lines += [f"user{i},{1767261700 + i},Same text from many" for i in range(3)]
    rows = list(csv.DictReader(io.StringIO(moderate(write(tmp_path, "in.csv", "\n".join(lines) + "\n")))))
    assert [row["verdict"] for row in rows[:4]] != ["delete"] * 4
    assert "flood" in rows[4]["reasons"] and "flood" in rows[5]["reasons"]
    assert "same text from 3 authors" in rows[8]["reasons"]


def test_without_times_there_is_no_flood(tmp_path):
    lines = ["author,text"] + [f"spammer,hello {i}" for i in range(8)]
    rows = list(csv.DictReader(io.StringIO(moderate(write(tmp_path, "in.csv", "\n".join(lines))))))
    assert all("flood" not in row["reasons"] for row in rows)


def test_large_file_is_read_in_batches_and_keeps_order(tmp_path):
    lines = ["id,text"] + [f"{i},comment number {i}" for i in range(2500)]
    rows = list(csv.DictReader(io.StringIO(moderate(write(tmp_path, "in.csv", "\n".join(lines))))))
    assert [int(row["id"]) for row in rows] == list(range(2500))


def test_workspace_rules_are_used(team, tmp_path):
    ModerationSettings.objects.create(workspace=team.workspace, classifier_enabled=False)
    Rule.objects.create(
        workspace=team.workspace,
        name="coffee",
        conditions=[{"type": "words", "words": ["чай"]}],
        action="ban",
    )
    PackSetting.objects.create(workspace=team.workspace, pack="ru_obscenity", enabled=False)
    source = write(tmp_path, "in.jsonl", '{"text": "Люблю чаи"}\n{"text": "иди нахуй"}\n')
    records = [json.loads(line) for line in moderate(source, workspace="acme", format="jsonl").splitlines()]
    assert records[0]["verdict"] == "ban" and records[0]["reasons"][0]["name"] == "coffee"
    assert records[1]["verdict"] == "allow"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("no_text.csv", "id,body\n1,hello\n", 'line 1: the header has no "text" column (columns: id, body)'),
        ("empty.csv", "", "line 1: the file is empty"),
        ("short.csv", "id,text\n1,hi\n2\n", 'line 3: the row has no "text"'),
        ("long.csv", "id,text\n1,hi,extra\n", "line 2: 3 cells but the header has 2 columns"),
        ("quote.csv", 'text\n"hello\n', "bad CSV"),
        ("bad.jsonl", '{"text": "ok"}\n{"text": "broken"\n', "line 2: bad JSON"),
        ("list.jsonl", '{"text": "ok"}\n\n["text"]\n', "line 3: expected a JSON object"),
        ("missing.jsonl", '{"text": "ok"}\n{"body": "x"}\n', 'line 2: the row has no "text"'),
        ("number.jsonl", '{"text": 5}\n', 'line 1: "text" must be a string'),
        ("null.jsonl", '{"text": null}\n', 'line 1: the row has no "text"'),
        (
            "time.csv",
            "text,time\nhi,yesterday\n",
            'line 2: time "yesterday" is neither ISO 8601 nor unix seconds',
        ),
        ("latin1.csv", "text\ncaf\xe9\n".encode("latin-1"), "line 2: not UTF-8 text"),
    ],
)
def test_malformed_files_fail_with_the_line(tmp_path, name, content, message):
    path = write(tmp_path, name, content)
    with pytest.raises(CommandError) as raised:
        moderate(path, output=tmp_path / "out.csv")
    assert message in str(raised.value)
    assert str(path) in str(raised.value)
    assert not (tmp_path / "out.csv").exists()  # no half-written result
    assert not list(tmp_path.glob(".out.csv.*"))


def test_unknown_workspace_and_missing_file(tmp_path):
    source = write(tmp_path, "in.csv", "text\nhi\n")
    with pytest.raises(CommandError, match='Unknown workspace "nope"'):
        moderate(source, workspace="nope")
    with pytest.raises(CommandError, match="Cannot read"):
        moderate(tmp_path / "absent.csv")


def test_byte_order_mark_is_accepted(tmp_path):
    source = write(tmp_path, "in.csv", "\ufefftext\nhello\n", encoding="utf-8")
    assert moderate(source).splitlines()[0] == "verdict,score,reasons"


def test_standard_input(monkeypatch):
    data = b'{"id": 1, "text": "fuck"}\n{"id": 2, "text": "hello"}\n'
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    records = [json.loads(line) for line in moderate("-", format="jsonl").splitlines()]
    assert [r["id"] for r in records] == [1, 2]
    assert records[0]["verdict"] == "delete"


def test_as_a_command_a_malformed_file_exits_non_zero_with_the_message_and_writes_nothing(tmp_path):
    """The real command line, in its own process (as a team runs it on an export)."""
    from tests.core.test_serve_process import product_env

    source = write(tmp_path, "export.csv", "id,body\n1,hello\n")
    out = tmp_path / "verdicts.csv"
    done = subprocess.run(
        [sys.executable, "-m", "tandem.cli", "moderate", str(source), "--output", str(out)],
        env=product_env(tmp_path / "data"),
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert 'line 1: the header has no "text" column' in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()
