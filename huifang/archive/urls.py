from django.urls import include, path

app_name = "archive"

# Customer screens (search, 360 page, statistics) and DMS import screens live in separate modules.
urlpatterns = [
    path("", include("huifang.archive.urls_customers")),
    path("imports/", include("huifang.archive.urls_import")),
]
