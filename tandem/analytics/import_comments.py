"""A group's messages from an export as imported comments, with their authors, replies, and the group's
joins and leaves per day (tandem.analytics.importing runs it).

Imported comments are history: visible, already handled (state "done"), ``imported`` so moderation never acts
on them, and without the moderation fingerprint (it serves the live repeated-text check, which looks at the
last hours only; computing it would cost more than the rest of the import). Joins and leaves count towards the
Tandem channel's audience only when the group *is* that channel, not when it is a channel's discussion group.
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from django.db import connections

from tandem.community.ingest import cut
from tandem.community.models import Author, Comment, CommentStatus, InboxState

from .bulk_rows import CopyRows, Rows, copy_text, execute_many
from .models import ChannelDay, Source
from .telegram_export import moment, plain_text, reactions, sender_id

BATCH = 2000
# A chat's first import on PostgreSQL: messages COPYed SEGMENT at a time, each segment written by a second
# thread while this one reads the next from the file.
SEGMENT = 10_000
JOIN_ACTIONS = frozenset({"join_group_by_link", "join_group_by_request"})
MEDIA_KEYS = frozenset({"photo", "file", "media_type", "poll", "location_information", "contact_information"})
NEW_FIELDS = (
    "workspace", "channel", "author", "parent", "chat_id", "external_id", "text", "has_media", "sent_at",
    "edited_at", "status", "state", "from_team", "imported",
)  # fmt: skip
PARENT = NEW_FIELDS.index("parent")


class MessageIndex:
    """Message id → comment pk for one chat, compact for millions of messages: Desktop writes messages in
    id order, so a batch's pairs, sorted, extend two arrays searched by bisection; an id below the last one
    (out of order) goes to a dict."""

    def __init__(self):
        self.ids, self.pks, self.others = array("q"), array("q"), {}

    def extend(self, pairs: dict[int, int]) -> None:
        for ident in sorted(pairs):
            if not self.ids or ident > self.ids[-1]:
                self.ids.append(ident)
                self.pks.append(pairs[ident])
            else:
                self.others[ident] = pairs[ident]

    def get(self, ident: int) -> int | None:
        at = bisect.bisect_left(self.ids, ident)
        if at < len(self.ids) and self.ids[at] == ident:
            return self.pks[at]
        return self.others.get(ident)


class _Authors:
    """The chat's authors: Author pk per sender id, with what this import adds to each (new comments,
    earliest and latest message) so the authors are updated once at the end."""

    def __init__(self, channel):
        self.channel = channel
        self.known: dict[str, list] = {}  # sender id → [pk, new comments, first, last]

    def prepare(self, senders: dict[str, tuple[str, datetime]], summary) -> None:
        missing = [sender for sender in senders if sender not in self.known]
        if not missing:
            return
        rows = Author.objects.filter(
            workspace_id=self.channel.workspace_id, platform=self.channel.platform, external_id__in=missing
        ).values_list("external_id", "pk")
        for external_id, pk in rows:
            self.known[external_id] = [pk, 0, None, None]
        new = [
            Author(
                workspace_id=self.channel.workspace_id,
                platform=self.channel.platform,
                external_id=sender,
                display_name=senders[sender][0][:200],
                first_seen=senders[sender][1],
                last_seen=senders[sender][1],
            )
            for sender in missing
            if sender not in self.known
        ]
        if new:
            Author.objects.bulk_create(new)
            summary.new_authors += len(new)
            for author in new:
                self.known[author.external_id] = [author.pk, 0, None, None]

    def add(self, added: dict[str, list]) -> None:
        """Per sender [new comments, first, last] of a segment (``_new_comments``), once prepared."""
        for sender, (new, first, last) in added.items():
            entry = self.known[sender]
            entry[1] += new
            if entry[2] is None or first < entry[2]:
                entry[2] = first
            if entry[3] is None or last > entry[3]:
                entry[3] = last

    def count(self, sender: str, sent_at: datetime) -> None:
        entry = self.known[sender]
        entry[1] += 1
        if entry[2] is None or sent_at < entry[2]:
            entry[2] = sent_at
        if entry[3] is None or sent_at > entry[3]:
            entry[3] = sent_at

    def save(self, rows: Rows) -> None:
        """Add the new comments to each author's count and widen first/last seen, in the database (a live
        comment may have counted meanwhile); an author with no new comment is left as it was."""
        time = rows.db_time
        counted = [(pk, new, first, last) for pk, new, first, last in self.known.values() if new]
        if rows.connection.vendor == "postgresql" and counted:
            pks, news, firsts, lasts = (list(column) for column in zip(*counted, strict=True))
            execute_many(
                Author,
                "UPDATE {table} SET {message_count} = {message_count} + v.new,"
                " {first_seen} = LEAST({first_seen}, v.first), {last_seen} = GREATEST({last_seen}, v.last)"
                " FROM unnest(%s::bigint[], %s::integer[], %s::timestamptz[], %s::timestamptz[])"
                " AS v(id, new, first, last) WHERE {table}.{id} = v.id",
                [(pks, news, firsts, lasts)],
            )
            return
        execute_many(
            Author,
            "UPDATE {table} SET {message_count} = {message_count} + %s,"
            " {first_seen} = CASE WHEN {first_seen} < %s THEN {first_seen} ELSE %s END,"
            " {last_seen} = CASE WHEN {last_seen} > %s THEN {last_seen} ELSE %s END WHERE {id} = %s",
            [
                (new, time(first), time(first), time(last), time(last), pk)
                for pk, new, first, last in self.known.values()
                if new
            ],
        )


def import_group_messages(
    channel, chat, messages: Iterator[dict], summary, zone, reader, *, audience: bool
) -> None:
    chat_id = chat.bot_api_id
    # The group speaking as itself (an anonymous administrator) or as a channel of the workspace is the team.
    team_senders = {sender_id(f"channel{form}") for form in chat.id_forms() if not form.startswith("-")}
    team_senders.add(channel.external_id)
    joins, leaves = Counter(), Counter()
    comments = Comment.objects.filter(channel=channel, chat_id=chat_id)
    if connections[comments.db].vendor == "postgresql" and not comments.exists():
        # a small first segment, so that the database starts writing soon
        batches = _batches(messages, summary, zone, reader, joins, leaves, SEGMENT, min(SEGMENT, 2000))
        _copy_new_chat(channel, chat_id, team_senders, batches, summary)
    else:
        writer = _Writer(channel, chat_id, team_senders, summary)
        for rows, senders in _batches(messages, summary, zone, reader, joins, leaves, BATCH):
            writer.authors.prepare(senders, summary)
            writer.senders.update(senders)
            writer.write(rows)
        writer.authors.save(writer.inserter)
        summary.authors = len(writer.senders)
    summary.joins, summary.leaves = sum(joins.values()), sum(leaves.values())
    if audience:
        _save_days(channel, joins, leaves)


def _chunks(messages: Iterator[dict], size: int, first: int) -> Iterator[tuple]:
    messages = iter(messages)
    head = tuple(itertools.islice(messages, first))
    if head:
        yield head
        yield from itertools.batched(messages, size)


def _batches(
    messages: Iterator[dict],
    summary,
    zone,
    reader,
    joins: Counter,
    leaves: Counter,
    size: int,
    first: int = 0,
):
    """The chat's ordinary messages ``size`` at a time (``first`` in the first batch, when given) as (rows,
    {sender: (name, first sent at)}); service messages counted (joins and leaves by day), unknown ones
    skipped."""
    for batch in _chunks(messages, size, first or size):
        rows, senders = [], {}
        for message in batch:
            kind_of_message = message.get("type")
            if kind_of_message == "message":
                row = _row(message, zone, reader)
                if row is None:
                    continue
                rows.append(row)
                sender = row[2]
                if sender and sender not in senders:
                    senders[sender] = (row[3], row[4])
                summary.reactions += row[7]
            elif kind_of_message == "service":
                summary.service += 1
                _audience(message, zone, reader, joins, leaves)
            else:
                summary.skipped += 1
        summary.messages += len(rows)
        yield rows, senders


def _row(message: dict, zone, reader) -> tuple | None:
    """(id, reply to, sender, sender's name, sent at, edited at, text, reactions, has media)"""
    ident = message.get("id")
    if not isinstance(ident, int) or isinstance(ident, bool):
        return None
    reply = message.get("reply_to_message_id")
    return (
        ident,
        reply if isinstance(reply, int) and not isinstance(reply, bool) else None,
        sender_id(message.get("from_id")),
        str(message.get("from") or ""),
        moment(message, "date", zone, reader),
        moment(message, "edited", zone, reader),
        cut(plain_text(message.get("text"))),
        sum(reactions(message).values()) if "reactions" in message else 0,
        not MEDIA_KEYS.isdisjoint(message),
    )


def _audience(message: dict, zone, reader, joins: Counter, leaves: Counter) -> None:
    action = message.get("action")
    if action in JOIN_ACTIONS:
        joins[moment(message, "date", zone, reader).astimezone(zone).date()] += 1
    elif action in ("invite_members", "remove_members"):
        members = message.get("members")
        count = len(members) if isinstance(members, list) else 1
        target = joins if action == "invite_members" else leaves
        target[moment(message, "date", zone, reader).astimezone(zone).date()] += count


class _Writer:
    """Writes one chat's messages a batch at a time: new ones inserted, known ones updated when their text or
    edit time changed, replies linked to the comment they answer."""

    def __init__(self, channel, chat_id: str, team: set[str], summary):
        self.channel, self.chat_id, self.team, self.summary = channel, chat_id, team, summary
        self.inserter = Rows(Comment, NEW_FIELDS)
        self.index = MessageIndex()
        self.authors = _Authors(channel)
        self.senders: set[str] = set()
        # Before the first import of a chat nothing can exist: no need to look each batch up.
        self.chat_known = Comment.objects.filter(channel=channel, chat_id=chat_id).exists()

    def _existing(self, rows: list[tuple]) -> tuple[dict, dict]:
        """The batch's messages already stored, and the stored messages its replies answer from before it."""
        if not self.chat_known:
            return {}, {}
        comments = Comment.objects.filter(channel=self.channel, chat_id=self.chat_id)
        ids = {str(row[0]) for row in rows}
        existing = {
            external_id: (pk, text, edited_at)
            for external_id, pk, text, edited_at in comments.filter(external_id__in=ids).values_list(
                "external_id", "pk", "text", "edited_at"
            )
        }
        earlier = {str(row[1]) for row in rows if row[1] is not None and self.index.get(row[1]) is None} - ids
        if earlier:
            earlier = dict(comments.filter(external_id__in=earlier).values_list("external_id", "pk"))
        return existing, earlier or {}

    def write(self, rows: list[tuple]) -> None:
        summary, index, time = self.summary, self.index, self.inserter.db_time
        existing, earlier = self._existing(rows)
        workspace_id, channel_id, chat_id = self.channel.workspace_id, self.channel.pk, self.chat_id
        changed, new, batch_pks, waiting = [], [], {}, {}
        for row in rows:
            ident, reply, sender, _name, sent_at, edited_at, text, _reactions, has_media = row
            if ident in batch_pks or ident in waiting or index.get(ident) is not None:
                continue  # the same message twice in one export: the first one counts
            if reply is not None:
                summary.replies += 1
            found = existing.get(str(ident))
            if found is not None:
                pk, old_text, old_edited = found
                batch_pks[ident] = pk
                if old_text == text and old_edited == edited_at:
                    summary.unchanged += 1
                else:
                    changed.append(Comment(pk=pk, text=text, edited_at=edited_at))
                continue
            parent = None if reply is None else index.get(reply) or earlier.get(str(reply))
            values = (
                workspace_id, channel_id, self.authors.known[sender][0] if sender else None, parent, chat_id,
                str(ident), text, has_media, time(sent_at), time(edited_at), CommentStatus.VISIBLE.value,
                InboxState.DONE.value, sender in self.team, True,
            )  # fmt: skip
            waiting[ident] = (values, reply if parent is None and reply is not None else None)
            new.append((sender, sent_at))
        if changed:
            Comment.objects.bulk_update(changed, ["text", "edited_at"])
            summary.updated += len(changed)
        self._insert(waiting, batch_pks)
        summary.created += len(new)
        for sender, sent_at in new:
            if sender:
                self.authors.count(sender, sent_at)
        index.extend(batch_pks)

    def _insert(self, waiting: dict[int, tuple], batch_pks: dict[int, int]) -> None:
        """Insert the batch's new comments, a reply after the comment it answers (when that is in the batch
        too) so each row is written once with its parent: rounds of inserts, most batches need two or three."""
        while waiting:
            ready = [
                ident
                for ident, (_values, reply) in waiting.items()
                if reply is None or reply in batch_pks or reply not in waiting
            ]
            if not ready:  # answers that answer each other (not in a real export): write them unlinked
                ready = list(waiting)
            rows = []
            for ident in ready:
                values, reply = waiting.pop(ident)
                if reply is not None and reply in batch_pks:
                    values = (*values[:PARENT], batch_pks[reply], *values[PARENT + 1 :])
                rows.append(values)
            batch_pks.update(zip(ready, self.inserter.insert_returning_pks(rows), strict=True))


def _save_days(channel, joins: Counter, leaves: Counter) -> None:
    """Joins and leaves per day as imported ChannelDay rows; a day Tandem collected itself keeps its own.
    Years of history are tens of thousands of days: the stored ones are read by range, the new ones
    written as plain rows."""
    days = sorted(set(joins) | set(leaves))
    if not days:
        return
    stored = ChannelDay.objects.filter(channel=channel, date__range=(days[0], days[-1]))
    existing = {row[0]: row[1:] for row in stored.values_list("date", "pk", "source", "joins", "leaves")}
    rows = Rows(ChannelDay, ["channel", "date", "joins", "leaves", "source"])
    as_date = rows.connection.ops.adapt_datefield_value
    new, changed = [], []
    for date in days:
        row = existing.get(date)
        if row is None:
            new.append((channel.pk, as_date(date), joins[date], leaves[date], Source.IMPORTED.value))
        elif row[1] == Source.IMPORTED and row[2:] != (joins[date], leaves[date]):
            changed.append(ChannelDay(pk=row[0], joins=joins[date], leaves=leaves[date]))
    rows.insert(new)
    if changed:
        ChannelDay.objects.bulk_update(changed, ["joins", "leaves"], batch_size=BATCH)


def _copy_new_chat(channel, chat_id: str, team: set[str], batches, summary) -> None:
    """A chat's first import on PostgreSQL, where no comment of the chat can exist yet: each segment's new
    comments get their primary keys from the sequence first, so a reply names its parent's key at once
    (earlier in the chat or anywhere in its segment) and every row is written once, by COPY. While a second
    thread copies one segment (and the database checks its foreign keys, made immediate so that this work
    overlaps the reading instead of waiting for the commit), this thread reads the next one."""
    connection = connections[Comment.objects.db]
    copier = CopyRows(
        Comment,
        ["id", "author", "parent", "external_id", "text", "has_media", "sent_at", "edited_at", "from_team"],
        fixed={
            "workspace": channel.workspace_id,
            "channel": channel.pk,
            "chat_id": chat_id,
            "status": CommentStatus.VISIBLE.value,
            "state": InboxState.DONE.value,
            "imported": True,
        },
    )
    authors, index = _Authors(channel), MessageIndex()
    senders: set[str] = set()
    keys = _immediate_foreign_keys(connection, Comment)
    raw = connection.connection
    # The keys come from a connection of their own (a sequence is outside transactions anyway), so the next
    # segment's lines are ready while this connection is still busy copying the previous one.
    numbering = connection.get_new_connection(connection.get_connection_params())
    numbering.autocommit = True
    numbers = copier.sequence_values(numbering, Comment)
    pending: Future | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tandem-import-copy") as thread:
        try:
            for rows, new_senders in batches:
                lines, added = _new_comments(rows, index, team, numbers, summary)
                _finish(connection, pending)  # the connection is this thread's again
                pending = None
                authors.prepare(new_senders, summary)
                authors.add(added)
                senders.update(new_senders)
                if lines:
                    pending = thread.submit(_copy_segment, copier, raw, lines, copier.tail, authors.known)
            _finish(connection, pending)
            pending = None
        finally:
            numbering.close()
            if pending is not None:  # reading failed: let the copy end before the transaction rolls back
                pending.exception()
    _deferred_again(connection, keys)
    authors.save(Rows(Comment, ["text"]))
    summary.authors = len(senders)


def _finish(connection, pending: Future | None) -> None:
    if pending is not None:
        with (
            connection.wrap_database_errors
        ):  # psycopg's errors as Django's (IntegrityError: a clear message)
            pending.result()


def _new_comments(rows: list[tuple], index: MessageIndex, team: set[str], numbers, summary):
    """The segment's comments not seen before in the chat as tuples for ``_copy_segment`` (each with its key
    from ``numbers(count)``, its sender and its parent), and per sender [new comments, first, last] for
    ``_Authors.add``; the chat's index takes the keys in."""
    fresh: dict[int, tuple] = {}
    for row in rows:
        ident = row[0]
        if ident in fresh or index.get(ident) is not None:
            continue  # the same message twice in one export: the first one counts
        fresh[ident] = row
    if not fresh:
        return [], {}
    pks = dict(zip(fresh, numbers(len(fresh)), strict=True))
    index.extend(pks)
    added: dict[str, list] = {}
    lines = []
    for ident, (
        _ident,
        reply,
        sender,
        _name,
        sent_at,
        edited_at,
        text,
        _reactions,
        has_media,
    ) in fresh.items():
        parent = None
        if reply is not None:
            summary.replies += 1
            parent = index.get(reply)
        if sender:
            entry = added.get(sender)
            if entry is None:
                added[sender] = [1, sent_at, sent_at]
            else:
                entry[0] += 1
                if sent_at < entry[1]:
                    entry[1] = sent_at
                if sent_at > entry[2]:
                    entry[2] = sent_at
        lines.append((pks[ident], sender, parent, ident, text, has_media, sent_at, edited_at, sender in team))
    summary.created += len(lines)
    return lines, added


COPY_CHUNK = 2000  # lines formatted and sent at a time: the database reads one while the next is formatted


def _copy_lines(lines: list[tuple], tail: str, authors: dict[str, list]) -> str:
    null = "\\N"
    return "".join(
        [
            f"{pk}\t{authors[sender][0] if sender else null}\t{null if parent is None else parent}\t{ident}\t"
            f"{copy_text(body)}\t{'t' if media else 'f'}\t{sent_at}\t"
            f"{null if edited_at is None else edited_at}\t{'t' if team else 'f'}{tail}"
            for pk, sender, parent, ident, body, media, sent_at, edited_at, team in lines
        ]
    )


def _copy_segment(copier: CopyRows, raw, lines: list[tuple], tail: str, authors: dict[str, list]) -> None:
    """Format the segment as COPY text and write it (in the copying thread), COPY_CHUNK lines at a time.
    ``authors``: _Authors.known, holding every sender of the segment by then (the reading thread only adds
    senders of later segments meanwhile)."""
    chunks = (
        _copy_lines(lines[start : start + COPY_CHUNK], tail, authors)
        for start in range(0, len(lines), COPY_CHUNK)
    )
    copier.write(raw, chunks)


def _immediate_foreign_keys(connection, model) -> list[str]:
    """Make the table's deferred foreign keys immediate for the rest of the transaction (until
    ``_deferred_again``): checked at the end of each COPY, by the database while this thread reads on."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'"
            " AND condeferrable AND condeferred",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        keys = [connection.ops.quote_name(row[0]) for row in cursor.fetchall()]
        if keys:
            cursor.execute(f"SET CONSTRAINTS {', '.join(keys)} IMMEDIATE")
    return keys


def _deferred_again(connection, keys: list[str]) -> None:
    if keys:
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {', '.join(keys)} DEFERRED")
