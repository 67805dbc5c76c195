"""The Content-Security-Policy of HTML responses: a strict default, extended by
CONTENT_SECURITY_POLICY_EXTRA, read once:

    CONTENT_SECURITY_POLICY_EXTRA="img-src https://cdn.example.com; script-src https://js.example.com"

Each `;`-separated part names a fetch directive and the sources it adds to the default's
(`'self'` only). The default lets Django's admin work (its pages, scripts and styles
from the site's own static files) and nothing else: no inline script or style, no
plugin, no framing, forms posting to the site only.
"""

from __future__ import annotations

import re

# What every HTML response gets; a directive's sources are extended, never replaced.
DEFAULT: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'",),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "media-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}
# Directives a project may extend (object-src, base-uri and frame-ancestors stay strict).
EXTENDABLE = (
    "default-src",
    "script-src",
    "style-src",
    "img-src",
    "font-src",
    "connect-src",
    "media-src",
    "frame-src",
    "worker-src",
    "manifest-src",
    "form-action",
)
# A source expression without what would break the header: no `;`, `,`, quotes
# other than the keyword quotes, or control characters.
SOURCE = re.compile(r"'[a-z0-9+/=-]+'|[A-Za-z0-9*][A-Za-z0-9+.*:/%_~?&=@-]*")


class PolicyError(ValueError):
    """Text that is no extension; its message is the problem, without the name."""


def parse_extra(text: str) -> dict[str, tuple[str, ...]]:
    """`text` as {directive: sources}, or PolicyError saying what is wrong."""
    extra: dict[str, tuple[str, ...]] = {}
    for part in (part.strip() for part in text.split(";")):
        if not part:
            continue
        directive, *sources = part.split()
        directive = directive.lower()
        if directive not in EXTENDABLE:
            raise PolicyError(f"names {directive[:40]!r}, not one of {', '.join(EXTENDABLE)}")
        if not sources:
            raise PolicyError(f"gives {directive} no source")
        for source in sources:
            if not SOURCE.fullmatch(source):
                raise PolicyError(f"has {source[:60]!r} in {directive}, which is no source")
        extra[directive] = (*extra.get(directive, ()), *sources)
    return extra


def header_value(extra: dict[str, tuple[str, ...]]) -> str:
    """The header: the default's directives with `extra`'s sources added, then the
    directives only `extra` names."""
    merged = {name: list(sources) for name, sources in DEFAULT.items()}
    for directive, sources in extra.items():
        kept = merged.setdefault(directive, ["'self'"] if directive not in DEFAULT else [])
        kept.extend(source for source in sources if source not in kept)
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in merged.items())
