import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import AccountFactory, ProductFactory
from buying_groups.models import BuyingGroup, Member, RoleTemplate, Stage, TemplateRole
from buying_groups.services.groups import stages_ensure_defaults


def stage(key="awareness"):
    # Transactional tests flush the table the data migration filled; put the defaults back.
    stages_ensure_defaults()
    return Stage.objects.get(key=key)


class RoleTemplateFactory(DjangoModelFactory):
    class Meta:
        model = RoleTemplate

    name = factory.Sequence(lambda n: f"Template {n}")
    solution_interest = factory.SubFactory(ProductFactory)


class TemplateRoleFactory(DjangoModelFactory):
    class Meta:
        model = TemplateRole

    template = factory.SubFactory(RoleTemplateFactory)
    name = factory.Sequence(lambda n: f"Role {n}")
    weight = 1
    conditions = factory.LazyFunction(list)


class BuyingGroupFactory(DjangoModelFactory):
    class Meta:
        model = BuyingGroup

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Group {n}")
    role_template = factory.SubFactory(RoleTemplateFactory)
    solution_interest = factory.LazyAttribute(
        lambda o: o.role_template.solution_interest or ProductFactory()
    )
    stage = factory.LazyFunction(stage)


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member

    group = factory.SubFactory(BuyingGroupFactory)
    contact = factory.SubFactory("accounts.tests.factories.ContactFactory")
    role = factory.SubFactory(TemplateRoleFactory)
