from django.urls import path  # noqa: F401

app_name = "analytics"
urlpatterns = [
    # dashboards (tandem/analytics/views/dashboards.py)
    # imports (tandem/analytics/views/imports.py)
    # reports and share links (tandem/analytics/views/reports.py)
]
