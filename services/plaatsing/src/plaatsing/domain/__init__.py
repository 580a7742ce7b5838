"""plaatsing's domain: waiting lists, placements, transfers, end of care, continuity after 18,
and provider capacity.

Pure: no I/O and no framework but the event-sourcing base class. Commands check every guard
first, on every aggregate they touch, and raise a named `Refusal` (its `reason` is what the
partner reads on the rejected topic); only then do they record events, named in the past tense.

Three aggregates, a module each: a `PlacementCase` per case id (`placement_case`: plaatsing's
view of one youth's route), a `Youth` per youth pseudonym (`youth`: which of the youth's cases
holds the active placement, so a youth is never placed twice across cases, and turning 18), and
a `ProviderCapacity` per provider and care form (`provider_capacity`). `reporting_order` holds
the rule the case and the capacity share. The case uses the youth; the youth knows of its cases
only what turning 18 reads of them.

Choices on the rules, for the werkgroep to confirm:
- The advice in force is the RET's when there is one (binding), else triage's recommendation.
  Deviating from triage's recommendation is allowed without a reason; deviating from the RET's
  advice needs a `deviation_reason`. Either deviation is marked (`deviates_from_advice`),
  because the gap between recommended and deployed care is a figure the region wants.
- A regular placement (waiting list or start) needs a triaged case; only a crisis placement may
  start without triage, and then the message names the youth (bsn and gemeente).
- A transfer changes nothing when provider, care form and location gemeente all stay the same:
  another care form at the same provider is another place (another group).
- After the end of care, the case takes no transfer, end or continuity plan; a new waiting-list
  entry or a new start restarts care. The rule holds per case: a youth's other case is a route
  of its own (the re-entry the monitor counts).
- Nothing a partner reports may be dated before the case's previous event. triage's events are
  facts recorded by triage and are applied whatever their date: a late binding advice binds.
- A youth turns 18 in care when a case of the youth was in care at 00:00 (Europe/Amsterdam) on
  the 18th birthday: placed before it, not ended before it. Born on 29 February: 1 March. The
  continuity plan exists when one was recorded in that case by then. Once per youth, ever.

Stored topics: the event store names each stored event, and each aggregate, by a topic, by
default the module and class that define it. The three aggregates shared one module,
`plaatsing.domain`, until it was split per aggregate; so each aggregate and each of its event
classes declares, as `TOPIC`, the topic it was stored under then. Events stored before the split
still load, and the outbox relay, which selects the events to publish by their topics, still
finds those it had not published yet. The library wants a `TOPIC` on every event class of such
an aggregate, on the default `Created` it defines too (plaatsing creates with its own events).
A new event class declares its topic likewise; moving a class then changes nothing stored.
"""
