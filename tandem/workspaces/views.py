from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.accounts.forms import NewAccountForm
from tandem.core.errors import ServiceError
from tandem.core.views import account_view, public_view

from . import services
from .access import team_member, workspace_invitation, workspace_view
from .capabilities import CAPABILITIES, capabilities_of
from .forms import DeleteWorkspaceForm, InvitationForm, RoleForm, WorkspaceForm, WorkspaceSettingsForm
from .models import Invitation, Membership
from .role_guide import PROFILES, capability_matrix
from .roles import Role


@account_view
def home(request):
    memberships = Membership.objects.filter(user=request.user).select_related("workspace")
    if len(memberships) == 1 and not request.GET.get("all"):
        return redirect("workspaces:dashboard", memberships[0].workspace.slug)
    return render(request, "workspaces/home.html", {"memberships": memberships, "form": WorkspaceForm()})


@account_view
def create(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = WorkspaceForm(request.POST)
    if not form.is_valid():
        memberships = Membership.objects.filter(user=request.user).select_related("workspace")
        return render(request, "workspaces/home.html", {"memberships": memberships, "form": form}, status=400)
    workspace = services.create_workspace(
        request.user, form.cleaned_data["name"], form.cleaned_data["time_zone"]
    )
    messages.success(request, _("Workspace “%(name)s” created.") % {"name": workspace.name})
    return redirect("workspaces:dashboard", workspace.slug)


@workspace_view("workspace.view")
def dashboard(request):
    membership = request.membership
    allowed = capabilities_of(membership.role)
    areas: dict[str, list[str]] = {}
    for name, capability in CAPABILITIES.items():
        if name in allowed:
            areas.setdefault(capability.area, []).append(capability.label)
    context = {
        "areas": areas,
        "members": Membership.objects.filter(workspace=request.workspace).count(),
        "pending_invitations": Invitation.objects.pending().filter(workspace=request.workspace).count(),
        "role": Role(membership.role),
    }
    return render(request, "workspaces/dashboard.html", context)


def _team_context(request, **forms):
    membership = request.membership
    can_manage = "team.manage" in capabilities_of(membership.role)
    context = {
        "members": Membership.objects.filter(workspace=request.workspace).select_related("user"),
        "invitations": Invitation.objects.pending().filter(workspace=request.workspace) if can_manage else [],
        "can_manage": can_manage,
        "invite_form": forms.get("invite_form") or InvitationForm(actor_role=membership.role),
        "role_choices": RoleForm(actor_role=membership.role).fields["role"].choices,
        **_role_guide_context(),
    }
    return context


@workspace_view("team.view")
def team(request):
    return render(request, "workspaces/team.html", _team_context(request))


@workspace_view("team.manage")
@require_POST
def invite(request):
    form = InvitationForm(request.POST, actor_role=request.membership.role)
    if form.is_valid():
        try:
            invitation, _token = services.invite(
                request.membership, form.cleaned_data["email"], form.cleaned_data["role"]
            )
        except ServiceError as error:
            form.add_error("email", error.message)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("workspaces:team", request.workspace.slug)
    return render(request, "workspaces/team.html", _team_context(request, invite_form=form), status=400)


def _team_action(request, action, success_message):
    try:
        action()
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success_message)
    return redirect("workspaces:team", request.workspace.slug)


@workspace_view("team.manage")
@require_POST
def change_role(request, membership_id):
    member = team_member(request.membership, membership_id, "team.manage")
    form = RoleForm(request.POST, actor_role=request.membership.role)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles in the list."))
        return redirect("workspaces:team", request.workspace.slug)
    role = form.cleaned_data["role"]
    return _team_action(
        request,
        lambda: services.change_role(request.membership, member, role),
        _("%(person)s is now %(role)s.") % {"person": member.user, "role": Role(role).label},
    )


@workspace_view("team.manage")
@require_POST
def remove_member(request, membership_id):
    member = team_member(request.membership, membership_id, "team.manage")
    if member.pk == request.membership.pk:
        messages.error(request, _("To leave the workspace yourself, use “Leave workspace”."))
        return redirect("workspaces:team", request.workspace.slug)
    return _team_action(
        request,
        lambda: services.remove_member(request.membership, member),
        _("%(person)s no longer has access to this workspace.") % {"person": member.user},
    )


@workspace_view("team.manage")
@require_POST
def revoke_invitation(request, invitation_id):
    invitation = workspace_invitation(request.membership, invitation_id, "team.manage")
    return _team_action(
        request,
        lambda: services.revoke_invitation(request.membership, invitation),
        _("The invitation to %(email)s was revoked.") % {"email": invitation.email},
    )


@workspace_view("workspace.view")
def leave(request):
    if request.method == "POST":
        try:
            services.leave(request.membership)
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect("workspaces:leave", request.workspace.slug)
        messages.success(request, _("You left “%(name)s”.") % {"name": request.workspace.name})
        return redirect(reverse("workspaces:home") + "?all=1")
    return render(request, "workspaces/leave.html")


@workspace_view("workspace.settings")
def settings_view(request):
    workspace = request.workspace
    form = WorkspaceSettingsForm(request.POST or None, instance=workspace)
    if request.method == "POST":
        if form.is_valid():
            services.update_workspace(workspace, **form.cleaned_data)
            messages.success(request, _("Workspace settings saved."))
            return redirect("workspaces:settings", workspace.slug)
        workspace.refresh_from_db()
    status = 400 if form.errors else 200
    return render(
        request,
        "workspaces/settings.html",
        {"form": form, "delete_form": DeleteWorkspaceForm()},
        status=status,
    )


@workspace_view("workspace.delete")
@require_POST
def delete(request):
    form = DeleteWorkspaceForm(request.POST)
    if form.is_valid():
        name = request.workspace.name
        try:
            services.delete_workspace(request.workspace, form.cleaned_data["confirmation"])
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Workspace “%(name)s” deleted.") % {"name": name})
            return redirect(reverse("workspaces:home") + "?all=1")
    else:
        messages.error(request, _("Type the workspace's name exactly to confirm."))
    return redirect("workspaces:settings", request.workspace.slug)


@public_view
def accept_invitation(request, token):
    """The link from the invitation e-mail: join as the signed-in user, or create an account and join."""
    try:
        invitation = services.invitation_for_token(token)
    except ServiceError as error:
        return render(request, "workspaces/invitation_invalid.html", {"error": error.message}, status=404)
    user = request.user
    has_account = get_user_model().objects.filter(email__iexact=invitation.email).exists()
    form = NewAccountForm(request.POST or None) if not user.is_authenticated and not has_account else None
    if request.method == "POST" and (user.is_authenticated or (form is not None and form.is_valid())):
        try:
            if user.is_authenticated:
                membership = services.accept_invitation(token, user)
            else:
                membership = services.join_with_new_account(token, **form.cleaned_data)
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Welcome to “%(name)s”.") % {"name": membership.workspace.name})
            return redirect("workspaces:dashboard", membership.workspace.slug)
    context = {
        "invitation": invitation,
        "form": form,
        "has_account": has_account,
        "role": Role(invitation.role),
    }
    return render(
        request, "workspaces/accept_invitation.html", context, status=400 if form and form.errors else 200
    )


def _role_guide_context():
    return {"profiles": PROFILES, "matrix": capability_matrix(), "roles": list(Role)}


@public_view
def roles_guide(request):
    return render(request, "workspaces/roles.html", _role_guide_context())
