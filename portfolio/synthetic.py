"""A synthetic portfolio of any size, for benchmarks and load tests (issue #7).

`seed_synthetic(n, seed=...)` creates, deterministically, 20 departments, 5 council goals, one
office user, one executive, a head and a line manager per department, and the initiatives
SYN-000001 … SYN-<n>, each with about 3 benefits of about 8 measurements, about 4 progress
updates and a score for every goal.

Determinism: every initiative is drawn from its own random generator, seeded with (seed, index),
so initiative 42 is the same whether 100 or 10,000 are seeded, and seeding 10,000 on top of 100
(`extend`) gives the same rows as seeding 10,000 at once. Dates are relative to `today`.

Speed: everything is built in Python and written with `portfolio.bulk` (COPY on PostgreSQL,
batched INSERTs elsewhere): no query per row.
The denormalised figures the services keep (Benefit.latest_value / latest_measured_on and
Measurement.delta, see `benefits.services.benefit_refresh_latest`) are computed while generating.
History (django-simple-history): only the initiatives get their "created" record (one bulk write,
so an initiative's page shows a history as in real use); benefits, measurements, progress updates
and scores get none, as if they had been imported before the history was switched on.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.utils import timezone

from benefits.models import (
    Benefit,
    Category,
    Confidence,
    Direction,
    Frequency,
    Measurement,
    PortfolioSetting,
)
from initiatives.models import (
    Health,
    Initiative,
    Kind,
    Lesson,
    LessonKind,
    Outcome,
    ProgressUpdate,
    Stage,
)
from organisation.models import Department
from portfolio import bulk
from portfolio.cache import bump_data_version
from portfolio.models import Alignment, CouncilGoal

REF_PREFIX = "SYN-"
BATCH = bulk.BATCH
CHUNK = 5000  # initiatives drawn, then handed to the writer, at a time
USER_PREFIX = "syn."
OFFICE_USERNAME = "syn.kontoret"
EXECUTIVE_USERNAME = "syn.ledningen"

# The demo city's eight, then twelve more: 20 departments and municipal companies.
DEPARTMENTS = [
    ("UTB", "Utbildningsförvaltningen"),
    ("SOC", "Socialförvaltningen"),
    ("TK", "Trafikkontoret"),
    ("SBK", "Stadsbyggnadskontoret"),
    ("MF", "Miljöförvaltningen"),
    ("KF", "Kulturförvaltningen"),
    ("SF", "Serviceförvaltningen"),
    ("SLK", "Stadsledningskontoret"),
    ("AMF", "Arbetsmarknadsförvaltningen"),
    ("ÄO", "Äldreförvaltningen"),
    ("FSK", "Förskoleförvaltningen"),
    ("IDR", "Idrottsförvaltningen"),
    ("FAST", "Fastighetskontoret"),
    ("EXP", "Exploateringskontoret"),
    ("KONS", "Konsument- och medborgarservice"),
    ("OF", "Överförmyndarförvaltningen"),
    ("VA", "Vatten och avlopp AB"),
    ("ENE", "Energibolaget AB"),
    ("BOS", "Bostadsbolaget AB"),
    ("HAM", "Hamnbolaget AB"),
]

# The demo's three goals (same titles, so a city with the demo loaded still has five), then two.
GOALS = [
    ("En sammanhållen stad med jämlik välfärd", Decimal("1.5")),
    ("En grön och fossilfri stad", Decimal("1")),
    ("En hållbar ekonomi med utbildning, jobb och bostäder", Decimal("1")),
    ("En trygg och tillgänglig stad", Decimal("0.8")),
    ("En effektiv och innovativ organisation", Decimal("1.2")),
]
GOAL_REASONS = [
    "Gör service och välfärd mer likvärdig för invånarna.",
    "Minskar energi, transporter eller utsläpp.",
    "Frigör tid och pengar eller stärker kompetens och jobb.",
    "Ökar tryggheten eller tillgängligheten för invånarna.",
    "Effektiviserar arbetet eller prövar nya arbetssätt.",
]
NO_CONTRIBUTION = "Inget tydligt bidrag till målet."

FIRST_NAMES = [
    "Anna",
    "Erik",
    "Karin",
    "Lars",
    "Maria",
    "Johan",
    "Sara",
    "Per",
    "Lena",
    "Mikael",
    "Eva",
    "Anders",
    "Sofia",
    "Nils",
    "Emma",
    "Oskar",
    "Ida",
    "Gustav",
    "Elin",
    "Jonas",
]
LAST_NAMES = ["Lindqvist", "Bergström", "Nyberg", "Sandberg", "Holm", "Ekström", "Johansson",
              "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
              "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson"]  # fmt: skip

# (kind, weight, title templates); {x} is an object of the work, {p} a place or unit.
KINDS = [
    (Kind.RPA, 14, ["RPA-robot för {x}", "Automatiserad hantering av {x}"]),
    (Kind.ESERVICE, 20, ["E-tjänst för {x}", "Digital ansökan om {x}"]),
    (Kind.SYSTEM, 20, ["Nytt verksamhetssystem för {x}", "Integration av {x} mot ekonomisystemet"]),
    (Kind.PILOT, 14, ["Pilot med AI-stöd för {x}", "Försök med digital {x}"]),
    (Kind.TRAINING, 10, ["Kompetenslyft i {x}", "Utbildning i digital {x}"]),
    (Kind.IOT, 10, ["Sensorer för {x}", "Uppkopplad mätning av {x}"]),
    (Kind.OTHER, 12, ["Översyn av {x}", "Ny rutin för {x}"]),
]
OBJECTS = ["bygglov", "fakturahantering", "skolskjuts", "hemtjänstplanering", "parkeringstillstånd",
           "försörjningsstöd", "bibliotekslån", "avfallshämtning", "felanmälan", "schemaläggning",
           "lönehantering", "tillsyn av livsmedel", "bostadsanpassning", "färdtjänst",
           "ekonomiskt bistånd", "förskoleplacering", "energiuppföljning", "lokalbokning",
           "diarieföring", "rekrytering", "inköp", "vinterväghållning", "belysning",
           "vattenmätning", "gatuunderhåll", "serveringstillstånd", "nämndhandlingar",
           "dokumenthantering", "kundtjänst", "ärendehantering"]  # fmt: skip
PLACES = ["i ytterstaden", "i innerstaden", "i norra distriktet", "i södra distriktet", "i hamnen",
          "för hela staden", "på skolorna", "på äldreboendena", "i kontaktcenter", "i förskolorna",
          "på fritidsgårdarna", "i stadsdelarna", "i centrum", "vid återvinningscentralerna",
          "på biblioteken", "i bostadsbeståndet"]  # fmt: skip
TAGS = ["AI", "RPA", "e-tjänst", "BankID", "dataskydd", "skola", "omsorg", "klimat", "energi",
        "effektivisering", "IoT", "öppna data", "tillgänglighet", "integration",
        "molntjänst"]  # fmt: skip

# Shares of the portfolio by stage: ideas, pilots, scaling, in operation, closed.
STAGES = [
    (Stage.IDEA, 25),
    (Stage.PILOT, 10),
    (Stage.SCALING, 15),
    (Stage.OPERATION, 30),
    (Stage.CLOSED, 20),
]

# (category, unit, direction, hourly, title)
BENEFIT_KINDS = [
    (Category.REDISTRIBUTION, "h/år", Direction.HIGHER, True, "Frigjord handläggartid"),
    (Category.FINANCIAL, "kr/år", Direction.HIGHER, False, "Minskade kostnader"),
    (Category.QUALITY, "dagar", Direction.LOWER, False, "Kortare handläggningstid"),
    (Category.QUALITY, "%", Direction.HIGHER, False, "Nöjdare invånare"),
    (Category.ENVIRONMENT, "ton CO2e/år", Direction.LOWER, False, "Minskade utsläpp"),
    (Category.ENVIRONMENT, "MWh/år", Direction.LOWER, False, "Minskad energianvändning"),
]
STEP_MONTHS = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.HALF_YEARLY: 6,
    Frequency.YEARLY: 12,
}
UPDATE_TEXTS = [
    ("Arbetet går enligt plan.", "Fortsätta enligt tidplanen.", ""),
    ("Leverantören är försenad med en delleverans.", "Stämma av ny tidplan.", "Leverantören."),
    ("Användartester genomförda med goda resultat.", "Rätta de fel testerna visade.", ""),
    ("Integrationen mot ekonomisystemet fungerar inte än.", "Felsöka med IT.", "IT-resurser."),
    ("Utbildning av personalen pågår.", "Avsluta utbildningen.", ""),
]
HEALTHS = [Health.GREEN] * 6 + [Health.AMBER] * 3 + [Health.RED]
TWO = Decimal("0.01")


def _months_before(day: dt.date, months: int) -> dt.date:
    """The same day of month, `months` months earlier (negative: later), clamped to the 28th."""
    total = day.year * 12 + (day.month - 1) - months
    return dt.date(total // 12, total % 12 + 1, min(day.day, 28))


def _weighted(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def ref_for(index: int) -> str:
    return f"{REF_PREFIX}{index:06d}"


def _ensure_base(password_hash: str) -> dict:
    """Departments, goals, users with roles: created when missing, found otherwise."""
    departments = {}
    for code, name in DEPARTMENTS:
        department = Department.objects.filter(code=code).first()
        if department is None:
            department = Department.objects.create(code=code, name=name)
        departments[code] = department
    goals = []
    for order, (title, weight) in enumerate(GOALS, start=1):
        goal, _created = CouncilGoal.objects.get_or_create(
            title=title, defaults={"weight": weight, "order": order}
        )
        goals.append(goal)
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in
              ("office", "department_head", "executive")}  # fmt: skip

    wanted = [(OFFICE_USERNAME, "office", None), (EXECUTIVE_USERNAME, "executive", None)]
    for code, _name in DEPARTMENTS:
        wanted.append((f"{USER_PREFIX}chef.{code.lower()}", "department_head", code))
        wanted.append((f"{USER_PREFIX}linje.{code.lower()}", None, code))
    existing = {u.username: u for u in User.objects.filter(username__startswith=USER_PREFIX)}
    new = []
    for number, (username, _role, _code) in enumerate(wanted):
        if username not in existing:
            new.append(
                User(
                    username=username,
                    first_name=FIRST_NAMES[number % len(FIRST_NAMES)],
                    last_name=LAST_NAMES[(number * 7) % len(LAST_NAMES)],
                    email=f"{username}@syntetisk.example",
                    password=password_hash,
                )
            )
    if new:
        User.objects.bulk_create(new)
        existing = {u.username: u for u in User.objects.filter(username__startswith=USER_PREFIX)}
        for username, role, code in wanted:
            user = existing[username]
            if role:
                user.groups.add(groups[role])
            if code:
                departments[code].members.add(user)
    return {
        "departments": departments,
        "goals": goals,
        "office": existing[OFFICE_USERNAME],
        "heads": {code: existing[f"{USER_PREFIX}chef.{code.lower()}"] for code, _ in DEPARTMENTS},
        "line": {code: existing[f"{USER_PREFIX}linje.{code.lower()}"] for code, _ in DEPARTMENTS},
    }


def _initiative(index: int, seed: int, today: dt.date, base: dict, now: dt.datetime) -> dict:
    """One initiative with its children, as unsaved objects and plain values."""
    rng = random.Random(f"{seed}:{index}")
    code = DEPARTMENTS[rng.randrange(len(DEPARTMENTS))][0]
    department = base["departments"][code]
    kind, _weight, templates = rng.choices(KINDS, weights=[w for _k, w, _t in KINDS])[0]
    stage = _weighted(rng, STAGES)
    title = (
        rng.choice(templates).format(x=rng.choice(OBJECTS)) + " " + rng.choice(PLACES)
    ).capitalize()
    # Start: ideas in the future or just now; the later the stage, the longer ago.
    start_back = {
        Stage.IDEA: rng.randint(-12, 2),
        Stage.PILOT: rng.randint(2, 14),
        Stage.SCALING: rng.randint(8, 30),
        Stage.OPERATION: rng.randint(14, 48),
        Stage.CLOSED: rng.randint(18, 60),
    }[stage]
    months = rng.randint(6, 30)
    planned_start = _months_before(today, start_back)
    planned_end = _months_before(today, start_back - months)
    budget = None if rng.random() < 0.03 else int(round(rng.lognormvariate(13.3, 1.0), -4))
    spent_share = {Stage.IDEA: 0.0, Stage.PILOT: 0.3, Stage.SCALING: 0.6}.get(stage, 0.95)
    outcome = ""
    archived_at = None
    if stage == Stage.CLOSED:
        outcome = Outcome.COMPLETED if rng.random() < 0.6 else Outcome.STOPPED
        if rng.random() < 0.15:
            archived_at = now - dt.timedelta(days=rng.randint(10, 400))
    owner = base["heads"][code] if rng.random() < 0.7 else base["office"]
    initiative = Initiative(
        ref=ref_for(index),
        title=title[:200],
        summary=(
            f"{title}. {department.name} vill {rng.choice(['förenkla', 'effektivisera', 'digitalisera', 'förbättra'])} "  # noqa: E501
            f"arbetet med {rng.choice(OBJECTS)} och frigöra tid för kärnverksamheten."
        ),
        kind=kind,
        department_id=department.pk,
        owner_id=owner.pk,
        stage=stage,
        outcome=outcome,
        planned_start=planned_start,
        planned_end=planned_end,
        budget=budget,
        running_cost=None if budget is None else int(round(budget * rng.uniform(0.05, 0.25), -3)),
        cost_to_date=0 if budget is None else int(budget * spent_share * rng.uniform(0.8, 1.2)),
        must_do=rng.random() < 0.05,
        hypothesis=(
            "Tiden per ärende minskar med minst 30 % utan att kvaliteten försämras."
            if kind == Kind.PILOT
            else ""
        ),
        stop_criteria="Stoppa om tidsvinsten är under 15 % efter sex månader."
        if kind == Kind.PILOT
        else "",
        tags=", ".join(rng.sample(TAGS, rng.randint(1, 3))),
        archived_at=archived_at,
        version=1,
    )
    initiative._history_date = timezone.make_aware(
        dt.datetime.combine(planned_start - dt.timedelta(days=30), dt.time(9))
    )
    initiative._history_user = base["office"]

    # Progress updates: about 4, every month or so back from a recent one; a tenth are overdue.
    updates = []
    count = 0 if stage == Stage.IDEA and rng.random() < 0.3 else rng.randint(2, 6)
    latest = rng.randint(1, 25) if rng.random() < 0.9 else rng.randint(35, 120)
    if stage == Stage.CLOSED:
        latest += 30 * start_back // 4
    for number in range(count):
        day = today - dt.timedelta(days=latest + 30 * number + rng.randint(0, 6))
        summary, next_steps, blockers = rng.choice(UPDATE_TEXTS)
        updates.append((day, rng.choice(HEALTHS), summary, next_steps, blockers, owner.pk))

    # Benefits: about 3, each with about 8 measurements from its baseline at its frequency.
    benefits = []
    for number in range(rng.randint(1, 5)):
        category, unit, direction, hourly, benefit_title = rng.choice(BENEFIT_KINDS)
        frequency = _weighted(
            rng,
            [(Frequency.MONTHLY, 3), (Frequency.QUARTERLY, 5), (Frequency.HALF_YEARLY, 2)],
        )
        step = STEP_MONTHS[frequency]
        taken = rng.randint(4, 12) if stage != Stage.IDEA else rng.randint(0, 4)
        # The latest measurement is 0 to step-1 months old.
        baseline_date = _months_before(today, step * taken + rng.randint(0, step - 1))
        target_date = _months_before(baseline_date, -rng.randint(12, 36))
        if unit == "%":
            baseline = Decimal(rng.randint(40, 70))
            change = Decimal(rng.randint(5, 25))
        elif unit == "dagar":
            baseline = Decimal(rng.randint(10, 90))
            change = (baseline * Decimal(rng.uniform(0.2, 0.6))).quantize(TWO)
        else:
            baseline = Decimal(rng.randint(100, 5000))
            change = (baseline * Decimal(rng.uniform(0.1, 0.5))).quantize(TWO)
        sign = 1 if direction == Direction.HIGHER else -1
        target = baseline + sign * change
        pace = rng.uniform(0.4, 1.3)
        benefit = Benefit(
            title=f"{benefit_title} {number + 1}" if number else benefit_title,
            description=f"{benefit_title} i {department.name.lower()}.",
            owner_id=base["line"][code].pk,
            category=category,
            is_disbenefit=rng.random() < 0.05,
            unit=unit,
            direction=direction,
            measurement_method="Uppföljning i verksamhetssystemet, jämförd med baslinjen.",
            frequency=frequency,
            baseline_value=baseline,
            baseline_date=baseline_date,
            target_value=target,
            target_date=target_date,
            sek_per_unit=None
            if hourly or category == Category.QUALITY
            else Decimal(1 if unit == "kr/år" else rng.choice([500, 1200, 2500])),
            valued_at_hourly_rate=hourly,
            confidence=rng.choice([Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW]),
        )
        measurements = []
        previous = baseline
        plan_days = (target_date - baseline_date).days
        for k in range(1, taken + 1):
            day = _months_before(baseline_date, -step * k)
            if day > today:
                break
            share = min(1.05, pace * (day - baseline_date).days / plan_days)
            share += rng.uniform(-0.04, 0.04)
            value = (baseline + sign * change * Decimal(share)).quantize(TWO)
            # The change from the previous value, as benefit_refresh_latest computes it.
            measurements.append((day, value, base["line"][code].pk, value - previous))
            previous = value
        if measurements:
            benefit.latest_measured_on, benefit.latest_value = measurements[-1][:2]
        benefits.append((benefit, measurements))

    alignments = []
    for number, goal in enumerate(base["goals"]):
        # Most initiatives serve one or two goals clearly and the others a little or not at all.
        score = min(5, max(0, int(rng.triangular(0, 5.99, 1 if number % 2 else 2))))
        reason = GOAL_REASONS[number] if score else NO_CONTRIBUTION
        alignments.append((goal.pk, score, reason, base["office"].pk))

    lessons = []
    if outcome == Outcome.STOPPED:
        lessons.append(
            (
                LessonKind.DID_NOT_WORK,
                "Förutsättningarna i verksamheten var inte på plats när arbetet startade.",
                owner.pk,
                min(planned_end, today),
            )
        )
    return {
        "initiative": initiative,
        "updates": updates,
        "benefits": benefits,
        "alignments": alignments,
        "lessons": lessons,
    }


def _child_rows(drawn: list[dict], kind: str, stamp):
    """The rows of one kind of an initiative's children, read when written (ids set by then)."""
    for item in drawn:
        pk = item["initiative"].pk
        for row in item[kind]:
            yield (pk, *row, stamp)


def _write(writer: bulk.Writer, drawn: list[dict], office_id: int, stamp) -> dict[str, int]:
    """Hand one chunk of drawn initiatives to the writer; how many rows of each kind. The rows
    are generators, read when written: after the initiatives and benefits have their ids."""
    initiatives = [item["initiative"] for item in drawn]
    writer.create(Initiative, initiatives)
    # One "created" record per initiative, dated before its start (`_history_date`), by the
    # office, as bulk_history_create would write it.
    writer.insert(*bulk.history_rows(Initiative, initiatives, by_id=office_id, reason=""))

    def benefits():
        for item in drawn:
            for benefit, _measurements in item["benefits"]:
                benefit.initiative_id = item["initiative"].pk
                yield benefit

    writer.create(Benefit, benefits())
    for kind, model, columns in (
        ("updates", ProgressUpdate, ["initiative_id", "date", "health", "summary", "next_steps",
                                     "blockers", "author_id", "created_at"]),
        ("alignments", Alignment, ["initiative_id", "goal_id", "score", "reason",
                                   "updated_by_id", "updated_at"]),
        ("lessons", Lesson, ["initiative_id", "kind", "text", "author_id", "date", "created_at"]),
    ):  # fmt: skip
        writer.insert(model, columns, _child_rows(drawn, kind, stamp))
    writer.insert(
        Measurement,
        ["benefit_id", "date", "value", "note", "recorded_by_id", "created_at", "delta"],
        (
            (benefit.pk, day, value, "", by, stamp, delta)
            for item in drawn
            for benefit, rows in item["benefits"]
            for day, value, by, delta in rows
        ),
    )
    return {
        "initiatives": len(drawn),
        "progress_updates": sum(len(item["updates"]) for item in drawn),
        "benefits": sum(len(item["benefits"]) for item in drawn),
        "measurements": sum(len(rows) for item in drawn for _b, rows in item["benefits"]),
        "alignments": sum(len(item["alignments"]) for item in drawn),
        "lessons": sum(len(item["lessons"]) for item in drawn),
    }


def seed_synthetic(
    n: int,
    *,
    seed: int = 7,
    today: dt.date | None = None,
    password: str | None = None,
    batch_size: int = BATCH,
) -> dict[str, int]:
    """Create the synthetic initiatives 1 … n that are not in the database yet.

    Returns how many of each kind of row were created. `password` is given to the synthetic users
    (all share one hash); without it they cannot log in.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    password_hash = make_password(password) if password else make_password(None)
    counts = dict.fromkeys(
        ["initiatives", "progress_updates", "benefits", "measurements", "alignments", "lessons"], 0
    )
    with bulk.paused_gc():
        with transaction.atomic():
            base = _ensure_base(password_hash)
            PortfolioSetting.current()
            existing = set(
                Initiative.objects.filter(ref__startswith=REF_PREFIX).values_list("ref", flat=True)
            )
            wanted = [index for index in range(1, n + 1) if ref_for(index) not in existing]
            # Drawn and written a chunk at a time: on PostgreSQL the writer's thread writes one
            # chunk while the next is drawn (portfolio.bulk.Writer).
            loaded = (Initiative, Initiative.history.model, Benefit, Measurement, ProgressUpdate,
                      Alignment, Lesson)  # fmt: skip
            with (
                bulk.foreign_keys_checked_at_end(*loaded),
                bulk.Writer(batch_size=batch_size) as writer,
            ):
                for start in range(0, len(wanted), CHUNK):
                    drawn = [
                        _initiative(index, seed, today, base, now)
                        for index in wanted[start : start + CHUNK]
                    ]
                    for kind, count in _write(writer, drawn, base["office"].pk, stamp).items():
                        counts[kind] += count
        bump_data_version()  # bulk writes send no signals
        from portfolio import figures

        if counts["initiatives"]:
            bulk.analyze(Initiative, Benefit, Measurement, Alignment, ProgressUpdate)
            figures.rebuild()  # the dashboard's sums, kept current on write from here on
    return {
        **counts,
        "departments": len(base["departments"]),
        "goals": len(base["goals"]),
    }
