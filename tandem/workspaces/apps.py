from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "tandem.workspaces"
    label = "workspaces"
