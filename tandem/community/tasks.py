"""Huey tasks of the community app: thin wrappers over one unit of work each (the functions tests call)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task, on_startup

from tandem.channels.models import ChannelStatus
from tandem.core.errors import ServiceError

from . import actions, audience, ingest, webhooks
from .models import PlatformUpdate

log = logging.getLogger(__name__)

# An update still unprocessed after this long lost its task (the worker was down or killed): the minute's
# sweep processes it.
STALE_UPDATE = timedelta(minutes=1)
# A worker opens the connections of at most this many Telegram channels when it starts.
WARM_CONNECTIONS_MAX = 20
# One comment per script: each takes its own path through the classifier's features.
WARM_UP_COMMENTS = ("Thanks for the post, see you soon!", "Спасибо за пост, до встречи!")


@on_startup()
def warm_up_moderation():
    """Get a worker ready to moderate before the first comment arrives: build the moderation engines (loading
    the classifier and compiling the packs take seconds) and judge two sample comments with each (the first
    verdict imports the hashing code and fills the lazy tables: most of a second), and open each Telegram
    bot's connection (importing the SDK and a first request take most of a second), so the first comment is
    handled as fast as the rest."""
    from django.db import connection

    from tandem.channels.models import Channel
    from tandem.moderation.engine import Engine
    from tandem.workspaces.models import Workspace

    try:
        for workspace in Workspace.objects.filter(channels__status=ChannelStatus.ACTIVE).distinct():
            Engine.for_workspace(workspace).review_many(WARM_UP_COMMENTS)
        telegram = Channel.objects.filter(platform="telegram", status=ChannelStatus.ACTIVE)
        for channel in telegram[:WARM_CONNECTIONS_MAX]:
            # A read-only call (getChat, getChatMember) on the connector the worker keeps for the channel.
            actions.platform_call(channel, "verify")
    except Exception:
        log.exception("warming up the worker failed")  # the first comment will do the work instead
    finally:
        connection.close()


@db_task()
def process_update_task(update_pk: int):
    return ingest.process_update(update_pk)


@db_task()
def team_action(action: str, comment_ids: list[int], user_id: int, **options):
    """The platform side of a team decision; see actions.run_team_action."""
    return len(actions.run_team_action(action, comment_ids, user_id, **options))


def sweep_stale_updates() -> int:
    stale = PlatformUpdate.objects.filter(
        processed_at=None, received_at__lt=timezone.now() - STALE_UPDATE
    ).values_list("pk", flat=True)
    return sum(ingest.process_update(pk) for pk in stale[:1000])


def poll_all_bots() -> int:
    """One getUpdates round (no waiting) for every Telegram bot without a webhook or a `tandem listen`."""
    new = 0
    for bot, channel in webhooks.polled_bots().items():
        if webhooks.has_listener(bot):
            continue
        try:
            new += webhooks.poll_updates(channel)
        except ServiceError as error:
            log.warning("polling bot %s: %s", bot, error.message)
    return new


@db_periodic_task(crontab(minute="*"))
@lock_task("community-listen-tick")
def listen_tick():
    """Every minute: fetch updates of bots without a webhook, and process updates whose task was lost."""
    return {"polled": poll_all_bots(), "swept": sweep_stale_updates()}


@db_periodic_task(crontab(minute="*/3"))
@lock_task("sandbox-audience")
def sandbox_audience_tick():
    """Every few minutes the sandbox's simulated audience says something under published sandbox posts."""
    if settings.TANDEM_SANDBOX_AUDIENCE:
        return audience.comment_on_sandbox_channels()
    return 0
