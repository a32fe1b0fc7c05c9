from django.urls import path

from .views import dashboards

app_name = "analytics"
urlpatterns = [
    # dashboards (tandem/analytics/views/dashboards.py)
    path("", dashboards.dashboard, name="dashboard"),
    path("channels/<int:channel_id>/", dashboards.channel, name="channel"),
    # imports (tandem/analytics/views/imports.py)
    # reports and share links (tandem/analytics/views/reports.py)
]
