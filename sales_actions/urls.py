app_name = "sales_actions"
urlpatterns: list = []
