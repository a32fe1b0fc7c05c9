from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from huey.contrib.djhuey import db_task

from tandem.core.crypto import decrypt

from .models import Invitation


def deliver_invitation_email(invitation_id: int, encrypted_token: str) -> bool:
    """E-mail one invitation link; False when the invitation is gone or no longer pending."""
    token = decrypt(encrypted_token)
    invitation = Invitation.objects.select_related("workspace", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        return False
    inviter = invitation.invited_by
    with translation.override(inviter.language if inviter else settings.LANGUAGE_CODE):
        context = {
            "invitation": invitation,
            "link": settings.BASE_URL + reverse("workspaces:accept_invitation", args=[token]),
            "inviter": inviter,
        }
        subject = render_to_string("workspaces/email/invitation_subject.txt", context).strip()
        body = render_to_string("workspaces/email/invitation_body.txt", context)
    send_mail(subject, body, None, [invitation.email])
    return True


@db_task(retries=3, retry_delay=60)
def send_invitation_email(invitation_id: int, encrypted_token: str):
    return deliver_invitation_email(invitation_id, encrypted_token)
