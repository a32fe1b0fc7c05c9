"""Fetch-and-check helper for channels (see tandem.workspaces.access)."""

from tandem.workspaces.access import in_workspace

from .models import Channel, QueueSlot


def channel_for(actor, channel_id: int, capability: str) -> Channel:
    return in_workspace(Channel.objects.connected(), actor, channel_id, capability)


def queue_slot_for(actor, slot_id: int, capability: str) -> QueueSlot:
    return in_workspace(
        QueueSlot.objects.select_related("channel"), actor, slot_id, capability, via="channel__workspace"
    )
