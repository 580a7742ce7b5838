"""Every answer of every HTTP app carries the security headers and `API-Version`, streamed
ones too; an answer's own header of the same name is kept."""

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, StreamingResponse

from jeugdketen_shared.response_headers import (
    CONTENT_SECURITY_POLICY,
    DOCS_CONTENT_SECURITY_POLICY,
    install_response_headers,
)


def app() -> FastAPI:
    served = FastAPI(version="2.1.0", docs_url="/v1/docs")

    @served.get("/page")
    async def page() -> PlainTextResponse:
        return PlainTextResponse("pagina")

    @served.get("/own")
    async def own() -> PlainTextResponse:
        return PlainTextResponse("eigen", headers={"Referrer-Policy": "same-origin"})

    @served.get("/stream")
    async def stream() -> StreamingResponse:
        async def lines() -> AsyncIterator[bytes]:
            yield b"data: 1\n\n"
            yield b"data: 2\n\n"

        return StreamingResponse(lines(), media_type="text/event-stream")

    install_response_headers(served)
    return served


async def answers(*paths: str) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
        return [await http.get(path) for path in paths]


async def test_every_answer_carries_the_headers_and_the_api_version() -> None:
    for answer in await answers("/page", "/stream", "/nowhere"):
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["api-version"] == "2.1.0"
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY  # no inline script


async def test_a_streamed_answer_streams_on() -> None:
    [stream] = await answers("/stream")
    assert stream.text == "data: 1\n\ndata: 2\n\n"


async def test_an_answers_own_header_is_kept_and_the_docs_may_load_swagger() -> None:
    own, docs = await answers("/own", "/v1/docs")
    assert own.headers.get_list("referrer-policy") == ["same-origin"]
    assert docs.headers["content-security-policy"] == DOCS_CONTENT_SECURITY_POLICY
