"""Forms of the content pages: they parse and check input; the services change state."""

from datetime import time

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from tandem.channels.models import Channel
from tandem.core.errors import ServiceError

from . import media as media_checks
from . import planning, scheduling
from .models import PostMedia, Recurrence, Rubric

# Form field names of one channel's variant; the channel's id goes into the name.
VARIANT_TEXT = "variant-{}-text"
VARIANT_MEDIA = "variant-{}-media"
VARIANT_SHOWN = "variant-{}-shown"


def workspace_channels(workspace):
    return Channel.objects.connected().filter(workspace=workspace)


def one_newline(text: str) -> str:
    """Browsers send line breaks as CRLF; platforms count and show a line break as one LF."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def to_utc(form, day, at, zone_name, field="time"):
    """Wall-clock ``day at`` in the zone as UTC, or a form error on ``field`` (a time the clocks skip)."""
    try:
        return scheduling.local_to_utc(day, at, zone_name)
    except ServiceError as error:
        form.add_error(field, error.message)
        return None


# Post list filters ---------------------------------------------------------------------------------------


class PlanDateField(forms.DateField):
    """A date in the years plans may use (scheduling.YEARS); anything else is a clear form error."""

    def validate(self, value):
        super().validate(value)
        if value and not scheduling.YEARS[0] <= value.year <= scheduling.YEARS[1]:
            raise forms.ValidationError(
                _("Choose a date between the years %(first)d and %(last)d.")
                % {"first": scheduling.YEARS[0], "last": scheduling.YEARS[1]}
            )


class PostFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.none(), required=False)
    rubric = forms.ModelChoiceField(label=_("Rubric"), queryset=Rubric.objects.none(), required=False)
    author = forms.ModelChoiceField(
        label=_("Author"), queryset=get_user_model().objects.none(), required=False
    )
    month = PlanDateField(
        label=_("Month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def __init__(self, data, *, workspace):
        super().__init__(data)
        self.fields["status"].choices = [("", _("Any status"))] + [
            (key, label) for key, (label, _q) in planning.STATUS_FILTERS.items()
        ]
        self.fields["channel"].queryset = Channel.objects.filter(workspace=workspace)
        self.fields["channel"].empty_label = _("Any channel")
        self.fields["rubric"].queryset = Rubric.objects.filter(workspace=workspace)
        self.fields["rubric"].empty_label = _("Any rubric")
        self.fields["author"].queryset = (
            get_user_model().objects.filter(memberships__workspace=workspace).order_by("name", "email")
        )
        self.fields["author"].empty_label = _("Anyone")

    def valid_filters(self) -> dict:
        """The filters that parsed; a bad value is dropped (see ``rejected``) instead of failing the page."""
        self.is_valid()
        return {
            name: value
            for name, value in {**self.cleaned_data}.items()
            if name not in self.errors and value not in (None, "")
        }

    @property
    def rejected(self) -> list[str]:
        return [str(self.fields[name].label) for name in self.errors]


# Compose ------------------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleImageField, self).clean(item, initial) for item in files]


class Intent:
    DRAFT = "draft"
    SUBMIT = "submit"
    NOW = "now"
    SCHEDULE = "schedule"


class When:
    UNSET = ""
    AT = "at"
    QUEUE = "queue"


class ComposeForm(forms.Form):
    text = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    rubric = forms.ModelChoiceField(label=_("Rubric"), queryset=Rubric.objects.none(), required=False)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1200,
        help_text=_("Separate tags with commas."),
    )
    channels = forms.ModelMultipleChoiceField(
        label=_("Channels"),
        queryset=Channel.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    images = MultipleImageField(
        label=_("Add images"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    remove_images = forms.ModelMultipleChoiceField(
        label=_("Remove images"), queryset=PostMedia.objects.none(), required=False
    )
    when = forms.ChoiceField(
        label=_("When"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            (When.UNSET, _("Not planned yet")),
            (When.AT, _("At a date and time")),
            (When.QUEUE, _("Next free queue slot of each channel")),
        ],
    )
    date = PlanDateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    recurrence = forms.ChoiceField(label=_("Repeat"), required=False, choices=Recurrence.choices)
    recurrence_days = forms.IntegerField(
        label=_("Every how many days"), required=False, min_value=1, max_value=365
    )
    recurrence_until = PlanDateField(
        label=_("Repeat until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    intent = forms.ChoiceField(
        required=False,
        choices=[(Intent.DRAFT, ""), (Intent.SUBMIT, ""), (Intent.NOW, ""), (Intent.SCHEDULE, "")],
    )

    def __init__(self, *args, workspace, post=None, schedules: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace, self.post, self.schedules = workspace, post, schedules
        self.fields["rubric"].queryset = Rubric.objects.filter(workspace=workspace)
        self.fields["rubric"].empty_label = _("No rubric")
        self.channel_list = list(workspace_channels(workspace))
        self.fields["channels"].queryset = workspace_channels(workspace)
        self.post_media = list(post.media.all()) if post is not None else []
        self.fields["remove_images"].queryset = (
            PostMedia.objects.filter(post=post) if post is not None else PostMedia.objects.none()
        )
        if not schedules:
            self.fields["intent"].choices = [(Intent.DRAFT, ""), (Intent.SUBMIT, "")]
        for channel in self.channel_list:
            self.fields[VARIANT_TEXT.format(channel.pk)] = forms.CharField(
                label=_("Own text for %(channel)s") % {"channel": channel.name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
            )
            self.fields[VARIANT_MEDIA.format(channel.pk)] = forms.TypedMultipleChoiceField(
                label=_("Images for %(channel)s") % {"channel": channel.name},
                required=False,
                coerce=int,
                choices=[(item.pk, item.original_name) for item in self.post_media],
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields[VARIANT_SHOWN.format(channel.pk)] = forms.BooleanField(
                required=False, widget=forms.HiddenInput
            )
        if post is not None and not self.is_bound:
            self.initial.update(initial_for(post, workspace.time_zone, self.channel_list, self.post_media))

    @property
    def variant_rows(self):
        """(channel, text field, images field, marker field) for the template."""
        return [
            (
                channel,
                self[VARIANT_TEXT.format(channel.pk)],
                self[VARIANT_MEDIA.format(channel.pk)],
                self[VARIANT_SHOWN.format(channel.pk)],
            )
            for channel in self.channel_list
        ]

    def clean_text(self):
        return one_newline(self.cleaned_data["text"])

    def clean_tags(self):
        try:
            return planning.parse_tag_names(self.cleaned_data["tags"])
        except ServiceError as error:
            raise forms.ValidationError(error.message) from None

    def clean_images(self):
        uploads = self.cleaned_data["images"]
        problems = []
        for upload in uploads:
            try:
                media_checks.inspect_image(upload)
            except ServiceError as error:
                problems.append(error.message)
        if problems:
            raise forms.ValidationError(problems)
        return uploads

    def clean(self):
        data = super().clean()
        intent = data.get("intent") or Intent.DRAFT
        data["intent"] = intent
        zone_name = self.workspace.time_zone
        kept = len(self.post_media) - len(data.get("remove_images") or [])
        if kept + len(data.get("images") or []) > media_checks.MAX_MEDIA_PER_POST:
            self.add_error(
                "images",
                _("A post can have at most %(limit)d images.") % {"limit": media_checks.MAX_MEDIA_PER_POST},
            )
        when = data.get("when") or When.UNSET
        if intent == Intent.SCHEDULE and when == When.UNSET:
            self.add_error("when", _("Choose a date and time, or the queue."))
        data["when"], data["at"] = when, None
        if when == When.AT:
            day, at = data.get("date"), data.get("time")
            if day is not None and at is not None:
                data["at"] = to_utc(self, day, at, zone_name)
            elif intent in (Intent.SCHEDULE, Intent.SUBMIT):
                if day is None:
                    self.add_error("date", _("Choose the day."))
                if at is None:
                    self.add_error("time", _("Choose the time."))
        recurrence = data.get("recurrence") or Recurrence.NONE
        data["recurrence"] = recurrence
        if recurrence == Recurrence.EVERY_N_DAYS and not data.get("recurrence_days"):
            self.add_error("recurrence_days", _("Say every how many days."))
        data["recurrence_days"] = data.get("recurrence_days") or 7
        until = data.get("recurrence_until")
        data["until"] = None
        if recurrence and until is not None:
            data["until"] = to_utc(self, until, time(23, 59), zone_name, field="recurrence_until")
        return data

    def variants(self, new_media_ids=()) -> dict:
        """channel → (own text, image ids or None for all), as services.save_post takes them.

        New uploads go to every channel; a channel that leaves out some existing images gets an explicit list.
        """
        data = self.cleaned_data
        removed = {item.pk for item in data.get("remove_images") or []}
        existing = [item.pk for item in self.post_media if item.pk not in removed]
        result = {}
        for channel in data.get("channels") or []:
            text = one_newline(data.get(VARIANT_TEXT.format(channel.pk)) or "").strip()
            media_ids = None
            if existing and data.get(VARIANT_SHOWN.format(channel.pk)):
                chosen = [pk for pk in data.get(VARIANT_MEDIA.format(channel.pk)) or [] if pk in existing]
                if len(chosen) != len(existing):
                    media_ids = chosen + list(new_media_ids)
            result[channel] = (text, media_ids)
        return result


def initial_for(post, zone_name, channels, media) -> dict:
    """What the compose form shows for a saved post."""
    initial = {
        "text": post.text,
        "rubric": post.rubric_id,
        "tags": ", ".join(tag.name for tag in post.tags.all()),
        "channels": [c.pk for c in post.channels.all()],
        "recurrence": post.recurrence,
        "recurrence_days": post.recurrence_days,
        "when": When.QUEUE if post.use_queue else When.AT if post.planned_at else When.UNSET,
    }
    if post.planned_at:
        local = scheduling.to_local(post.planned_at, zone_name)
        initial["date"], initial["time"] = local.date(), local.time().replace(second=0, microsecond=0)
    if post.recurrence_until:
        initial["recurrence_until"] = scheduling.to_local(post.recurrence_until, zone_name).date()
    variants = {v.channel_id: v for v in post.variants.all()}
    all_ids = [item.pk for item in media]
    for channel in channels:
        variant = variants.get(channel.pk)
        initial[VARIANT_TEXT.format(channel.pk)] = variant.text if variant else ""
        chosen = variant.media_ids if variant is not None and variant.media_ids is not None else all_ids
        initial[VARIANT_MEDIA.format(channel.pk)] = chosen
        initial[VARIANT_SHOWN.format(channel.pk)] = True
    return initial


# Post page ----------------------------------------------------------------------------------------------


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(forms.Form):
    comment = forms.CharField(
        label=_("What should change?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say what to change, so the author knows what to do.")},
    )


class MoveForm(forms.Form):
    date = PlanDateField(
        label=_("Move to"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Choose the day."), "invalid": _("Choose a valid day.")},
    )


class ScheduleForm(forms.Form):
    date = PlanDateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    mode = forms.ChoiceField(
        required=False, choices=[(When.AT, ""), (When.QUEUE, ""), (Intent.NOW, "")], initial=When.AT
    )

    def __init__(self, *args, zone_name, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone_name = zone_name

    def clean(self):
        data = super().clean()
        data["mode"] = data.get("mode") or When.AT
        data["at"] = None
        if data["mode"] == When.AT:
            day, at = data.get("date"), data.get("time")
            if day is None:
                self.add_error("date", _("Choose the day."))
            if at is None:
                self.add_error("time", _("Choose the time."))
            if day is not None and at is not None:
                data["at"] = to_utc(self, day, at, self.zone_name)
        return data


class ConfirmForm(forms.Form):
    url = forms.URLField(
        label=_("Link to the post (optional)"), required=False, max_length=500, assume_scheme="https"
    )


# Calendar -----------------------------------------------------------------------------------------------


class CalendarForm(forms.Form):
    view = forms.ChoiceField(required=False, choices=[("month", ""), ("week", "")])
    date = PlanDateField(required=False, input_formats=["%Y-%m-%d", "%Y-%m"])


# Rubrics ------------------------------------------------------------------------------------------------


class RubricForm(forms.ModelForm):
    class Meta:
        model = Rubric
        fields = ["name", "colour", "target_share"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}
