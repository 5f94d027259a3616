import uuid

import factory
from factory.django import DjangoModelFactory

from sales_actions.models import EmailTemplate, Workspace


class WorkspaceFactory(DjangoModelFactory):
    class Meta:
        model = Workspace
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Workspace {n}")


class EmailTemplateFactory(DjangoModelFactory):
    """An approved sales template (pass status="draft" etc. for other states)."""

    class Meta:
        model = EmailTemplate

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Follow-up {n}")
    kind = EmailTemplate.Kind.SALES
    subject = 'Hello {{ contact.first_name|default:"there" }}'
    body_html = (
        '<p>Hi {{ contact.first_name|default:"there" }},</p>'
        '<p>How is {{ account.name|default:"your team" }}? '
        '<a href="https://example.com/guide?x=1">Read the guide</a> or '
        '<a href="https://example.com/pricing">see pricing</a>.</p>'
    )
    body_text = ""
    status = EmailTemplate.Status.APPROVED
    lineage = factory.LazyFunction(uuid.uuid4)
    version = 1
