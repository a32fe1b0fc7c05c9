"""Fetch-and-check helpers for content objects (see tandem.workspaces.access)."""

from tandem.workspaces.access import in_workspace

from .models import Delivery, Post, PostMedia, Rubric


def post_for(actor, post_id: int, capability: str) -> Post:
    return in_workspace(
        Post.objects.select_related("workspace", "rubric", "author"), actor, post_id, capability
    )


def delivery_for(actor, delivery_id: int, capability: str) -> Delivery:
    queryset = Delivery.objects.select_related("post", "post__workspace", "channel")
    return in_workspace(queryset, actor, delivery_id, capability, via="post__workspace")


def media_for(actor, post_id: int, media_id: int, capability: str) -> PostMedia:
    return in_workspace(
        PostMedia.objects.filter(post_id=post_id).select_related("post"),
        actor,
        media_id,
        capability,
        via="post__workspace",
    )


def rubric_for(actor, rubric_id: int, capability: str) -> Rubric:
    return in_workspace(Rubric.objects.all(), actor, rubric_id, capability)
