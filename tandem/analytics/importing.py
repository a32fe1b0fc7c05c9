"""Importing a Telegram Desktop export into a workspace: channel posts become ChannelPost rows (source
"imported"), group messages become imported comments with their authors and replies, joins and leaves of a
group become ChannelDay counts.

    summary = import_telegram_export(file, workspace_slug="acme", chat="Acme News")

All or nothing: the whole import runs in one transaction while the file is read as a stream, so a file that
turns out to be cut short or malformed at its last byte leaves nothing behind (memory stays bounded: rows are
written a batch at a time inside the transaction). On SQLite this holds the write lock for the import's
duration (about 5 s per 100,000 messages); PostgreSQL is not blocked.

Idempotent: rows are keyed by the platform's ids (one post per channel and message, one comment per channel,
chat and message, one author per workspace and account, one ChannelDay per channel and day), each batch
reads the rows that already exist and writes only what changed, so importing the same file twice changes
nothing and a newer export of the same chat updates edits and reaction counts.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import asdict, dataclass, field
from typing import IO

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.channels.models import Channel, ChannelStatus, Platform
from tandem.workspaces.models import Workspace

from .import_comments import import_group_messages
from .import_posts import import_channel_posts
from .telegram_export import Chat, ExportError, ExportReader

__all__ = ["ChatSummary", "ExportError", "ImportSummary", "import_telegram_export"]


@dataclass
class ChatSummary:
    """What one chat's import read and wrote."""

    chat: str
    chat_id: str
    chat_type: str
    channel_id: int = 0
    channel: str = ""
    channel_created: bool = False
    kind: str = ""  # "posts" (a channel) or "comments" (a group)
    messages: int = 0  # ordinary messages read
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    authors: int = 0  # distinct authors in the chat
    new_authors: int = 0
    reactions: int = 0  # the sum of every reaction's count
    replies: int = 0
    service: int = 0
    joins: int = 0
    leaves: int = 0
    skipped: int = 0  # messages of a type the importer does not know


@dataclass
class ImportSummary:
    workspace: str = ""
    workspace_created: bool = False
    chats: list[ChatSummary] = field(default_factory=list)
    skipped_chats: list[str] = field(default_factory=list)  # personal chats, saved messages, bots

    def total(self, name: str) -> int:
        return sum(getattr(chat, name) for chat in self.chats)

    def as_json(self) -> dict:
        totals = {
            name: self.total(name) for name in ("messages", "created", "updated", "authors", "reactions")
        }
        totals |= {"service": self.total("service"), "skipped": self.total("skipped")}
        return {
            "workspace": self.workspace,
            "workspace_created": self.workspace_created,
            "chats": [asdict(chat) for chat in self.chats],
            "skipped_chats": self.skipped_chats,
            "totals": totals,
        }


class _Workspaces:
    """The workspace to import into: the one given, else the only one, else one created (named after the
    first chat imported, only when a chat is imported) when there is none, else an error listing them."""

    def __init__(self, workspace: Workspace | None, slug: str | None):
        self.workspace, self.created = workspace, False
        if self.workspace is not None:
            return
        if slug:
            self.workspace = Workspace.objects.filter(slug=slug).first()
            if self.workspace is None:
                raise ExportError(
                    _('There is no workspace "%(slug)s". Workspaces: %(slugs)s.')
                    % {"slug": slug, "slugs": self._slugs() or _("none")}
                )
            return
        workspaces = list(Workspace.objects.order_by("slug")[:2])
        if len(workspaces) > 1:
            raise ExportError(
                _("There are several workspaces; choose one with --workspace: %(slugs)s.")
                % {"slugs": self._slugs()}
            )
        self.workspace = workspaces[0] if workspaces else None

    @staticmethod
    def _slugs() -> str:
        return ", ".join(Workspace.objects.order_by("slug").values_list("slug", flat=True))

    def for_chat(self, chat: Chat) -> Workspace:
        if self.workspace is None:
            from tandem.workspaces.services import _unique_slug

            name = (chat.name or _("Telegram import"))[:100]
            self.workspace = Workspace.objects.create(name=name, slug=_unique_slug(name))
            self.created = True
        return self.workspace


def matching_channel(workspace: Workspace, chat: Chat) -> tuple[Channel | None, bool]:
    """The workspace's live Telegram channel for the chat, and whether the chat is that channel itself (not
    its discussion group): by the chat's id in either form, or as the linked discussion group."""
    channels = Channel.objects.filter(workspace=workspace, platform=Platform.TELEGRAM).exclude(
        status=ChannelStatus.REMOVED
    )
    forms = chat.id_forms()
    found = channels.filter(external_id__in=forms).order_by("pk").first()
    if found is not None:
        return found, True
    if chat.is_group:
        for linked in {int(form) for form in forms}:
            found = channels.filter(details__linked_chat_id=linked).order_by("pk").first()
            if found is not None:
                return found, False
    return None, True


def _new_channel(workspace: Workspace, chat: Chat, created_by) -> Channel:
    """A channel for a chat that is not connected: "needs attention" (not "active"), so nothing tries to
    publish through it until a bot is connected, and its details say it came from an export."""
    return Channel.objects.create(
        workspace=workspace,
        platform=Platform.TELEGRAM,
        name=(chat.name or chat.bot_api_id)[:200],
        external_id=chat.bot_api_id,
        details={"imported": True, "chat_type": chat.type},
        status=ChannelStatus.NEEDS_ATTENTION,
        status_reason=_("Imported from a Telegram export: connect a bot to publish and to collect figures."),
        status_changed_at=timezone.now(),
        created_by=created_by,
    )


def import_telegram_export(
    file: IO[bytes],
    *,
    workspace: Workspace | None = None,
    workspace_slug: str | None = None,
    chat: str = "",
    created_by=None,
) -> ImportSummary:
    """Import every channel and group of the export (only the one named by ``chat``, a name or an id, when
    given). Raises ExportError, with nothing written, when the file or the choice cannot be imported."""
    try:
        with transaction.atomic():
            targets = _Workspaces(workspace, workspace_slug)
            summary = _import(file, targets, chat.strip(), created_by)
            summary.workspace, summary.workspace_created = targets.workspace.slug, targets.created
    except IntegrityError:
        # Rows of the same messages committed by another import or the live listener while this one ran.
        raise ExportError(
            _(
                "Some of these messages were stored meanwhile by another import or by the listener; nothing "
                "was imported: run the import again (it skips what is stored)."
            )
        ) from None
    return summary


def _import(file: IO[bytes], targets: _Workspaces, wanted: str, created_by) -> ImportSummary:
    summary = ImportSummary()
    reader = ExportReader(file)
    seen: list[str] = []
    for chat, messages in reader.chats():
        name = chat.name or _("(no name)")
        seen.append(f"{name} ({chat.id})")
        if wanted and not chat.matches(wanted):
            continue
        if not chat.importable:
            summary.skipped_chats.append(chat.name or chat.type)
            if reader.layout == "chat" or wanted:
                raise ExportError(
                    _(
                        '"%(name)s" is a %(type)s: Tandem imports channels and groups (public or private '
                        "channels, groups and supergroups)."
                    )
                    % {"name": chat.name or chat.id, "type": chat.type.replace("_", " ")}
                )
            continue
        workspace = targets.for_chat(chat)
        channel, is_the_chat = matching_channel(workspace, chat)
        created = channel is None
        if created:
            channel = _new_channel(workspace, chat, created_by)
        chat_summary = ChatSummary(
            chat=chat.name,
            chat_id=chat.bot_api_id,
            chat_type=chat.type,
            channel_id=channel.pk,
            channel=channel.name,
            channel_created=created,
        )
        zone = zoneinfo.ZoneInfo(workspace.time_zone)
        if chat.is_channel:
            chat_summary.kind = "posts"
            import_channel_posts(channel, messages, chat_summary, zone, reader)
        else:
            chat_summary.kind = "comments"
            import_group_messages(channel, chat, messages, chat_summary, zone, reader, audience=is_the_chat)
        summary.chats.append(chat_summary)
    if wanted and not summary.chats:
        raise ExportError(
            _('No chat of this export is named "%(wanted)s" or has that id. Chats: %(chats)s.')
            % {"wanted": wanted, "chats": "; ".join(seen) or _("none")}
        )
    if not summary.chats:
        raise ExportError(
            _("This export holds no channel or group to import (chats: %(chats)s).")
            % {"chats": "; ".join(seen) or _("none")}
        )
    return summary
