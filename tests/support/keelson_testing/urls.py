from django.urls import path

from config.urls import urlpatterns as production_urls

from . import views

urlpatterns = [
    *production_urls,
    path("test/error/", views.error),
    path("test/slow/", views.slow),
    path("test/log/", views.log_line),
    path("test/db/", views.database),
]
