from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "tandem.moderation"
    label = "moderation"
