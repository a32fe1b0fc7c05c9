from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("SMM manager")
    ADMINISTRATOR = "administrator", _("Administrator")
    GUEST = "guest", _("Guest")
    CLIENT = "client", _("Client")
