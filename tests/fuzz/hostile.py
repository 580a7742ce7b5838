"""Hypothesis strategies of partner messages: valid ones of every inbound type, and hostile ones
that no service may accept, each kind refused by construction (not by luck).

A `Sent` is what a partner's client puts on its own inbound topic of a service: key, value,
headers, and the partner it is (the topic's).
Valid messages are valid for a service that has never seen their case (a referral, a melding
with a BSN, a crisis placement, capacity); follow-ups of such a case are the `unknown case`
kind of hostile message.
"""

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import strategies as st

from jeugdketen_shared.contracts import plaatsing, toegang, triage
from jeugdketen_shared.contracts.fields import EARLIEST_BIRTH_DATE
from jeugdketen_shared.contracts.plaatsing import MAX_PLACES
from jeugdketen_shared.inbound import MAX_MESSAGE_BYTES

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
"""The moment of receipt in unit tests; integration tests pass the wall clock's."""

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
FREE_TEXT = "Jantje (9) woont bij oma, vader is agressief; BSN 999990019"


@dataclass(frozen=True)
class Partner:
    id: str
    source: str


ENSCHEDE = Partner("gemeente-enschede", "urn:nld:oin:00000001000000040000:systeem:lokaal-team")
VEILIG_THUIS = Partner(
    "veilig-thuis-twente", "urn:nld:oin:00000003900000020000:systeem:veilig-thuis"
)
RAAD = Partner("raad-voor-de-kinderbescherming", "urn:nld:oin:00000001003214345000:systeem:rvdk")
RECHTER = Partner("rechtbank-overijssel", "urn:nld:oin:00000001004568879000:systeem:rechtspraak")
GI = Partner("jeugdbescherming-overijssel", "urn:nld:kvk:23456789:systeem:gi")
TRIAGETAFEL = Partner("triagetafel-twente", "urn:nld:oin:00000003900000030000:systeem:triagetafel")
RET = Partner("regionaal-expertteam-twente", "urn:nld:oin:00000003900000040000:systeem:ret")
AANBIEDER = Partner("aanbieder-de-boerderij", "urn:nld:kvk:34567890:systeem:ecd")
PROVIDER = "34567890"
OTHER_AANBIEDER = Partner("aanbieder-jeugdhulp-twente", "urn:nld:kvk:45678901:systeem:ecd")
WRITERS = {
    "toegang": (ENSCHEDE, VEILIG_THUIS, RAAD, RECHTER, GI),
    "triage": (TRIAGETAFEL, RET),
    "plaatsing": (AANBIEDER, OTHER_AANBIEDER),
}
"""Partners with an inbound topic of their own at each service (deploy/partners.toml)."""


@dataclass(frozen=True)
class Template:
    """One inbound type as its partner sends it; `opens` when valid for an unknown case."""

    service: str
    type: str
    partner: Partner
    data: dict[str, Any]
    opens: bool = False


def _templates() -> tuple[Template, ...]:
    resident = {"bsn": "999990019", "gemeente_code": "GM0153"}  # each case its own, below
    placement = {
        "provider": PROVIDER,
        "care_form": "pleegzorg",
        "location_gemeente_code": "GM0164",
    }
    return (
        Template(
            "toegang",
            toegang.ReferralSubmission.cloudevent_type,
            ENSCHEDE,
            {**resident, "verwijzer": "gemeente", "kader": "vrijwillig"},
            opens=True,
        ),
        Template("toegang", toegang.VerklarendeAnalyseReport.cloudevent_type, ENSCHEDE, {}),
        Template(
            "toegang",
            toegang.ToegangDecisionReport.cloudevent_type,
            ENSCHEDE,
            {"decision": "gezamenlijke-triage"},
        ),
        Template("toegang", toegang.ReferralWithdrawal.cloudevent_type, ENSCHEDE, {}),
        Template(
            "toegang",
            toegang.VeiligThuisMeldingReport.cloudevent_type,
            VEILIG_THUIS,
            resident,
            opens=True,
        ),
        Template(
            "toegang",
            toegang.SafetyAssessmentReport.cloudevent_type,
            VEILIG_THUIS,
            {"outcome": "onveilig"},
        ),
        Template(
            "toegang", toegang.VeiligThuisOnderzoekStartReport.cloudevent_type, VEILIG_THUIS, {}
        ),
        Template(
            "toegang",
            toegang.VeiligThuisOnderzoekConclusionReport.cloudevent_type,
            VEILIG_THUIS,
            {"outcome": "afgesloten"},
        ),
        Template(
            "toegang",
            toegang.RvdkInvestigationRequest.cloudevent_type,
            VEILIG_THUIS,
            resident,
            opens=True,
        ),
        Template("toegang", toegang.RvdkInvestigationStartReport.cloudevent_type, RAAD, {}),
        Template(
            "toegang",
            toegang.RvdkInvestigationCompletionReport.cloudevent_type,
            RAAD,
            {"advice": "maatregel"},
        ),
        Template(
            "toegang",
            toegang.ProtectionMeasureImpositionReport.cloudevent_type,
            RECHTER,
            {"measure": "ots"},
        ),
        Template("toegang", toegang.ProtectionMeasureEndReport.cloudevent_type, RECHTER, {}),
        Template("toegang", toegang.GiAssignmentReport.cloudevent_type, GI, {"gi": "23456789"}),
        Template(
            "triage",
            triage.TriageDecisionReport.cloudevent_type,
            TRIAGETAFEL,
            {
                "recommended_care_form": "pleegzorg",
                "urgency": "regulier",
                "responsible_providers": [PROVIDER],
            },
        ),
        Template("triage", triage.RetEscalationReport.cloudevent_type, TRIAGETAFEL, {}),
        Template(
            "triage",
            triage.RetAdviceReport.cloudevent_type,
            RET,
            {
                "care_form": "gezinshuis",
                "non_contracted_care": False,
                "maatwerkbudget_granted": True,
            },
        ),
        Template(
            "plaatsing",
            plaatsing.PlacementRequestSubmission.cloudevent_type,
            AANBIEDER,
            {"provider": PROVIDER, "care_form": "pleegzorg"},
        ),
        Template(
            "plaatsing",
            plaatsing.PlacementRequestWithdrawal.cloudevent_type,
            AANBIEDER,
            {"provider": PROVIDER, "care_form": "pleegzorg", "reason": "niet-meer-nodig"},
        ),
        Template(
            "plaatsing",
            plaatsing.PlacementStartReport.cloudevent_type,
            AANBIEDER,
            {**placement, **resident, "crisis": True, "birth_date": "2012-05-17"},
            opens=True,
        ),
        Template(
            "plaatsing",
            plaatsing.TransferReport.cloudevent_type,
            AANBIEDER,
            {
                "to_provider": PROVIDER,
                "to_care_form": "gezinshuis",
                "to_location_gemeente_code": "GM0153",
                "reason": "escalatie",
            },
        ),
        Template(
            "plaatsing",
            plaatsing.EndOfCareReport.cloudevent_type,
            AANBIEDER,
            {"reason": "volgens-plan"},
        ),
        Template(
            "plaatsing",
            plaatsing.ContinuityPlanReport.cloudevent_type,
            AANBIEDER,
            {"plan": "wlz"},
        ),
        Template(
            "plaatsing",
            plaatsing.CapacityReport.cloudevent_type,
            AANBIEDER,
            {"provider": PROVIDER, "care_form": "pleegzorg", "places": 12, "occupied": 7},
            opens=True,
        ),
    )


TEMPLATES = _templates()
SERVICES = ("toegang", "triage", "plaatsing")


@dataclass(frozen=True)
class Sent:
    """One record on a service's inbound topic, and what kind of message it is."""

    service: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    kind: str
    """`valid`, or the kind of hostile message."""
    id: str | None = None
    partner: str | None = None
    """The partner whose own inbound topic it is written to: who sent it, as Kafka's ACLs
    guarantee (None: no partner of the registry, as only the HTTP door can see)."""

    @property
    def hostile(self) -> bool:
        return self.kind != "valid"


def bsn_of(case_id: UUID) -> str:
    """A BSN of the case's own youth: two cases opened from scratch are two youths."""
    digits = f"{case_id.int % 10**8:08d}"
    check = sum(int(d) * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
    # a check digit of 10 has no BSN; the next eight digits then do
    return digits + str(check) if check < 10 else bsn_of(UUID(int=case_id.int + 1))


def cloudevent(
    template: Template, case_id: UUID, id_: str, occurred_at: datetime
) -> dict[str, Any]:
    data = {**template.data, "occurred_at": occurred_at.isoformat()}
    if "bsn" in data:
        data["bsn"] = bsn_of(case_id)
    if template.type != plaatsing.CapacityReport.cloudevent_type:
        data["case_id"] = str(case_id)
    return {
        "specversion": "1.0",
        "id": id_,
        "source": template.partner.source,
        "type": template.type,
        "time": occurred_at.isoformat(),
        "datacontenttype": "application/json",
        "data": data,
    }


def key_of(event: dict[str, Any]) -> bytes:
    """What a partner keys the message by: its provider for capacity, else its case."""
    data = event["data"]
    about = "provider" if event["type"] == plaatsing.CapacityReport.cloudevent_type else "case_id"
    return str(data.get(about)).encode()


def as_sent(
    template: Template,
    event: dict[str, Any],
    kind: str,
    *,
    value: bytes | None = None,
    key: bytes | None = None,
) -> Sent:
    return Sent(
        service=template.service,
        key=key if key is not None else key_of(event),
        value=value if value is not None else json.dumps(event).encode(),
        headers=(),
        kind=kind,
        id=event["id"],
        partner=template.partner.id,
    )


def _ids() -> st.SearchStrategy[str]:
    return st.uuids().map(str)


PAST = timedelta(days=4 * 365)
"""How long before now a valid message's moment lies, at most: after the templates' birth date
(2012-05-17)."""


def _past(now: datetime) -> st.SearchStrategy[datetime]:
    return st.integers(60, int(PAST.total_seconds())).map(lambda s: now - timedelta(seconds=s))


def _events(now: datetime, templates: tuple[Template, ...] = TEMPLATES) -> st.SearchStrategy[Any]:
    """(template, valid event) pairs."""
    return st.builds(
        lambda template, case_id, id_, at: (template, cloudevent(template, case_id, id_, at)),
        st.sampled_from(templates),
        st.uuids(version=4),
        _ids(),
        _past(now),
    )


def valid(now: datetime = NOW) -> st.SearchStrategy[Sent]:
    """A message every service accepts from scratch: it opens its own case (or is capacity)."""
    openers = tuple(t for t in TEMPLATES if t.opens)
    return _events(now, openers).map(lambda pair: as_sent(*pair, "valid"))


Mutation = Callable[[Template, dict[str, Any], st.DataObject], Sent]


def _truncated(template: Template, event: dict[str, Any], draw: st.DataObject) -> Sent:
    value = json.dumps(event).encode()
    cut = draw.draw(st.integers(0, len(value) - 1))
    return as_sent(template, event, "truncated", value=value[:cut])


def _oversized(template: Template, event: dict[str, Any], draw: st.DataObject) -> Sent:
    event["data"]["bijlage"] = "x" * draw.draw(
        st.integers(MAX_MESSAGE_BYTES, 3 * MAX_MESSAGE_BYTES)
    )
    return as_sent(template, event, "oversized")


def _wrong_type(template: Template, event: dict[str, Any], draw: st.DataObject) -> Sent:
    field = draw.draw(st.sampled_from(sorted(event["data"])))
    event["data"][field] = draw.draw(
        st.one_of(
            st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
            st.lists(st.dictionaries(st.just("x"), st.booleans()), min_size=1, max_size=2),
        )
    )
    return as_sent(template, event, "wrong-type")


_INVALID_UTF8 = (b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80")


def _wrongly_encoded(template: Template, event: dict[str, Any], draw: st.DataObject) -> Sent:
    how = draw.draw(st.sampled_from(("latin-1", "utf-16", "bom", "invalid-utf-8", "binary")))
    if how == "latin-1":
        event["data"]["opmerking"] = "caf\u00e9 " + draw.draw(st.text(max_size=20))
        text = json.dumps(event, ensure_ascii=False)
        value = text.encode("latin-1", "replace")
    elif how == "utf-16":
        value = json.dumps(event).encode("utf-16")
    elif how == "bom":
        value = b"\xef\xbb\xbf" + json.dumps(event).encode()
    elif how == "invalid-utf-8":
        value = json.dumps(event).encode()
        at = draw.draw(st.integers(0, len(value)))
        value = value[:at] + draw.draw(st.sampled_from(_INVALID_UTF8)) + value[at:]
    else:
        value = draw.draw(st.binary(max_size=300))
    return as_sent(template, event, f"encoding:{how}", value=value)


def _deeply_nested(template: Template, event: dict[str, Any], draw: st.DataObject) -> Sent:
    """Valid JSON but for its depth: more levels than the parser goes, within the size limit."""
    depth = draw.draw(st.integers(2_000, 7_000))
    field = draw.draw(st.sampled_from(sorted(event["data"])))
    event["data"][field] = "NESTED"
    value = json.dumps(event).encode().replace(b'"NESTED"', b"[" * depth + b"]" * depth)
    return as_sent(template, event, "deeply-nested", value=value)


def _in_future(template: Template, event: dict[str, Any], draw: st.DataObject) -> Sent:
    # the event's moment is at most PAST before now; a day ahead of now at least, since a moment
    # just ahead of the generator's clock has passed by the time the service reads it
    now_at_the_latest = datetime.fromisoformat(event["data"]["occurred_at"]) + PAST
    ahead = draw.draw(st.integers(86_400, 7_000 * 365 * 86_400))
    event["data"]["occurred_at"] = (now_at_the_latest + timedelta(seconds=ahead)).isoformat()
    return as_sent(template, event, "occurred-in-future")


def _before_birth(template: Template, event: dict[str, Any], draw: st.DataObject) -> Sent:
    data = event["data"]
    if "birth_date" in data and draw.draw(st.booleans()):
        born = datetime.fromisoformat(data["occurred_at"]) + timedelta(
            days=draw.draw(st.integers(1, 3_000))
        )
        data["birth_date"] = born.date().isoformat()
    else:
        before = datetime.combine(EARLIEST_BIRTH_DATE, datetime.min.time(), UTC)
        data["occurred_at"] = (
            draw.draw(st.datetimes(max_value=before.replace(tzinfo=None) - timedelta(days=1)))
            .replace(tzinfo=UTC)
            .isoformat()
        )
    return as_sent(template, event, "occurred-before-birth")


def _unknown_case(template: Template, event: dict[str, Any], draw: st.DataObject) -> Sent:
    other = draw.draw(st.sampled_from([t for t in TEMPLATES if not t.opens]))
    moment = datetime.fromisoformat(event["data"]["occurred_at"])
    follow_up = cloudevent(other, draw.draw(st.uuids(version=4)), event["id"], moment)
    return as_sent(other, follow_up, "unknown-case")


def _free_text(template: Template, event: dict[str, Any], draw: st.DataObject) -> Sent:
    name = draw.draw(st.sampled_from(("opmerking", "toelichting", "\ud800", "999990019")))
    event["data"][name] = draw.draw(st.sampled_from((FREE_TEXT, "x" * 200, "")))
    return as_sent(template, event, "unknown-field")


def _bad_code(template: Template, event: dict[str, Any], draw: st.DataObject) -> Sent:
    codes = [
        f for f in ("gemeente_code", "provider", "bsn", "gi", "to_provider") if f in event["data"]
    ]
    if not codes:
        return _free_text(template, event, draw)
    field = draw.draw(st.sampled_from(codes))
    event["data"][field] = draw.draw(
        st.one_of(
            st.sampled_from(
                ("GM0363", "123456789", "\u0669" * 9, "\u0661" * 8, "1234567", "GM0153\n")
            ),
            st.text(min_size=10, max_size=300),
        )
    )
    return as_sent(template, event, "bad-code")


def _out_of_range(template: Template, event: dict[str, Any], draw: st.DataObject) -> Sent:
    """A number or a list beyond its bound, in one of the two types that have them."""
    bounded = [t for t in TEMPLATES if {"places", "responsible_providers"} & t.data.keys()]
    template = draw.draw(st.sampled_from(bounded))
    moment = datetime.fromisoformat(event["data"]["occurred_at"])
    event = cloudevent(template, draw.draw(st.uuids(version=4)), event["id"], moment)
    data = event["data"]
    if "places" in data:
        data[draw.draw(st.sampled_from(("places", "occupied")))] = draw.draw(
            st.one_of(st.integers(min_value=MAX_PLACES + 1), st.integers(max_value=-1))
        )
    else:
        data["responsible_providers"] = [f"{n:08d}" for n in range(draw.draw(st.integers(11, 99)))]
    return as_sent(template, event, "out-of-range")


def _wrong_key(template: Template, event: dict[str, Any], draw: st.DataObject) -> Sent:
    key = draw.draw(st.binary(max_size=40).filter(lambda k: k != key_of(event)))
    return as_sent(template, event, "wrong-key", key=key)


def _wrong_envelope(template: Template, event: dict[str, Any], draw: st.DataObject) -> Sent:
    change = draw.draw(
        st.sampled_from(
            (
                {"type": template.type + "-onbekend"},
                {"source": "https://example.org/" + template.partner.id},
                {"id": "melding " + template.partner.id},
                {"id": "case-999990019"},
                {"traceparent": TRACEPARENT, "tracestate": "bsn=999990019"},
                {"dataschema": "https://example.org/999990019"},
                {"specversion": "0.3"},
                {"time": "gisteren"},
                {"caseid": "6f1c2b9e-8a51-4a44-9a57-0d2f7c1f4e11"},
            )
        )
    )
    return as_sent(template, {**event, **change}, "wrong-envelope")


def _not_the_partner(template: Template, event: dict[str, Any], draw: st.DataObject) -> Sent:
    sent = as_sent(template, event, "not-the-partner")
    other = draw.draw(
        st.sampled_from([p for p in WRITERS[template.service] if p != template.partner])
    )
    # another partner's client, on its own topic, claims this one's source
    return dataclasses.replace(sent, partner=other.id)


MUTATIONS: tuple[Mutation, ...] = (
    _truncated,
    _oversized,
    _wrong_type,
    _wrongly_encoded,
    _deeply_nested,
    _in_future,
    _before_birth,
    _unknown_case,
    _free_text,
    _bad_code,
    _out_of_range,
    _wrong_key,
    _wrong_envelope,
    _not_the_partner,
)


@st.composite
def hostile(draw: st.DrawFn, now: datetime = NOW) -> list[Sent]:
    """One hostile message; or, for a duplicate id, a valid message and then its hostile twin
    (the same source and id with other content)."""
    data = draw(st.data())
    if draw(st.integers(0, len(MUTATIONS))) == len(MUTATIONS):
        original = draw(valid(now))
        event = json.loads(original.value)
        event["data"]["occurred_at"] = (
            datetime.fromisoformat(event["data"]["occurred_at"]) - timedelta(minutes=1)
        ).isoformat()
        twin = dataclasses.replace(
            original, value=json.dumps(event).encode(), kind="duplicate-id-with-other-content"
        )
        return [original, twin]
    template, event = draw(_events(now))
    mutation = draw(st.sampled_from(MUTATIONS))
    return [mutation(template, event, data)]
