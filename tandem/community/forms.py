"""Forms of the community pages: they parse and check input; the services change state."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tandem.channels.models import Channel
from tandem.moderation.models import Action

from . import services
from .models import AuditAction, CommentStatus, InboxState, ModerationAction, SavedReply

MINE = "mine"
UNASSIGNED = "unassigned"


class FilterForm(forms.Form):
    """A GET filter form: a value that does not parse is dropped (named in ``rejected``), never a failure."""

    def valid_filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.errors and value not in (None, "")
        }

    @property
    def rejected(self) -> list[str]:
        return [str(self.fields[name].label) for name in self.errors]


class InboxFilterForm(FilterForm):
    q = forms.CharField(label=_("Text"), required=False, max_length=200)
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *CommentStatus.choices]
    )
    state = forms.ChoiceField(
        label=_("Inbox state"), required=False, choices=[("", _("Any state")), *InboxState.choices]
    )
    verdict = forms.ChoiceField(
        label=_("Verdict"), required=False, choices=[("", _("Any verdict")), *Action.choices]
    )
    rule = forms.CharField(label=_("Rule"), required=False, max_length=200)
    author = forms.CharField(label=_("Author"), required=False, max_length=200)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)

    def __init__(self, data, *, actor):
        super().__init__(data)
        self.fields["channel"].queryset = Channel.objects.filter(workspace=actor.workspace)
        self.fields["channel"].empty_label = _("Any channel")
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            (MINE, _("Me")),
            (UNASSIGNED, _("Nobody")),
            *((str(user.pk), str(user)) for user in services.members_for_assignment(actor)),
        ]


class ReviewOrderForm(FilterForm):
    OLDEST = "oldest"
    SCORE = "score"

    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[(OLDEST, _("Oldest first")), (SCORE, _("Highest score first"))],
    )


class AuditFilterForm(FilterForm):
    action = forms.ChoiceField(label=_("Action"), required=False)
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("Any source")), *ModerationAction.Source.choices]
    )

    def __init__(self, data, *, workspace):
        super().__init__(data)
        actions = (
            ModerationAction.objects.filter(workspace=workspace)
            .order_by("action")
            .values_list("action", flat=True)
            .distinct()
        )
        labels = dict(AuditAction.choices)
        self.fields["action"].choices = [
            ("", _("Any action")),
            *((name, labels.get(name, name)) for name in actions),
        ]


class IdListField(forms.Field):
    """Several whole numbers under one name (checkboxes); which ones exist is the service's business."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Choose at least one comment."),
        "invalid": _("The chosen comments were not understood."),
    }

    def to_python(self, value):
        try:
            return [int(item) for item in value or ()]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class ModerationForm(forms.Form):
    """One of the review decisions, for one comment or several (the services ignore other workspaces' ids)."""

    APPROVE = "approve"
    DELETE = "delete"
    SPAM = "spam"
    HIDE = "hide"
    BAN = "ban"

    action = forms.ChoiceField(
        choices=[
            (APPROVE, pgettext_lazy("comment", "Approve")),
            (DELETE, _("Delete")),
            (SPAM, _("Delete as spam")),
            (HIDE, _("Hide")),
            (BAN, _("Ban the author")),
        ]
    )
    comment_ids = IdListField()


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"), max_length=services.REPLY_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )


class WarnForm(forms.Form):
    text = forms.CharField(label=_("Warning"), max_length=services.REPLY_MAX, required=False)


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Assign to"), coerce=int, empty_value=None, required=False)

    def __init__(self, data=None, *, actor, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["assignee"].choices = [
            ("", _("Nobody")),
            *((user.pk, str(user)) for user in services.members_for_assignment(actor)),
        ]


class StateForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=InboxState.choices)


class MuteForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=services.MUTE_MAX_MINUTES)


class NotesForm(forms.Form):
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class SavedReplyForm(forms.ModelForm):
    class Meta:
        model = SavedReply
        fields = ["title", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}
