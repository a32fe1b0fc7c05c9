from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from tandem.core.views import health, public_view

urlpatterns = [
    path("", include("tandem.workspaces.urls")),
    path("w/<slug:slug>/content/", include("tandem.content.urls")),
    path("w/<slug:slug>/channels/", include("tandem.channels.urls")),
    path("w/<slug:slug>/notifications/", include("tandem.notifications.urls")),
    path("w/<slug:slug>/community/", include("tandem.community.urls")),
    path("w/<slug:slug>/moderation/", include("tandem.moderation.urls")),
    path("w/<slug:slug>/analytics/", include("tandem.analytics.urls")),
    path("accounts/", include("tandem.accounts.urls")),
    path("hire/", include("tandem.hiring.urls")),
    path("i18n/setlang/", public_view(set_language), name="set_language"),
    path("healthz", health, name="health"),
    path("hooks/", include("tandem.community.webhooks")),
    path("admin/", admin.site.urls),
]
