from django.conf import settings


def client_ip(request) -> str:
    """The visitor's address for the sign-in lockout.

    Behind ``TANDEM_PROXY_COUNT`` trusted reverse proxies, each appends the address it saw to X-Forwarded-For,
    so the client is that many entries from the right; anything further left could be forged by the client.
    Written here because django-ipware's proxy-count rules changed between major versions and axes ties
    its settings to them; the rule itself is two lines.
    """
    count = settings.TANDEM_PROXY_COUNT
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")
