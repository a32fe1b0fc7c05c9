"""Actions that change workspaces and teams. Each validates, then changes state in one transaction, and
sends e-mail only after the transaction commits."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tandem.core.crypto import encrypt
from tandem.core.errors import ServiceError

from .models import INVITATION_LIFETIME, Invitation, Membership, Workspace
from .roles import Role


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "workspace"
    slug, n = base, 1
    while Workspace.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_workspace(user, name: str, time_zone: str = "UTC") -> Workspace:
    workspace = Workspace.objects.create(name=name.strip(), slug=_unique_slug(name), time_zone=time_zone)
    Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    return workspace


def _owners(workspace) -> int:
    return Membership.objects.filter(workspace=workspace, role=Role.OWNER).count()


def _check_owner_rule(actor: Membership, *roles: str) -> None:
    """Only an owner may give the owner role or change an owner's membership."""
    if Role.OWNER in roles and actor.role != Role.OWNER:
        raise ServiceError(_("Only an owner can give or take away the owner role."))


def invite(actor: Membership, email: str, role: str) -> tuple[Invitation, str]:
    """Create an invitation and e-mail its link; returns the invitation and its one-time token."""
    from .tasks import send_invitation_email

    email = email.strip().lower()
    workspace = actor.workspace
    _check_owner_rule(actor, role)
    if Membership.objects.filter(workspace=workspace, user__email__iexact=email).exists():
        raise ServiceError(_("%(email)s is already a member of this workspace.") % {"email": email})
    if Invitation.objects.pending().filter(workspace=workspace, email__iexact=email).exists():
        raise ServiceError(
            _("%(email)s already has a pending invitation. Revoke it first to send a new one.")
            % {"email": email}
        )
    token = Invitation.new_token()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            workspace=workspace,
            email=email,
            role=role,
            token_hash=Invitation.hash_token(token),
            invited_by=actor.user,
            expires_at=timezone.now() + INVITATION_LIFETIME,
        )
        # The queue stores task arguments in plain text: the link's token travels encrypted.
        transaction.on_commit(lambda: send_invitation_email(invitation.pk, encrypt(token)))
    return invitation, token


@transaction.atomic
def revoke_invitation(actor: Membership, invitation: Invitation) -> None:
    _check_owner_rule(actor, invitation.role)
    if not invitation.is_pending:
        raise ServiceError(_("This invitation is no longer pending."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


def invitation_for_token(token: str) -> Invitation:
    """The invitation a link points to, or a ServiceError that says why the link does not work."""
    invitation = (
        Invitation.objects.select_related("workspace").filter(token_hash=Invitation.hash_token(token)).first()
    )
    if invitation is None:
        raise ServiceError(_("This invitation link is not valid. Check that you copied the whole link."))
    if invitation.revoked_at:
        raise ServiceError(_("This invitation was revoked. Ask the workspace's owner for a new one."))
    if invitation.accepted_at:
        raise ServiceError(_("This invitation has already been used."))
    if invitation.is_expired:
        raise ServiceError(_("This invitation has expired. Ask the workspace's owner for a new one."))
    return invitation


def accept_invitation(token: str, user) -> Membership:
    with transaction.atomic():
        invitation = invitation_for_token(token)
        # The claim is a conditional update so one link can never be accepted twice, even concurrently.
        claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at=None, revoked_at=None).update(
            accepted_at=timezone.now()
        )
        if claimed != 1:
            raise ServiceError(_("This invitation has already been used."))
        if user.email.lower() != invitation.email.lower():
            raise ServiceError(
                _("This invitation is for %(email)s. Sign out and sign in as that person to accept it.")
                % {"email": invitation.email}
            )
        if Membership.objects.filter(workspace=invitation.workspace, user=user).exists():
            raise ServiceError(_("You are already a member of this workspace."))
        try:
            return Membership.objects.create(workspace=invitation.workspace, user=user, role=invitation.role)
        except IntegrityError:
            raise ServiceError(_("You are already a member of this workspace.")) from None


def join_with_new_account(token: str, *, name: str, password: str, language: str) -> Membership:
    """Create the invited person's account and membership together: both or neither."""
    from django.contrib.auth import get_user_model

    with transaction.atomic():
        invitation = invitation_for_token(token)
        if get_user_model().objects.filter(email__iexact=invitation.email).exists():
            raise ServiceError(
                _("An account with this e-mail already exists. Sign in to accept the invitation.")
            )
        user = get_user_model().objects.create_user(
            invitation.email, password, name=name, language=language, time_zone=invitation.workspace.time_zone
        )
        return accept_invitation(token, user)


@transaction.atomic
def change_role(actor: Membership, member: Membership, role: str) -> Membership:
    _check_owner_rule(actor, role, member.role)
    if member.role == Role.OWNER and role != Role.OWNER and _owners(member.workspace) == 1:
        raise ServiceError(_("A workspace needs at least one owner. Make someone else an owner first."))
    member.role = role
    member.save(update_fields=["role"])
    return member


@transaction.atomic
def remove_member(actor: Membership, member: Membership) -> None:
    _check_owner_rule(actor, member.role)
    if member.role == Role.OWNER and _owners(member.workspace) == 1:
        raise ServiceError(_("A workspace needs at least one owner. Make someone else an owner first."))
    member.delete()


@transaction.atomic
def leave(membership: Membership) -> None:
    if membership.role == Role.OWNER and _owners(membership.workspace) == 1:
        raise ServiceError(
            _("You are the only owner. Make someone else an owner before you leave, or delete the workspace.")
        )
    membership.delete()


@transaction.atomic
def update_workspace(
    workspace: Workspace, *, name: str, time_zone: str, approval_required: bool
) -> Workspace:
    workspace.name = name.strip()
    workspace.time_zone = time_zone
    workspace.approval_required = approval_required
    workspace.save(update_fields=["name", "time_zone", "approval_required"])
    return workspace


@transaction.atomic
def delete_workspace(workspace: Workspace, confirmation: str) -> None:
    if confirmation.strip() != workspace.name:
        raise ServiceError(_("Type the workspace's name exactly to confirm."))
    workspace.delete()
