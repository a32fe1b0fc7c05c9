"""The channel pages: the list with its connect forms, a channel's own page, queue slots, removal, roles."""

from datetime import UTC, datetime, time

import pytest
from django.urls import reverse

from tandem.channels import services
from tandem.channels.models import Channel, ChannelStatus, Platform, QueueSlot
from tandem.content.models import Delivery, DeliveryState, Post
from tandem.core.errors import ServiceError
from tandem.platforms.sandbox.models import SandboxMessage

GOOD_TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ac"
SLUG = "acme"


def url(name, *args):
    return reverse(f"channels:{name}", args=[SLUG, *args])


@pytest.fixture
def sandbox(team):
    return services.connect_sandbox(team.membership("manager"), "Rehearsal")


@pytest.fixture
def no_network(monkeypatch):
    """Fails the test if the view reached the Telegram verification."""

    def refuse(*args, **kwargs):
        raise AssertionError("services.connect_telegram must not be called for malformed input")

    monkeypatch.setattr(services, "connect_telegram", refuse)


def telegram_channel(team, name="Acme News", token=GOOD_TOKEN):
    channel = Channel(
        workspace=team.workspace,
        platform=Platform.TELEGRAM,
        name=name,
        external_id="-1001234567890",
        username="acme_news",
        details={"bot_username": "acme_bot", "can_delete_messages": True},
    )
    channel.secret_values = {"token": token}
    channel.save()
    return channel


def post_with_delivery(team, channel, state, text="Fresh roast on Friday", due=None):
    post = Post.objects.create(workspace=team.workspace, author=team.manager, text=text, status="approved")
    post.channels.add(channel)
    due = due or datetime(2999, 1, 1, 7, 0, tzinfo=UTC)
    return Delivery.objects.create(post=post, channel=channel, state=state, due_at=due, next_attempt_at=due)


# Connecting and listing


def test_manager_creates_a_sandbox_channel_and_sees_it_in_the_list(team, client_as):
    client = client_as(team.manager)
    response = client.post(url("connect_sandbox"), {"name": "  Rehearsal  "})
    channel = Channel.objects.get(workspace=team.workspace)
    assert response.status_code == 302 and response.url == url("detail", channel.pk)
    assert channel.platform == Platform.SANDBOX and channel.name == "Rehearsal"
    assert channel.queue_slots.count() == len(services.DEFAULT_QUEUE)

    page = client.get(url("list")).content.decode()
    assert f'data-testid="channel-{channel.pk}"' in page
    assert "Rehearsal" in page and "Sandbox" in page and "Active" in page
    assert 'data-testid="connect-telegram-form"' in page and 'data-testid="connect-sandbox-form"' in page


def test_sandbox_name_is_required(team, client_as):
    response = client_as(team.manager).post(url("connect_sandbox"), {"name": "   "})
    assert response.status_code == 400
    assert "Give the sandbox channel a name." in response.content.decode()
    assert not Channel.objects.exists()


def test_list_shows_status_reason_advice_and_scheduled_count(team, client_as, sandbox):
    post_with_delivery(team, sandbox, DeliveryState.SCHEDULED)
    post_with_delivery(team, sandbox, DeliveryState.RETRY_WAIT)
    post_with_delivery(team, sandbox, DeliveryState.SENT)
    broken = telegram_channel(team)
    services.flag_channel(broken, "Telegram does not accept this bot token. Copy it again from @BotFather.")

    page = client_as(team.guest).get(url("list")).content.decode()
    assert "2 scheduled posts" in page
    assert "Needs attention" in page
    assert "Telegram does not accept this bot token." in page
    assert "Check again" in page  # what to do about it
    assert "@acme_news" in page


def test_list_explains_what_each_platform_can_and_cannot_do(team, client_as):
    page = client_as(team.guest).get(url("list")).content.decode()
    assert "Telegram lets Tandem:" in page and "publish posts" in page
    assert "hide comments — Telegram bots cannot hide comments" in page
    assert "Sandbox lets Tandem:" in page


@pytest.mark.parametrize(
    "token,chat,message",
    [
        ("not-a-token", "@acme_news", "does not look like a bot token"),
        ("123:short", "@acme_news", "does not look like a bot token"),
        (GOOD_TOKEN, "acme news", "Enter a chat id like -1001234567890"),
        (GOOD_TOKEN, "@abc", "Enter a chat id like -1001234567890"),
        (GOOD_TOKEN, "-100abc", "Enter a chat id like -1001234567890"),
        ("", "@acme_news", "Paste the bot token from @BotFather."),
    ],
)
def test_telegram_form_refuses_malformed_input_without_calling_telegram(
    team, client_as, no_network, token, chat, message
):
    response = client_as(team.manager).post(url("connect_telegram"), {"token": token, "chat": chat})
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert not Channel.objects.exists()
    if token:
        assert token not in page


def test_telegram_service_error_is_shown_on_the_form_and_the_chat_is_kept(team, client_as, monkeypatch):
    calls = []

    def refuse(membership, token, chat):
        calls.append((membership.user, token, chat))
        raise ServiceError("The bot is not an administrator of the channel.")

    monkeypatch.setattr(services, "connect_telegram", refuse)
    response = client_as(team.manager).post(
        url("connect_telegram"), {"token": f"  {GOOD_TOKEN} ", "chat": "@acme_news"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "The bot is not an administrator of the channel." in page
    assert 'value="@acme_news"' in page
    assert GOOD_TOKEN not in page
    assert calls == [(team.manager, GOOD_TOKEN, "@acme_news")]
    assert not Channel.objects.exists()


def test_connected_telegram_channel_page_never_shows_the_token(team, client_as, monkeypatch):
    monkeypatch.setattr(services, "connect_telegram", lambda membership, token, chat: telegram_channel(team))
    client = client_as(team.manager)
    response = client.post(url("connect_telegram"), {"token": GOOD_TOKEN, "chat": "-1001234567890"})
    channel = Channel.objects.get()
    assert response.status_code == 302 and response.url == url("detail", channel.pk)
    for page in (client.get(url("list")), client.get(url("detail", channel.pk))):
        assert page.status_code == 200
        assert GOOD_TOKEN not in page.content.decode()
        assert "AAEhBOweik6ad9r" not in page.content.decode()


# The channel's page


def test_channel_page_shows_status_queue_and_upcoming_deliveries_in_the_workspace_zone(
    team, client_as, sandbox
):
    team.workspace.time_zone = "Europe/Moscow"
    team.workspace.save()
    scheduled = post_with_delivery(team, sandbox, DeliveryState.SCHEDULED, text="Fresh roast on Friday")
    post_with_delivery(team, sandbox, DeliveryState.SENT, text="Already out")
    post_with_delivery(team, sandbox, DeliveryState.CANCELLED, text="Called off")

    page = client_as(team.guest).get(url("detail", sandbox.pk)).content.decode()
    assert 'data-testid="channel-status"' in page and 'data-testid="queue-slots"' in page
    assert page.count('data-testid="queue-slot"') == len(services.DEFAULT_QUEUE)
    upcoming = page[page.index('data-testid="upcoming-deliveries"') :]
    assert "Fresh roast on Friday" in upcoming
    assert reverse("content:post", args=[SLUG, scheduled.post_id]) in upcoming
    assert "10:00" in upcoming  # 07:00 UTC in Moscow
    assert "Already out" not in upcoming and "Called off" not in upcoming
    # A guest sees the page but none of the managing forms.
    assert 'data-testid="add-slot-form"' not in page and 'data-testid="remove-channel-form"' not in page


def test_sandbox_page_shows_what_was_published_newest_first_fifty_per_page(team, client_as, sandbox):
    for number in range(51):
        SandboxMessage.objects.create(channel=sandbox, key=f"k{number}", text=f"Message number {number}")
    SandboxMessage.objects.filter(key="k50").update(media=["beans.png"])
    client = client_as(team.guest)

    first = client.get(url("detail", sandbox.pk)).content.decode()
    assert 'data-testid="sandbox-feed"' in first
    assert first.count('data-testid="sandbox-message"') == 50
    assert first.index("Message number 50") < first.index("Message number 49")
    assert "beans.png" in first
    second = client.get(url("detail", sandbox.pk) + "?page=2").content.decode()
    assert second.count('data-testid="sandbox-message"') == 1 and "Message number 0<" in second


def test_telegram_page_has_no_sandbox_feed_but_a_token_form(team, client_as):
    channel = telegram_channel(team)
    page = client_as(team.manager).get(url("detail", channel.pk)).content.decode()
    assert 'data-testid="sandbox-feed"' not in page
    assert 'data-testid="update-token-form"' in page and 'type="password"' in page
    assert "@acme_bot" in page


def test_recheck_clears_the_flag_when_the_channel_works(team, client_as, sandbox):
    services.flag_channel(sandbox, "Something broke.")
    response = client_as(team.manager).post(url("recheck", sandbox.pk), follow=True)
    assert "Everything works" in response.content.decode()
    sandbox.refresh_from_db()
    assert sandbox.status == ChannelStatus.ACTIVE and sandbox.status_reason == ""


def test_recheck_failure_is_a_message_not_an_error_page(team, client_as, sandbox, monkeypatch):
    def fail(channel):
        raise ServiceError("Telegram does not know this chat.")

    monkeypatch.setattr(services, "recheck", fail)
    response = client_as(team.manager).post(url("recheck", sandbox.pk), follow=True)
    assert response.status_code == 200
    assert "The channel still needs attention: Telegram does not know this chat." in response.content.decode()


# Replacing the bot token


@pytest.mark.parametrize("token", ["", "   ", "nonsense"])
def test_an_empty_or_malformed_token_never_replaces_the_saved_one(team, client_as, monkeypatch, token):
    channel = telegram_channel(team)
    monkeypatch.setattr(services, "update_token", lambda *a: pytest.fail("the service must not be called"))
    response = client_as(team.manager).post(url("update_token", channel.pk), {"token": token})
    assert response.status_code == 400
    channel.refresh_from_db()
    assert channel.secret_values["token"] == GOOD_TOKEN


def test_token_refused_by_telegram_is_shown_and_not_echoed(team, client_as, monkeypatch):
    channel = telegram_channel(team)
    new_token = "987654321:ZZZhBOweik6ad9r_QXMENQjcrGbqCr4K-zz"

    def refuse(channel, token):
        assert token == new_token
        raise ServiceError("Telegram does not accept this bot token. Copy it again from @BotFather.")

    monkeypatch.setattr(services, "update_token", refuse)
    response = client_as(team.manager).post(url("update_token", channel.pk), {"token": new_token})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Telegram does not accept this bot token." in page
    assert new_token not in page and GOOD_TOKEN not in page


def test_token_is_saved_through_the_service(team, client_as, monkeypatch):
    channel = telegram_channel(team)
    new_token = "987654321:ZZZhBOweik6ad9r_QXMENQjcrGbqCr4K-zz"
    seen = []
    monkeypatch.setattr(services, "update_token", lambda channel, token: seen.append(token) or channel)
    response = client_as(team.manager).post(
        url("update_token", channel.pk), {"token": new_token}, follow=True
    )
    assert seen == [new_token]
    assert "The new bot token works and is saved." in response.content.decode()


# Queue slots


def test_slots_are_added_refused_twice_and_removed(team, client_as, sandbox):
    client = client_as(team.manager)
    response = client.post(url("add_slot", sandbox.pk), {"weekday": "6", "time": "09:30"})
    assert response.status_code == 302
    slot = QueueSlot.objects.get(channel=sandbox, weekday=6)
    assert slot.time == time(9, 30)

    again = client.post(url("add_slot", sandbox.pk), {"weekday": "6", "time": "09:30"})
    assert again.status_code == 400
    assert "The queue already has this time." in again.content.decode()
    assert QueueSlot.objects.filter(channel=sandbox, weekday=6).count() == 1

    bad = client.post(url("add_slot", sandbox.pk), {"weekday": "9", "time": "25:00"})
    assert bad.status_code == 400
    assert QueueSlot.objects.filter(channel=sandbox).count() == len(services.DEFAULT_QUEUE) + 1

    response = client.post(url("delete_slot", sandbox.pk, slot.pk), follow=True)
    assert response.status_code == 200 and "removed" in response.content.decode()
    assert not QueueSlot.objects.filter(pk=slot.pk).exists()


def test_slot_services_refuse_duplicates(sandbox):
    services.add_queue_slot(sandbox, 5, time(12, 0))
    with pytest.raises(ServiceError):
        services.add_queue_slot(sandbox, 5, time(12, 0))
    with pytest.raises(ServiceError):
        services.add_queue_slot(sandbox, 7, time(12, 0))


def test_a_slot_of_another_channel_is_not_removed_through_this_one(team, client_as, sandbox):
    other = services.connect_sandbox(team.membership("manager"), "Second")
    slot = other.queue_slots.first()
    client_as(team.manager).post(url("delete_slot", sandbox.pk, slot.pk))
    assert QueueSlot.objects.filter(pk=slot.pk).exists()


# Removing a channel


def test_removal_needs_the_confirmation_box(team, client_as, sandbox):
    response = client_as(team.manager).post(url("remove", sandbox.pk), {})
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    sandbox.refresh_from_db()
    assert sandbox.status == ChannelStatus.ACTIVE


def test_removal_cancels_scheduled_deliveries_and_keeps_sent_ones(team, client_as, sandbox):
    scheduled = post_with_delivery(team, sandbox, DeliveryState.SCHEDULED)
    sent = post_with_delivery(team, sandbox, DeliveryState.SENT, text="Already out")
    client = client_as(team.manager)

    response = client.post(url("remove", sandbox.pk), {"confirm": "on"}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == url("list")
    assert "1 scheduled post was cancelled" in page
    scheduled.refresh_from_db()
    sent.refresh_from_db()
    sandbox.refresh_from_db()
    assert scheduled.state == DeliveryState.CANCELLED
    assert sent.state == DeliveryState.SENT
    assert sandbox.status == ChannelStatus.REMOVED
    assert Post.objects.count() == 2  # the posts stay
    assert client.get(url("detail", sandbox.pk)).status_code == 404
    assert f'data-testid="channel-{sandbox.pk}"' not in client.get(url("list")).content.decode()


# Roles and workspaces


def test_guest_sees_the_list_but_cannot_connect(team, client_as, sandbox):
    client = client_as(team.guest)
    page = client.get(url("list"))
    assert page.status_code == 200 and "Rehearsal" in page.content.decode()
    assert 'data-testid="connect-telegram-form"' not in page.content.decode()
    assert client.post(url("connect_sandbox"), {"name": "Mine"}).status_code == 403
    assert (
        client.post(url("connect_telegram"), {"token": GOOD_TOKEN, "chat": "@acme_news"}).status_code == 403
    )
    assert Channel.objects.count() == 1


def test_administrator_cannot_remove_or_change_a_channel(team, client_as, sandbox):
    client = client_as(team.administrator)
    assert client.get(url("detail", sandbox.pk)).status_code == 200
    assert client.post(url("remove", sandbox.pk), {"confirm": "on"}).status_code == 403
    assert client.post(url("add_slot", sandbox.pk), {"weekday": "6", "time": "09:30"}).status_code == 403
    assert client.post(url("recheck", sandbox.pk)).status_code == 403
    sandbox.refresh_from_db()
    assert sandbox.status == ChannelStatus.ACTIVE


def test_client_role_cannot_see_channels(team, client_as, sandbox):
    assert client_as(team.client).get(url("list")).status_code == 403


def test_channels_of_another_workspace_are_not_found(team, client_as, sandbox):
    # The outsider is not a member of acme at all.
    assert client_as(team.outsider).get(url("detail", sandbox.pk)).status_code == 404
    # A manager of acme asking for a rival channel through acme's address.
    rival = Channel.objects.create(workspace=team.other_workspace, platform=Platform.SANDBOX, name="Rival")
    manager = client_as(team.manager)
    assert manager.get(url("detail", rival.pk)).status_code == 404
    assert manager.post(url("remove", rival.pk), {"confirm": "on"}).status_code == 404
    rival.refresh_from_db()
    assert rival.status == ChannelStatus.ACTIVE


def test_channel_titles_from_telegram_are_escaped(team, client_as):
    channel = telegram_channel(team, name="<script>alert('x')</script>")
    client = client_as(team.manager)
    for page in (client.get(url("list")), client.get(url("detail", channel.pk))):
        html = page.content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert" in html


def test_sandbox_message_text_is_escaped(team, client_as, sandbox):
    SandboxMessage.objects.create(channel=sandbox, key="x", text="<img src=x onerror=alert(1)>")
    html = client_as(team.manager).get(url("detail", sandbox.pk)).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x" in html
