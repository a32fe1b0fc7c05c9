"""What exactly goes to a channel for a post: its variant's text and images, checked against the platform."""

from django.utils.translation import gettext as _

from tandem.platforms.base import Limits, MediaFile, OutgoingPost, utf16_length

from .models import Delivery, Post, PostMedia, Variant


def text_and_media(post: Post, variant: Variant | None) -> tuple[str, list[PostMedia]]:
    media = list(post.media.all())
    if variant is None:
        return post.text, media
    if variant.media_ids is not None:
        wanted = set(variant.media_ids)
        media = [m for m in media if m.pk in wanted]
    return (variant.text or post.text), media


def limit_problems(text: str, media: list, limits: Limits) -> list[str]:
    """Sentences naming every platform limit the content breaks (empty = fine)."""
    problems = []
    length = utf16_length(text)
    if media:
        if length > limits.caption_max:
            problems.append(
                _("The text is %(length)d characters; with images the limit is %(limit)d.")
                % {"length": length, "limit": limits.caption_max}
            )
    elif length > limits.text_max:
        problems.append(
            _("The text is %(length)d characters; the limit is %(limit)d.")
            % {"length": length, "limit": limits.text_max}
        )
    elif not text.strip():
        problems.append(_("The post has neither text nor images."))
    if len(media) > limits.media_max:
        problems.append(
            _("%(count)d images; at most %(limit)d.") % {"count": len(media), "limit": limits.media_max}
        )
    for item in media:
        if item.mime not in limits.media_types:
            problems.append(
                _("%(name)s: this file type cannot be published here.") % {"name": item.original_name}
            )
        if item.size > limits.media_max_bytes:
            problems.append(
                _("%(name)s is larger than %(limit)d MB.")
                % {"name": item.original_name, "limit": limits.media_max_bytes // (1024 * 1024)}
            )
    return problems


def prepare(delivery: Delivery) -> tuple[OutgoingPost, list[str]]:
    """The post as this delivery's channel gets it, and the platform limits it breaks (if any)."""
    from tandem.platforms.registry import connector_class

    # Reads the post's variants and media through .all() so a prefetch (the engine's claim) serves them.
    variant = next((v for v in delivery.post.variants.all() if v.channel_id == delivery.channel_id), None)
    text, media = text_and_media(delivery.post, variant)
    files = tuple(MediaFile(path=m.file.path, mime=m.mime, name=m.original_name) for m in media)
    problems = limit_problems(text, media, connector_class(delivery.channel.platform).limits)
    return OutgoingPost(text=text, media=files, key=delivery.key.hex), problems
