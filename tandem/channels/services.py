"""Connecting, checking, flagging and removing channels."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import aio
from tandem.core.errors import ServiceError
from tandem.platforms.base import ConnectorError
from tandem.platforms.registry import connector_for

from .models import Channel, ChannelStatus, Platform, QueueSlot

DEFAULT_QUEUE = [(day, hour) for day in range(5) for hour in (10, 18)]


class VerificationError(ServiceError):
    """Verification failed; ``channel_broken`` says whether the channel itself is the problem (not the network)."""

    def __init__(self, message, channel_broken: bool):
        super().__init__(message)
        self.channel_broken = channel_broken


def _verify(channel: Channel):
    try:
        connector = connector_for(channel)
    except ConnectorError as error:
        raise VerificationError(error.message, error.channel_broken) from error
    try:
        return aio.run(connector.verify())
    except ConnectorError as error:
        raise VerificationError(error.message, error.channel_broken or error.kind == "permanent") from error
    finally:
        aio.run(connector.close())


def _save_new(channel: Channel) -> Channel:
    from datetime import time

    try:
        with transaction.atomic():
            channel.save()
            QueueSlot.objects.bulk_create(
                QueueSlot(channel=channel, weekday=day, time=time(hour)) for day, hour in DEFAULT_QUEUE
            )
    except IntegrityError:
        raise ServiceError(_("This chat is already connected to the workspace.")) from None
    return channel


def connect_telegram(membership, token: str, chat: str) -> Channel:
    """Check the bot token and the chat with Telegram (getMe, getChat, the bot's rights), then save."""
    channel = Channel(workspace=membership.workspace, platform=Platform.TELEGRAM, external_id=chat.strip())
    channel.secret_values = {"token": token.strip()}
    info = _verify(channel)
    channel.external_id = info.external_id
    channel.name = info.title
    channel.username = info.username
    channel.details = info.extra
    channel.created_by = membership.user
    return _save_new(channel)


def connect_sandbox(membership, name: str) -> Channel:
    channel = Channel(
        workspace=membership.workspace,
        platform=Platform.SANDBOX,
        name=name.strip(),
        created_by=membership.user,
    )
    return _save_new(channel)


def recheck(channel: Channel) -> Channel:
    """Verify the channel again; clears the flag when everything works, keeps it with the reason otherwise."""
    try:
        info = _verify(channel)
    except VerificationError as error:
        # A network blip says nothing about the channel: only a refusal flags it.
        if error.channel_broken:
            flag_channel(channel, error.message)
        raise
    with transaction.atomic():
        channel.details = {**channel.details, **info.extra}  # keeps Tandem's own keys (webhook)
        channel.status = ChannelStatus.ACTIVE
        channel.status_reason = ""
        channel.status_changed_at = timezone.now()
        channel.save(update_fields=["details", "status", "status_reason", "status_changed_at"])
    return channel


def update_token(channel: Channel, token: str) -> Channel:
    """Replace a Telegram bot token (never with an empty value), checked before it is saved."""
    token = token.strip()
    if not token:
        raise ServiceError(_("Paste the new bot token."))
    candidate = Channel(
        pk=channel.pk, workspace=channel.workspace, platform=channel.platform, external_id=channel.external_id
    )
    candidate.secret_values = {"token": token}
    _verify(candidate)
    channel.secret_values = {**channel.secret_values, "token": token}
    channel.save(update_fields=["secrets"])
    return recheck(channel)


def flag_channel(channel: Channel, reason: str) -> None:
    """Mark a channel as needing the user's attention, with the platform's reason."""
    Channel.objects.filter(pk=channel.pk).exclude(status=ChannelStatus.REMOVED).update(
        status=ChannelStatus.NEEDS_ATTENTION, status_reason=reason, status_changed_at=timezone.now()
    )
    channel.status = ChannelStatus.NEEDS_ATTENTION
    channel.status_reason = reason


@transaction.atomic
def remove_channel(channel: Channel, actor) -> int:
    """Remove a channel; its unsent deliveries are cancelled with the reason (the posts stay). Returns how many."""
    from tandem.content.services import cancel_deliveries_of_channel

    cancelled = cancel_deliveries_of_channel(channel, actor, _("The channel was removed."))
    channel.status = ChannelStatus.REMOVED
    channel.status_reason = ""
    channel.status_changed_at = timezone.now()
    channel.secrets = ""
    channel.save(update_fields=["status", "status_reason", "status_changed_at", "secrets"])
    return cancelled


def add_queue_slot(channel: Channel, weekday: int, time) -> QueueSlot:
    """Add a weekly queue time (wall-clock, in the workspace's time zone); the same time twice is refused."""
    if weekday not in range(7):
        raise ServiceError(_("Choose a day of the week."))
    at = time.replace(second=0, microsecond=0, tzinfo=None)
    if QueueSlot.objects.filter(channel=channel, weekday=weekday, time=at).exists():
        raise ServiceError(_("The queue already has this time."))
    try:
        with transaction.atomic():
            return QueueSlot.objects.create(channel=channel, weekday=weekday, time=at)
    except IntegrityError:
        raise ServiceError(_("The queue already has this time.")) from None


def remove_queue_slot(slot: QueueSlot) -> None:
    """Remove a weekly queue time; posts already scheduled at it keep their time."""
    slot.delete()
