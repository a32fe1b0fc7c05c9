from django.db import migrations

COVERING = (
    "CREATE INDEX comment_channel_idx ON community_comment (channel_id, sent_at DESC) "
    "INCLUDE (author_id, from_team, parent_id)"
)
PLAIN = "CREATE INDEX comment_channel_idx ON community_comment (channel_id, sent_at DESC)"
# The team's replies (one comment in many) per channel and time, with the comment each answers: the first
# response time and the share answered start from these few rows.
TEAM_REPLIES = (
    "CREATE INDEX comment_team_reply_idx ON community_comment (channel_id, sent_at) INCLUDE (parent_id) "
    "WHERE from_team"
)


def _recreate(sql, team_replies: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("DROP INDEX IF EXISTS comment_channel_idx")
            schema_editor.execute(sql)
            schema_editor.execute("DROP INDEX IF EXISTS comment_team_reply_idx")
            if team_replies:
                schema_editor.execute(TEAM_REPLIES)

    return run


class Migration(migrations.Migration):
    """On PostgreSQL, comment_channel_idx (channel, -sent_at) also carries (INCLUDE) the author, from_team and
    parent, so the analytics' counts of a period's comments per channel read the index alone, and a partial
    index holds the team's replies. Same name and key columns, so the model's state is unchanged; other
    databases keep the plain index."""

    dependencies = [("community", "0003_comment_imported")]

    operations = [migrations.RunPython(_recreate(COVERING, True), _recreate(PLAIN, False))]
