from django import forms
from django.utils.translation import gettext_lazy as _

from .questionnaire import QUESTIONS


class QuestionnaireForm(forms.Form):
    """One required radio group per question; its cleaned data is the answers ``recommend`` takes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[question.key] = forms.ChoiceField(
                label=question.text,
                choices=[(option.key, option.label) for option in question.options],
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose an answer to this question."),
                    "invalid_choice": _("Choose one of the answers listed."),
                },
            )
