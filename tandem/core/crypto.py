"""Encryption of stored secrets (platform tokens) with key rotation.

Fernet (AES-128-CBC + HMAC-SHA256) from the cryptography package; MultiFernet tries every configured key,
so after a new key is put first, old values still decrypt until ``tandem rotate_encryption_keys`` rewrites
them with the new one.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """No configured key opens this value: a key was removed before rotation finished."""


@cache
def _keys() -> MultiFernet:
    if not settings.ENCRYPTION_KEYS:
        raise RuntimeError("TANDEM_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(key.encode()) for key in settings.ENCRYPTION_KEYS])


def reset_keys() -> None:
    """Forget the cached keys (after settings.ENCRYPTION_KEYS changed)."""
    _keys.cache_clear()


def encrypt(plaintext: str) -> str:
    return _keys().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _keys().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "A stored secret cannot be decrypted with the configured TANDEM_ENCRYPTION_KEYS; "
            "was a key removed before `tandem rotate_encryption_keys` ran?"
        ) from None


def is_current(token: str) -> bool:
    """Whether ``token`` was encrypted with the newest key."""
    try:
        Fernet(settings.ENCRYPTION_KEYS[0].encode()).decrypt(token.encode())
    except InvalidToken:
        return False
    return True
