import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import AccountFactory
from sales_actions.models import Task


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Follow up {n}")
    account = factory.SubFactory(AccountFactory)
    type = Task.Type.CALL
