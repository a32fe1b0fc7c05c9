"""Edge cases found in review: broken or removed channels, changed channels of a scheduled post, odd dates."""

from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.channels import services as channel_services
from tandem.channels.models import Channel, Platform
from tandem.content import publishing, scheduling, services
from tandem.content.models import Delivery, DeliveryState, PostStatus
from tandem.core.errors import ServiceError
from tandem.platforms.sandbox.models import SandboxMessage
from tandem.workspaces import services as workspace_services
from tests.content.conftest import utc


def test_a_delivery_left_on_a_removed_channel_fails_and_does_not_stop_the_others(team, write_post, sandbox):
    manager = team.membership("manager")
    gone = Channel.objects.create(
        workspace=team.workspace, platform=Platform.TELEGRAM, name="Gone", external_id="-1001"
    )
    stranded = write_post(text="stranded", channels=[gone])
    Delivery.objects.create(post=stranded, channel=gone, due_at=timezone.now(), next_attempt_at=timezone.now(),
                            state=DeliveryState.RETRY_WAIT)  # fmt: skip
    channel_services.remove_channel(gone, team.manager)
    Delivery.objects.filter(post=stranded).update(state=DeliveryState.RETRY_WAIT)  # it was mid-send
    fine = write_post(text="fine")
    services.schedule(manager, fine, at=timezone.now() + timedelta(minutes=1))
    publishing.dispatch_due(now=timezone.now() + timedelta(minutes=1))
    assert Delivery.objects.get(post=stranded).state == DeliveryState.FAILED
    assert Delivery.objects.get(post=stranded).error == "The channel was removed."
    assert Delivery.objects.get(post=fine).state == DeliveryState.SENT
    assert SandboxMessage.objects.filter(channel=sandbox).count() == 1


def test_deleting_a_workspace_with_history_works(team, write_post):
    post = write_post()
    services.schedule(team.membership("manager"), post)
    workspace_services.delete_workspace(team.workspace, team.workspace.name)
    assert not Delivery.objects.exists()


def test_changing_the_channels_of_a_scheduled_post_changes_its_deliveries(team, write_post, sandbox):
    manager = team.membership("manager")
    second = channel_services.connect_sandbox(manager, "Second")
    post = write_post()
    services.schedule(manager, post, at=utc(2999, 1, 1))
    services.save_post(manager, post, text="Changed", rubric=None, tags=[], channels=[second], variants={})
    states = dict(Delivery.objects.filter(post=post).values_list("channel__name", "state"))
    assert states == {"Rehearsal": DeliveryState.CANCELLED, "Second": DeliveryState.SCHEDULED}
    assert Delivery.objects.get(post=post, channel=second).due_at == utc(2999, 1, 1)


def test_over_limit_edit_of_a_scheduled_post_is_refused(team, write_post):
    manager = team.membership("manager")
    post = write_post()
    services.schedule(manager, post, at=utc(2999, 1, 1))
    with pytest.raises(ServiceError, match="4097"):
        services.save_post(manager, post, text="x" * 4097, rubric=None, tags=[], channels=list(post.channels.all()),
                           variants={})  # fmt: skip
    post.refresh_from_db()
    assert post.text == "Fresh roast on Friday"


def test_approval_succeeds_when_the_wished_time_has_passed(team, write_post):
    admin, manager = team.membership("administrator"), team.membership("manager")
    post = write_post(role="administrator")
    services.schedule(admin, post, at=utc(2999, 1, 1))
    services.submit(admin, post)
    post.planned_at = utc(2020, 1, 1)  # the wish expired while the post waited
    post.save()
    services.approve(manager, post)
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED and not post.deliveries.exists()
    assert post.events.filter(kind="not_scheduled").exists()


def test_a_client_cannot_write_posts_even_through_the_service(team, sandbox):
    with pytest.raises(ServiceError):
        services.save_post(team.membership("client"), None, text="x", rubric=None, tags=[], channels=[sandbox],
                           variants={})  # fmt: skip


@pytest.mark.parametrize("day", [date(9999, 12, 31), date(1, 1, 1)])
def test_dates_out_of_range_are_refused_with_a_sentence(day):
    with pytest.raises(ServiceError, match="between the years"):
        scheduling.local_to_utc(day, time(10, 0), "America/New_York")


@pytest.mark.parametrize(
    "query", ["?date=9999-12-31", "?date=0001-01-01", "?view=week&date=9999-12-31", "?date=x"]
)
def test_the_calendar_survives_odd_dates(team, client_as, query):
    response = client_as(team.manager).get(reverse("content:calendar", args=["acme"]) + query)
    assert response.status_code == 200


def test_the_list_survives_an_odd_month(team, client_as):
    response = client_as(team.manager).get(reverse("content:list", args=["acme"]) + "?month=9999-12")
    assert response.status_code == 200


def test_recheck_during_a_network_blip_does_not_flag_the_channel(team, telegram_server, settings):
    settings.TANDEM_TELEGRAM_API_URL = telegram_server.url
    bot = telegram_server.add_bot()
    chat = telegram_server.add_chat("channel", "Acme", username="acme_blip")
    telegram_server.set_member(bot, chat, "administrator")
    channel = channel_services.connect_telegram(team.membership("manager"), bot.token, "@acme_blip")
    telegram_server.fail_next(times=3, status=502)
    with pytest.raises(ServiceError):
        channel_services.recheck(channel)
    channel.refresh_from_db()
    assert channel.status == "active"
