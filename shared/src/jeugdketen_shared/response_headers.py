"""The headers every HTTP answer of the platform carries: a Content-Security-Policy that lets a
page run only the platform's own scripts and be framed by no one, nosniff, a Referrer-Policy
that sends no address on, and the API Design Rules' `API-Version`.

A pure ASGI middleware, so that a streamed answer (the ketenmonitor's `/v1/stream`) streams on.
The API documents' pages (`/v1/docs`: Swagger UI, which FastAPI loads from its CDN with an
inline script) get a policy that allows those, and nothing else does.
"""

from collections.abc import Mapping

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    # the dashboard's bars are sized by a style attribute; no <style> element, no script
    "style-src-attr 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_PATH = "/v1/docs"
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def install_response_headers(app: FastAPI) -> None:
    """Every answer of `app` with the headers above; `API-Version` is the app's version."""
    app.add_middleware(ResponseHeaders, api_version=app.version)


class ResponseHeaders:
    def __init__(self, app: ASGIApp, api_version: str) -> None:
        self._app = app
        self._headers = {
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            "api-version": api_version,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        policy = (
            DOCS_CONTENT_SECURITY_POLICY
            if scope["path"].startswith(DOCS_PATH)
            else CONTENT_SECURITY_POLICY
        )
        added = {**self._headers, "content-security-policy": policy}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _merged(message.get("headers", []), added)
            await send(message)

        await self._app(scope, receive, send_with_headers)


def _merged(
    headers: list[tuple[bytes, bytes]], added: Mapping[str, str]
) -> list[tuple[bytes, bytes]]:
    """The answer's own headers first; one of ours only where the answer set none of that name."""
    present = {name.lower() for name, _ in headers}
    return [
        *headers,
        *((n.encode(), v.encode()) for n, v in added.items() if n.encode() not in present),
    ]
