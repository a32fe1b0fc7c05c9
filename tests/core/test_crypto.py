import pytest
from cryptography.fernet import Fernet
from django.db import connection, models
from django.test.utils import isolate_apps

from tandem.core import crypto
from tandem.core.fields import EncryptedTextField
from tandem.core.management.commands.rotate_encryption_keys import rotate_all


@pytest.fixture
def keys(settings):
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    crypto.reset_keys()
    yield settings
    crypto.reset_keys()


@pytest.fixture
def secret_model(transactional_db, keys):
    with isolate_apps("tandem.core"):

        class Secret(models.Model):
            label = models.CharField(max_length=20)
            token = EncryptedTextField(null=True)

            class Meta:
                app_label = "core"

        with connection.schema_editor() as editor:
            editor.create_model(Secret)
        yield Secret
        with connection.schema_editor() as editor:
            editor.delete_model(Secret)


def raw_value(model, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_tokens_are_encrypted_at_rest_and_read_back(secret_model):
    row = secret_model.objects.create(label="bot", token="123456:ABC-secret")
    assert "ABC-secret" not in raw_value(secret_model, row.pk)
    assert secret_model.objects.get(pk=row.pk).token == "123456:ABC-secret"
    assert secret_model.objects.create(label="none", token=None).token is None


def test_rotation_keeps_old_values_readable_then_rewrites_them(secret_model, keys, monkeypatch):
    row = secret_model.objects.create(label="bot", token="s3cret")
    old_key = keys.ENCRYPTION_KEYS[0]
    keys.ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]
    crypto.reset_keys()
    assert secret_model.objects.get(pk=row.pk).token == "s3cret"
    assert not crypto.is_current(raw_value(secret_model, row.pk))

    monkeypatch.setattr(
        "tandem.core.management.commands.rotate_encryption_keys.encrypted_fields",
        lambda: [(secret_model, ["token"])],
    )
    assert rotate_all() == 1
    assert crypto.is_current(raw_value(secret_model, row.pk))
    keys.ENCRYPTION_KEYS = keys.ENCRYPTION_KEYS[:1]
    crypto.reset_keys()
    assert secret_model.objects.get(pk=row.pk).token == "s3cret"


def test_a_missing_key_is_a_clear_error(secret_model, keys):
    row = secret_model.objects.create(label="bot", token="s3cret")
    keys.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    crypto.reset_keys()
    with pytest.raises(crypto.DecryptionError, match="rotate_encryption_keys"):
        secret_model.objects.get(pk=row.pk)
