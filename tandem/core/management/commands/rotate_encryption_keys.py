from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tandem.core import crypto
from tandem.core.bootstrap import prepend_key_to_file
from tandem.core.fields import EncryptedTextField


def encrypted_fields():
    """(model, [field names]) for every model with an encrypted column."""
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            yield model, names


def rotate_all() -> int:
    """Re-encrypt every stored secret with the newest key; returns how many rows were rewritten."""
    rewritten = 0
    for model, names in encrypted_fields():
        with transaction.atomic():
            for obj in model._default_manager.select_for_update().iterator(chunk_size=500):
                # Loading decrypts with whichever key fits; saving encrypts with the first key.
                obj.save(update_fields=names)
                rewritten += 1
    return rewritten


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key of TANDEM_ENCRYPTION_KEYS. With --new-key (keys kept "
        "in the data directory only), first generate a new key and put it first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--new-key", action="store_true", help="generate a new key in the data directory first"
        )

    def handle(self, *args, new_key=False, **options):
        if new_key:
            if settings.ENCRYPTION_KEYS_FROM_ENV:
                raise CommandError(
                    "TANDEM_ENCRYPTION_KEYS is set in the environment: put a new key first there "
                    "(generate one with `tandem generate_encryption_key`), restart, then run this without --new-key."
                )
            settings.ENCRYPTION_KEYS = prepend_key_to_file(settings.DATA_DIR / "encryption_keys")
            crypto.reset_keys()
        count = rotate_all()
        self.stdout.write(f"Re-encrypted {count} row(s) with the newest key. Older keys may now be removed.")
