from rest_framework import serializers

from sales_actions.models import EmailTemplate, SalesEmail, Workspace


class EmailTemplateApproveSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        help_text=(
            "The version you reviewed. It must be the template's current submitted version, "
            "else 409 (a newer submission is never approved unseen)."
        ),
    )


class WorkspaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Workspace
        fields = ["id", "name", "description", "created_at"]
        read_only_fields = ["id", "created_at"]


class EmailTemplateSerializer(serializers.ModelSerializer):
    workspace = serializers.PrimaryKeyRelatedField(queryset=Workspace.objects.all())
    approved_by = serializers.IntegerField(source="approved_by_id", read_only=True, allow_null=True)
    owner = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True)

    class Meta:
        model = EmailTemplate
        fields = [
            "id",
            "name",
            "workspace",
            "kind",
            "subject",
            "body_html",
            "body_text",
            "status",
            "version",
            "lineage",
            "owner",
            "submitted_at",
            "approved_by",
            "approved_at",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "body_text",
            "status",
            "version",
            "lineage",
            "owner",
            "submitted_at",
            "approved_by",
            "approved_at",
            "archived_at",
            "created_at",
            "updated_at",
        ]


class AttachmentInSerializer(serializers.Serializer):
    filename = serializers.CharField(max_length=200)
    content_base64 = serializers.CharField()


class SalesEmailSendSerializer(serializers.Serializer):
    template = serializers.IntegerField()
    contact_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    account = serializers.IntegerField(required=False)
    opportunity = serializers.IntegerField(required=False)
    cc = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    bcc = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    personal_note = serializers.CharField(required=False, allow_blank=True, default="")
    include_signature = serializers.BooleanField(required=False, default=True)
    attachments = AttachmentInSerializer(many=True, required=False, default=list)
    idempotency_key = serializers.CharField(required=False, max_length=80)
    dry_run = serializers.BooleanField(required=False, default=False)
    subscription_list = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text=(
            "A marketing email only: send to this subscription list's members (alone), or "
            "only to those of the given recipients who are on it."
        ),
    )


class RecipientResultSerializer(serializers.Serializer):
    contact_id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()
    status = serializers.ChoiceField(choices=["queued", "skipped"])
    reason = serializers.CharField()
    sales_email_id = serializers.IntegerField(allow_null=True)


class SendResultSerializer(serializers.Serializer):
    batch = serializers.CharField(allow_null=True)
    template = serializers.IntegerField()
    queued = serializers.IntegerField()
    skipped = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    recipients = RecipientResultSerializer(many=True)


class SalesEmailSerializer(serializers.ModelSerializer):
    sender_name = serializers.SerializerMethodField()
    template_name = serializers.CharField(
        source="template.name",
        read_only=True,
        allow_null=True,
        help_text="Null for a personal email written without a template.",
    )
    opened_is_bot = serializers.SerializerMethodField()
    clicked_is_bot = serializers.SerializerMethodField()

    class Meta:
        model = SalesEmail
        fields = [
            "id",
            "message_id",
            "template",
            "template_name",
            "kind",
            "sender",
            "sender_name",
            "contact",
            "account",
            "to_email",
            "subject",
            "status",
            "error",
            "attempts",
            "queued_at",
            "sent_at",
            "opened_at",
            "clicked_at",
            "replied_at",
            "auto_replied_at",
            "open_count",
            "click_count",
            "bot_open_count",
            "bot_click_count",
            "opened_is_bot",
            "clicked_is_bot",
        ]
        read_only_fields = fields

    def get_sender_name(self, obj) -> str:
        return obj.sender.display_name if obj.sender_id else ""

    def get_opened_is_bot(self, obj) -> bool:
        """True when the message was only ever opened by machines."""
        return obj.opened_at is None and obj.bot_open_count > 0

    def get_clicked_is_bot(self, obj) -> bool:
        """True when every click on the message came from machines."""
        return obj.clicked_at is None and obj.bot_click_count > 0
