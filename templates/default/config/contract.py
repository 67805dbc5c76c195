"""The site's own environment variables. Keelson finds this module by the settings'
top-level package (`config`) and validates, shows and renders these variables with its
own: a bad value stops every command with one line naming it (exit 78).

Add a variable here for each value production reads from the environment, then read it
in config/settings/production.py from what keelson.settings.production returns, give it
a development value in local.py and test.py, and render .env.example again:

    DJANGO_SETTINGS_MODULE=config.settings.production keelson contract env-example > .env.example
"""

from keelson.contract import Int, Layer, Variable

PAGES = Layer("Pages", "`config/settings/production.py`")

VARIABLES = (
    Variable(
        "PAGES_PER_LISTING",
        Int(1, 100),
        PAGES,
        "pages the listing at / shows at once, 1-100",
        default=20,
    ),
)
