from django.db import migrations, models


class Migration(migrations.Migration):
    """Share links keep only a hash of their token (the link is shown once, when made)."""

    dependencies = [("analytics", "0001_initial")]

    operations = [
        migrations.RenameField(model_name="sharelink", old_name="token", new_name="token_hash"),
        migrations.AlterField(
            model_name="sharelink", name="token_hash", field=models.CharField(max_length=64, unique=True)
        ),
    ]
