"""The platform's problem details: what FastAPI and Starlette answer themselves answered as
problems, and the OpenAPI document saying so."""

from typing import Annotated, Any

import httpx
from fastapi import Body, FastAPI, Query
from pydantic import BaseModel

from jeugdketen_shared.problems import (
    PROBLEM_CONTENT_TYPE,
    install_problem_handlers,
    problem,
    problem_responses,
)


class Note(BaseModel):
    text: str


def app() -> FastAPI:
    described = FastAPI()
    install_problem_handlers(described)

    @described.get("/v1/notes")
    async def notes(limit: Annotated[int, Query(ge=1)] = 10) -> list[Note]:
        return []

    @described.post("/v1/notes", status_code=201)
    async def add_note(note: Annotated[Note, Body()]) -> Note:
        return note

    @described.get("/v1/notes/{number}", responses=problem_responses(404))
    async def one_note(number: int) -> Any:
        return problem(404, "unknown-note", f"no note {number}")

    return described


async def answer(method: str, path: str, **arguments: Any) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app()), base_url="http://api"
    ) as http:
        return await http.request(method, path, **arguments)


def problem_of(response: httpx.Response, status: int, reason: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    body: dict[str, Any] = response.json()
    assert (body["status"], body["reason"], body["type"]) == (status, reason, "about:blank")
    return body


async def test_an_unknown_path_is_a_problem() -> None:
    body = problem_of(await answer("GET", "/v1/nothing"), 404, "not-found")
    assert body["title"] == "not found"


async def test_a_method_not_allowed_is_a_problem_keeping_its_allow_header() -> None:
    response = await answer("DELETE", "/v1/notes/7")
    problem_of(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "GET"


async def test_an_invalid_parameter_is_a_400_problem_with_its_field() -> None:
    for path in ("/v1/notes?limit=0", "/v1/notes/een"):
        body = problem_of(await answer("GET", path), 400, "invalid-query")
        [error] = body["errors"]
        assert error["location"] in {"query.limit", "path.number"}
        assert error["location"] in body["detail"]


async def test_an_invalid_body_is_a_422_problem_with_its_field() -> None:
    body = problem_of(await answer("POST", "/v1/notes", json={"tekst": "x"}), 422, "invalid-body")
    assert [(e["location"], e["reason"]) for e in body["errors"]] == [("body.text", "missing")]


async def test_a_routes_own_problem_passes_as_it_is() -> None:
    body = problem_of(await answer("GET", "/v1/notes/7"), 404, "unknown-note")
    assert (body["detail"], body["errors"]) == ("no note 7", [])


def test_the_openapi_document_describes_the_problems_that_come_back() -> None:
    document = app().openapi()
    paths = document["paths"]
    schemas = document["components"]["schemas"]
    problem_schema = {"schema": {"$ref": "#/components/schemas/Problem"}}
    listed = paths["/v1/notes"]["get"]["responses"]
    added = paths["/v1/notes"]["post"]["responses"]
    one = paths["/v1/notes/{number}"]["get"]["responses"]
    assert set(listed) == {"200", "400"}
    assert listed["400"]["content"] == {PROBLEM_CONTENT_TYPE: problem_schema}
    assert set(added) == {"201", "422"}
    assert added["422"]["content"] == {PROBLEM_CONTENT_TYPE: problem_schema}
    assert set(one) == {"200", "400", "404"}
    assert one["404"]["content"] == {PROBLEM_CONTENT_TYPE: problem_schema}
    assert {"Problem", "FieldError"} <= set(schemas)
    assert not {"HTTPValidationError", "ValidationError"} & set(schemas)
