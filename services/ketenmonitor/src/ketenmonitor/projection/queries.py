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


def spread_of(durations: str, also: str = "") -> str:
    """Per name, the count, nearest-rank p50 and p90 and maximum of the `durations` query's
    rows (`name`, `duration`, and any columns that `also`'s aggregates read): `figures.
    percentile`'s ranks, ceil(p * n / 100), in integers. A name without rows has no row."""
    return f"""
WITH durations AS ({durations}),
ranked AS (
    SELECT durations.*,
           row_number() OVER (PARTITION BY name ORDER BY duration) AS rank,
           count(*) OVER (PARTITION BY name) AS n
    FROM durations)
SELECT name, n,
       min(duration) FILTER (WHERE rank = greatest((50 * n + 99) / 100, 1)) AS p50,
       min(duration) FILTER (WHERE rank = greatest((90 * n + 99) / 100, 1)) AS p90,
       max(duration) AS max{also}
FROM ranked
GROUP BY name, n
"""


def in_period(moment: str, from_date: str, to_date: str) -> str:
    """`chain_figures.in_period` in SQL: the moment's Europe/Amsterdam day within the period,
    as bounds on the moment itself (from the first day's midnight, before the midnight after
    the last), so that an index on it serves."""
    return (
        f"({from_date}::date IS NULL"
        f" OR {moment} >= {from_date}::date::timestamp AT TIME ZONE 'Europe/Amsterdam') "
        f"AND ({to_date}::date IS NULL"
        f" OR {moment} < ({to_date}::date + 1)::timestamp AT TIME ZONE 'Europe/Amsterdam')"
    )


def of_case(gemeente: str, kader: str) -> str:
    """`chain_figures.of_case` in SQL, over the case's row `c`."""
    return (
        f"({gemeente}::text IS NULL OR c.gemeente_code = {gemeente}) "
        f"AND ({kader}::text IS NULL OR c.kader = {kader})"
    )


# $1 names, $2 start milestones, $3 end milestones (of the transitions), $4 from date, $5 to
# date (the end's), $6 gemeente, $7 kader, $8 care form, $9 provider (of the case's first
# placement start; a case without one matches only when neither is given)
SELECT_LEAD_TIMES = spread_of(
    f"""
SELECT t.name, e.occurred_at - s.occurred_at AS duration
FROM unnest($1::text[], $2::text[], $3::text[]) AS t(name, start, finish)
JOIN milestones s ON s.milestone = t.start
JOIN milestones e ON e.case_id = s.case_id AND e.milestone = t.finish
LEFT JOIN cases c ON c.case_id = s.case_id
LEFT JOIN first_placements p ON p.case_id = s.case_id
WHERE e.occurred_at >= s.occurred_at
  AND {in_period("e.occurred_at", "$4", "$5")}
  AND {of_case("$6", "$7")}
  AND ($8::text IS NULL OR p.care_form = $8)
  AND ($9::text IS NULL OR p.provider = $9)"""
)

# $1 names, $2 hand-over event types, $3 their decisions (null: any); $4 names, $5 the next
# partner's action types (a pair per type); $6 from date, $7 to date (the action's), $8
# gemeente, $9 kader. Per case, from its first hand-over to the next partner's first action at
# or after it. Both sides materialised, so that they meet in one merge join: planned as an index
# lookup per handed-over case (the unnest hides how many there are), it took twice as long.
SELECT_HAND_OVERS = spread_of(
    f"""
WITH hand_overs AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS h(name, type, decision)),
next_actions AS (SELECT * FROM unnest($4::text[], $5::text[]) AS n(name, type)),
handed AS MATERIALIZED (
    SELECT h.name, f.case_id, min(f.occurred_at) AS at
    FROM hand_overs h
    JOIN facts f ON f.type = h.type
    WHERE f.case_id IS NOT NULL AND (h.decision IS NULL OR f.data->>'decision' = h.decision)
    GROUP BY h.name, f.case_id),
actions AS MATERIALIZED (
    SELECT n.name, f.case_id, f.occurred_at
    FROM next_actions n
    JOIN facts f ON f.type = n.type
    WHERE f.case_id IS NOT NULL),
acted AS (
    SELECT handed.name, handed.case_id, handed.at, min(a.occurred_at) AS acted_at
    FROM handed
    JOIN actions a
      ON a.name = handed.name AND a.case_id = handed.case_id AND a.occurred_at >= handed.at
    GROUP BY handed.name, handed.case_id, handed.at)
SELECT acted.name, acted.acted_at - acted.at AS duration
FROM acted
LEFT JOIN cases c ON c.case_id = acted.case_id
WHERE {in_period("acted.acted_at", "$6", "$7")}
  AND {of_case("$8", "$9")}"""
)

# $1 referral type, $2 leaving types, $3 toegang-decided type, $4 leaving decisions, $5 from
# date, $6 to date (of leaving), $7 gemeente, $8 kader, $9 the re-entry window in seconds (an
# interval in days would follow the clock across DST): per case that left the chain in the
# period (at its earliest leaving fact, at or after its first referral), its time in the chain,
# and whether its youth (the smallest pseudonym of its referrals) was referred again within it
SELECT_LEAVING = f"""
WITH referrals AS (
    SELECT f.case_id, f.occurred_at, f.data->>'youth_pseudonym' COLLATE "C" AS youth
    FROM facts f
    WHERE f.type = $1 AND f.case_id IS NOT NULL),
referred AS (
    SELECT case_id, min(occurred_at) AS at, min(youth) AS youth
    FROM referrals
    GROUP BY case_id),
leaving AS (
    SELECT f.case_id, min(f.occurred_at) AS at
    FROM facts f
    WHERE f.case_id IS NOT NULL
      AND (f.type = ANY($2::text[]) OR (f.type = $3 AND f.data->>'decision' = ANY($4::text[])))
    GROUP BY f.case_id),
gone AS (
    SELECT r.case_id, r.youth, l.at AS left_at, l.at - r.at AS in_chain
    FROM referred r
    JOIN leaving l ON l.case_id = r.case_id
    LEFT JOIN cases c ON c.case_id = r.case_id
    WHERE l.at >= r.at
      AND {in_period("l.at", "$5", "$6")}
      AND {of_case("$7", "$8")}),
back AS (
    SELECT DISTINCT gone.case_id
    FROM gone
    JOIN referrals again ON again.youth = gone.youth
    WHERE again.occurred_at > gone.left_at
      AND again.occurred_at <= gone.left_at + make_interval(secs => $9))
SELECT in_chain, case_id IN (SELECT case_id FROM back) AS re_entered
FROM gone
"""

SELECT_TIME_IN_CHAIN = spread_of(
    f"SELECT 'in-chain' AS name, in_chain AS duration, re_entered FROM ({SELECT_LEAVING}) AS gone",
    ", count(*) FILTER (WHERE re_entered) AS re_entered",
)

# $1 placement-started type, $2 transferred type, $3 from date, $4 to date, $5 gemeente,
# $6 kader, $7 provider, $8 the care forms counted per month: the entries of
# `chain_figures.entries` per month and care form (kind 'month'), and in one row (kind
# 'youths') how many youths entered any care form and how many of them one not ambulant
SELECT_INFLOW = f"""
WITH entries AS MATERIALIZED (
    SELECT occurred_at, youth, care_form
    FROM (
        SELECT f.occurred_at, f.data->>'youth_pseudonym' AS youth,
               CASE WHEN f.type = $1 THEN f.data->>'care_form'
                    ELSE f.data->>'to_care_form' END AS care_form,
               CASE WHEN f.type = $1 THEN f.data->>'provider'
                    ELSE f.data->>'to_provider' END AS provider
        FROM facts f
        LEFT JOIN cases c ON c.case_id = f.case_id
        WHERE (f.type = $1
               OR (f.type = $2
                   AND f.data->'to_care_form' IS DISTINCT FROM f.data->'from_care_form'))
          AND {in_period("f.occurred_at", "$3", "$4")}
          AND {of_case("$5", "$6")}) AS entry
    WHERE youth IS NOT NULL AND care_form IS NOT NULL AND ($7::text IS NULL OR provider = $7))
SELECT 'month' AS kind,
       to_char(occurred_at AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM') AS month, care_form,
       count(*) AS n, 0 AS away
FROM entries
WHERE care_form = ANY($8::text[])
GROUP BY month, care_form
UNION ALL
SELECT 'youths', NULL, NULL, count(*), count(*) FILTER (WHERE away)
FROM (SELECT bool_or(care_form <> 'ambulant') AS away FROM entries GROUP BY youth) AS youths
"""

# $1 placement-started type, $2 ret-advice-given type, $3 triage-decided type, $4 from date,
# $5 to date, $6 gemeente, $7 kader, $8 care form, $9 provider (of the placement): per
# (advice in force at the start, deployed care form) the placement starts. The advice in force
# is the case's latest RET advice at or before the start, else triage's latest recommendation;
# ties in event time go to the greater care form (code point order, as in Python).
SELECT_CARE_FORM_PAIRS = f"""
SELECT coalesce(
           (SELECT a.data->>'care_form' FROM facts a
            WHERE a.case_id = s.case_id AND a.type = $2 AND a.occurred_at <= s.occurred_at
            ORDER BY a.occurred_at DESC, a.data->>'care_form' COLLATE "C" DESC
            LIMIT 1),
           (SELECT a.data->>'recommended_care_form' FROM facts a
            WHERE a.case_id = s.case_id AND a.type = $3 AND a.occurred_at <= s.occurred_at
            ORDER BY a.occurred_at DESC, a.data->>'recommended_care_form' COLLATE "C" DESC
            LIMIT 1)) AS recommended,
       s.data->>'care_form' AS deployed,
       count(*) AS n
FROM facts s
LEFT JOIN cases c ON c.case_id = s.case_id
WHERE s.type = $1
  AND s.case_id IS NOT NULL
  AND {in_period("s.occurred_at", "$4", "$5")}
  AND {of_case("$6", "$7")}
  AND ($8::text IS NULL OR s.data->>'care_form' = $8)
  AND ($9::text IS NULL OR s.data->>'provider' = $9)
GROUP BY recommended, deployed
"""

# $1 from date, $2 to date, $3 gemeente, $4 kader, $5 placement-requested type, $6 the types
# that close a request (placement started, ended), $7 capacity-recorded type, $8 the cutoff (the
# end of `to`; null: none), $9 care form, $10 provider: per care form and provider, the cases
# still waiting and the latest capacity (ties in event time: the most places, then occupied)
SELECT_WAITING_LISTS = f"""
WITH requests AS (
    SELECT f.data->>'care_form' AS care_form, f.data->>'provider' AS provider, f.case_id,
           f.occurred_at
    FROM facts f
    LEFT JOIN cases c ON c.case_id = f.case_id
    WHERE f.type = $5
      AND ($8::timestamptz IS NULL OR f.occurred_at < $8)
      AND {in_period("f.occurred_at", "$1", "$2")}
      AND {of_case("$3", "$4")}
      AND ($9::text IS NULL OR f.data->>'care_form' = $9)
      AND ($10::text IS NULL OR f.data->>'provider' = $10)),
waiting AS (
    SELECT care_form, provider,
           count(DISTINCT case_id) FILTER (WHERE NOT EXISTS (
               SELECT 1 FROM facts closing
               WHERE closing.case_id = r.case_id
                 AND closing.type = ANY($6::text[])
                 AND closing.occurred_at >= r.occurred_at
                 AND ($8::timestamptz IS NULL OR closing.occurred_at < $8))) AS waiting
    FROM requests r
    GROUP BY care_form, provider),
latest AS (
    SELECT DISTINCT ON (care_form, provider) care_form, provider, places, occupied
    FROM (
        SELECT f.data->>'care_form' AS care_form, f.data->>'provider' AS provider,
               f.occurred_at, (f.data->>'places')::integer AS places,
               (f.data->>'occupied')::integer AS occupied
        FROM facts f
        WHERE f.type = $7
          AND ($8::timestamptz IS NULL OR f.occurred_at < $8)
          AND ($9::text IS NULL OR f.data->>'care_form' = $9)
          AND ($10::text IS NULL OR f.data->>'provider' = $10)) AS recorded
    ORDER BY care_form, provider, occurred_at DESC, places DESC, occupied DESC)
SELECT coalesce(w.care_form, l.care_form) AS care_form,
       coalesce(w.provider, l.provider) AS provider,
       coalesce(w.waiting, 0) AS waiting, l.places, l.occupied
FROM waiting w
FULL JOIN latest l ON l.care_form = w.care_form AND l.provider = w.provider
"""

# $1 from date, $2 to date (of the youth's first placement start), $3 gemeente, $4 kader (of
# its case), $5 transferred type, $6 and $7 the rolling window's first and last day: of the
# placed youths, how many had each number of transfers within the window (kind 'within'), and
# all their transfers per reason (kind 'reason'; a transfer without one: 'None', as in Python)
SELECT_TRANSFER_COUNTS = f"""
WITH placed AS MATERIALIZED (
    SELECT y.youth_pseudonym AS youth
    FROM youth_placements y
    LEFT JOIN cases c ON c.case_id = y.case_id
    WHERE {in_period("y.first_started_at", "$1", "$2")}
      AND {of_case("$3", "$4")}),
moves AS MATERIALIZED (
    SELECT f.data->>'youth_pseudonym' AS youth, f.occurred_at,
           coalesce(f.data->>'reason', 'None') AS reason
    FROM facts f
    WHERE f.type = $5 AND f.data->>'youth_pseudonym' IN (SELECT youth FROM placed)),
within AS (
    SELECT count(moves.youth) AS transfers
    FROM placed
    LEFT JOIN moves ON moves.youth = placed.youth
                   AND {in_period("moves.occurred_at", "$6", "$7")}
    GROUP BY placed.youth)
SELECT 'within' AS kind, transfers::text AS key, count(*) AS n FROM within GROUP BY transfers
UNION ALL
SELECT 'reason', reason, count(*) FROM moves GROUP BY reason
"""

# $1 from date, $2 to date (of the youth's first placement start), $3 gemeente, $4 kader
SELECT_TRANSFERS_PER_PLACED_YOUTH = """
SELECT y.youth_pseudonym, coalesce(t.transfers, 0) AS transfers
FROM youth_placements y
LEFT JOIN youth_transfers t ON t.youth_pseudonym = y.youth_pseudonym
LEFT JOIN cases c ON c.case_id = y.case_id
WHERE ($1::date IS NULL OR (y.first_started_at AT TIME ZONE 'Europe/Amsterdam')::date >= $1)
  AND ($2::date IS NULL OR (y.first_started_at AT TIME ZONE 'Europe/Amsterdam')::date <= $2)
  AND ($3::text IS NULL OR c.gemeente_code = $3)
  AND ($4::text IS NULL OR c.kader = $4)
"""

# $1 event types (full CloudEvent types): the facts of those types, with the gemeente and kader
# of their case, for the figures computed from facts themselves (chain_figures.py)
SELECT_FACTS_OF_TYPES = """
SELECT f.type, f.case_id, f.occurred_at, f.data, c.gemeente_code, c.kader
FROM facts f
LEFT JOIN cases c ON c.case_id = f.case_id
WHERE f.type = ANY($1::text[])
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
