from django.conf import settings
from django.views.generic import ListView

from pages.models import Page


class PageList(ListView):
    """The newest pages, PAGES_PER_LISTING at a time (`?page=2` for the next ones)."""

    model = Page

    def get_paginate_by(self, queryset) -> int:
        # Read per request, not at import: the setting comes from the environment in
        # production (config/contract.py) and tests may override it.
        return settings.PAGES_PER_LISTING
