"""The content pages; see urls.py for which view serves which address."""

from .calendar import calendar
from .compose import check_limits, compose
from .detail import (
    approve,
    cancel,
    confirm_delivery,
    delete_published,
    edit_published,
    move,
    post_detail,
    reject,
    retry_delivery,
    schedule,
    submit,
)
from .files import media_file
from .listing import post_list
from .rubrics import delete_rubric, edit_rubric, rubrics

__all__ = [
    "approve",
    "calendar",
    "cancel",
    "check_limits",
    "compose",
    "confirm_delivery",
    "delete_published",
    "delete_rubric",
    "edit_published",
    "edit_rubric",
    "media_file",
    "move",
    "post_detail",
    "post_list",
    "reject",
    "retry_delivery",
    "rubrics",
    "schedule",
    "submit",
]
