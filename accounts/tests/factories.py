import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import (
    Account,
    Activity,
    Campaign,
    Contact,
    ContactAccount,
    Lead,
    Note,
    Opportunity,
    Product,
    Task,
    Team,
    User,
    buying_roles_to_mask,
)


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.username}@hub.example")
    role = User.Role.SALES_REP
    password = factory.PostGenerationMethodCall("set_password", "pass-1234!")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    channel = Campaign.Channel.EMAIL
    start_date = factory.LazyFunction(lambda: timezone.now().date() - dt.timedelta(days=30))


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    keywords = factory.LazyAttribute(lambda o: [o.name.lower()])


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Faker("company")
    domain = factory.Sequence(lambda n: f"company{n}.example")
    industry = "software"
    employee_count = 250
    country = "United States"
    fit_score = 50


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact
        skip_postgeneration_save = True

    account = factory.SubFactory(AccountFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    title = "Manager"
    email = factory.Sequence(lambda n: f"person{n}@mail.example")
    legal_basis = Contact.LegalBasis.CONSENT

    class Params:
        roles = ()

    buying_roles_mask = factory.LazyAttribute(lambda o: buying_roles_to_mask(o.roles))

    @factory.post_generation
    def link_account(obj, create, extracted, **kwargs):  # noqa: N805
        # Every contact is associated with its primary account, as the services do.
        if create and obj.account_id:
            ContactAccount.objects.get_or_create(
                contact=obj, account_id=obj.account_id, defaults={"is_primary": True}
            )


class LeadFactory(DjangoModelFactory):
    class Meta:
        model = Lead

    contact = factory.SubFactory(ContactFactory)
    account = factory.LazyAttribute(lambda o: o.contact.account if o.contact else None)
    topic = "Interested in a demo"


class OpportunityFactory(DjangoModelFactory):
    class Meta:
        model = Opportunity

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Deal {n}")
    amount = 10000
    stage = Opportunity.Stage.PROSPECTING


class ActivityFactory(DjangoModelFactory):
    class Meta:
        model = Activity

    contact = factory.SubFactory(ContactFactory)
    account = factory.LazyAttribute(lambda o: o.contact.account)
    type = Activity.Type.WEB_VISIT
    initiated_by = Activity.InitiatedBy.CONTACT
    channel = "web"
    occurred_at = factory.LazyFunction(timezone.now)


class NoteFactory(DjangoModelFactory):
    class Meta:
        model = Note

    account = factory.SubFactory(AccountFactory)
    body = "Spoke with the team."


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Follow up {n}")
    account = factory.SubFactory(AccountFactory)
    type = Task.Type.CALL
