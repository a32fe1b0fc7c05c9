from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from tandem.analytics.views import share as shared_reports
from tandem.core.views import health, public_view

urlpatterns = [
    path("", include("tandem.workspaces.urls")),
    path("w/<slug:slug>/content/", include("tandem.content.urls")),
    path("w/<slug:slug>/channels/", include("tandem.channels.urls")),
    path("w/<slug:slug>/notifications/", include("tandem.notifications.urls")),
    path("w/<slug:slug>/community/", include("tandem.community.urls")),
    path("w/<slug:slug>/moderation/", include("tandem.moderation.urls")),
    path("w/<slug:slug>/analytics/", include("tandem.analytics.urls")),
    path("share/<str:share_token>/", shared_reports.shared_report, name="shared_report"),
    path(
        "share/<str:share_token>/download/<str:fmt>/",
        shared_reports.shared_report_download,
        name="shared_report_download",
    ),
    path("accounts/", include("tandem.accounts.urls")),
    path("hire/", include("tandem.hiring.urls")),
    path("i18n/setlang/", public_view(set_language), name="set_language"),
    path("healthz", health, name="health"),
    path("hooks/", include("tandem.community.webhooks")),
    path("admin/", admin.site.urls),
]
