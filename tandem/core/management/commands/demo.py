from django.core.management import call_command
from django.core.management.base import BaseCommand

from tandem.analytics.demo import fill_history
from tandem.workspaces.demo import DEMO_PASSWORD, DEMO_USERS, load_demo


class Command(BaseCommand):
    help = "Create or refresh the demo workspace with one user per role (safe to run again)."

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        workspace = load_demo()
        fill_history(workspace)  # 90 days of analytics for the sandbox channel (once)
        self.stdout.write(f"Demo workspace “{workspace.name}”. Sign in at http://127.0.0.1:8000/ as:")
        for email, _name, role, _language in DEMO_USERS:
            self.stdout.write(f"  {role.label:<14} {email:<22} password: {DEMO_PASSWORD}")
