from django.urls import path

from pages.views import PageList

app_name = "pages"
urlpatterns = [
    path("", PageList.as_view(), name="list"),
]
