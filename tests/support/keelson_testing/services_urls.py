from django.urls import path

from keelson_testing.work.urls import urlpatterns as work_urls

from . import services_views

urlpatterns = [
    *work_urls,
    path("test/media/", services_views.save_media),
    path("test/cache/", services_views.cache_value),
    path("test/fail-task/", services_views.enqueue_failing_task),
]
