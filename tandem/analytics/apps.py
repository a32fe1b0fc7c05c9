from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "tandem.analytics"
    label = "analytics"

    def ready(self):
        # Huey's consumer imports only each app's tasks.py; the rollup, report and import tasks live beside it.
        from . import import_tasks, report_tasks, rollup_tasks, signals  # noqa: F401
