import pytest

from sales_actions import services


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """sales_email_send with its after-commit work (the eager delivery task) run."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.sales_email_send(**kwargs)

    return run
