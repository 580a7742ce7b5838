"""Settings every service reads from its environment (the same names in deploy/ and compose)."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from jeugdketen_shared.kafka import ClientSecurity


class KafkaClientSettings(BaseSettings):
    """Where the brokers are and how a client logs in: every service's, and the simulator's."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092", validation_alias="KAFKA_BOOTSTRAP_SERVERS"
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT",
        validation_alias="KAFKA_SECURITY_PROTOCOL",
        description="SASL_PLAINTEXT: authenticate as KAFKA_SASL_USERNAME; SASL_SSL: the same "
        "inside TLS (docs/security.md)",
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "PLAIN"] = Field(
        default="SCRAM-SHA-512",
        validation_alias="KAFKA_SASL_MECHANISM",
        description="PLAIN: the brokers' own principal only (docs/security.md)",
    )
    kafka_sasl_username: str | None = Field(
        default=None,
        validation_alias="KAFKA_SASL_USERNAME",
        description="Its own principal: toegang, triage, plaatsing, ketenmonitor, simulator",
    )
    kafka_sasl_password: SecretStr | None = Field(
        default=None, validation_alias="KAFKA_SASL_PASSWORD", description="Never commit it"
    )
    kafka_ssl_ca_file: Path | None = Field(
        default=None,
        validation_alias="KAFKA_SSL_CAFILE",
        description="SASL_SSL: the CA that signed the brokers' certificates (unset: the system's)",
    )

    def kafka_security(self) -> ClientSecurity:
        """How every Kafka client of this process authenticates."""
        password = self.kafka_sasl_password
        return ClientSecurity(
            protocol=self.kafka_security_protocol,
            mechanism=self.kafka_sasl_mechanism,
            username=self.kafka_sasl_username,
            password=None if password is None else password.get_secret_value(),
            ca_file=self.kafka_ssl_ca_file,
        )


def kafka_client_security() -> ClientSecurity:
    """How a Kafka client of a tool or test logs in, from this process's environment (the
    settings above): the one place that knows, so no client copies the options."""
    return KafkaClientSettings().kafka_security()


def kafka_client_options() -> dict[str, Any]:
    """The same, as the keyword arguments of aiokafka's clients."""
    return kafka_client_security().options()


class ServiceSettings(KafkaClientSettings):
    database_url: str = Field(
        validation_alias="DATABASE_URL",
        description="The service's own database, postgresql://user:password@host:port/dbname",
    )
    database_schema: str = Field(default="public", validation_alias="DATABASE_SCHEMA")
    topic_prefix: str = Field(
        default="jeugdketen",
        validation_alias="JEUGDKETEN_TOPIC_PREFIX",
        description="First part of every topic name and consumer group; tests isolate by it",
    )
    pseudonym_key: SecretStr = Field(
        validation_alias="JEUGDKETEN_PSEUDONYM_KEY",
        description="Secret key of the BSN pseudonyms (at least 32 bytes); never commit it",
    )
    partners_file: Path = Field(
        default=Path("deploy/partners.toml"),
        validation_alias="JEUGDKETEN_PARTNERS_FILE",
        description="The registry of partners that may publish (deploy/partners.toml)",
    )
    partner_credentials_file: Path | None = Field(
        default=None,
        validation_alias="JEUGDKETEN_PARTNER_CREDENTIALS_FILE",
        description="The partners' HTTP credentials (jeugdketen_shared.partner_credentials); "
        "unset: no partner can publish over HTTP",
    )
    http_host: str = Field(
        default="127.0.0.1",
        validation_alias="JEUGDKETEN_HTTP_HOST",
        description="Where the HTTP ingress listens (0.0.0.0 in a container)",
    )
    http_port: int = Field(default=8080, validation_alias="JEUGDKETEN_HTTP_PORT")
    oin: str = Field(
        default="00000000000000000000",
        pattern=r"^\d{20}$",
        validation_alias="JEUGDKETEN_OIN",
        description="OIN of the organisation running the platform, in every CloudEvent source",
    )

    def source(self, service: str) -> str:
        """The NL GOV CloudEvents source of a service of this platform."""
        return f"urn:nld:oin:{self.oin}:systeem:jeugdketen-{service}"

    def topics(self, service: str) -> "ServiceTopics":
        return ServiceTopics(prefix=self.topic_prefix, service=service)


@dataclass(frozen=True)
class ServiceTopics:
    """`<prefix>.<service>.inbound|events|rejected`, as declared in deploy/topics.toml."""

    prefix: str
    service: str

    @property
    def inbound(self) -> str:
        return f"{self.prefix}.{self.service}.inbound"

    @property
    def events(self) -> str:
        return f"{self.prefix}.{self.service}.events"

    @property
    def rejected(self) -> str:
        return f"{self.prefix}.{self.service}.rejected"

    def inbound_of(self, partner_id: str) -> str:
        """The inbound topic only this partner may write (its ACLs): who wrote a record there
        is known from the topic, whatever the record says."""
        return f"{self.inbound}.{partner_id}"

    def rejected_of(self, partner_id: str) -> str:
        """The refusals of this partner's messages, which only it (and the service) may read."""
        return f"{self.rejected}.{partner_id}"

    @property
    def consumer_group(self) -> str:
        return f"{self.prefix}.{self.service}"
