"""Errors as RFC 9457 problem details (`application/problem+json`), one way for every HTTP app of
the platform (the API Design Rules ask for it): the `Problem` model, `problem()` to answer one,
`problem_responses()` to document them on a route, and `install_problem_handlers()`, which makes
an app answer what FastAPI and Starlette answer themselves (an unknown path 404, a method not
allowed 405, a request that does not validate) as problems too, and makes its OpenAPI document
say so.

A request that does not validate is 422 `invalid-body` when its body is at fault, else 400
`invalid-query` (a query or path parameter), with each field's error in `errors`.
"""

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from jeugdketen_shared.contracts.rejection import FieldError

PROBLEM_CONTENT_TYPE = "application/problem+json"
_JSON = "application/json"
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


class Problem(BaseModel):
    """RFC 9457 problem details, with a machine-readable reason and, where fields were at
    fault, each field's error."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    reason: str
    errors: tuple[FieldError, ...] = ()


def problem(
    status: int,
    reason: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    *,
    title: str | None = None,
    errors: Sequence[FieldError] = (),
) -> JSONResponse:
    """The answer: by default titled after its reason (`invalid-query`: "invalid query")."""
    body = Problem(
        title=title or reason.replace("-", " "),
        status=status,
        detail=detail,
        reason=reason,
        errors=tuple(errors),
    )
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=status,
        media_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


def problem_responses(
    *statuses: int, described: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=`: each status a problem, those `described` with their own
    description (the others get the status's phrase)."""
    wanted = {status: None for status in statuses} | dict(described or {})
    return {
        status: {"model": Problem, "content": {PROBLEM_CONTENT_TYPE: {}}}
        | ({"description": description} if description else {})
        for status, description in wanted.items()
    }


async def _http_problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    phrase = HTTPStatus(error.status_code).phrase
    return problem(
        error.status_code,
        phrase.lower().replace(" ", "-"),
        str(error.detail),
        error.headers,
    )


def _location(error: Mapping[str, Any]) -> str:
    return ".".join(map(str, error["loc"]))


async def _invalid_request(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = error.errors()
    detail = "; ".join(f"{_location(e)}: {e['msg']}" for e in errors)
    fields = [FieldError(location=_location(e), reason=e["type"], message=e["msg"]) for e in errors]
    if any(e["loc"][:1] == ("body",) for e in errors):
        return problem(422, "invalid-body", detail, errors=fields)
    return problem(400, "invalid-query", detail, errors=fields)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer 404, 405 and every other HTTP error of the framework, and a request that does
    not validate, as problems; and document the problems so."""
    app.add_exception_handler(HTTPException, _http_problem)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.openapi = _documenting_problems(app.openapi)  # type: ignore[method-assign]


def _documenting_problems(
    generate: Callable[[], dict[str, Any]],
) -> Callable[[], dict[str, Any]]:
    documented: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not documented:
            documented.update(problems_documented(generate()))
        return documented

    return openapi


def problems_documented(document: dict[str, Any]) -> dict[str, Any]:
    """The document as the app answers: FastAPI's own 422 `HTTPValidationError` replaced by the
    problems `_invalid_request` gives (400 for parameters, 422 for a body), and each problem's
    schema under `application/problem+json` (FastAPI puts a model under `application/json`)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for operation in _operations(document):
        responses = operation.setdefault("responses", {})
        if _is_fastapi_validation_error(responses.get("422")):
            del responses["422"]
            if operation.get("parameters"):
                responses.setdefault("400", _problem_reference(schemas, HTTPStatus(400)))
            if "requestBody" in operation:
                responses.setdefault("422", _problem_reference(schemas, HTTPStatus(422)))
        for response in responses.values():
            content = response.get("content", {})
            if PROBLEM_CONTENT_TYPE in content and _JSON in content:
                content[PROBLEM_CONTENT_TYPE] = content.pop(_JSON) | content[PROBLEM_CONTENT_TYPE]
    if "/HTTPValidationError" not in json.dumps(document["paths"]):
        for name in _FASTAPI_VALIDATION_SCHEMAS:
            schemas.pop(name, None)
    return document


def _operations(document: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
    for path in document.get("paths", {}).values():
        yield from (operation for operation in path.values() if isinstance(operation, dict))


def _is_fastapi_validation_error(response: Mapping[str, Any] | None) -> bool:
    schema = (response or {}).get("content", {}).get(_JSON, {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def _problem_reference(schemas: dict[str, Any], status: HTTPStatus) -> dict[str, Any]:
    """A problem response, its schema in the components (with the field errors' schema)."""
    if "Problem" not in schemas:
        schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, nested in schema.pop("$defs", {}).items():
            schemas.setdefault(name, nested)
        schemas["Problem"] = schema
    return {
        "description": status.phrase,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
