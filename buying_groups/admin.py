from django.contrib import admin

from buying_groups.models import (
    BuyingGroup,
    GenerationJob,
    Member,
    RoleTemplate,
    Stage,
    Summary,
    TemplateRole,
)


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    """Admins edit the ordered list of stages here (position orders it)."""

    list_display = ["label", "key", "position"]
    list_editable = ["position"]
    ordering = ["position", "id"]


class TemplateRoleInline(admin.TabularInline):
    model = TemplateRole
    extra = 0


@admin.register(RoleTemplate)
class RoleTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "solution_interest", "updated_at"]
    inlines = [TemplateRoleInline]


@admin.register(BuyingGroup)
class BuyingGroupAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "account",
        "solution_interest",
        "stage",
        "member_count",
        "engagement_score",
        "completeness_score",
    ]
    list_filter = ["stage", "solution_interest"]
    raw_id_fields = ["account"]
    readonly_fields = [
        "member_count",
        "engagement_score",
        "completeness_score",
        "scores_computed_at",
    ]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["group", "contact", "role", "source", "added_at"]
    raw_id_fields = ["group", "contact"]


@admin.register(GenerationJob)
class GenerationJobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "role_template",
        "solution_interest",
        "status",
        "groups_created",
        "members_added",
        "skipped_count",
        "created_at",
    ]


@admin.register(Summary)
class SummaryAdmin(admin.ModelAdmin):
    list_display = ["subject", "object_id", "backend", "generated_at"]
