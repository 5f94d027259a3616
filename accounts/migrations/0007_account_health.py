"""Account health on the rollup row, where the target-accounts page sorts it.

Written only by the analytics health worker (analytics.insights.health); the rollup
refresh names its own columns and leaves these alone. Adding the columns is cheap on
PostgreSQL 11+ (constant defaults, no table rewrite); the first health pass fills them.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_opportunity_stage_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="accountrollup",
            name="health_computed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="accountrollup",
            name="health_inputs",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="accountrollup",
            name="health_score",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name="accountrollup",
            index=models.Index(
                condition=models.Q(("is_target", True)),
                fields=["health_score", "account"],
                name="rollup_t_health",
            ),
        ),
    ]
