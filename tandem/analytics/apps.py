from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "tandem.analytics"
    label = "analytics"

    def ready(self):
        # Huey's consumer imports only each app's tasks.py; the rollup tasks live beside it.
        from . import rollup_tasks  # noqa: F401
