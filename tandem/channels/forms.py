"""Forms of the channel pages: they check the shape of what was typed; the services check the rest."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import QueueSlot

TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
CHAT_PATTERN = re.compile(r"^(-?\d+|@[A-Za-z0-9_]{5,32})$")


def _token_field(label):
    # The token is a secret: never rendered back into the page (render_value=False), never autofilled.
    return forms.CharField(
        label=label,
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Paste the bot token from @BotFather.")},
    )


def _clean_token(value: str) -> str:
    if not TOKEN_PATTERN.match(value):
        raise forms.ValidationError(
            _(
                "This does not look like a bot token. @BotFather gives one like "
                "123456789:AAE… (digits, a colon, then at least 20 letters, digits, - or _)."
            )
        )
    return value


class ConnectTelegramForm(forms.Form):
    token = _token_field(_("Bot token"))
    chat = forms.CharField(
        label=_("Channel or group"),
        max_length=40,
        strip=True,
        help_text=_("The chat id, like -1001234567890, or the public @username of the channel."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "@acme_news"}),
        error_messages={"required": _("Enter the chat id or the channel's @username.")},
    )

    def clean_token(self):
        return _clean_token(self.cleaned_data["token"])

    def clean_chat(self):
        chat = self.cleaned_data["chat"]
        if not CHAT_PATTERN.match(chat):
            raise forms.ValidationError(
                _(
                    "Enter a chat id like -1001234567890 or a @username of 5 to 32 letters, digits or _ "
                    "(with the @)."
                )
            )
        return chat


class ConnectSandboxForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        strip=True,
        widget=forms.TextInput(attrs={"placeholder": _("Practice")}),
        error_messages={"required": _("Give the sandbox channel a name.")},
    )


class UpdateTokenForm(forms.Form):
    token = _token_field(_("New bot token"))

    def clean_token(self):
        return _clean_token(self.cleaned_data["token"])


class TimeInput(forms.TimeInput):
    input_type = "time"


class QueueSlotForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=_("Day"), coerce=int, choices=QueueSlot._meta.get_field("weekday").choices
    )
    time = forms.TimeField(
        label=_("Time"),
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=TimeInput(format="%H:%M"),
        error_messages={"invalid": _("Enter a time like 09:30.")},
    )


class RemoveChannelForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that the channel's scheduled posts will be cancelled."),
        error_messages={"required": _("Tick the box to confirm that you want to remove the channel.")},
    )
