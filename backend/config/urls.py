"""URLs: the admin at ADMIN_URL (its password reset included), the views its reset mail
links to, and Keelson's probes (/health/, /ready/)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("", include("keelson.urls")),
    # The admin's login page links here ("Forgotten your password?"), as Django's docs show.
    path(
        f"{settings.ADMIN_URL}password_reset/",
        auth_views.PasswordResetView.as_view(),
        name="admin_password_reset",
    ),
    path(settings.ADMIN_URL, admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
]
