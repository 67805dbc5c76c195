from django.urls import path

from keelson_testing.urls import urlpatterns as testing_urls

from . import views

urlpatterns = [*testing_urls, path("test/enqueue/", views.enqueue)]
