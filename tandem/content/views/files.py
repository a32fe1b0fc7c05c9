"""Uploaded images, served only to members who may see the post's workspace."""

from django.http import FileResponse, HttpResponseGone
from django.utils.translation import gettext as _

from tandem.workspaces.access import workspace_view

from ..access import media_for
from ..models import PostMedia


@workspace_view("content.view")
def media_file(request, post_id, media_id):
    item = media_for(request.membership, post_id, media_id, "content.view")
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError):
        # The row exists but the file is gone (a restored backup without media, a disk problem): say so.
        return HttpResponseGone(
            _("This image is missing from the server's storage."), content_type="text/plain; charset=utf-8"
        )
    image = item.mime in PostMedia.EXTENSIONS
    response = FileResponse(
        handle,
        content_type=item.mime if image else "application/octet-stream",
        as_attachment=not image,
        filename=item.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
