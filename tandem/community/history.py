"""What the engine may ask about the past (its History protocol), answered from the stored comments.

Both counts include the comment under review, which is stored before it is reviewed. Each is one indexed
query: by author (comment_author_idx, reached through the author's unique key) and by fingerprint (its own
index).
"""

from datetime import datetime

from .models import Comment


class CommentHistory:
    """tandem.moderation.engine.History over one workspace's comments."""

    def __init__(self, workspace_id: int, until: datetime | None = None):
        # Messages after ``until`` (the reviewed message's time) do not count: re-reviewing an edited comment
        # must not hold later messages against it.
        self.workspace_id = workspace_id
        self.until = until

    def _window(self, since: datetime) -> dict:
        return {"sent_at__gte": since, **({"sent_at__lte": self.until} if self.until else {})}

    def messages_by_author(self, author_id: str, since: datetime, channel_key: str) -> int:
        """How many messages the author (external id) sent in the chat ``channel_key`` since ``since``."""
        return Comment.objects.filter(
            author__workspace_id=self.workspace_id,
            author__external_id=author_id,
            chat_id=channel_key,
            from_team=False,
            **self._window(since),
        ).count()

    def authors_with_fingerprint(self, fingerprint: str, since: datetime) -> int:
        """How many different authors sent a text with this fingerprint since ``since``."""
        if not fingerprint:
            return 0
        return (
            Comment.objects.filter(
                workspace_id=self.workspace_id,
                fingerprint=fingerprint,
                from_team=False,
                **self._window(since),
            )
            .values("author_id")
            .distinct()
            .count()
        )
