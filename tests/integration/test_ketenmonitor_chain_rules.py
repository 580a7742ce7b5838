"""The rules on triage, the RET, the GI and the terms of measures over real Kafka and
PostgreSQL, with a controllable clock: each alert is raised once, at its deadline and not
before, and auto-resolved when the case moves on. A voorlopige OTS is alerted 2 weeks before
its term runs out, and its lapse leaves the alert open; an OTS extended in time is watched again
in its next year."""

import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.contracts import toegang, triage
from ketenmonitor.alerts.rules import Unit, alert_id, deadline
from ketenmonitor.alerts.sweeper import Sweeper
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor import Published, as_published, publish_events
from tests.integration.test_ketenmonitor_alert_rules import stage
from tests.integration.test_ketenmonitor_alerts import alert_events, monitoring, rows, sweeps_after
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

TRIAGE = "toegang-decision-to-triage-decision"
RET = "ret-escalation-to-ret-advice"
GI = "measure-to-gi-assignment"
VOORLOPIGE = "voorlopige-ots-term"
OTS = "ots-term"
YOUTH = {"youth_pseudonym": secrets.token_hex(32), "gemeente_code": "GM0153", "kader": "gedwongen"}


def imposed(
    platform: IsolatedPlatform,
    case: UUID,
    at: datetime,
    measure: str,
    runs_until: datetime | None,
    previous: str | None = None,
) -> Published:
    return as_published(
        platform,
        "toegang",
        toegang.ProtectionMeasureImposed(
            case_id=case,
            occurred_at=at,
            measure=measure,
            previous_measure=previous,
            runs_until=runs_until,
        ),
    )


def alerted(platform: IsolatedPlatform, rule: str) -> list[UUID]:
    return sorted(
        case for (case,) in rows(platform, f"SELECT case_id FROM alerts WHERE rule = '{rule}'")
    )


def auto_resolved(platform: IsolatedPlatform, case: UUID, rule: str) -> bool:
    return (stage(platform, case, rule) or (None,) * 5)[4] is not None


async def raised_at_its_deadline(
    platform: IsolatedPlatform,
    clock: ControllableClock,
    sweeper: Sweeper,
    case: UUID,
    rule: str,
) -> None:
    """Nothing a second before the stage's deadline; the alert within a second of it, once."""
    await wait_until(lambda: stage(platform, case, rule) is not None, f"the stage of {rule}")
    due = stage(platform, case, rule)[1]  # type: ignore[index]
    clock.advance(due - clock.now() - timedelta(seconds=1))
    await sweeps_after(sweeper)
    assert case not in alerted(platform, rule)
    clock.advance(timedelta(seconds=1))
    await wait_until(lambda: case in alerted(platform, rule), f"the {rule} alert", 1.5)
    await sweeps_after(sweeper, 3)
    assert alerted(platform, rule).count(case) == 1


async def test_triage_the_ret_and_the_gi_are_alerted_at_their_deadlines_and_close(
    platform: IsolatedPlatform,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = ControllableClock(now)
    forwarded, escalated, measured = uuid4(), uuid4(), uuid4()
    start = now - timedelta(days=1)
    async with monitoring(platform, clock) as sweeper:
        await publish_events(
            platform,
            [
                as_published(
                    platform,
                    "triage",
                    triage.CaseOpenedForTriage(case_id=forwarded, occurred_at=start, **YOUTH),
                ),
                as_published(
                    platform, "triage", triage.EscalatedToRet(case_id=escalated, occurred_at=start)
                ),
                imposed(platform, measured, start - timedelta(hours=1), "jeugdreclassering", None),
            ],
        )
        due = {}
        for case, rule in ((forwarded, TRIAGE), (escalated, RET), (measured, GI)):
            await wait_until(
                lambda case=case, rule=rule: stage(platform, case, rule) is not None,
                f"the {rule} stage",
            )
            due[case, rule] = stage(platform, case, rule)[1]  # type: ignore[index]
        for case, rule in sorted(due, key=due.__getitem__):
            await raised_at_its_deadline(platform, clock, sweeper, case, rule)

        # the case moves on: the triage decides, the RET advises, a GI takes the measure on
        later = clock.now()
        await publish_events(
            platform,
            [
                as_published(
                    platform,
                    "triage",
                    triage.TriageDecided(
                        case_id=forwarded,
                        occurred_at=later,
                        recommended_care_form="ambulant",
                        urgency="regulier",
                        responsible_providers=("12345678",),
                        **YOUTH,
                    ),
                ),
                as_published(
                    platform,
                    "triage",
                    triage.RetAdviceGiven(
                        case_id=escalated,
                        occurred_at=later,
                        care_form="gezinshuis",
                        non_contracted_care=False,
                        maatwerkbudget_granted=False,
                        **YOUTH,
                    ),
                ),
                as_published(
                    platform,
                    "toegang",
                    toegang.GiAssigned(case_id=measured, occurred_at=later, gi="12345678"),
                ),
            ],
        )
        for case, rule in due:
            await wait_until(
                lambda case=case, rule=rule: auto_resolved(platform, case, rule),
                f"{rule} resolved",
            )

    published = await alert_events(platform, 6)
    assert sorted(
        (e["type"].rsplit(".", 1)[1], e["data"]["alert_id"]) for e in published
    ) == sorted(
        (kind, str(alert_id(case, rule)))
        for case, rule in due
        for kind in ("alert-raised", "alert-auto-resolved")
    )


async def test_measure_terms_are_alerted_before_they_run_out_and_close_when_followed_up(
    platform: IsolatedPlatform,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = ControllableClock(now)
    followed_up, lapsed, extended = uuid4(), uuid4(), uuid4()
    voorlopige_until = now + timedelta(weeks=2, hours=1)
    ots_until = now + timedelta(weeks=4, hours=1)
    next_year = ots_until + timedelta(days=365)
    async with monitoring(platform, clock) as sweeper:
        await publish_events(
            platform,
            [
                imposed(
                    platform,
                    followed_up,
                    now - timedelta(days=70),
                    "voorlopige-ots",
                    voorlopige_until,
                ),
                imposed(
                    platform, lapsed, now - timedelta(days=70), "voorlopige-ots", voorlopige_until
                ),
                imposed(platform, extended, now - timedelta(days=300), "ots", ots_until),
                # extended in time (before 4 weeks ahead of its year's end): the next year counts
                as_published(
                    platform,
                    "toegang",
                    toegang.ProtectionMeasureExtended(
                        case_id=extended,
                        occurred_at=now - timedelta(days=1),
                        measure="ots",
                        runs_until=next_year,
                    ),
                ),
            ],
        )
        await wait_until(lambda: stage(platform, extended, OTS) is not None, "the OTS stage")
        assert stage(platform, extended, OTS)[:3] == (  # type: ignore[index]
            now - timedelta(days=1),
            deadline(next_year, -4, Unit.WEKEN),
            None,
        )
        await raised_at_its_deadline(platform, clock, sweeper, followed_up, VOORLOPIGE)
        assert alerted(platform, VOORLOPIGE) == sorted([followed_up, lapsed])
        assert stage(platform, followed_up, VOORLOPIGE)[1] == deadline(  # type: ignore[index]
            voorlopige_until, -2, Unit.WEKEN
        )

        # an OTS follows one up: its alert resolves itself; the other lapses: its alert stays
        await publish_events(
            platform,
            [
                imposed(
                    platform,
                    followed_up,
                    now + timedelta(days=13),
                    "ots",
                    next_year,
                    "voorlopige-ots",
                ),
                as_published(
                    platform,
                    "toegang",
                    toegang.VoorlopigeOtsExpired(case_id=lapsed, occurred_at=voorlopige_until),
                ),
            ],
        )
        await wait_until(lambda: auto_resolved(platform, followed_up, VOORLOPIGE), "resolved")
        await sweeps_after(sweeper, 3)
        assert not auto_resolved(platform, lapsed, VOORLOPIGE)

        # the extended OTS: nothing at its first year's mark, the alert at its second's
        assert alerted(platform, OTS) == []
        await raised_at_its_deadline(platform, clock, sweeper, extended, OTS)
        await publish_events(
            platform,
            [
                as_published(
                    platform,
                    "toegang",
                    toegang.ProtectionMeasureEnded(
                        case_id=extended,
                        occurred_at=clock.now(),
                        measure="ots",
                        reason="doel-bereikt",
                    ),
                )
            ],
        )
        await wait_until(lambda: auto_resolved(platform, extended, OTS), "the OTS alert resolved")
        # the measures' GI stages, raised at once (imposed long ago), end with the measures
        for case in (lapsed, extended):
            await wait_until(lambda case=case: auto_resolved(platform, case, GI), "GI resolved")

    # raised: a GI alert for each measure, both voorlopige OTS and both OTS (the follow-up's
    # runs to the same end, unextended); auto-resolved: two GI alerts, the followed-up
    # voorlopige OTS and the ended OTS
    published = await alert_events(platform, 11)
    assert sorted(
        (e["type"].rsplit(".", 1)[1], e["data"]["alert_id"])
        for e in published
        if e["data"]["alert_id"]
        not in {str(alert_id(c, GI)) for c in (lapsed, extended, followed_up)}
    ) == sorted(
        [
            ("alert-raised", str(alert_id(followed_up, VOORLOPIGE))),
            ("alert-raised", str(alert_id(lapsed, VOORLOPIGE))),
            ("alert-auto-resolved", str(alert_id(followed_up, VOORLOPIGE))),
            ("alert-raised", str(alert_id(extended, OTS))),
            ("alert-raised", str(alert_id(followed_up, OTS))),
            ("alert-auto-resolved", str(alert_id(extended, OTS))),
        ]
    )
    raised = next(
        e for e in published if e["data"]["alert_id"] == str(alert_id(lapsed, VOORLOPIGE))
    )
    assert "2 weken voor het einde van de termijn (gekozen grens)" in raised["data"]["text"]
