from django.urls import path

from . import views, views_consent

app_name = "messaging"

urlpatterns = [
    path("", views.outbox_list, name="outbox_list"),
    path("stores/<int:store_id>/templates/", views.template_list, name="template_list"),
    path("stores/<int:store_id>/templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("stores/<int:store_id>/letters/", views.letters_print, name="letters_print"),
    path("customers/<int:customer_id>/consent/", views_consent.customer_consent, name="customer_consent"),
    # Public, no login: the one-click link in every marketing message.
    path("u/<str:token>/", views_consent.unsubscribe_page, name="unsubscribe"),
]
