"""Reaching a service's HTTP server that runs in this test process."""

import socket

import httpx

from jeugdketen_shared.settings import ServiceSettings


def on_a_free_port(settings: ServiceSettings) -> ServiceSettings:
    """The settings with a port no one listens on now, so the test knows where to ask."""
    with socket.socket() as probe:
        probe.bind((settings.http_host, 0))
        port = int(probe.getsockname()[1])
    return settings.model_copy(update={"http_port": port})


def base_url(settings: ServiceSettings) -> str:
    return f"http://{settings.http_host}:{settings.http_port}"


def answers(settings: ServiceSettings) -> bool:
    """The service's server is up: `/health/live` answers (for `wait_until`)."""
    try:
        return httpx.get(f"{base_url(settings)}/health/live", timeout=1).status_code == 200
    except httpx.TransportError:
        return False
