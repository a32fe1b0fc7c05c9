"""Helpers that settings.py needs before Django is set up: generated secrets and the queue."""

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from huey import RedisHuey, SqliteHuey


def data_dir_secret(path: Path, kind: str) -> str:
    """Return the secret stored at ``path``, creating it (mode 0600) the first time.

    ``kind`` is "django" for a secret key or "fernet" for an encryption key. Creation uses O_EXCL so two
    processes starting together agree on one secret.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    value = secrets.token_urlsafe(50) if kind == "django" else Fernet.generate_key().decode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def build_huey(*, redis_url: str, sqlite_path: Path, immediate: bool = False, name: str = "tandem"):
    """The task queue: Redis when a URL is given (many workers on many machines), else a SQLite file."""
    if redis_url:
        return RedisHuey(name, url=redis_url, immediate=immediate, utc=True)
    return SqliteHuey(name, filename=str(sqlite_path), immediate=immediate, utc=True)


# How an idle worker polls the SQLite queue (RedisHuey blocks on the list instead and ignores this): Huey's
# defaults start at 0.1 s and back off to 10 s, so after a quiet minute a webhook's comment could wait
# seconds before a worker looked. Polling every 10 ms, backing off to at most 50 ms, keeps webhook-to-delete
# well under 300 ms; an empty poll is one indexed SELECT on the queue file.
QUEUE_POLLING = {"initial_delay": 0.01, "backoff": 1.15, "max_delay": 0.05}


def prepend_key_to_file(path: Path) -> list[str]:
    """Put a new Fernet key first in the data-dir key file; returns all keys, newest first."""
    keys = [Fernet.generate_key().decode(), *path.read_text().split()]
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(keys) + "\n")
    os.replace(tmp, path)
    return keys


def mailer_from_url(url: str) -> dict:
    """A Django MAILERS entry from EMAIL_URL, in django-environ's schemes: ``consolemail://`` (print mail),
    ``smtp://host:25`` (plain, for a local relay), ``smtps://user:pass@host:587`` or ``smtp+tls://…`` (STARTTLS),
    ``smtp+ssl://user:pass@host:465`` (TLS from the start)."""
    import environ

    parsed = environ.Env.email_url_config(url)
    backend = parsed["EMAIL_BACKEND"]
    if not backend.endswith("smtp.EmailBackend"):
        return {"BACKEND": backend}
    options = {
        "host": parsed["EMAIL_HOST"],
        "port": parsed.get("EMAIL_PORT") or None,
        "username": parsed.get("EMAIL_HOST_USER") or None,
        "password": parsed.get("EMAIL_HOST_PASSWORD") or None,
        "use_tls": bool(parsed.get("EMAIL_USE_TLS")),
        "use_ssl": bool(parsed.get("EMAIL_USE_SSL")),
        "timeout": 20,
    }
    return {"BACKEND": backend, "OPTIONS": options}
