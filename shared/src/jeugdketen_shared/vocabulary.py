"""The chain's vocabulary, shared by contracts and domain models (plain enums, no framework)."""

from enum import StrEnum


class Verwijzer(StrEnum):
    """Who referred the youth to toegang (iJw: Verwijzer)."""

    GEMEENTE = "gemeente"
    HUISARTS = "huisarts"
    POH_JEUGD = "poh-jeugd"
    JEUGDARTS = "jeugdarts"
    GECERTIFICEERDE_INSTELLING = "gecertificeerde-instelling"
    VEILIG_THUIS = "veilig-thuis"
    RAAD_VOOR_DE_KINDERBESCHERMING = "raad-voor-de-kinderbescherming"
    RECHTER = "rechter"
    ZELFVERWIJZER = "zelfverwijzer"


class RetEscalator(StrEnum):
    """Who escalated a case to the Regionaal Expertteam. Seed 001 opens the RET to every youth
    who gets stuck: besides the triage table, the youth's gemeente and a provider may."""

    TRIAGETAFEL = "triagetafel"
    GEMEENTE = "gemeente"
    AANBIEDER = "aanbieder"


class Kader(StrEnum):
    """Voluntary help or help under a child-protection measure (iJw: JuridischeStatus)."""

    VRIJWILLIG = "vrijwillig"
    GEDWONGEN = "gedwongen"


class ToegangDecision(StrEnum):
    """What toegang decides after the verklarende analyse."""

    LOKALE_BASISHULP = "lokale-basishulp"
    """Local basic help: the case leaves the specialised chain."""
    GEZAMENLIJKE_TRIAGE = "gezamenlijke-triage"
    """Forwarded to the gezamenlijke triage of the cooperating providers."""
    GEEN_HULP = "geen-hulp"
    """No help needed or possible."""


class CareForm(StrEnum):
    """Zorgvorm, after the afwegingskader (seed 003); from light and at home to closed."""

    AMBULANT = "ambulant"
    """Help at home (thuis)."""
    PLEEGZORG = "pleegzorg"
    GEZINSHUIS = "gezinshuis"
    KLEINSCHALIG_WONEN = "kleinschalig-wonen"
    RESIDENTIELE_BEHANDELGROEP = "residentiele-behandelgroep"
    DRIE_MILIEUVOORZIENING = "3-milieuvoorziening"
    JEUGDZORG_PLUS = "jeugdzorg-plus"
    """Gesloten jeugdhulp (iJw product category 37)."""
    CRISISOPVANG = "crisisopvang"

    @property
    def is_away_from_home(self) -> bool:
        """Thuis, tenzij: every care form but ambulant help places the youth away from home."""
        return self is not CareForm.AMBULANT

    @property
    def is_home_like(self) -> bool:
        """Seed 004: away from home, yet "zoveel mogelijk in een huiselijke setting"."""
        return self in HOME_LIKE_CARE_FORMS


HOME_LIKE_CARE_FORMS = frozenset(
    {CareForm.PLEEGZORG, CareForm.GEZINSHUIS, CareForm.KLEINSCHALIG_WONEN}
)
"""The care forms of a huiselijke setting (seed 004), a family or a small home-like group."""

CARE_FORM_STEPS: tuple[CareForm, ...] = (
    CareForm.AMBULANT,
    CareForm.PLEEGZORG,
    CareForm.GEZINSHUIS,
    CareForm.KLEINSCHALIG_WONEN,
    CareForm.RESIDENTIELE_BEHANDELGROEP,
    CareForm.DRIE_MILIEUVOORZIENING,
    CareForm.JEUGDZORG_PLUS,
)
"""The care forms from the lightest to the heaviest, as the afwegingskader orders them (seed
003; ../shared/DOMAIN.md, "Care forms"). Crisisopvang is not among them: an emergency, not a
step."""


class MoveDirection(StrEnum):
    """Where a youth's move between two places goes, by `CARE_FORM_STEPS`."""

    ESCALATIE = "escalatie"
    """To a heavier care form."""
    AFSCHALING = "afschaling"
    """To a lighter care form (a step-down)."""
    ZIJWAARTS = "zijwaarts"
    """To another place in the same care form."""
    CRISIS = "crisis"
    """Into or out of crisisopvang, which is no step."""


def direction_of_move(from_form: CareForm, to_form: CareForm) -> MoveDirection:
    if CareForm.CRISISOPVANG in (from_form, to_form):
        return MoveDirection.CRISIS
    step = CARE_FORM_STEPS.index(to_form) - CARE_FORM_STEPS.index(from_form)
    if step > 0:
        return MoveDirection.ESCALATIE
    return MoveDirection.AFSCHALING if step < 0 else MoveDirection.ZIJWAARTS


class Urgency(StrEnum):
    REGULIER = "regulier"
    SPOED = "spoed"
    CRISIS = "crisis"


class SafetyOutcome(StrEnum):
    """Veilig Thuis's veiligheidsbeoordeling."""

    VEILIG = "veilig"
    VOORWAARDELIJK_VEILIG = "voorwaardelijk-veilig"
    ONVEILIG = "onveilig"


class OnderzoekOutcome(StrEnum):
    """How Veilig Thuis concluded its onderzoek after the safety assessment."""

    OVERDRACHT_LOKAAL_TEAM = "overdracht-lokaal-team"
    """Handed over to the gemeente's lokaal team (wijkteam) for voluntary help."""
    VERZOEK_RVDK = "verzoek-rvdk"
    """Veilig Thuis asks the Raad voor de Kinderbescherming to investigate (the request itself
    is a message of its own: `rvdk-investigation-request-submitted`)."""
    AFGESLOTEN = "afgesloten"
    """Closed without further steps."""


class RvdkAdvice(StrEnum):
    """The Raad voor de Kinderbescherming's advice after its beschermingsonderzoek."""

    MAATREGEL = "maatregel"
    GEEN_MAATREGEL = "geen-maatregel"


class ProtectionMeasure(StrEnum):
    """A measure the rechter imposes and a gecertificeerde instelling (GI) carries out: the
    kinderbeschermingsmaatregelen of the Burgerlijk Wetboek, and jeugdreclassering."""

    VOORLOPIGE_OTS = "voorlopige-ots"
    """Voorlopige ondertoezichtstelling: urgent, at most 3 months (BW 1:257)."""
    OTS = "ots"
    """Ondertoezichtstelling: at most a year, extended a year at a time (BW 1:258, 1:260)."""
    VOOGDIJ = "voogdij"
    """A GI as voogd after the gezagsbeëindigende maatregel (BW 1:266), until 18."""
    JEUGDRECLASSERING = "jeugdreclassering"
    """Guidance and supervision of a youth in a criminal case (Jeugdwet 1.1, chapter 3); it
    may run beside a kinderbeschermingsmaatregel."""


class MeasureEndReason(StrEnum):
    """Why a measure ended (iJw: RedenBeeindiging, for the measure rather than the care)."""

    DOEL_BEREIKT = "doel-bereikt"
    """The rechter lifted it, or did not extend it, because its aim was reached (BW 1:261)."""
    TERMIJN_VERSTREKEN = "termijn-verstreken"
    """Its term ran out and nobody asked for an extension or a follow-up."""
    MEERDERJARIG = "meerderjarig"
    """The youth turned 18: every measure ends with minority (BW 1:233)."""
    OVERIG = "overig"
    """Any other reason, such as a ruling set aside on appeal."""
