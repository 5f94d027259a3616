"""Seed the call outcome list with the usual entries (an admin edits them afterwards)."""

from django.db import migrations

OUTCOMES = [
    ("Meeting booked", "A meeting or demo is on the calendar."),
    ("Interested: follow up", "Wants to hear more; call or email again."),
    ("Call back later", "Asked to be called at another time."),
    ("Not interested", "Declined for now."),
    ("Left voicemail", "No answer; a message was left."),
    ("No answer", "Nobody picked up and no message was left."),
    ("Gatekeeper", "Reached an assistant or switchboard, not the person."),
    ("Wrong contact", "Not the right person or the number is not theirs."),
    ("Do not call", "Asked not to be called again."),
]


def seed(apps, schema_editor):
    CallOutcome = apps.get_model("sales_actions", "CallOutcome")
    for position, (name, description) in enumerate(OUTCOMES, start=1):
        CallOutcome.objects.get_or_create(
            name=name, defaults={"description": description, "position": position * 10}
        )


def unseed(apps, schema_editor):
    CallOutcome = apps.get_model("sales_actions", "CallOutcome")
    CallOutcome.objects.filter(name__in=[n for n, _ in OUTCOMES], calls__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("sales_actions", "0007_calls")]

    operations = [migrations.RunPython(seed, unseed)]
