"""Rollups that must follow edits made elsewhere: a published post's rubric counts on the days it was
published, so editing the post rebuilds those days' RubricDay rows (after the edit commits)."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from tandem.content.models import Post

from . import rollups


@receiver(post_save, sender=Post, dispatch_uid="analytics-rubric-days-of-an-edited-post")
def rubric_days_follow_the_post(sender, instance: Post, created: bool, **kwargs) -> None:
    if not created:
        post_id = instance.pk
        transaction.on_commit(lambda: rollups.refresh_rubric_days_of_post(post_id))
