"""The review decisions (approve, delete, hide, ban), shared by the review queue and a comment's page."""

from functools import partial

from django.utils.translation import ngettext

from .. import services
from ..forms import ModerationForm
from ..models import Label
from .common import REFUSALS, refusal_text

# Each decision: the service that takes it, and what to say about how many it touched.
DECISIONS = {
    ModerationForm.APPROVE: (
        services.approve,
        lambda count: ngettext("%(count)d comment approved.", "%(count)d comments approved.", count),
    ),
    ModerationForm.DELETE: (
        partial(services.remove, label=Label.TOXIC),
        lambda count: ngettext("%(count)d comment deleted.", "%(count)d comments deleted.", count),
    ),
    ModerationForm.SPAM: (
        partial(services.remove, label=Label.SPAM),
        lambda count: ngettext(
            "%(count)d comment deleted as spam.", "%(count)d comments deleted as spam.", count
        ),
    ),
    ModerationForm.HIDE: (
        services.hide,
        lambda count: ngettext("%(count)d comment hidden.", "%(count)d comments hidden.", count),
    ),
    ModerationForm.BAN: (
        services.ban_authors,
        lambda count: ngettext("%(count)d author banned.", "%(count)d authors banned.", count),
    ),
}


def decide(actor, decision: str, comment_ids) -> tuple[bool, str]:
    """Take the decision on the comments: whether the service accepted it, and what to tell the user."""
    service, summary = DECISIONS[decision]
    try:
        count = service(actor, comment_ids)
    except REFUSALS as error:
        return False, refusal_text(error)
    return True, summary(count) % {"count": count}
