"""The committed OpenAPI documents are what the code serves."""

import sys

import pytest

from tests.support.infrastructure import REPOSITORY

sys.path.insert(0, str(REPOSITORY / "docs"))
from openapi import FOLDER, documents, rendered


@pytest.mark.parametrize(("name", "document"), sorted(documents().items()))
def test_every_committed_openapi_document_is_what_the_code_generates(
    name: str, document: dict[str, object]
) -> None:
    committed = FOLDER / name
    assert committed.exists(), f"{name} is not committed: run `uv run python docs/openapi.py`"
    assert committed.read_text(encoding="utf-8") == rendered(document), (
        f"docs/openapi/{name} is stale: run `uv run python docs/openapi.py`"
    )
