"""Uploaded images: checked by decoding them with Pillow, never trusting the file name or browser type."""

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from tandem.core.errors import ServiceError

from .models import Post, PostMedia

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_MEDIA_PER_POST = 10
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


def inspect_image(upload) -> tuple[str, int, int]:
    """(mime, width, height) of an uploaded image, or a ServiceError naming the file."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ServiceError(_("%(name)s is larger than 20 MB.") % {"name": upload.name})
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ServiceError(_("%(name)s is not an image Tandem can read.") % {"name": upload.name}) from None
    if kind not in FORMATS:
        raise ServiceError(
            _("%(name)s is a %(kind)s file; use JPEG, PNG, WebP or GIF.")
            % {"name": upload.name, "kind": kind}
        )
    upload.seek(0)
    return FORMATS[kind], width, height


def attach_media(post: Post, uploads) -> list[PostMedia]:
    """Store uploaded images on the post after checking every one (all or none)."""
    existing = post.media.count()
    if existing + len(uploads) > MAX_MEDIA_PER_POST:
        raise ServiceError(_("A post can have at most %(limit)d images.") % {"limit": MAX_MEDIA_PER_POST})
    checked = [(upload, *inspect_image(upload)) for upload in uploads]
    created = []
    for position, (upload, mime, width, height) in enumerate(checked, start=existing):
        item = PostMedia(
            post=post,
            original_name=upload.name[:255],
            mime=mime,
            size=upload.size,
            width=width,
            height=height,
            position=position,
        )
        item.file.save(item.original_name, upload, save=False)
        item.save()
        created.append(item)
    return created
