"""The JSON API's names in English, from the chain's Dutch terms the code keeps.

Inside, the ketenmonitor names things as the chain and its contracts do (`gemeente_code`,
`kader`, `thuis_tenzij`), so the figures read like docs/figures.md and DOMAIN.md. At the edge,
the read API, the alerts API and the audit API answer in English: every field, query parameter
and route path that holds one of these Dutch words holds its English instead. This one mapping,
also in docs/figures.md ("Names in the JSON API"), is the only translation.

Values stay as the chain defines them: CBS codes (`GM0153`), kader values (`vrijwillig`,
`gedwongen`), care forms (`gezinshuis`). They are data, not names of the API.
"""

import re

from pydantic import AliasGenerator, BaseModel, ConfigDict

ENGLISH = {
    "gemeente": "municipality",
    "gemeenten": "municipalities",
    "kader": "legal_framework",  # vrijwillig or gedwongen: with or without a judge's measure
    "vrijwillig": "voluntary",
    "gedwongen": "compulsory",
    "thuis_tenzij": "at_home_unless",  # the policy: a youth grows up at home, unless
    "brandhaard": "hotspot",
    "verwijzer": "referrer",
    "verwijzers": "referrers",
    "verblijf": "residential_care",
    "maatwerkbudget": "custom_budget",
    "voogdij": "guardianship",
    "voorlopige": "provisional",
    "onderzoek": "investigation",
}
"""Dutch word (or words, joined by `_`) in a name: its English."""

_DUTCH = re.compile(
    r"(?<![a-z])("
    + "|".join(sorted(map(re.escape, ENGLISH), key=len, reverse=True))
    + r")(?![a-z])"
)


def english(name: str) -> str:
    """`name` (snake_case) with each Dutch word of `ENGLISH` in English:
    `per_gemeente` -> `per_municipality`, `thuis_tenzij` -> `at_home_unless`."""
    return _DUTCH.sub(lambda word: ENGLISH[word.group(1)], name)


class ApiModel(BaseModel):
    """An answer of a JSON API: its fields go out under their English names (`english`),
    and are read in by their Python names, as the figures and the stores make them."""

    model_config = ConfigDict(alias_generator=AliasGenerator(serialization_alias=english))
