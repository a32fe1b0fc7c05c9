import os
from getpass import getpass

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from tandem.workspaces.services import create_workspace


class Command(BaseCommand):
    help = (
        "Create a Tandem administrator (site superuser) and optionally their first workspace. The password is "
        "asked for, or read from TANDEM_ADMIN_PASSWORD for scripts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--workspace", help="also create a workspace with this name, owned by the admin")

    def handle(self, *args, email, name, workspace, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"“{email}” is not a valid e-mail address.") from None
        User = get_user_model()
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"An account with {email} already exists.")
        password = os.environ.get("TANDEM_ADMIN_PASSWORD") or getpass("Password: ")
        try:
            password_validation.validate_password(password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        user = User.objects.create_superuser(email, password, name=name)
        self.stdout.write(f"Created administrator {user.email}.")
        if workspace:
            created = create_workspace(user, workspace)
            self.stdout.write(f"Created workspace “{created.name}” at /w/{created.slug}/.")
