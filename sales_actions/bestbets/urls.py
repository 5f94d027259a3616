"""``/best-bets/`` (namespace ``bestbets``)."""

from django.urls import path

from sales_actions.bestbets import views

app_name = "bestbets"
urlpatterns = [path("", views.bestbet_list, name="list")]
