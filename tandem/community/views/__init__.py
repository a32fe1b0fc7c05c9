"""The community pages; see urls.py for which view serves which address."""

from .audit import audit
from .authors import author_detail, author_notes, mute_author, unban_author, unmute_author
from .conversation import assign, comment_detail, moderate, reply, set_state, warn
from .inbox import inbox, inbox_new
from .review import review, review_action, review_new, undo
from .saved_replies import delete_saved_reply, saved_replies, saved_reply

__all__ = [
    "assign",
    "audit",
    "author_detail",
    "author_notes",
    "comment_detail",
    "delete_saved_reply",
    "inbox",
    "inbox_new",
    "moderate",
    "mute_author",
    "reply",
    "review",
    "review_action",
    "review_new",
    "saved_replies",
    "saved_reply",
    "set_state",
    "unban_author",
    "undo",
    "unmute_author",
    "warn",
]
