"""The Django admin. It keeps reference data (vendors and operators with
their restrictions, datasets, evidence, areas) and accounts, each write
through a service in registry/services/; moderators edit cameras here
through the moderators' services. What the moderation pages decide
(contributions, import conflicts, possible duplicates, unmatched spellings)
is only looked up here, each row linked to its page. Nothing is deleted but
webhooks, which staff manage here too.

Importing the modules registers their pages."""

from . import (
    areas,
    cameras,
    contributions,
    history,
    imports,
    organisations,
    sources,
    watches,
)

__all__ = [
    "areas",
    "cameras",
    "contributions",
    "history",
    "imports",
    "organisations",
    "sources",
    "watches",
]
