from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Workspace
from .roles import Role


def assignable_roles(actor_role: str) -> list[tuple[str, str]]:
    """Roles the actor may hand out: only an owner can make another owner."""
    return [
        (value, label) for value, label in Role.choices if value != Role.OWNER or actor_role == Role.OWNER
    ]


class WorkspaceForm(forms.ModelForm):
    class Meta:
        model = Workspace
        fields = ["name", "time_zone"]


class WorkspaceSettingsForm(forms.ModelForm):
    class Meta:
        model = Workspace
        fields = ["name", "time_zone", "approval_required"]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, actor_role: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = assignable_roles(actor_role)
        self.fields["role"].initial = Role.ADMINISTRATOR


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, actor_role: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = assignable_roles(actor_role)


class DeleteWorkspaceForm(forms.Form):
    confirmation = forms.CharField(label=_("Type the workspace's name to confirm"), max_length=100)
