"""Set up one publishing benchmark run in the database named by the environment (run by bench/publish.py).

Creates a workspace, ``channels`` Telegram channels on the given bot tokens and chats, and ``posts`` posts
spread over them, all due at one instant, each waking the engine through the real queue as scheduling does.
Rows are bulk-inserted: the benchmark measures publishing, not the composer.
"""

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import django


def main(spec_path: str) -> None:
    django.setup()
    from django.db import transaction

    from tandem.channels.models import Channel, Platform
    from tandem.content.models import Delivery, Post
    from tandem.content.tasks import wake_at
    from tandem.workspaces.models import Workspace

    spec = json.loads(Path(spec_path).read_text())
    due = datetime.fromtimestamp(spec["due"], tz=UTC)
    with transaction.atomic():
        workspace = Workspace.objects.create(name="Bench", slug="bench")
        channels = []
        for n, (token, chat_id) in enumerate(spec["chats"]):
            channel = Channel(
                workspace=workspace, platform=Platform.TELEGRAM, name=f"c{n}", external_id=str(chat_id)
            )
            channel.secret_values = {"token": token}
            channels.append(channel)
        Channel.objects.bulk_create(channels, batch_size=500)
        posts = Post.objects.bulk_create(
            [
                Post(workspace=workspace, text=f"Bench post {n}", status="approved", planned_at=due)
                for n in range(spec["posts"])
            ],
            batch_size=500,
        )
        Delivery.objects.bulk_create(
            [
                Delivery(post=post, channel=channels[n % len(channels)], due_at=due, next_attempt_at=due)
                for n, post in enumerate(posts)
            ],
            batch_size=500,
        )
    for _post in posts:
        wake_at(due)  # one wake-up per scheduled post, as the composer's scheduling does


if __name__ == "__main__":
    main(sys.argv[1])
