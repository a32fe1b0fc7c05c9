from django.core.management import call_command
from django.core.management.base import BaseCommand

from tandem.core.bootstrap import QUEUE_POLLING


class Command(BaseCommand):
    help = (
        "Run a task worker (Huey consumer). Run several on several machines against Redis; give all but one "
        "--no-periodic so periodic ticks are not multiplied."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=4, help="tasks run at once (default %(default)s)")
        parser.add_argument(
            "--worker-type",
            choices=["process", "thread"],
            default="process",
            help="processes use every CPU core (default); threads use less memory",
        )
        parser.add_argument("--no-periodic", action="store_true", help="do not run periodic tasks here")

    def handle(self, *args, workers, worker_type, no_periodic, **options):
        call_command(
            "run_huey", workers=workers, worker_type=worker_type, periodic=not no_periodic, **QUEUE_POLLING
        )
