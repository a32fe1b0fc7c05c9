"""The report builder's form: what the page asks for; report_services.save_report checks the rest."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tandem.channels.models import Channel

from .models import ReportSection, Schedule
from .periods import DEFAULT_DAYS, MAX_DAYS
from .report_services import SHARE_LIFETIMES, ReportSpec

FIXED = "fixed"
ROLLING = "rolling"


class ReportForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    period_kind = forms.ChoiceField(
        label=_("Period"),
        choices=[(ROLLING, _("The last days up to the day it is opened")), (FIXED, _("Fixed dates"))],
        widget=forms.RadioSelect,
        initial=ROLLING,
    )
    period_days = forms.IntegerField(
        label=_("Number of days"), min_value=1, max_value=MAX_DAYS, initial=DEFAULT_DAYS, required=False
    )
    start = forms.DateField(
        label=_("First day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=_("Last day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    channels = forms.ModelMultipleChoiceField(
        label=_("Channels"),
        queryset=Channel.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every channel of the workspace."),
    )
    sections = forms.MultipleChoiceField(
        label=_("Sections"), choices=ReportSection.choices, widget=forms.CheckboxSelectMultiple
    )
    schedule = forms.ChoiceField(label=_("E-mail it"), choices=Schedule.choices, required=False)
    recipients = forms.ModelMultipleChoiceField(
        label=_("Recipients"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, workspace, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].queryset = Channel.objects.filter(workspace=workspace).order_by("name")
        self.fields["recipients"].queryset = (
            get_user_model().objects.filter(memberships__workspace=workspace).order_by("email")
        )

    def clean(self):
        data = super().clean()
        if data.get("period_kind") == FIXED:
            for name in ("start", "end"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Give the period's first and last day."))
        elif data.get("period_days") is None and "period_days" not in self.errors:
            self.add_error("period_days", _("Say how many days the report covers."))
        return data

    def spec(self) -> ReportSpec:
        data = self.cleaned_data
        fixed = data["period_kind"] == FIXED
        chosen = set(data["sections"])
        return ReportSpec(
            title=data["title"],
            # In the order of ReportSection, the order the pages and files show them in.
            sections=[key for key in ReportSection.values if key in chosen],
            channels=list(data["channels"]),
            period_days=data["period_days"] or DEFAULT_DAYS,
            start=data["start"] if fixed else None,
            end=data["end"] if fixed else None,
            schedule=data["schedule"] or Schedule.NONE,
            recipients=list(data["recipients"]),
        )

    @classmethod
    def initial_of(cls, report) -> dict:
        return {
            "title": report.title,
            "period_kind": FIXED if report.start and report.end else ROLLING,
            "period_days": report.period_days,
            "start": report.start,
            "end": report.end,
            "channels": list(report.channels.all()),
            "sections": report.sections,
            "schedule": report.schedule,
            "recipients": list(report.recipients.all()),
        }


class ShareForm(forms.Form):
    days = forms.TypedChoiceField(label=_("The link stays open for"), coerce=int, initial=7)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [
            (days, ngettext("%(days)d day", "%(days)d days", days) % {"days": days})
            for days in SHARE_LIFETIMES
        ]
