from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "tandem.platforms.sandbox"
    label = "sandbox"
    verbose_name = "Sandbox platform"
