"""The access helpers: each fetches an object *and* checks the user's capability in one call, so no view can
look an object up by id alone.

An outsider (no membership) gets 404, so workspace names never leak; a member whose role lacks the
capability gets 403.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from .capabilities import can
from .models import Invitation, Membership


def workspace_membership(user, slug: str, capability: str) -> Membership:
    membership = (
        Membership.objects.select_related("workspace", "user").filter(user=user, workspace__slug=slug).first()
        if user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404(_("This workspace does not exist or you are not a member of it."))
    if not can(membership.role, capability):
        raise PermissionDenied(_("Your role in this workspace does not allow this."))
    return membership


def in_workspace(queryset, actor: Membership, pk: int, capability: str, *, via: str = "workspace"):
    """The object ``pk`` of ``queryset`` that belongs to the actor's workspace (through the ``via`` lookup),
    after checking the actor's capability: 403 without it, 404 for anything of another workspace."""
    if not can(actor.role, capability):
        raise PermissionDenied(_("Your role in this workspace does not allow this."))
    found = queryset.filter(**{via: actor.workspace, "pk": pk}).first()
    if found is None:
        raise Http404(_("There is no such item in this workspace."))
    return found


def team_member(actor: Membership, membership_id: int, capability: str) -> Membership:
    """Another member of the actor's workspace."""
    return in_workspace(Membership.objects.select_related("user"), actor, membership_id, capability)


def workspace_invitation(actor: Membership, invitation_id: int, capability: str) -> Invitation:
    return in_workspace(Invitation.objects.all(), actor, invitation_id, capability)


def workspace_view(capability: str):
    """Decorate a view whose URL has a workspace ``slug``: sign-in required, membership and capability checked
    before anything else (also before the HTTP method check), ``request.membership`` set."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            request.membership = workspace_membership(request.user, slug, capability)
            request.workspace = request.membership.workspace
            return view(request, *args, **kwargs)

        checked = login_required(wrapper)
        checked.access = "workspace"
        checked.capability = capability
        return checked

    return decorate
