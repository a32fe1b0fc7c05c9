import signal
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from tandem.community import webhooks
from tandem.core.errors import ServiceError

# Telegram holds a long poll open for up to this many seconds when nothing happens.
LONG_POLL_SECONDS = 25
# How often the list of bots is read again (a channel connected or switched to a webhook meanwhile).
RESCAN_SECONDS = 30
# After a refusal or a network error, wait this long before asking that bot again.
ERROR_PAUSE_SECONDS = 10


class Command(BaseCommand):
    help = (
        "Listen to Telegram by long polling (getUpdates), for installs Telegram cannot reach with a webhook: "
        "comments arrive within a moment and are moderated at once. Bots with a webhook are left alone. "
        "Ctrl-C stops."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout", type=int, default=LONG_POLL_SECONDS, help="long-poll seconds (default %(default)s)"
        )

    def handle(self, *args, timeout, **options):
        stop = threading.Event()
        # Ctrl-C, or a service manager's SIGTERM: stop after the current round (polls in flight are dropped;
        # Telegram hands their updates out again, since they were not confirmed).
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        listeners: dict[str, threading.Thread] = {}
        self.stdout.write("Listening to Telegram — press Ctrl-C to stop.")
        while not stop.is_set():
            for bot in webhooks.polled_bots():
                if bot not in listeners or not listeners[bot].is_alive():
                    listeners[bot] = threading.Thread(
                        target=self.listen, args=(bot, timeout, stop), name=f"listen-{bot}", daemon=True
                    )
                    listeners[bot].start()
                    self.stdout.write(f"Bot {bot}: listening.")
            close_old_connections()
            stop.wait(RESCAN_SECONDS)
        self.stdout.write("Stopped.")

    def listen(self, bot: str, timeout: int, stop: threading.Event) -> None:
        """One bot's long-poll loop; ends when the bot is gone or got a webhook."""
        try:
            while not stop.is_set():
                channel = webhooks.polled_bots().get(bot)
                if channel is None:
                    self.stdout.write(f"Bot {bot}: no longer polled (removed, or a webhook was set).")
                    return
                webhooks.mark_listening(bot)
                try:
                    new = webhooks.poll_updates(channel, timeout=timeout)
                except ServiceError as error:
                    self.stderr.write(f"Bot {bot}: {error.message}")
                    stop.wait(ERROR_PAUSE_SECONDS)
                    continue
                if new:
                    self.stdout.write(f"Bot {bot}: {new} new update(s) at {time.strftime('%H:%M:%S')}.")
        finally:
            connection.close()
