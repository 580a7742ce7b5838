"""Every SQL statement of the ketenmonitor, by name. Unqualified: the connection's search_path
is the projection's schema."""

import re

from jeugdketen_shared.lock_classes import LockClass

SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def quoted(schema: str) -> str:
    if not SCHEMA_NAME.match(schema):
        raise ValueError(f"{schema!r} is not a plain lower-case schema name")
    return f'"{schema}"'


TABLES = (
    "facts",
    "positions",
    "milestones",
    "cases",
    "youth_placements",
    "youth_transfers",
    "first_placements",
    "youth_keys",
    "gedwongen_stretches",
)
"""The projection's tables, moved together when a rebuild switches over. Not among them: the
erasure tables (`ERASURE_TABLES`), which a rebuild keeps."""

CREATE_TABLES = """
CREATE TABLE IF NOT EXISTS facts (
    source text NOT NULL,
    id text NOT NULL,
    type text NOT NULL,
    case_id uuid,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    projected_at timestamptz NOT NULL DEFAULT now(),
    topic text NOT NULL,
    partition integer NOT NULL,
    "offset" bigint NOT NULL,
    data jsonb NOT NULL,
    PRIMARY KEY (source, id)
);
CREATE INDEX IF NOT EXISTS facts_case ON facts (case_id, occurred_at);
CREATE INDEX IF NOT EXISTS facts_type_time ON facts (type, occurred_at);
CREATE TABLE IF NOT EXISTS positions (
    topic text NOT NULL,
    partition integer NOT NULL,
    next_offset bigint NOT NULL,
    PRIMARY KEY (topic, partition)
);
CREATE TABLE IF NOT EXISTS milestones (
    case_id uuid NOT NULL,
    milestone text NOT NULL,
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (case_id, milestone)
);
CREATE INDEX IF NOT EXISTS milestones_by_name ON milestones (milestone, occurred_at);
CREATE TABLE IF NOT EXISTS cases (
    case_id uuid PRIMARY KEY,
    gemeente_code text,
    gemeente_at timestamptz,
    kader text,
    kader_at timestamptz,
    youth_pseudonym text
);
CREATE INDEX IF NOT EXISTS cases_youth ON cases (youth_pseudonym);
CREATE TABLE IF NOT EXISTS youth_placements (
    youth_pseudonym text PRIMARY KEY,
    first_started_at timestamptz NOT NULL,
    case_id uuid NOT NULL
);
CREATE TABLE IF NOT EXISTS youth_transfers (
    youth_pseudonym text PRIMARY KEY,
    transfers integer NOT NULL
);
CREATE TABLE IF NOT EXISTS first_placements (
    case_id uuid PRIMARY KEY,
    started_at timestamptz NOT NULL,
    care_form text COLLATE "C" NOT NULL,
    provider text COLLATE "C" NOT NULL
);
CREATE TABLE IF NOT EXISTS youth_keys (
    youth_pseudonym text PRIMARY KEY,
    secret bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS gedwongen_stretches (
    case_id uuid NOT NULL,
    since timestamptz NOT NULL,
    until timestamptz,
    PRIMARY KEY (case_id, since)
);
CREATE INDEX IF NOT EXISTS facts_sealed ON facts ((data->>'youth_pseudonym'))
    WHERE data ? 'turns_eighteen_in_sealed';
"""

# projection instances and roles starting at once each create the tables: one at a time, as
# concurrent CREATE ... IF NOT EXISTS of one table can fail on the catalogue's unique index
LOCK_SCHEMA_CHANGES = (
    f"SELECT pg_advisory_xact_lock({LockClass.KETENMONITOR_SCHEMA_CHANGES:d}, "
    "hashtext(current_schema()))"
)

SELECT_POSITIONS = "SELECT topic, partition, next_offset FROM positions"

# only the batch's partitions, in one order: instances of a group, each with its own
# partitions, write side by side
LOCK_POSITIONS = """
SELECT topic, partition, next_offset FROM positions
WHERE (topic, partition) IN (SELECT * FROM unnest($1::text[], $2::integer[]))
ORDER BY topic, partition
FOR UPDATE
"""

UPSERT_POSITIONS = """
INSERT INTO positions (topic, partition, next_offset)
SELECT * FROM unnest($1::text[], $2::integer[], $3::bigint[])
ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset
"""

# a repeated (source, id), a relay's republished batch, records nothing: RETURNING names only
# the facts that are new, and only those feed the derived tables
INSERT_FACTS = """
INSERT INTO facts (source, id, type, case_id, occurred_at, recorded_at, topic, partition,
                   "offset", data)
SELECT s, i, t, c, o, r, tp, p, f, d::jsonb
FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::timestamptz[],
            $6::timestamptz[], $7::text[], $8::integer[], $9::bigint[], $10::text[])
     AS u(s, i, t, c, o, r, tp, p, f, d)
ON CONFLICT (source, id) DO NOTHING
RETURNING source, id
"""

UPSERT_MILESTONES = """
INSERT INTO milestones (case_id, milestone, occurred_at)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[])
ON CONFLICT (case_id, milestone)
DO UPDATE SET occurred_at = least(milestones.occurred_at, excluded.occurred_at)
"""

# each attribute keeps the value named by the earliest event (ties: the smallest value), so
# the result does not depend on arrival order
UPSERT_CASES = """
INSERT INTO cases (case_id, gemeente_code, gemeente_at, kader, kader_at, youth_pseudonym)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[],
                     $5::timestamptz[], $6::text[])
ON CONFLICT (case_id) DO UPDATE SET
    (gemeente_code, gemeente_at) = (
        SELECT CASE WHEN cases.gemeente_at IS NULL
                      OR (excluded.gemeente_at, excluded.gemeente_code)
                         < (cases.gemeente_at, cases.gemeente_code)
                    THEN excluded.gemeente_code ELSE cases.gemeente_code END,
               CASE WHEN cases.gemeente_at IS NULL
                      OR (excluded.gemeente_at, excluded.gemeente_code)
                         < (cases.gemeente_at, cases.gemeente_code)
                    THEN excluded.gemeente_at ELSE cases.gemeente_at END),
    (kader, kader_at) = (
        SELECT CASE WHEN cases.kader_at IS NULL
                      OR (excluded.kader_at, excluded.kader) < (cases.kader_at, cases.kader)
                    THEN excluded.kader ELSE cases.kader END,
               CASE WHEN cases.kader_at IS NULL
                      OR (excluded.kader_at, excluded.kader) < (cases.kader_at, cases.kader)
                    THEN excluded.kader_at ELSE cases.kader_at END),
    youth_pseudonym = coalesce(cases.youth_pseudonym, excluded.youth_pseudonym)
"""

UPSERT_YOUTH_PLACEMENTS = """
INSERT INTO youth_placements (youth_pseudonym, first_started_at, case_id)
SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::uuid[])
ON CONFLICT (youth_pseudonym) DO UPDATE SET
    (first_started_at, case_id) = (
        SELECT CASE WHEN (excluded.first_started_at, excluded.case_id)
                         < (youth_placements.first_started_at, youth_placements.case_id)
                    THEN excluded.first_started_at ELSE youth_placements.first_started_at END,
               CASE WHEN (excluded.first_started_at, excluded.case_id)
                         < (youth_placements.first_started_at, youth_placements.case_id)
                    THEN excluded.case_id ELSE youth_placements.case_id END)
"""

# a case's earliest placement start by event time, ties by care form then provider (code
# point order, as the projection merges a batch in Python)
UPSERT_FIRST_PLACEMENTS = """
INSERT INTO first_placements (case_id, started_at, care_form, provider)
SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[])
ON CONFLICT (case_id) DO UPDATE SET
    (started_at, care_form, provider) = (excluded.started_at, excluded.care_form,
                                         excluded.provider)
WHERE (excluded.started_at, excluded.care_form, excluded.provider)
    < (first_placements.started_at, first_placements.care_form, first_placements.provider)
"""

ADD_YOUTH_TRANSFERS = """
INSERT INTO youth_transfers (youth_pseudonym, transfers)
SELECT * FROM unnest($1::text[], $2::integer[])
ON CONFLICT (youth_pseudonym)
DO UPDATE SET transfers = youth_transfers.transfers + excluded.transfers
"""

# a case's stretches in the gedwongen kader are recomputed from all its measure facts whenever
# one arrives (`facts.gedwongen_stretches`): a function of what is stored, so the same in every
# order of arrival, on redelivery and on a rebuild. $1 the cases, $2 the measure types.
SELECT_MEASURE_FACTS = """
SELECT source, id, type, case_id, occurred_at, recorded_at,
       jsonb_build_object('measure', data->'measure',
                          'previous_measure', data->'previous_measure')::text AS data
FROM facts
WHERE case_id = ANY($1::uuid[]) AND type = ANY($2::text[])
"""

DELETE_GEDWONGEN_STRETCHES = "DELETE FROM gedwongen_stretches WHERE case_id = ANY($1::uuid[])"

INSERT_GEDWONGEN_STRETCHES = """
INSERT INTO gedwongen_stretches (case_id, since, until)
SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[])
"""

COUNT_FACTS = "SELECT count(*) FROM facts"

# --- youths' keys and erasure (erasure.py, erasure_store.py) ------------------------------------

UPSERT_YOUTH_KEYS = """
INSERT INTO youth_keys (youth_pseudonym, secret)
SELECT * FROM unnest($1::text[], $2::bytea[])
ON CONFLICT (youth_pseudonym) DO UPDATE SET secret = excluded.secret
"""

SELECT_YOUTH_KEYS = """
SELECT youth_pseudonym, secret FROM youth_keys WHERE youth_pseudonym = ANY($1::text[])
"""

DELETE_YOUTH_KEY = "DELETE FROM youth_keys WHERE youth_pseudonym = $1"

# the facts whose sealed month arrived before their youth's key (the partial index's predicate,
# written out, so that the index serves)
SELECT_SEALED_FACTS = """
SELECT source, id, case_id, data->>'youth_pseudonym' AS youth,
       data->>'turns_eighteen_in_sealed' AS sealed
FROM facts
WHERE data ? 'turns_eighteen_in_sealed' AND data->>'youth_pseudonym' = ANY($1::text[])
"""

UNSEAL_FACTS = """
UPDATE facts f
SET data = (f.data - 'turns_eighteen_in_sealed') || jsonb_build_object('turns_eighteen_in', u.month)
FROM unnest($1::text[], $2::text[], $3::text[]) AS u(source, id, month)
WHERE f.source = u.source AND f.id = u.id
"""

SELECT_CASES_OF_YOUTH = "SELECT case_id FROM cases WHERE youth_pseudonym = $1"

# The permanent tables of what was erased, in the live schema (`{home}`) even while a rebuild
# replays into its scratch schema: a rebuild keeps them. Hashes only (sha256), never a case id
# or pseudonym; beside each, the random one its rows were given.
ERASURE_TABLES = ("erased_cases", "erased_youths")

CREATE_ERASURE_TABLES = """
CREATE TABLE IF NOT EXISTS {home}.erased_cases (
    case_hash bytea PRIMARY KEY,
    anonymous_case_id uuid NOT NULL
);
CREATE TABLE IF NOT EXISTS {home}.erased_youths (
    youth_hash bytea PRIMARY KEY,
    anonymous_pseudonym text NOT NULL
);
"""

# A batch reads the erasure tables under a share lock, an erasure writes them under an
# exclusive one: a batch of another instance never slips a youth's fact in beside an erasure
# that does not see it yet.
LOCK_ERASURES_FOR_BATCH = "LOCK TABLE {home}.erased_youths IN SHARE MODE"
LOCK_ERASURES_FOR_ERASURE = "LOCK TABLE {home}.erased_youths IN EXCLUSIVE MODE"

# A batch storing a youth's key and one of another instance storing a month sealed under it
# must not pass each other unseen (each would leave the month held): each takes the locks of
# its keys' and sealed months' youths, all at once and in one order, so the later one waits and
# then sees what the first committed.
LOCK_YOUTHS = f"""
SELECT pg_advisory_xact_lock({LockClass.KETENMONITOR_YOUTHS:d}, k)
FROM (SELECT DISTINCT hashtext(y) AS k FROM unnest($1::text[]) AS y ORDER BY k) AS keys
"""

SELECT_ERASED_CASES = """
SELECT case_hash, anonymous_case_id FROM {home}.erased_cases WHERE case_hash = ANY($1::bytea[])
"""

SELECT_ERASED_YOUTHS = """
SELECT youth_hash, anonymous_pseudonym FROM {home}.erased_youths
WHERE youth_hash = ANY($1::bytea[])
"""

INSERT_ERASED_CASES = """
INSERT INTO {home}.erased_cases (case_hash, anonymous_case_id)
SELECT * FROM unnest($1::bytea[], $2::uuid[])
ON CONFLICT (case_hash) DO NOTHING
"""

INSERT_ERASED_YOUTH = """
INSERT INTO {home}.erased_youths (youth_hash, anonymous_pseudonym) VALUES ($1, $2)
ON CONFLICT (youth_hash) DO NOTHING
"""

# $1 the erased cases' ids, $2 their anonymous ids, $3 the erased youth's pseudonym (null: none
# of these rows names it), $4 its anonymous one: the rows of the tables that name both
ANONYMISE_CASES_AND_YOUTH = (
    """
UPDATE facts f
SET case_id = m.new,
    data = f.data
        || CASE WHEN f.data ? 'case_id' THEN jsonb_build_object('case_id', m.new)
                ELSE '{}'::jsonb END
        || CASE WHEN f.data->>'youth_pseudonym' = $3
                THEN jsonb_build_object('youth_pseudonym', $4::text) ELSE '{}'::jsonb END
FROM unnest($1::uuid[], $2::uuid[]) AS m(old, new)
WHERE f.case_id = m.old
""",
    """
UPDATE cases t
SET case_id = m.new,
    youth_pseudonym = CASE WHEN t.youth_pseudonym = $3 THEN $4::text ELSE t.youth_pseudonym END
FROM unnest($1::uuid[], $2::uuid[]) AS m(old, new) WHERE t.case_id = m.old
""",
    """
UPDATE youth_placements t
SET youth_pseudonym = CASE WHEN t.youth_pseudonym = $3 THEN $4::text ELSE t.youth_pseudonym END,
    case_id = coalesce(
        (SELECT m.new FROM unnest($1::uuid[], $2::uuid[]) AS m(old, new) WHERE m.old = t.case_id),
        t.case_id)
WHERE t.youth_pseudonym = $3 OR t.case_id = ANY($1::uuid[])
""",
)

# $1 the erased cases' ids, $2 their anonymous ids: the tables that name cases only
ANONYMISE_CASES = (
    """
UPDATE milestones t SET case_id = m.new
FROM unnest($1::uuid[], $2::uuid[]) AS m(old, new) WHERE t.case_id = m.old
""",
    """
UPDATE first_placements t SET case_id = m.new
FROM unnest($1::uuid[], $2::uuid[]) AS m(old, new) WHERE t.case_id = m.old
""",
    """
UPDATE gedwongen_stretches t SET case_id = m.new
FROM unnest($1::uuid[], $2::uuid[]) AS m(old, new) WHERE t.case_id = m.old
""",
)

# $1 the erased youth's pseudonym, $2 its anonymous one: the tables that name youths only
ANONYMISE_YOUTH = ("UPDATE youth_transfers SET youth_pseudonym = $2 WHERE youth_pseudonym = $1",)

# The case-level detail of the erased cases' alerts, in the live schema, per table (a table not
# created yet holds nothing to forget); the audit log of reads (case_reads) is not touched.
# $1 the erased cases' ids:
FORGET_CASES_ALERTS = {
    "stages": "DELETE FROM {home}.stages WHERE case_id = ANY($1::uuid[])",
    "alerts": "DELETE FROM {home}.alerts WHERE case_id = ANY($1::uuid[])",
}
# $1 their alerts' ids (one per case and rule), in the event store of alert_application.Alerts:
FORGET_ALERT_EVENTS = {
    "ketenmonitor_alerts_events": (
        "DELETE FROM {home}.ketenmonitor_alerts_events WHERE originator_id = ANY($1::uuid[])"
    ),
}

TABLE_EXISTS = "SELECT to_regclass($1) IS NOT NULL"
