"""The project's own variables. Keelson finds this module by the settings module's
top-level package (`extended.contract` for `extended.settings`) and validates, shows and
renders these variables with its own."""

from keelson.contract import Int, Layer, Secret, Variable

EXTENDED = Layer("Extended", "`extended/settings.py`")

VARIABLES = (
    Variable(
        "GREETING_LIMIT",
        Int(1, 100),
        EXTENDED,
        "greetings one visitor gets per day, 1-100",
        required=True,
        example="10",
    ),
    Variable(
        "PARTNER_API_TOKEN",
        Secret(),
        EXTENDED,
        "the partner API's token; unset: the partner is never called",
    ),
)
