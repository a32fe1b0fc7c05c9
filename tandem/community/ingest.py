"""From a platform's raw update to stored comments, then to moderation.

Two steps, so a webhook can answer at once: ``receive_update`` stores the raw update (the unique
(platform, account, update_id) makes a repeated delivery a no-op), and ``process_update`` — one unit of work,
run by the worker, safe to run twice — reads it, stores what it says and moderates new comments.

Where Telegram comments belong (PLATFORMS.md): a channel's comments are messages in its linked discussion
group. The channel post arrives there as an automatic copy; a comment names that copy in message_thread_id,
and a top-level comment also carries the copy (and so the post's id) in reply_to_message. A DiscussionThread
row remembers each copy, so a nested reply, which carries only the thread id, still finds its post.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from tandem.channels.models import Channel, ChannelStatus
from tandem.content.models import Delivery
from tandem.platforms.base import (
    UPDATE_EDITED_MESSAGE,
    UPDATE_IGNORED,
    UPDATE_MESSAGE,
    UPDATE_POST_COPY,
    IncomingMessage,
    ParsedUpdate,
    PostCopy,
)

from .models import TEXT_MAX, Author, Comment, DiscussionThread, PlatformUpdate

log = logging.getLogger(__name__)

# Appended to a text cut at TEXT_MAX, so a reader knows the rest is missing.
CUT_MARKER = " […]"


def receive_update(platform: str, account: str, payload: dict) -> PlatformUpdate | None:
    """Store a raw update once: the new row, or None when this update_id was already received."""
    update_id = payload.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise ValueError("an update needs an integer update_id")
    try:
        with transaction.atomic():
            return PlatformUpdate.objects.create(
                platform=platform, account=str(account), update_id=update_id, payload=payload
            )
    except IntegrityError:
        return None


def parse(update: PlatformUpdate) -> ParsedUpdate:
    if update.platform == "telegram":
        from tandem.platforms.telegram.updates import parse_update

        return parse_update(update.payload)
    raise ValueError(f"no update parser for platform {update.platform!r}")


def process_update(update_pk: int) -> bool:
    """Turn the stored update into comments and moderate the new ones. Returns False when there was nothing
    to do (already processed, or unknown). Errors land in the row's ``error``; they are never raised."""
    update = PlatformUpdate.objects.filter(pk=update_pk, processed_at=None).first()
    if update is None:
        return False
    kind, error, fresh = UPDATE_IGNORED, "", []
    try:
        parsed = parse(update)
        kind = parsed.kind
        fresh = store(update, parsed)
    except ValueError as problem:
        error = str(problem)
    except Exception as problem:
        log.exception("update %s could not be processed", update.pk)
        error = f"{type(problem).__name__}: {problem}"
    PlatformUpdate.objects.filter(pk=update.pk).update(kind=kind, error=error, processed_at=timezone.now())
    from .actions import moderate_comment

    for comment in fresh:
        try:
            moderate_comment(comment)
        except Exception as problem:
            log.exception("comment %s could not be moderated", comment.pk)
            error = (
                f"{error}\nmoderation of comment {comment.pk}: {type(problem).__name__}: {problem}".strip()
            )
            PlatformUpdate.objects.filter(pk=update.pk).update(error=error)
    return True


def store(update: PlatformUpdate, parsed: ParsedUpdate) -> list[Comment]:
    """Store what the update says, in one transaction; the comments to moderate (new or edited). Reaction
    counts and membership changes go to analytics (tandem.analytics.collection)."""
    if parsed.kind == UPDATE_POST_COPY:
        with transaction.atomic():
            for channel in listening_channels(update.platform, update.account, parsed.post_copy.chat_id):
                remember_post_copy(channel, parsed.post_copy)
        return []
    from tandem.analytics.collection import ANALYTICS_UPDATES, record_update

    if parsed.kind in ANALYTICS_UPDATES:
        with transaction.atomic():
            record_update(update.platform, update.account, parsed)
        return []
    if parsed.kind not in (UPDATE_MESSAGE, UPDATE_EDITED_MESSAGE):
        return []
    message = parsed.message
    fresh = []
    with transaction.atomic():
        for channel in listening_channels(update.platform, update.account, message.chat_id):
            comment, changed = record_message(channel, message)
            if changed:
                fresh.append(comment)
    return fresh


def bot_id(channel: Channel) -> str:
    """The id of the Telegram bot that serves the channel (its token starts with it)."""
    known = channel.details.get("bot_id")
    if known:
        return str(known)
    return channel.secret_values.get("token", "").partition(":")[0]


def listening_channels(platform: str, account: str, chat_id: str) -> list[Channel]:
    """The live channels whose chat this is, served by the receiving bot: a group connected as a channel, or a
    channel whose discussion group it is."""
    chat_match = Q(external_id=chat_id)
    if chat_id.lstrip("-").isdigit():
        chat_match |= Q(details__linked_chat_id=int(chat_id))
    candidates = Channel.objects.filter(chat_match, platform=platform).exclude(status=ChannelStatus.REMOVED)
    return [channel for channel in candidates.select_related("workspace") if bot_id(channel) == str(account)]


def remember_post_copy(channel: Channel, copy: PostCopy) -> DiscussionThread | None:
    """Note which post a discussion-group copy stands for (only for the channel the post was made in)."""
    if channel.external_id != copy.post_chat_id:
        return None
    thread, created = DiscussionThread.objects.get_or_create(
        channel=channel,
        chat_id=copy.chat_id,
        thread_id=copy.message_id,
        defaults={
            "post_message_id": copy.post_message_id,
            "delivery": _delivery(channel, copy.post_message_id),
        },
    )
    if not created and thread.delivery_id is None:
        thread.delivery = _delivery(channel, thread.post_message_id)
        if thread.delivery is not None:
            thread.save(update_fields=["delivery"])
    return thread


def _delivery(channel: Channel, message_id: str) -> Delivery | None:
    if not message_id:
        return None
    return Delivery.objects.filter(channel=channel, external_id=message_id).order_by("-pk").first()


def cut(text: str) -> str:
    """The text as stored: at most TEXT_MAX characters, a cut one ending with CUT_MARKER."""
    if len(text) <= TEXT_MAX:
        return text
    return text[: TEXT_MAX - len(CUT_MARKER)] + CUT_MARKER


def record_message(
    channel: Channel, message: IncomingMessage, delivery: Delivery | None = None
) -> tuple[Comment, bool]:
    """Store one message of the channel's chat (call inside a transaction); ``delivery``: the post it answers
    when the caller knows (the sandbox audience), else found from the message. Returns the comment and
    whether it needs moderating: a new comment, or an edit that changed the text. The same message twice
    changes nothing, which makes a repeated update harmless."""
    from tandem.moderation.engine import fingerprint

    text = cut(message.text)
    existing = Comment.objects.filter(
        channel=channel, chat_id=message.chat_id, external_id=message.message_id
    ).first()
    if existing is not None:
        if not message.edited or existing.text == text:
            return existing, False
        existing.text, existing.fingerprint = text, fingerprint(text)
        existing.edited_at = timezone.now()
        existing.save(update_fields=["text", "fingerprint", "edited_at"])
        return existing, True
    author = _author(channel, message)
    # The channel itself, or the group speaking as itself (an anonymous admin), is the team.
    from_team = message.sender is not None and message.sender.external_id in (
        channel.external_id,
        message.chat_id,
    )
    parent = None
    if message.reply_to_message_id:
        parent = Comment.objects.filter(
            channel=channel, chat_id=message.chat_id, external_id=message.reply_to_message_id
        ).first()
    try:
        with transaction.atomic():
            comment = Comment.objects.create(
                workspace=channel.workspace,
                channel=channel,
                author=author,
                delivery=delivery or _answered_delivery(channel, message, parent),
                parent=parent,
                chat_id=message.chat_id,
                external_id=message.message_id,
                thread_id=message.thread_id,
                text=text,
                fingerprint=fingerprint(text),
                has_media=message.has_media,
                sent_at=message.sent_at,
                edited_at=timezone.now() if message.edited else None,
                from_team=from_team,
            )
    except IntegrityError:
        # Another worker stored the same message a moment ago: it moderates it, not us.
        return Comment.objects.get(
            channel=channel, chat_id=message.chat_id, external_id=message.message_id
        ), False
    if author is not None:
        Author.objects.filter(pk=author.pk).update(
            message_count=F("message_count") + 1, last_seen=Greatest(F("last_seen"), message.sent_at)
        )
        author.message_count += 1
    return comment, not from_team


def _author(channel: Channel, message: IncomingMessage) -> Author | None:
    sender = message.sender
    if sender is None:
        return None
    names = {
        "display_name": sender.display_name[:200],
        "username": sender.username[:100],
        "is_bot": sender.is_bot,
    }
    author, created = Author.objects.get_or_create(
        workspace=channel.workspace,
        platform=channel.platform,
        external_id=sender.external_id,
        defaults={**names, "first_seen": message.sent_at, "last_seen": message.sent_at},
    )
    if not created and any(getattr(author, name) != value for name, value in names.items()):
        # People rename themselves; the newest name is the one the team knows them by.
        Author.objects.filter(pk=author.pk).update(**names)
        for name, value in names.items():
            setattr(author, name, value)
    return author


def _answered_delivery(channel: Channel, message: IncomingMessage, parent: Comment | None) -> Delivery | None:
    """The published post the message answers: named by the update itself, through the post's discussion
    copy (thread), by answering the post directly in a group channel, or through the comment it answers."""
    if message.post_message_id and message.post_chat_id == channel.external_id:
        found = _delivery(channel, message.post_message_id)
        if found:
            return found
    if message.thread_id:
        thread = DiscussionThread.objects.filter(
            channel=channel, chat_id=message.chat_id, thread_id=message.thread_id
        ).first()
        if thread is not None:
            return thread.delivery or _delivery(channel, thread.post_message_id)
    if message.reply_to_message_id and channel.external_id == message.chat_id:
        found = _delivery(channel, message.reply_to_message_id)
        if found:
            return found
    return parent.delivery if parent else None
