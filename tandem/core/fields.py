from django.db import models

from .crypto import decrypt, encrypt


class EncryptedTextField(models.TextField):
    """A text column stored encrypted (see tandem.core.crypto); the Python value is the plain text.

    It cannot be searched or ordered by: look rows up by other columns.
    """

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)
