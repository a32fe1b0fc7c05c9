import re

from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


def sign_in(client, email, password):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR="10.1.1.1")


def test_sign_in_with_email_and_out(team, client):
    response = sign_in(client, "Manager@Acme.test", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("workspaces:dashboard", args=["acme"])).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("workspaces:dashboard", args=["acme"])).status_code == 302


def test_wrong_password_says_so_without_saying_which_part(team, client):
    response = sign_in(client, "manager@acme.test", "nope")
    assert response.status_code == 200
    assert (
        "correct email" in response.content.decode().lower()
        or "enter a correct" in response.content.decode().lower()
    )


def test_password_guessing_is_locked_out_even_with_the_right_password(team, client):
    for _ in range(5):
        sign_in(client, "manager@acme.test", "guess")
    response = sign_in(client, "manager@acme.test", PASSWORD)
    assert response.status_code == 429
    assert "15 minutes" in response.content.decode()
    # Another account from the same address is not locked.
    assert sign_in(client, "guest@acme.test", PASSWORD).status_code == 302


def test_password_reset_by_email(team, client):
    response = client.post(reverse("accounts:password_reset"), {"email": "guest@acme.test"})
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["guest@acme.test"]
    link = re.search(r"(/accounts/password-reset/[^/]+/[^/]+/)", mail.outbox[-1].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    new = "a brand new passphrase"
    response = client.post(set_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert sign_in(client, "guest@acme.test", new).status_code == 302
    # The link works once.
    again = client.get(link, follow=True)
    assert 'data-testid="reset-link-invalid"' in again.content.decode()


def test_password_reset_for_unknown_email_reveals_nothing(db, client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_preferences_change_language_and_time_zone(team, client_as):
    client = client_as(team.manager)
    response = client.post(
        reverse("accounts:preferences"),
        {"name": "Maria", "language": "ru", "time_zone": "Asia/Yekaterinburg"},
    )
    assert response.status_code == 302
    team.manager.refresh_from_db()
    assert (team.manager.language, team.manager.time_zone) == ("ru", "Asia/Yekaterinburg")
    page = client.get(reverse("accounts:preferences"))
    assert '<html lang="ru">' in page.content.decode()


def test_preferences_reject_an_unknown_time_zone(team, client_as):
    client = client_as(team.manager)
    response = client.post(
        reverse("accounts:preferences"), {"name": "M", "language": "en", "time_zone": "Nowhere/City"}
    )
    assert response.status_code == 400
    team.manager.refresh_from_db()
    assert team.manager.time_zone == "UTC"


def test_anonymous_visitor_switches_language(client, db):
    client.post(reverse("set_language"), {"language": "ru", "next": LOGIN})
    assert '<html lang="ru">' in client.get(LOGIN).content.decode()


def test_security_headers(client, db):
    response = client.get(LOGIN)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'nonce="{nonce}"' in response.content.decode()


def test_forms_require_csrf(team):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(team.owner, backend="django.contrib.auth.backends.ModelBackend")
    response = strict.post(reverse("workspaces:create"), {"name": "X", "time_zone": "UTC"})
    assert response.status_code == 403


def test_behind_a_proxy_the_lockout_uses_the_forwarded_address(team, client, settings):
    settings.TANDEM_PROXY_COUNT = 1

    def attempt(password, forwarded):
        return client.post(
            LOGIN,
            {"username": "manager@acme.test", "password": password},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"10.9.9.9, {forwarded}",  # the left part is forgeable and ignored
        )

    for _ in range(5):
        attempt("guess", "203.0.113.7")
    assert attempt(PASSWORD, "203.0.113.7").status_code == 429
    # The real person at another address behind the same proxy still gets in.
    assert attempt(PASSWORD, "198.51.100.20").status_code == 302
