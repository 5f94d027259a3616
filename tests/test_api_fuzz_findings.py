"""What the API fuzz (tests/test_api_fuzz.py) found, kept as fast regression tests."""

import pytest

pytestmark = pytest.mark.django_db


def test_page_size_of_digits_int_refuses_is_a_400(api_as, sales_rep):
    # "³" is a digit to str.isdigit() but not to int().
    response = api_as(sales_rep).get("/api/v1/buying-group-jobs/", {"page_size": "³"})

    assert response.status_code == 400
    assert "page_size" in response.json()


def test_options_on_an_extra_action_without_a_record_id(api_as, admin):
    response = api_as(admin).options(f"/api/v1/workspaces/access/{admin.pk}/")

    assert response.status_code == 200


@pytest.mark.parametrize("body", [[None, None], {"workspaces": [True]}, {"workspaces": [2**70]}])
def test_workspace_access_refuses_bodies_that_are_not_id_lists(api_as, admin, body):
    response = api_as(admin).put(f"/api/v1/workspaces/access/{admin.pk}/", body, format="json")

    assert response.status_code == 400
    assert "workspaces" in response.json()


def test_unknown_ordering_is_a_400_naming_it(api_as, sales_rep):
    response = api_as(sales_rep).get("/api/v1/contacts/", {"ordering": "password"})

    assert response.status_code == 400
    assert "ordering" in response.json()
