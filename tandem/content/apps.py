from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "tandem.content"
    label = "content"
