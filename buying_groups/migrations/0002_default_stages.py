from django.db import migrations

DEFAULT_STAGES = [
    ("awareness", "Awareness"),
    ("interest", "Interest"),
    ("consideration", "Consideration"),
    ("decision", "Decision"),
    ("purchase", "Purchase"),
]


def add_stages(apps, schema_editor):
    Stage = apps.get_model("buying_groups", "Stage")
    for position, (key, label) in enumerate(DEFAULT_STAGES):
        Stage.objects.get_or_create(key=key, defaults={"label": label, "position": position})


class Migration(migrations.Migration):
    dependencies = [("buying_groups", "0001_initial")]

    operations = [migrations.RunPython(add_stages, migrations.RunPython.noop)]
