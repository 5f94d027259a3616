from django.urls import path

from sales_actions.feed import stream, views

app_name = "feed"
urlpatterns = [
    path("", views.feed_page, name="page"),
    path("stream/", stream.feed_stream, name="stream"),
]
