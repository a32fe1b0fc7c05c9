"""Channel pages: the list with the connect forms, and each channel's own page (status, bot token, queue
slots, upcoming deliveries and, for a sandbox, what was published there)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from tandem.community import webhooks
from tandem.content.models import DUE_STATES, Delivery
from tandem.core.errors import ServiceError
from tandem.platforms.base import FEATURE_LABELS, Feature
from tandem.platforms.registry import connector_class
from tandem.workspaces.access import workspace_view
from tandem.workspaces.capabilities import can

from . import services
from .access import channel_for, queue_slot_for
from .forms import ConnectSandboxForm, ConnectTelegramForm, QueueSlotForm, RemoveChannelForm, UpdateTokenForm
from .models import Channel, ChannelStatus, Platform

SANDBOX_PAGE_SIZE = 50
UPCOMING_LIMIT = 100

# Why a platform lacks a feature, in plain words; anything not listed gets DEFAULT_MISSING_REASON.
MISSING_REASONS = {
    Platform.TELEGRAM: {
        Feature.HIDE_COMMENT: gettext_lazy("Telegram bots cannot hide comments; they can only delete them."),
        Feature.RECONCILE: gettext_lazy(
            "Telegram cannot look a post up by Tandem's key, so after an interrupted send Tandem asks you to "
            "check the channel instead of risking a second copy."
        ),
    },
    Platform.SANDBOX: {
        Feature.WEBHOOK: gettext_lazy("The sandbox lives inside Tandem, so there are no events to receive."),
    },
}
DEFAULT_MISSING_REASON = gettext_lazy("Not in this version of Tandem yet.")

# What to do when a channel needs attention, per platform.
ATTENTION_ADVICE = {
    Platform.TELEGRAM: gettext_lazy(
        "Fix it in Telegram (or replace the bot token on the channel's page), then press “Check again”. "
        "Until then, posts due for this channel are not sent; you can send them again once it works."
    ),
    Platform.SANDBOX: gettext_lazy("Press “Check again” on the channel's page."),
}


def _platform_features():
    """For each platform: what it lets Tandem do, and what it does not with the reason."""
    platforms = []
    for platform in Platform:
        features = connector_class(platform).features
        reasons = MISSING_REASONS.get(platform, {})
        platforms.append(
            {
                "platform": platform,
                "label": platform.label,
                "can": [FEATURE_LABELS[feature] for feature in Feature if feature in features],
                "cannot": [
                    (FEATURE_LABELS[feature], reasons.get(feature, DEFAULT_MISSING_REASON))
                    for feature in Feature
                    if feature not in features
                ],
            }
        )
    return platforms


def _list_context(request, telegram_form=None, sandbox_form=None):
    channels = (
        Channel.objects.connected()
        .filter(workspace=request.workspace)
        .annotate(scheduled=Count("deliveries", filter=Q(deliveries__state__in=DUE_STATES)))
    )
    for channel in channels:
        channel.advice = ATTENTION_ADVICE.get(channel.platform, "")
    return {
        "channels": channels,
        "can_manage": can(request.membership.role, "channels.manage"),
        "platforms": _platform_features(),
        "telegram_form": telegram_form or ConnectTelegramForm(),
        "sandbox_form": sandbox_form or ConnectSandboxForm(),
    }


@workspace_view("channels.view")
def channel_list(request):
    return render(request, "channels/list.html", _list_context(request))


@workspace_view("channels.manage")
@require_POST
def connect_telegram(request):
    form = ConnectTelegramForm(request.POST)
    if form.is_valid():
        try:
            channel = services.connect_telegram(
                request.membership, form.cleaned_data["token"], form.cleaned_data["chat"]
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("“%(name)s” is connected.") % {"name": channel.name})
            return redirect("channels:detail", request.workspace.slug, channel.pk)
    return render(request, "channels/list.html", _list_context(request, telegram_form=form), status=400)


@workspace_view("channels.manage")
@require_POST
def connect_sandbox(request):
    form = ConnectSandboxForm(request.POST)
    if form.is_valid():
        try:
            channel = services.connect_sandbox(request.membership, form.cleaned_data["name"])
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Sandbox channel “%(name)s” created. Rehearse freely.") % {"name": channel.name}
            )
            return redirect("channels:detail", request.workspace.slug, channel.pk)
    return render(request, "channels/list.html", _list_context(request, sandbox_form=form), status=400)


def _detail_context(request, channel, *, slot_form=None, token_form=None, remove_form=None):
    upcoming = (
        Delivery.objects.filter(channel=channel, state__in=DUE_STATES)
        .select_related("post")
        .order_by("due_at", "id")
    )
    channel.advice = ATTENTION_ADVICE.get(channel.platform, "")
    context = {
        "channel": channel,
        "can_manage": can(request.membership.role, "channels.manage"),
        "is_telegram": channel.platform == Platform.TELEGRAM,
        "is_sandbox": channel.platform == Platform.SANDBOX,
        "needs_attention": channel.status == ChannelStatus.NEEDS_ATTENTION,
        "slots": channel.queue_slots.all(),
        "upcoming": upcoming[:UPCOMING_LIMIT],
        "upcoming_count": upcoming.count(),
        "slot_form": slot_form or QueueSlotForm(),
        "token_form": token_form or UpdateTokenForm(),
        "remove_form": remove_form or RemoveChannelForm(),
    }
    if channel.platform == Platform.TELEGRAM:
        context["comments"] = _comments_setup(channel)
    if channel.platform == Platform.SANDBOX:
        feed = Paginator(channel.sandbox_messages.all(), SANDBOX_PAGE_SIZE)
        context["sandbox_page"] = feed.get_page(request.GET.get("page"))
    return context


def _comments_setup(channel) -> dict:
    """Where a Telegram channel's comments come from and what the bot may do there, for the channel page."""
    details = channel.details
    chat_type = details.get("type", "")
    if chat_type == "channel":
        rights = details.get("discussion") or {}
        group = details.get("linked_chat_id")
    else:  # the group itself is where people write
        rights = {
            "member": True,
            "can_delete_messages": details.get("can_delete_messages", False),
            "can_restrict_members": details.get("can_restrict_members", False),
        }
        group = channel.external_id
    missing = []
    if group and not rights.get("member", False):
        missing.append(_("add the bot to the discussion group"))
    if group and not rights.get("can_delete_messages", False):
        missing.append(_("give it the right “Delete messages”"))
    if group and not rights.get("can_restrict_members", False):
        missing.append(_("give it the right “Ban users” (for mute and ban)"))
    return {
        "group": group,
        "missing": missing,
        "webhook": bool(details.get("webhook")),
        "webhook_url": webhooks.webhook_url(str(details["bot_id"])) if details.get("bot_id") else "",
    }


def _to_detail(request, channel):
    return redirect("channels:detail", request.workspace.slug, channel.pk)


@workspace_view("channels.view")
def channel_detail(request, channel_id):
    channel = channel_for(request.membership, channel_id, "channels.view")
    return render(request, "channels/detail.html", _detail_context(request, channel))


@workspace_view("channels.manage")
@require_POST
def add_slot(request, channel_id):
    channel = channel_for(request.membership, channel_id, "channels.manage")
    form = QueueSlotForm(request.POST)
    if form.is_valid():
        try:
            slot = services.add_queue_slot(channel, form.cleaned_data["weekday"], form.cleaned_data["time"])
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Queue time %(slot)s added.") % {"slot": slot})
            return _to_detail(request, channel)
    context = _detail_context(request, channel, slot_form=form)
    return render(request, "channels/detail.html", context, status=400)


@workspace_view("channels.manage")
@require_POST
def delete_slot(request, channel_id, slot_id):
    channel = channel_for(request.membership, channel_id, "channels.manage")
    slot = queue_slot_for(request.membership, slot_id, "channels.manage")
    if slot.channel_id != channel.pk:
        messages.error(request, _("This queue time belongs to another channel."))
        return _to_detail(request, channel)
    label = str(slot)
    services.remove_queue_slot(slot)
    messages.success(request, _("Queue time %(slot)s removed.") % {"slot": label})
    return _to_detail(request, channel)


@workspace_view("channels.manage")
@require_POST
def recheck(request, channel_id):
    channel = channel_for(request.membership, channel_id, "channels.manage")
    try:
        services.recheck(channel)
    except ServiceError as error:
        messages.error(
            request, _("The channel still needs attention: %(reason)s") % {"reason": error.message}
        )
    else:
        messages.success(request, _("Everything works: the channel is active."))
    return _to_detail(request, channel)


@workspace_view("channels.manage")
@require_POST
def switch_webhook(request, channel_id):
    """Receive the bot's updates by webhook (instantly; needs a public HTTPS address) or by polling."""
    channel = channel_for(request.membership, channel_id, "channels.manage")
    turn_on = request.POST.get("webhook") == "on"
    try:
        if turn_on:
            url = webhooks.enable_webhook(request.membership, channel)
        else:
            webhooks.disable_webhook(request.membership, channel)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if turn_on:
            messages.success(
                request, _("Telegram now sends comments to %(url)s as they are written.") % {"url": url}
            )
        else:
            messages.success(
                request,
                _(
                    "Tandem now fetches comments from Telegram (once a minute, or at once while “tandem listen” runs)."
                ),
            )
    return _to_detail(request, channel)


@workspace_view("channels.manage")
@require_POST
def update_token(request, channel_id):
    channel = channel_for(request.membership, channel_id, "channels.manage")
    if channel.platform != Platform.TELEGRAM:
        messages.error(request, _("Only Telegram channels have a bot token."))
        return _to_detail(request, channel)
    form = UpdateTokenForm(request.POST)
    if form.is_valid():
        try:
            services.update_token(channel, form.cleaned_data["token"])
        except ServiceError as error:
            form.add_error("token", error.message)
        else:
            messages.success(request, _("The new bot token works and is saved."))
            return _to_detail(request, channel)
    channel.refresh_from_db()
    context = _detail_context(request, channel, token_form=form)
    return render(request, "channels/detail.html", context, status=400)


@workspace_view("channels.manage")
@require_POST
def remove(request, channel_id):
    channel = channel_for(request.membership, channel_id, "channels.manage")
    form = RemoveChannelForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, channel, remove_form=form)
        return render(request, "channels/detail.html", context, status=400)
    try:
        cancelled = services.remove_channel(channel, request.user)
    except ServiceError as error:
        messages.error(request, error.message)
        return _to_detail(request, channel)
    if cancelled:
        text = ngettext(
            "“%(name)s” was removed. %(count)s scheduled post was cancelled.",
            "“%(name)s” was removed. %(count)s scheduled posts were cancelled.",
            cancelled,
        )
    else:
        text = _("“%(name)s” was removed. No scheduled posts had to be cancelled.")
    messages.success(request, text % {"name": channel.name, "count": cancelled})
    return redirect("channels:list", request.workspace.slug)
