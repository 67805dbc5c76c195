"""The environment contract: every variable a Keelson project reads, declared once.

A project extends it without editing Keelson: the module `contract` of its settings'
top-level package (`config/contract.py` for `config.settings.production`) declares
`VARIABLES`, a sequence of `Variable`:

    from keelson.contract import Layer, Secret, Text, Variable

    PAYMENTS = Layer("Payments", "`config/settings/production.py`")
    VARIABLES = (
        Variable("PAYMENTS_API_URL", Text(), PAYMENTS, "the payment provider's API", required=True),
        Variable("PAYMENTS_API_KEY", Secret(), PAYMENTS, "its key", required=True),
    )

Every command then validates Keelson's variables and the project's together (every
problem on its own line, exit 78), prints both in the masked configuration line, and
`keelson contract env-example` and `keelson contract tables` render both. The
settings read the project's values from what `keelson.settings.production` returns.
"""

from keelson.contract.core import (
    KEELSON,
    Bool,
    Choice,
    Contract,
    Flag,
    Int,
    Items,
    Kind,
    Layer,
    Origins,
    Problems,
    RequiredUnless,
    Seconds,
    Secret,
    SecretRedisUrl,
    Text,
    Values,
    Variable,
    project_contract,
)
from keelson.contract.env import ConfigError, Env

__all__ = [
    "KEELSON",
    "Bool",
    "Choice",
    "ConfigError",
    "Contract",
    "Env",
    "Flag",
    "Int",
    "Items",
    "Kind",
    "Layer",
    "Origins",
    "Problems",
    "RequiredUnless",
    "Seconds",
    "Secret",
    "SecretRedisUrl",
    "Text",
    "Values",
    "Variable",
    "project_contract",
]
