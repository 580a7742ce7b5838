"""`jeugdketen_alerts_open`: the stagnation alerts not yet closed, by rule and severity.

An alert is closed for good once resolved by the werkgroep or by itself (a closed alert takes
no further action), so an alert is open while its aggregate has neither event. Counted by one
query over the alerts' index and event store when Prometheus scrapes, never on a hot path.
"""

from collections.abc import Iterable

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import get_topic
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from psycopg.sql import SQL, Identifier

from ketenmonitor.alerts.application import Alerts
from ketenmonitor.alerts.domain import Alert

NAME = "jeugdketen_alerts_open"
HELP = "Stagnation alerts neither resolved nor resolved by themselves, by rule and severity"
CLOSING_TOPICS = [get_topic(Alert.Resolved), get_topic(Alert.AutoResolved)]

_COUNT_OPEN = SQL(
    """
    SELECT a.rule, a.severity, count(*) AS open FROM {schema}.alerts a
    WHERE NOT EXISTS (
        SELECT 1 FROM {schema}.{events} e
        WHERE e.originator_id = a.alert_id AND e.topic = ANY(%s)
    )
    GROUP BY a.rule, a.severity
    """
)


class OpenAlerts(Collector):
    def __init__(self, alerts: Alerts) -> None:
        recorder = alerts.recorder
        if not isinstance(recorder, PostgresApplicationRecorder):
            raise TypeError("open alerts are counted in the PostgreSQL event store")
        self._recorder = recorder

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(NAME, HELP, labels=["rule", "severity"])
        statement = _COUNT_OPEN.format(
            schema=Identifier(self._recorder.datastore.schema),
            events=Identifier(self._recorder.events_table_name),
        )
        with self._recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
            cursor.execute(statement, [CLOSING_TOPICS])
            for row in cursor.fetchall():
                family.add_metric([row["rule"], row["severity"]], row["open"])
        yield family

    def describe(self) -> Iterable[Metric]:
        # no query when registering
        yield GaugeMetricFamily(NAME, HELP, labels=["rule", "severity"])
