"""The Alert aggregate: its events are the audit; guards refuse by name."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from jeugdketen_shared.clock import ControllableClock
from ketenmonitor.alerts.application import Alerts, UnknownAlert
from ketenmonitor.alerts.domain import (
    AlertAlreadyAcknowledged,
    AlertClosed,
    EmptyComment,
    NoActor,
    ResolutionReason,
    Status,
)
from ketenmonitor.alerts.publication import as_contract
from ketenmonitor.alerts.rules import alert_id, load_rules

RULE = next(r for r in load_rules() if r.name == "melding-to-safety-assessment")
START = datetime(2025, 3, 7, 9, tzinfo=UTC)


def raised(alerts: Alerts, clock: ControllableClock) -> tuple[Alerts, UUID]:
    case = uuid4()
    assert alerts.raise_alert(
        case_id=case,
        rule=RULE,
        gemeente_code="GM0153",
        started_at=START,
        deadline_at=RULE.deadline(START),
        at=clock.now(),
    )
    return alerts, alert_id(case, RULE.name)


def test_one_alert_per_case_and_rule() -> None:
    alerts, clock = Alerts(), ControllableClock(START + timedelta(days=8))
    case = uuid4()
    for first in (True, False):
        assert first == alerts.raise_alert(
            case_id=case,
            rule=RULE,
            gemeente_code=None,
            started_at=START,
            deadline_at=RULE.deadline(START),
            at=clock.now(),
        )
    alert = alerts.get(alert_id(case, RULE.name))
    assert alert.status is Status.OPEN
    assert "Veilig Thuis" in alert.text
    assert "5 werkdagen" in alert.text


def test_the_werkgroep_works_an_alert_and_every_action_names_who_and_when() -> None:
    clock = ControllableClock(START + timedelta(days=8))
    alerts, the_id = raised(Alerts(), clock)
    clock.advance(timedelta(hours=1))
    alerts.acknowledge(the_id, "anna", clock.now())
    with pytest.raises(AlertAlreadyAcknowledged):
        alerts.acknowledge(the_id, "bert", clock.now())
    alerts.comment(the_id, "anna", clock.now(), "Gebeld met Veilig Thuis")
    with pytest.raises(EmptyComment):
        alerts.comment(the_id, "anna", clock.now(), "   ")
    with pytest.raises(NoActor):
        alerts.comment(the_id, " ", clock.now(), "iets")
    alerts.assign(the_id, "anna", clock.now(), "Veilig Thuis Twente")
    alerts.resolve(the_id, "bert", clock.now(), ResolutionReason.OPGEPAKT, None)
    alert = alerts.get(the_id)
    assert alert.status is Status.AFGEHANDELD
    assert alert.assigned_to == "Veilig Thuis Twente"
    assert [(h["action"], h["by"]) for h in alert.history] == [
        ("raised", "ketenmonitor"),
        ("acknowledged", "anna"),
        ("commented", "anna"),
        ("assigned", "anna"),
        ("resolved", "bert"),
    ]
    with pytest.raises(AlertClosed):
        alerts.comment(the_id, "anna", clock.now(), "nog iets")
    with pytest.raises(AlertClosed):
        alerts.resolve(the_id, "anna", clock.now(), ResolutionReason.ANDERS, None)
    # a resolved alert is not auto-resolved again
    assert not alerts.auto_resolve(the_id, clock.now(), clock.now())


def test_an_alert_closes_itself_when_its_stage_closes() -> None:
    clock = ControllableClock(START + timedelta(days=8))
    alerts, the_id = raised(Alerts(), clock)
    assert alerts.auto_resolve(the_id, clock.now(), START + timedelta(days=9))
    assert not alerts.auto_resolve(the_id, clock.now(), START + timedelta(days=9))
    assert alerts.get(the_id).status is Status.VANZELF_AFGEHANDELD
    with pytest.raises(AlertClosed):
        alerts.acknowledge(the_id, "anna", clock.now())


def test_unknown_alerts_are_refused() -> None:
    with pytest.raises(UnknownAlert):
        Alerts().get(uuid4())


def test_every_stored_event_maps_to_its_contract() -> None:
    clock = ControllableClock(START + timedelta(days=8))
    alerts, the_id = raised(Alerts(), clock)
    alerts.acknowledge(the_id, "anna", clock.now())
    alerts.comment(the_id, "anna", clock.now(), "geheim")
    alerts.assign(the_id, "anna", clock.now(), "GI Twente")
    alerts.resolve(the_id, "anna", clock.now(), ResolutionReason.ONTERECHT, "dubbel")
    events = alerts.repository.event_store.get(the_id)
    contracts = [as_contract(e) for e in events]
    assert [c.cloudevent_type.rsplit(".", 1)[1] for c in contracts] == [
        "alert-raised",
        "alert-acknowledged",
        "alert-commented",
        "alert-assigned",
        "alert-resolved",
    ]
    assert "geheim" not in contracts[2].model_dump_json()


def test_the_contracts_name_the_alert_its_moment_and_who_acted() -> None:
    clock = ControllableClock(START + timedelta(days=8))
    alerts, the_id = raised(Alerts(), clock)
    alerts.assign(the_id, "anna", clock.now(), "GI Twente")
    alerts.auto_resolve(the_id, clock.now(), START + timedelta(days=9))
    first, assigned, auto_resolved = (
        as_contract(e).model_dump(mode="json") for e in alerts.repository.event_store.get(the_id)
    )
    moment = clock.now().isoformat().replace("+00:00", "Z")
    alert = alerts.get(the_id)
    common = {"case_id": str(alert.case_id), "alert_id": str(the_id), "occurred_at": moment}
    assert first == common | {
        "by": "ketenmonitor",
        "rule": RULE.name,
        "severity": RULE.severity.value,
        "title": alert.title,
        "text": alert.text,
        "gemeente_code": "GM0153",
        "started_at": START.isoformat().replace("+00:00", "Z"),
        "deadline_at": RULE.deadline(START).isoformat().replace("+00:00", "Z"),
    }
    assert assigned == common | {"by": "anna", "partner": "GI Twente"}
    assert auto_resolved == common | {
        "by": "ketenmonitor",
        "stage_closed_at": (START + timedelta(days=9)).isoformat().replace("+00:00", "Z"),
    }


def test_a_resolution_is_published_with_its_reason_and_without_its_explanation() -> None:
    clock = ControllableClock(START + timedelta(days=8))
    alerts, the_id = raised(Alerts(), clock)
    alerts.resolve(the_id, "anna", clock.now(), ResolutionReason.ONTERECHT, "dubbel")
    *_, last = alerts.repository.event_store.get(the_id)
    resolved = as_contract(last)
    assert resolved.model_dump_json() == (
        f'{{"occurred_at":"{clock.now().isoformat().replace("+00:00", "Z")}",'
        f'"case_id":"{alerts.get(the_id).case_id}","alert_id":"{the_id}","by":"anna",'
        '"reason":"onterecht"}'
    )
