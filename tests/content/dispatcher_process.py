"""A worker process for the fault tests: does what the periodic tick does (sweep, then send everything
due) in a loop until nothing happened for ``idle`` seconds. Run as
``python -m tests.content.dispatcher_process BATCH IDLE`` with the product's settings in the environment."""

import sys
import time

import django


def main(batch: int, idle: float) -> None:
    django.setup()
    from tandem.content import publishing

    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < idle:
        if publishing.sweep_interrupted() + publishing.dispatch_due(limit=batch):
            quiet_since = time.monotonic()
        else:
            time.sleep(0.05)


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]))
