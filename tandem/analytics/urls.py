from django.urls import path

from .views import dashboards, imports
from .views import reports as report_views

app_name = "analytics"
urlpatterns = [
    # dashboards (tandem/analytics/views/dashboards.py)
    path("", dashboards.dashboard, name="dashboard"),
    path("channels/<int:channel_id>/", dashboards.channel, name="channel"),
    # imports (tandem/analytics/views/imports.py)
    path("imports/", imports.imports, name="imports"),
    path("imports/<int:run_id>/", imports.import_run, name="import"),
    # reports and share links (tandem/analytics/views/reports.py)
    path("reports/", report_views.reports, name="reports"),
    path("reports/new/", report_views.report_new, name="report_new"),
    path("reports/<int:report_id>/", report_views.report, name="report"),
    path("reports/<int:report_id>/edit/", report_views.report_edit, name="report_edit"),
    path("reports/<int:report_id>/delete/", report_views.report_delete, name="report_delete"),
    path("reports/<int:report_id>/download/<str:fmt>/", report_views.report_download, name="report_download"),
    path("reports/<int:report_id>/share/", report_views.report_share, name="report_share"),
    path("share-links/<int:link_id>/revoke/", report_views.share_revoke, name="share_revoke"),
    path("download/<str:fmt>/", report_views.dashboard_download, name="dashboard_download"),
]
