import django.db.models.deletion
from django.db import migrations, models

COVERING = (
    "CREATE INDEX commenter_day_idx ON analytics_commenterday (workspace_id, channel_id, date) "
    "INCLUDE (since, first_here, authors)"
)


INDEX = models.Index(fields=["workspace", "channel", "date"], name="commenter_day_idx")


def create_index(apps, schema_editor):
    """On PostgreSQL the index also carries the figures (INCLUDE), so a period's sums read it alone."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(COVERING)
    else:
        schema_editor.add_index(apps.get_model("analytics", "CommenterDay"), INDEX)


def drop_index(apps, schema_editor):
    schema_editor.remove_index(apps.get_model("analytics", "CommenterDay"), INDEX)


class Migration(migrations.Migration):
    """CommenterDay: distinct commenters over any period, summed from days (see the model)."""

    dependencies = [
        ("analytics", "0002_share_link_token_hash"),
        ("channels", "0001_initial"),
        ("workspaces", "0002_workspace_approval_required"),
    ]

    operations = [
        migrations.CreateModel(
            name="CommenterDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField()),
                ("since", models.DateField()),
                ("first_here", models.BooleanField()),
                ("authors", models.PositiveIntegerField()),
                (
                    "channel",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="commenter_days",
                        to="channels.channel",
                    ),
                ),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="commenter_days",
                        to="workspaces.workspace",
                    ),
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="commenterday", index=INDEX)],
            database_operations=[migrations.RunPython(create_index, drop_index)],
        ),
    ]
