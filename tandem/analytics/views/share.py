"""A report opened by its share link, by anyone who has the link: that one report and its files, nothing of
the workspace around it (no navigation, no other reports, no links in), kept out of search engines."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from tandem.core.views import public_view

from .. import report_services
from ..report_services import ShareLinkClosed
from .reports import check_format, file_response

SHARED_FORMATS = ("pdf", "xlsx")
PRIVATE_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "private, no-store",
    # The token is in the address: never send it on to another site.
    "Referrer-Policy": "no-referrer",
}


def _open(request, share_token):
    """The shared report's link, or the page that says why it no longer opens (410) or never did (404)."""
    try:
        link = report_services.open_share_link(share_token)
    except ShareLinkClosed as closed:
        return None, _closed(request, closed.reason, 410)
    if link is None:
        return None, _closed(
            request, _("There is no report at this address. Check the link you were sent."), 404
        )
    return link, None


def _closed(request, reason: str, status: int):
    return _private(render(request, "analytics/share_closed.html", {"reason": reason}, status=status))


def _private(response):
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response


@public_view
def shared_report(request, share_token):
    link, closed = _open(request, share_token)
    if closed:
        return closed
    report = link.report
    period = report_services.report_period(report)
    return _private(
        render(
            request,
            "analytics/share.html",
            {
                "report": report,
                "link": link,
                "share_token": share_token,
                "period": period,
                "channels": list(report.channels.all()),
                "sections": report_services.report_sections(report, period),
                "formats": SHARED_FORMATS,
            },
        )
    )


@public_view
def shared_report_download(request, share_token, fmt):
    check_format(fmt, SHARED_FORMATS)
    link, closed = _open(request, share_token)
    if closed:
        return closed
    report = link.report
    content = report_services.report_content(report, report_services.report_period(report))
    return _private(file_response(content, fmt))
