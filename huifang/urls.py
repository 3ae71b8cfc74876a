from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from huifang.accounts import views as account_views
from huifang.api import api
from huifang.appointments import urls as appointment_urls
from huifang.core import views as core_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("archive/", include("huifang.archive.urls")),
    path("messaging/", include("huifang.messaging.urls")),
    path("followups/effectiveness/", include("huifang.followups.urls_effectiveness")),
    path("followups/", include("huifang.followups.urls")),
    path("workbench/", include("huifang.workbench.urls")),
    path("complaints/", include("huifang.complaints.urls")),
    path("calendars/", include("huifang.calendars.urls")),
    path("notifications/", include("huifang.notifications.urls")),
    path("operations/", include("huifang.operations.urls")),
    path("reports/", include("huifang.reports.urls")),
    path("s/", include("huifang.surveys.urls")),
    path("privacy/", include("huifang.privacy.urls")),
    path("appointments/", include("huifang.appointments.urls")),
    path("robots/", include("huifang.robots.urls")),
    path("a/", include((appointment_urls.public_urlpatterns, "appointments_public"))),
    path("board/", include("huifang.board.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("health", core_views.health, name="health"),
    path("accounts/", include("huifang.accounts.urls")),
]

handler500 = "huifang.error_pages.server_error"
