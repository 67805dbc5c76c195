"""The pages app's tests: `python manage.py test --settings config.settings.test`."""

from django.test import TestCase, override_settings
from django.urls import reverse
from keelson.contract import ConfigError, project_contract

from pages.models import Page


class PageListTests(TestCase):
    def test_the_listing_shows_the_newest_pages_first(self) -> None:
        Page.objects.create(title="Older")
        Page.objects.create(title="Newer")
        response = self.client.get(reverse("pages:list"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual([page.title for page in response.context["page_list"]], ["Newer", "Older"])

    @override_settings(PAGES_PER_LISTING=2)
    def test_the_listing_shows_pages_per_listing_at_once(self) -> None:
        for number in range(3):
            Page.objects.create(title=f"Page {number}")
        response = self.client.get(reverse("pages:list"))
        self.assertEqual(len(response.context["page_list"]), 2)
        self.assertTrue(response.context["page_obj"].has_next())


class ContractTests(TestCase):
    """config/contract.py, judged as production judges it (with Keelson's variables)."""

    valid = {
        "SECRET_KEY": "a-production-secret-key-long-enough-and-random-" + "x" * 20,
        "ALLOWED_HOSTS": "mysite.example",
        "POSTGRES_PASSWORD": "never-used-here",
    }

    def test_pages_per_listing_defaults_to_20(self) -> None:
        values = project_contract("config.settings.production").validate(self.valid)
        self.assertEqual(values["PAGES_PER_LISTING"], 20)

    def test_pages_per_listing_out_of_its_bounds_is_refused(self) -> None:
        with self.assertRaises(ConfigError) as refused:
            project_contract("config.settings.production").validate(
                {**self.valid, "PAGES_PER_LISTING": "0"}
            )
        [line] = refused.exception.lines
        self.assertTrue(line.startswith("PAGES_PER_LISTING must be between 1 and 100, not 0."))
