"""Every Kafka client takes its login from the one place: the process's settings."""

import ssl
from pathlib import Path

import pytest
from faststream.security import SASLScram512

from jeugdketen_shared.kafka import ClientSecurity
from jeugdketen_shared.settings import kafka_client_options

LOGIN = {"KAFKA_SASL_USERNAME": "toegang", "KAFKA_SASL_PASSWORD": "geheim"}


def test_a_client_of_a_process_without_login_settings_takes_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("KAFKA_SECURITY_PROTOCOL", *LOGIN):
        monkeypatch.delenv(name, raising=False)
    assert kafka_client_options() == {}


def test_a_client_logs_in_as_the_principal_its_settings_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    for name, value in LOGIN.items():
        monkeypatch.setenv(name, value)
    assert kafka_client_options() == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "toegang",
        "sasl_plain_password": "geheim",
    }


def test_sasl_ssl_checks_the_brokers_certificate_and_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    for name, value in LOGIN.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("KAFKA_SSL_CAFILE", raising=False)
    options = kafka_client_options()
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_plain_username"] == "toegang"
    context = options["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname

    monkeypatch.setenv("KAFKA_SSL_CAFILE", str(tmp_path / "no-such-ca.pem"))
    with pytest.raises(FileNotFoundError):  # a CA named is a CA read, never silently skipped
        kafka_client_options()


def test_faststream_gets_the_same_login_inside_tls() -> None:
    security = ClientSecurity("SASL_SSL", username="toegang", password="geheim").faststream()
    assert isinstance(security, SASLScram512)
    assert security.use_ssl
    assert security.ssl_context is not None
    plain = ClientSecurity("SASL_PLAINTEXT", username="toegang", password="geheim").faststream()
    assert isinstance(plain, SASLScram512)
    assert not plain.use_ssl


def test_a_login_without_password_fails_at_start_up() -> None:
    with pytest.raises(ValueError, match="username and a password"):
        ClientSecurity("SASL_SSL", username="toegang")
