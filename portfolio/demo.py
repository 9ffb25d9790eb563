"""Demo council goals, of the kind Stockholm's council sets, and the office's scores."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from initiatives.models import Initiative
from portfolio.models import Alignment, Alternative, AlternativeGroup, CouncilGoal, Dependency

GOALS = [
    (
        "En sammanhållen stad med jämlik välfärd",
        "Invånarna får likvärdig service, skola, vård och omsorg oavsett var i staden de bor.",
        Decimal("1.5"),
    ),
    (
        "En grön och fossilfri stad",
        "Staden minskar sina utsläpp och sin energianvändning och anpassar sig till ett "
        "förändrat klimat.",
        Decimal("1"),
    ),
    (
        "En hållbar ekonomi med utbildning, jobb och bostäder",
        "Skattepengarna används effektivt, fler får jobb och utbildning och det byggs fler "
        "bostäder.",
        Decimal("1"),
    ),
]

# Words in an initiative's title, summary or tags that speak to each goal, with the reason the
# office writes when it scores. Deterministic, so every demo city scores the same way.
KEYWORDS = [
    (
        ("omsorg", "hemtjänst", "trygghet", "skol", "elev", "bibliotek", "invånar", "e-tjänst",
         "tillgänglig", "äldre", "stöd", "lärare"),
        "Gör service och välfärd mer likvärdig för invånarna.",
    ),
    (
        ("energi", "trafik", "klimat", "utsläpp", "sensor", "avfall", "papperskorg", "cykel",
         "miljö", "kwh", "fossil", "el"),
        "Minskar energi, transporter eller utsläpp.",
    ),
    (
        ("robot", "rpa", "automat", "bygglov", "detaljplan", "bostad", "kompetens", "faktur",
         "utbildning", "effektiv", "jobb", "ledar"),
        "Frigör tid och pengar eller stärker kompetens, jobb och bostadsbyggande.",
    ),
]  # fmt: skip


def _score(text: str, words: tuple[str, ...]) -> int:
    hits = sum(1 for word in words if word in text)
    return min(5, hits * 2) if hits else 0


@transaction.atomic
def load_demo_goals() -> dict[str, int]:
    """Create the goals and score every demo initiative that has no scores yet; safe to rerun."""
    office = get_user_model().objects.filter(username="kontoret").first()
    goals = []
    for order, (title, description, weight) in enumerate(GOALS, start=1):
        goal, _created = CouncilGoal.objects.get_or_create(
            title=title,
            defaults={"description": description, "weight": weight, "order": order},
        )
        goals.append(goal)
    scored = set(Alignment.objects.values_list("initiative_id", flat=True))
    new = []
    for initiative in Initiative.objects.exclude(pk__in=scored):
        text = f"{initiative.title} {initiative.summary} {initiative.tags}".lower()
        for goal, (words, reason) in zip(goals, KEYWORDS, strict=True):
            score = _score(text, words)
            new.append(
                Alignment(
                    initiative=initiative,
                    goal=goal,
                    score=score,
                    reason=reason if score else "Inget tydligt bidrag till målet.",
                    updated_by=office,
                )
            )
    Alignment.objects.bulk_create(new)
    load_demo_links()
    return {"goals": len(goals), "alignments": Alignment.objects.count()}


# A "requires" link (the open data needs the sensors' measurements first) and a group of two
# alternatives for the same need (night-time checks that do not wake anyone), for the budget
# selection's constraints.
DEMO_REQUIRES = [("DIG-2026-005", "DIG-2025-011")]
DEMO_ALTERNATIVES = [
    ("Nattlig tillsyn: kamera eller rörelsesensorer", ["DIG-2025-003", "DIG-2026-002"]),
]


def load_demo_links() -> None:
    """The demo's "requires" links and groups of alternatives; safe to rerun, and left alone
    where the office has changed them (an initiative in another group stays there)."""
    refs = {ref for pair in DEMO_REQUIRES for ref in pair}
    refs |= {ref for _name, members in DEMO_ALTERNATIVES for ref in members}
    found = dict(Initiative.objects.filter(ref__in=refs).values_list("ref", "pk"))
    for ref, required in DEMO_REQUIRES:
        if ref in found and required in found:
            Dependency.objects.get_or_create(initiative_id=found[ref], required_id=found[required])
    grouped = set(Alternative.objects.values_list("initiative_id", flat=True))
    for name, members in DEMO_ALTERNATIVES:
        free = [found[ref] for ref in members if ref in found and found[ref] not in grouped]
        if len(free) < 2:
            continue
        group, _created = AlternativeGroup.objects.get_or_create(name=name)
        Alternative.objects.bulk_create([Alternative(group=group, initiative_id=pk) for pk in free])
