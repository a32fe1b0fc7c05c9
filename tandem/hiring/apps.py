from django.apps import AppConfig


class HiringConfig(AppConfig):
    name = "tandem.hiring"
    label = "hiring"
