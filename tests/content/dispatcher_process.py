"""A worker process for the fault tests: does what the periodic tick does (sweep, then send everything
due) in a loop until nothing happened for ``idle`` seconds. Run as
``python -m tests.content.dispatcher_process BATCH IDLE START_AT`` with the product's settings in the environment;
it starts working at the unix time START_AT, so racing workers start together."""

import sys
import time

import django


def main(batch: int, idle: float, start_at: float) -> None:
    django.setup()
    from tandem.content import publishing, recovery

    time.sleep(max(0.0, start_at - time.time()))
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < idle:
        if recovery.sweep_interrupted() + publishing.dispatch_due(limit=batch):
            quiet_since = time.monotonic()
        else:
            time.sleep(0.05)


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]))
