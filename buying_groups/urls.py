app_name = "buying_groups"
urlpatterns: list = []
