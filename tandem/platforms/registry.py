"""From a platform name to its connector, built for one channel."""

from django.conf import settings
from django.utils.translation import gettext as _

from .base import Connector, ConnectorError, ErrorKind


def connector_for(channel) -> Connector:
    if channel.platform == "sandbox":
        from .sandbox.connector import SandboxConnector

        return SandboxConnector(channel.pk)
    if channel.platform == "telegram":
        from .telegram.connector import TelegramConnector

        token = channel.secret_values.get("token")
        if not token:
            raise ConnectorError(
                ErrorKind.PERMANENT, _("The channel has no bot token (it was removed)."), channel_broken=True
            )
        return TelegramConnector(
            token,
            channel.external_id,
            api_url=settings.TANDEM_TELEGRAM_API_URL,
            chat_type=channel.details.get("type", ""),
        )
    raise ValueError(f"no connector for platform {channel.platform!r}")


def connector_class(platform: str):
    if platform == "sandbox":
        from .sandbox.connector import SandboxConnector

        return SandboxConnector
    if platform == "telegram":
        from .telegram.connector import TelegramConnector

        return TelegramConnector
    raise ValueError(f"no connector for platform {platform!r}")
