from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "tandem.channels"
    label = "channels"
