"""The condition rules over real Kafka and PostgreSQL, with a controllable clock: a stepping-stone
youth (3 moves within 12 months, across cases, counted as the stepping-stone figure counts them)
and a youth nearing 18 in care without a continuity plan are each alerted once, at the right
moment, and auto-resolved when the stage closes. The month
of the 18th birthday arrives sealed, its key before or after it (the stage waits for the key)."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.contracts import plaatsing
from jeugdketen_shared.contracts.fields import AMSTERDAM
from jeugdketen_shared.youth_keys import YouthKey
from ketenmonitor.alerts.rules import add_months, alert_id
from ketenmonitor.main import rebuild_and_recompute_stages
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor import Published, as_published, publish_events
from tests.integration.test_ketenmonitor_alerts import alert_events, monitoring, rows, sweeps_after
from tests.integration.test_ketenmonitor_reference import publish_keys
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

STEPPING = "stepping-stone"
EIGHTEEN = "turning-eighteen-without-continuity-plan"
KEYS: dict[UUID, YouthKey] = {}


def key_of(case: UUID) -> YouthKey:
    """The key of the case's youth (one youth per case, unless a test gives two cases one)."""
    return KEYS.setdefault(case, YouthKey.generate())


def youth(case: UUID) -> str:
    return key_of(case).pseudonym


def started(
    platform: IsolatedPlatform, case: UUID, at: datetime, turns_eighteen_in: str | None = None
) -> Published:
    return as_published(
        platform,
        "plaatsing",
        plaatsing.PlacementStarted(
            case_id=case,
            occurred_at=at,
            youth_pseudonym=youth(case),
            gemeente_code="GM0153",
            provider="12345678",
            care_form="gezinshuis",
            location_gemeente_code="GM0153",
            recommended_care_form="gezinshuis",
            advice_binding=False,
            deviates_from_advice=False,
            deviation_reason=None,
            crisis_without_triage=False,
            turns_eighteen_in=key_of(case).seal(turns_eighteen_in) if turns_eighteen_in else None,
        ),
    )


def transferred(platform: IsolatedPlatform, case: UUID, at: datetime) -> Published:
    return as_published(
        platform,
        "plaatsing",
        plaatsing.Transferred(
            case_id=case,
            occurred_at=at,
            youth_pseudonym=youth(case),
            from_provider="12345678",
            from_care_form="gezinshuis",
            to_provider="87654321",
            to_care_form="pleegzorg",
            to_location_gemeente_code="GM0153",
            reason="capaciteit",
            deviation_reason=None,
        ),
    )


def ended(platform: IsolatedPlatform, case: UUID, at: datetime) -> Published:
    return as_published(
        platform,
        "plaatsing",
        plaatsing.PlacementEnded(
            case_id=case,
            occurred_at=at,
            youth_pseudonym=youth(case),
            provider="87654321",
            care_form="pleegzorg",
            reason="volgens-plan",
        ),
    )


def plan(platform: IsolatedPlatform, case: UUID, at: datetime) -> Published:
    return as_published(
        platform,
        "plaatsing",
        plaatsing.ContinuityPlanRecorded(
            case_id=case, occurred_at=at, youth_pseudonym=youth(case), plan="wlz"
        ),
    )


def turned_eighteen(platform: IsolatedPlatform, case: UUID, at: datetime) -> Published:
    return as_published(
        platform,
        "plaatsing",
        plaatsing.TurnedEighteen(
            case_id=case,
            occurred_at=at,
            youth_pseudonym=youth(case),
            continuity_plan_exists=False,
        ),
    )


def stage(platform: IsolatedPlatform, case: UUID, rule: str) -> tuple[Any, ...] | None:
    found = rows(
        platform,
        "SELECT started_at, deadline_at, closed_at, alerted_at, alert_closed_at FROM stages "
        f"WHERE case_id = '{case}' AND rule = '{rule}'",
    )
    return found[0] if found else None


def alerts(platform: IsolatedPlatform) -> list[tuple[Any, ...]]:
    return sorted(rows(platform, "SELECT case_id, rule FROM alerts"))


async def test_a_third_transfer_within_twelve_months_is_alerted_once_and_closes_with_care(
    platform: IsolatedPlatform,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = ControllableClock(now)
    crowded, spread = uuid4(), uuid4()
    third = now + timedelta(hours=1)  # the third transfer occurs an hour on, by the test's clock
    async with monitoring(platform, clock) as sweeper:
        await publish_events(
            platform,
            [
                started(platform, crowded, now - timedelta(days=300)),
                transferred(platform, crowded, now - timedelta(days=200)),
                transferred(platform, crowded, now - timedelta(days=100)),
                # three transfers, but never three within 12 months
                transferred(platform, spread, now - timedelta(days=800)),
                transferred(platform, spread, now - timedelta(days=500)),
                transferred(platform, spread, now - timedelta(days=100)),
            ],
        )
        await wait_until(
            lambda: rows(platform, "SELECT count(*) FROM facts") == [(6,)], "the facts"
        )
        await sweeps_after(sweeper)
        assert rows(platform, "SELECT count(*) FROM stages") == [(0,)]

        # the third transfer within the window opens the stage, due at once: alerted when the
        # clock reaches it, not before
        await publish_events(platform, [transferred(platform, crowded, third)])
        await wait_until(lambda: stage(platform, crowded, STEPPING) is not None, "the stage")
        assert stage(platform, crowded, STEPPING)[:3] == (third, third, None)  # type: ignore[index]
        clock.advance(third - now - timedelta(seconds=1))
        await sweeps_after(sweeper)
        assert alerts(platform) == []
        clock.advance(timedelta(seconds=1))
        await wait_until(
            lambda: alerts(platform) == [(crowded, STEPPING)],
            "the stepping-stone alert",
            within_seconds=1.5,
        )
        # a fourth transfer raises nothing twice
        await publish_events(platform, [transferred(platform, crowded, third + timedelta(days=1))])
        await sweeps_after(sweeper, 3)
        assert alerts(platform) == [(crowded, STEPPING)]

        # care ends: the stage closes and the alert resolves itself
        await publish_events(platform, [ended(platform, crowded, third + timedelta(days=2))])
        await wait_until(
            lambda: (stage(platform, crowded, STEPPING) or (None,) * 5)[4] is not None,
            "the stepping-stone alert auto-resolved",
        )
        assert stage(platform, spread, STEPPING) is None

    published = await alert_events(platform, 2)
    assert sorted((e["type"].rsplit(".", 1)[1], e["data"]["alert_id"]) for e in published) == [
        ("alert-auto-resolved", str(alert_id(crowded, STEPPING))),
        ("alert-raised", str(alert_id(crowded, STEPPING))),
    ]
    raised = next(e for e in published if e["type"].endswith("alert-raised"))
    assert "overplaatsing" in raised["data"]["text"]


async def test_moves_across_a_youths_cases_are_alerted_as_the_figure_counts_them(
    platform: IsolatedPlatform,
) -> None:
    """A transfer, an end of care and a new start within the move gap (90 days) in a second
    case, and a transfer there: three moves, one alert, on the second case. The same youth's
    history with the new start after the gap is two moves: nothing. The first cases' facts
    arrive after the second cases', and everything arrives twice: the same one alert."""
    now = datetime.now(UTC).replace(microsecond=0)
    clock = ControllableClock(now)
    moved, waited, moved_again, waited_again = uuid4(), uuid4(), uuid4(), uuid4()
    KEYS[moved_again], KEYS[waited_again] = key_of(moved), key_of(waited)
    care_ended, third = now - timedelta(days=150), now + timedelta(hours=1)
    first_cases = [
        event
        for case in (moved, waited)
        for event in (
            started(platform, case, now - timedelta(days=300)),
            transferred(platform, case, now - timedelta(days=200)),
            ended(platform, case, care_ended),
        )
    ]
    second_cases = [
        started(platform, moved_again, care_ended + timedelta(days=89)),  # within the gap
        started(platform, waited_again, care_ended + timedelta(days=91)),  # after it
        transferred(platform, moved_again, third),
        transferred(platform, waited_again, third),
    ]
    async with monitoring(platform, clock) as sweeper:
        # alone, the second cases hold one move each
        await publish_events(platform, second_cases)
        await wait_until(
            lambda: rows(platform, "SELECT count(*) FROM facts") == [(4,)], "the second cases"
        )
        await sweeps_after(sweeper)
        assert rows(platform, "SELECT count(*) FROM stages") == [(0,)]

        await publish_events(platform, first_cases)
        await wait_until(lambda: stage(platform, moved_again, STEPPING) is not None, "the stage")
        assert stage(platform, moved_again, STEPPING)[:3] == (third, third, None)  # type: ignore[index]
        clock.advance(third - now)
        await wait_until(
            lambda: alerts(platform) == [(moved_again, STEPPING)],
            "the stepping-stone alert",
            within_seconds=1.5,
        )

        # redelivered, then the youth's care ends: still one alert, resolved
        await publish_events(
            platform, [*first_cases, *second_cases, ended(platform, moved_again, third)]
        )
        await wait_until(
            lambda: (stage(platform, moved_again, STEPPING) or (None,) * 5)[4] is not None,
            "the stepping-stone alert auto-resolved",
        )
        await sweeps_after(sweeper, 3)
        assert alerts(platform) == [(moved_again, STEPPING)]
        assert rows(platform, "SELECT case_id FROM stages") == [(moved_again,)]

    published = await alert_events(platform, 2)
    assert sorted((e["type"].rsplit(".", 1)[1], e["data"]["alert_id"]) for e in published) == [
        ("alert-auto-resolved", str(alert_id(moved_again, STEPPING))),
        ("alert-raised", str(alert_id(moved_again, STEPPING))),
    ]


async def test_a_late_case_that_crosses_earlier_takes_the_stage_until_it_is_alerted(
    platform: IsolatedPlatform,
) -> None:
    """A youth's second case arrives first and crosses the threshold on its own; the first case,
    arriving late, crossed it earlier: the stage moves to the first case, and only that one is
    alerted."""
    now = datetime.now(UTC).replace(microsecond=0)
    clock = ControllableClock(now)
    first, second = uuid4(), uuid4()
    KEYS[second] = key_of(first)
    hours = [now + timedelta(hours=h) for h in range(7)]
    async with monitoring(platform, clock) as sweeper:
        await publish_events(
            platform,
            [
                started(platform, second, hours[4]),
                *(transferred(platform, second, t) for t in hours[4:]),
            ],
        )
        await wait_until(lambda: stage(platform, second, STEPPING) is not None, "its stage")
        await publish_events(
            platform,
            [
                started(platform, first, now - timedelta(days=10)),
                *(transferred(platform, first, t) for t in hours[1:4]),
                ended(platform, first, hours[4]),
            ],
        )
        await wait_until(lambda: stage(platform, first, STEPPING) is not None, "the stage moved")
        assert stage(platform, first, STEPPING)[:3] == (hours[3], hours[3], None)  # type: ignore[index]
        assert stage(platform, second, STEPPING) is None
        clock.advance(hours[6] - now)
        await wait_until(
            lambda: alerts(platform) == [(first, STEPPING)], "the one alert", within_seconds=1.5
        )
        await sweeps_after(sweeper, 3)
        assert alerts(platform) == [(first, STEPPING)]


async def test_a_youths_moves_of_long_ago_raise_nothing_after_a_rebuild(
    platform: IsolatedPlatform,
) -> None:
    """The rebuild recomputes the youths' stages too: three moves across two cases, crossing
    long ago, are history; a later move of the youth keeps them so."""
    now = datetime.now(UTC).replace(microsecond=0)
    clock = ControllableClock(now)
    first, second = uuid4(), uuid4()
    KEYS[second] = key_of(first)
    care_ended = now - timedelta(days=500)
    await publish_events(
        platform,
        [
            started(platform, first, now - timedelta(days=700)),
            transferred(platform, first, now - timedelta(days=600)),
            ended(platform, first, care_ended),
            started(platform, second, care_ended + timedelta(days=30)),
            transferred(platform, second, care_ended + timedelta(days=60)),
        ],
    )
    await rebuild_and_recompute_stages(platform.settings(), clock)
    assert rows(platform, "SELECT case_id, rule, historical FROM stages") == [
        (second, STEPPING, True)
    ]

    async with monitoring(platform, clock) as sweeper:
        await publish_events(platform, [transferred(platform, first, now - timedelta(days=1))])
        await wait_until(
            lambda: rows(platform, "SELECT count(*) FROM facts") == [(6,)], "the late move"
        )
        await sweeps_after(sweeper, 3)
        assert rows(platform, "SELECT count(*) FROM alerts") == [(0,)]
        assert rows(platform, "SELECT case_id, historical FROM stages") == [(second, True)]


async def test_a_youth_nearing_eighteen_without_a_plan_is_alerted_six_months_before(
    platform: IsolatedPlatform,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = ControllableClock(now)
    # the 18th birthday: the first of the month eight months on, so due in about two months
    birthday_month = add_months(now.astimezone(AMSTERDAM).date().replace(day=1), 8)
    birthday = datetime(birthday_month.year, birthday_month.month, 1, tzinfo=AMSTERDAM)
    month = birthday_month.strftime("%Y-%m")
    due = datetime.combine(
        add_months(birthday_month, -6), birthday.timetz().replace(tzinfo=None), AMSTERDAM
    )
    silent, planned, planned_early, no_birthday = uuid4(), uuid4(), uuid4(), uuid4()
    began = now - timedelta(days=400)
    async with monitoring(platform, clock) as sweeper:
        await publish_keys(platform, [(youth(c), key_of(c)) for c in (planned, planned_early)])
        await publish_events(
            platform,
            [
                started(platform, silent, began, month),
                started(platform, planned, began, month),
                # the plan arrives before its placement start, but follows it in event time
                plan(platform, planned_early, began + timedelta(days=30)),
                started(platform, planned_early, began, month),
                started(platform, no_birthday, began),
            ],
        )
        # silent's month is held sealed until its key arrives: no stage until then
        await wait_until(
            lambda: rows(platform, f"SELECT 1 FROM facts WHERE case_id = '{silent}'") != [],
            "silent's start projected",
        )
        assert stage(platform, silent, EIGHTEEN) is None
        await publish_keys(platform, [(youth(silent), key_of(silent))])
        for case in (silent, planned, planned_early):
            await wait_until(lambda c=case: stage(platform, c, EIGHTEEN) is not None, "a stage")
        assert stage(platform, silent, EIGHTEEN)[1] == due  # type: ignore[index]
        assert stage(platform, planned_early, EIGHTEEN)[2] is not None  # type: ignore[index]
        assert stage(platform, no_birthday, EIGHTEEN) is None

        clock.advance(due - now - timedelta(seconds=1))
        await sweeps_after(sweeper)
        assert alerts(platform) == []
        clock.advance(timedelta(seconds=1))
        await wait_until(
            lambda: alerts(platform) == sorted([(silent, EIGHTEEN), (planned, EIGHTEEN)]),
            "the two 18-/18+ alerts",
            within_seconds=1.5,
        )
        await sweeps_after(sweeper, 3)
        assert len(alerts(platform)) == 2

        # a plan is recorded for one; the other turns eighteen without one: both close
        await publish_events(
            platform,
            [
                plan(platform, planned, due + timedelta(days=3)),
                turned_eighteen(platform, silent, birthday),
            ],
        )
        for case in (planned, silent):
            await wait_until(
                lambda c=case: (stage(platform, c, EIGHTEEN) or (None,) * 5)[4] is not None,
                "an 18-/18+ alert auto-resolved",
            )

    published = await alert_events(platform, 4)
    assert sorted(
        (e["type"].rsplit(".", 1)[1], e["data"]["alert_id"]) for e in published
    ) == sorted(
        [
            ("alert-raised", str(alert_id(silent, EIGHTEEN))),
            ("alert-raised", str(alert_id(planned, EIGHTEEN))),
            ("alert-auto-resolved", str(alert_id(silent, EIGHTEEN))),
            ("alert-auto-resolved", str(alert_id(planned, EIGHTEEN))),
        ]
    )
    raised = next(e for e in published if e["type"].endswith("alert-raised"))
    assert "continuïteitsplan" in raised["data"]["text"]
