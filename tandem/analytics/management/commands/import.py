"""``tandem import telegram-export result.json [--workspace W] [--chat NAME_OR_ID]``: import the history of a
Telegram channel or group from a Telegram Desktop export (see tandem.analytics.importing)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from tandem.analytics import rollups
from tandem.analytics.importing import ExportError, ImportSummary, import_telegram_export
from tandem.workspaces.models import Workspace


class Command(BaseCommand):
    help = (
        "Import history from an export of another tool. telegram-export: a Telegram Desktop export "
        "(result.json) of a channel or group, or of a whole account (every channel and group in it unless "
        "--chat names one). Nothing is written when the file cannot be imported; importing twice changes nothing."
    )
    # The project's system checks take seconds (they load every URL, template and model) and have nothing to
    # say about an import: `tandem check` runs them.
    requires_system_checks = []

    def add_arguments(self, parser):
        sources = parser.add_subparsers(dest="source", required=True, metavar="SOURCE")
        telegram = sources.add_parser(
            "telegram-export",
            help="a Telegram Desktop export (result.json, JSON format)",
            description="Import a Telegram Desktop export (result.json).",
        )
        telegram.add_argument("file", help="the export's result.json")
        telegram.add_argument(
            "--workspace",
            help="the workspace's address (slug); needed when there are several workspaces. With none, one "
            "is created, named after the chat.",
        )
        telegram.add_argument("--chat", default="", help="only this chat of the export: its name or id")

    def handle(self, *args, source, file, workspace=None, chat="", **options):
        started = time.monotonic()
        try:
            with open(file, "rb") as export:
                summary = import_telegram_export(export, workspace_slug=workspace, chat=chat)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        except ExportError as error:
            raise CommandError(f"{file}: {error} Nothing was imported.") from None
        self._print(summary, time.monotonic() - started)
        # The dashboards read daily rollups: rebuild the workspace's, since history may touch any day.
        workspace = Workspace.objects.get(slug=summary.workspace)
        self.stdout.write(f"Dashboards refreshed: {rollups.refresh(workspace)} daily rows.")

    def _print(self, summary: ImportSummary, seconds: float) -> None:
        out = self.stdout
        created = " (created)" if summary.workspace_created else ""
        out.write(f"Workspace: {summary.workspace}{created}")
        for chat in summary.chats:
            new_channel = ", new channel" if chat.channel_created else ""
            out.write(
                f'{chat.chat} ({chat.chat_type} {chat.chat_id}) → channel "{chat.channel}"{new_channel}: '
                f"{chat.messages} {'posts' if chat.kind == 'posts' else 'messages'} "
                f"({chat.created} new, {chat.updated} updated, {chat.unchanged} unchanged), "
                f"{chat.authors} authors ({chat.new_authors} new), {chat.reactions} reactions, "
                f"{chat.replies} replies, {chat.service} service messages ({chat.joins} joins, "
                f"{chat.leaves} leaves), {chat.skipped} skipped"
            )
        if summary.skipped_chats:
            out.write(f"Not imported (not a channel or group): {', '.join(summary.skipped_chats)}")
        messages = summary.total("messages")
        rate = f", {messages / seconds:,.0f} messages/s" if seconds > 0 and messages else ""
        out.write(
            self.style.SUCCESS(
                f"Imported {len(summary.chats)} chat(s): {messages} messages, {summary.total('authors')} "
                f"authors, {summary.total('reactions')} reactions, {summary.total('skipped')} skipped "
                f"in {seconds:.1f} s{rate}."
            )
        )
