"""From a platform name to its connector, built for one channel."""

from django.conf import settings

from .base import Connector


def connector_for(channel) -> Connector:
    if channel.platform == "sandbox":
        from .sandbox.connector import SandboxConnector

        return SandboxConnector(channel.pk)
    if channel.platform == "telegram":
        from .telegram.connector import TelegramConnector

        return TelegramConnector(
            channel.secret_values["token"],
            channel.external_id,
            api_url=settings.TANDEM_TELEGRAM_API_URL,
            chat_type=channel.details.get("type", ""),
        )
    raise ValueError(f"no connector for platform {channel.platform!r}")


def connector_class(platform: str):
    if platform == "sandbox":
        from .sandbox.connector import SandboxConnector

        return SandboxConnector
    from .telegram.connector import TelegramConnector

    return TelegramConnector
