"""The advisory side of the demo programme RL-2020: advisors' profiles, the towns' needs,
the experts assigned to cover them, the towns' people and a consultation log whose
totals are exactly the programme's table (shared/design/DOMAIN.md).

Deterministic: one random.Random with a fixed seed drives every choice, and every query
that feeds it is ordered, so the same --today gives the same rows, ids included; only
the calendar follows today. The log is written in a handful of bulk INSERTs (some 20,000
rows), never object by object, so seeding stays fast. The module is longer than most
because it carries its own word lists (names, institutions, topics).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update

from workflow.advice import assignment, profiles, service_totals
from workflow.extensions import db
from workflow.models import (
    AdvisorAssignment,
    AdvisorKind,
    AdvisorProfile,
    AdvisorSource,
    Applicant,
    AssignmentEvent,
    Path,
    Person,
    Programme,
    Service,
    Study,
    User,
    advisor_expertise,
    path_need,
    service_participant,
)

# The programme's table, as a report must print it from the log.
TARGETS = {"services": 2700, "consultations": 1700, "workshops": 520, "studies": 781,
           "participations": 17_000, "people": 3300}
KIND_COUNTS = {"consultation": 1700, "workshop": 520, "study": 400, "other": 80}
SECOND_STUDIES = 120  # study services that gave two documents; the remainder go to consultations
DRAFT_KINDS = ("consultation",) * 6 + ("workshop",) * 4 + ("study",) * 3 + ("other",) * 2
SIZES = {"consultation": (2, 6), "workshop": (10, 20), "study": (2, 5), "other": (2, 6)}
# Consultations lean to a fuller room, so the drawn sizes land near the target before the
# exact adjustment (one up or down on a few services).
CONSULTATION_SIZE_WEIGHTS = (1, 2, 3, 3, 3)
DURATIONS = {"consultation": (60, 180, 15), "workshop": (180, 480, 30), "study": (120, 480, 30),
             "other": (60, 240, 30)}
ONLINE_SHARE = {"consultation": 0.45, "workshop": 0.2, "study": 0.35, "other": 0.3}
EXPERT_SHARE = 0.35  # of a town's services, those its field experts deliver
# A city advisor advises their own town; the field needs go to the sectoral experts.
LEAD_CAPACITY, EXPERT_CAPACITY = 1, (6, 9)
CORE_TEAM, CORE_WEIGHT = 28, 4  # the municipal team (Zespół Miejski) comes far more often
HISTORY_DAYS, ADVICE_DAYS_AHEAD = 200, 150
SEED = 202003
ZONE = ZoneInfo("Europe/Warsaw")
INSTITUTIONAL = "institutional_development"
FIELD_CODES = tuple(code for code, _, _ in profiles.DEFAULT_FIELDS)
FOLD = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")

# --- word lists ---------------------------------------------------------------------------------

FEMALE = ("Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna",
          "Magdalena", "Elżbieta", "Joanna", "Aleksandra", "Monika", "Beata", "Dorota", "Renata",
          "Iwona", "Jolanta", "Grażyna", "Marta", "Justyna", "Karolina", "Natalia", "Paulina",
          "Agata", "Sylwia", "Halina", "Danuta", "Izabela", "Teresa", "Urszula", "Wioletta",
          "Edyta", "Bożena", "Dominika", "Kamila", "Weronika", "Emilia", "Julia", "Zofia")
MALE = ("Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Jan", "Michał", "Marcin", "Marek",
        "Grzegorz", "Józef", "Łukasz", "Adam", "Zbigniew", "Jerzy", "Tadeusz", "Mateusz",
        "Dariusz", "Mariusz", "Wojciech", "Ryszard", "Jakub", "Kamil", "Robert", "Rafał",
        "Maciej", "Sławomir", "Artur", "Bartosz", "Przemysław")
# Masculine forms; -ski/-cki/-dzki become -ska/-cka/-dzka for women, the rest stay as they are.
SURNAMES = ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
            "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
            "Kwiatkowski", "Krawczyk", "Kaczmarek", "Piotrowski", "Grabowski", "Zając",
            "Pawłowski", "Michalski", "Król", "Wieczorek", "Jabłoński", "Wróbel", "Nowakowski",
            "Majewski", "Olszewski", "Stępień", "Malinowski", "Jaworski", "Adamczyk", "Dudek",
            "Nowicki", "Pawlak", "Górski", "Witkowski", "Walczak", "Sikora", "Baran", "Rutkowski",
            "Michalak", "Szewczyk", "Ostrowski", "Tomaszewski", "Pietrzak", "Marciniak",
            "Wróblewski", "Zalewski", "Jakubowski", "Jasiński", "Zawadzki", "Sadowski", "Bąk",
            "Chmielewski", "Włodarczyk", "Borkowski", "Czarnecki", "Sawicki", "Sokołowski",
            "Urbański", "Kubiak", "Maciejewski", "Szczepański", "Kucharski", "Wilk", "Kalinowski",
            "Lis", "Mazurek", "Wysocki", "Adamski", "Kaźmierczak", "Wasilewski", "Sobczak")
# "w ..." for each demo town (the locative); a town missing here gets "w mieście <name>".
LOCATIVE = {
    "Dąbrowa Tarnowska": "Dąbrowie Tarnowskiej", "Ostrzeszów": "Ostrzeszowie", "Wałcz": "Wałczu",
    "Szczecinek": "Szczecinku", "Wysokie Mazowieckie": "Wysokiem Mazowieckiem",
    "Aleksandrów Kujawski": "Aleksandrowie Kujawskim", "Limanowa": "Limanowej", "Olesno": "Oleśnie",
    "Brzozów": "Brzozowie", "Kolbuszowa": "Kolbuszowej", "Kolno": "Kolnie",
    "Janów Lubelski": "Janowie Lubelskim", "Drezdenko": "Drezdenku", "Węgorzewo": "Węgorzewie",
    "Pińczów": "Pińczowie", "Jędrzejów": "Jędrzejowie", "Namysłów": "Namysłowie", "Kępno": "Kępnie",
    "Tomaszów Lubelski": "Tomaszowie Lubelskim", "Łęczyca": "Łęczycy", "Kutno": "Kutnie",
    "Świdwin": "Świdwinie", "Łobez": "Łobzie", "Drawsko Pomorskie": "Drawsku Pomorskim",
    "Łosice": "Łosicach", "Augustów": "Augustowie", "Sokółka": "Sokółce", "Mońki": "Mońkach",
    "Maków Mazowiecki": "Makowie Mazowieckim", "Nidzica": "Nidzicy", "Pisz": "Piszu",
    "Działdowo": "Działdowie", "Szczytno": "Szczytnie", "Będzin": "Będzinie",
    "Bielsko-Biała": "Bielsku-Białej", "Bytom": "Bytomiu", "Cieszyn": "Cieszynie",
    "Czeladź": "Czeladzi", "Dąbrowa Górnicza": "Dąbrowie Górniczej", "Jasło": "Jaśle",
    "Jarocin": "Jarocinie", "Jaworzno": "Jaworznie", "Knurów": "Knurowie", "Kozienice": "Kozienicach",
    "Krosno": "Krośnie", "Legnica": "Legnicy", "Mysłowice": "Mysłowicach", "Płońsk": "Płońsku",
    "Rybnik": "Rybniku", "Sochaczew": "Sochaczewie", "Tychy": "Tychach", "Wyszków": "Wyszkowie",
    "Zabrze": "Zabrzu", "Żory": "Żorach",
}
# (name with {w} = the locative, weight); the first is the town hall, home of the core team.
INSTITUTIONS = (
    ("Urząd Miejski w {w}", 30), ("Miejski Ośrodek Pomocy Społecznej w {w}", 8),
    ("Zakład Gospodarki Komunalnej w {w}", 6), ("Zarząd Dróg i Transportu w {w}", 5),
    ("Miejski Ośrodek Kultury w {w}", 6), ("Powiatowy Urząd Pracy w {w}", 4),
    ("Rada Miejska w {w}", 6), ("Stowarzyszenie Inicjatyw Lokalnych w {w}", 5),
    ("Szkoła Podstawowa nr 1 w {w}", 4), ("Cech Rzemiosł Różnych w {w}", 3),
    ("Lokalna Grupa Działania „Razem dla Regionu”", 3),
)
TOPICS = {
    "spatial_planning": (
        "Studium uwarunkowań i kierunków zagospodarowania przestrzennego", "Rewitalizacja centrum miasta",
        "Miejscowe plany zagospodarowania przestrzennego", "Zagospodarowanie przestrzeni publicznych",
        "Gospodarka nieruchomościami gminy", "Polityka mieszkaniowa miasta"),
    "public_finance": (
        "Wieloletnia prognoza finansowa", "Montaż finansowy projektów inwestycyjnych",
        "Budżet obywatelski", "Źródła finansowania zewnętrznego", "Zdolność kredytowa gminy",
        "Partnerstwo publiczno-prywatne"),
    "city_marketing": (
        "Strategia marki miasta", "Promocja oferty inwestycyjnej",
        "Komunikacja z mieszkańcami w mediach społecznościowych", "Produkt turystyczny miasta",
        "Identyfikacja wizualna miasta"),
    "economic_development": (
        "Obsługa inwestora i strefy aktywności gospodarczej", "Wsparcie lokalnej przedsiębiorczości",
        "Analiza lokalnego rynku pracy", "Współpraca z lokalnym biznesem", "Inkubator przedsiębiorczości"),
    "social_participation": (
        "Konsultacje społeczne planu rozwoju", "Współpraca z organizacjami pozarządowymi",
        "Partycypacja młodzieży", "Polityka senioralna", "Usługi społeczne i deinstytucjonalizacja"),
    "environment": (
        "Plan adaptacji do zmian klimatu", "Gospodarka niskoemisyjna", "Zielona i błękitna infrastruktura",
        "Gospodarka odpadami", "Efektywność energetyczna budynków publicznych"),
    "transport": (
        "Plan zrównoważonej mobilności miejskiej", "Transport publiczny w mieście i gminach sąsiednich",
        "Infrastruktura rowerowa", "Organizacja parkowania w centrum", "Bezpieczeństwo ruchu drogowego"),
    "institutional_development": (
        "Diagnoza potencjału instytucjonalnego urzędu", "Zarządzanie strategiczne w urzędzie",
        "Plan Rozwoju Instytucjonalnego", "Zarządzanie projektami w urzędzie",
        "Monitoring i ewaluacja planu rozwoju", "Cyfryzacja usług publicznych",
        "Przygotowanie wniosku o dofinansowanie"),
}
OTHER_TOPICS = ("Spotkanie Zespołu Miejskiego", "Wizyta studyjna", "Spotkanie z radnymi",
                "Przegląd dokumentów roboczych")
STUDY_TITLES = {
    "spatial_planning": (("Analiza struktury funkcjonalno-przestrzennej miasta", "analysis"),
                         ("Koncepcja zagospodarowania przestrzeni publicznych centrum", "planning"),
                         ("Diagnoza obszaru rewitalizacji", "analysis")),
    "public_finance": (("Analiza sytuacji finansowej i zdolności inwestycyjnej miasta", "analysis"),
                       ("Plan finansowania przedsięwzięć rozwojowych", "planning"),
                       ("Analiza kosztów utrzymania infrastruktury", "analysis")),
    "city_marketing": (("Badanie wizerunku miasta wśród mieszkańców", "analysis"),
                       ("Strategia komunikacji i promocji miasta", "planning"),
                       ("Analiza ruchu turystycznego", "analysis")),
    "economic_development": (("Analiza potencjału gospodarczego miasta", "analysis"),
                             ("Program wspierania przedsiębiorczości", "planning"),
                             ("Badanie potrzeb lokalnych przedsiębiorców", "analysis")),
    "social_participation": (("Raport z konsultacji społecznych", "analysis"),
                             ("Plan partycypacji mieszkańców", "planning"),
                             ("Diagnoza problemów społecznych miasta", "analysis")),
    "environment": (("Inwentaryzacja emisji i analiza jakości powietrza", "analysis"),
                    ("Plan adaptacji miasta do zmian klimatu", "planning"),
                    ("Analiza terenów zieleni miejskiej", "analysis")),
    "transport": (("Badanie potrzeb transportowych mieszkańców", "analysis"),
                  ("Koncepcja systemu transportu publicznego", "planning"),
                  ("Analiza bezpieczeństwa ruchu drogowego", "analysis")),
    "institutional_development": (("Diagnoza zdolności instytucjonalnej urzędu", "analysis"),
                                  ("Plan Rozwoju Instytucjonalnego – projekt dokumentu", "planning"),
                                  ("Plan Rozwoju Lokalnego – projekt dokumentu", "planning"),
                                  ("Diagnoza sytuacji społeczno-gospodarczej miasta", "analysis")),
}


def advice_period(today: date) -> tuple[date, date]:
    """The demo's advisory period: from the first day of its history to ~5 months ahead."""
    return today - timedelta(days=HISTORY_DAYS), today + timedelta(days=ADVICE_DAYS_AHEAD)


@dataclass
class Town:
    path_id: int
    applicant_id: int
    name: str
    voivodeship: str
    lead_id: int
    people: list[dict] = field(default_factory=list)
    logged: list[dict] = field(default_factory=list)
    drafts: list[dict] = field(default_factory=list)


@dataclass
class Plan:
    rng: random.Random
    today: date
    field_ids: dict[str, int]
    towns: list[Town]
    advisor_fields: dict[int, list[int]] = field(default_factory=dict)
    experts: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # path -> (advisor, field)

    @property
    def starts_on(self) -> date:
        return advice_period(self.today)[0]

    @property
    def code_of(self) -> dict[int, str]:
        return {i: c for c, i in self.field_ids.items()}


def seed_advisory(programme: Programme, advisors: list[User], today: date) -> dict[str, int]:
    """Create profiles, needs, expert assignments, people and the log; commits.

    `advisors` are the demo's advisors in login order: those who lead a town are its city
    advisors, the others sectoral experts. Returns the logged totals (TARGETS).
    """
    fields = profiles.ensure_default_fields(commit=False)
    plan = Plan(random.Random(SEED), today, {c: fields[c].id for c in FIELD_CODES},  # noqa: S311
                _towns(programme))
    _profiles(plan, advisors)
    _needs(plan)
    _assign_experts(plan, programme)
    _plan_people(plan)
    _plan_services(plan)
    _size_services(plan)
    _plan_studies(plan)
    for town in plan.towns:
        _choose_participants(plan.rng, town)
    _plan_drafts(plan)
    _write(plan)  # bulk INSERTs, beside the ORM: the totals are recomputed once, after them
    service_totals.rebuild(programme.id)
    db.session.commit()
    return dict(TARGETS)


# --- profiles, needs, experts -------------------------------------------------------------------


def _towns(programme: Programme) -> list[Town]:
    lead = (AdvisorAssignment.path_id == Path.id) & (AdvisorAssignment.kind == AdvisorKind.LEAD)
    rows = db.session.execute(
        select(Path.id, Applicant.id, Applicant.name, Applicant.voivodeship, AdvisorAssignment.advisor_id)
        .join(Applicant, Applicant.id == Path.applicant_id).join(AdvisorAssignment, lead)
        .where(Path.programme_id == programme.id).order_by(Path.id)
    ).all()
    return [Town(pid, aid, name, voivodeship or "", lead_id) for pid, aid, name, voivodeship, lead_id in rows]


def _profiles(plan: Plan, advisors: list[User]) -> None:
    """Leads: their town's region, institutional development and one more field, two towns
    at most. Experts: two or three fields each (every field has at least five experts),
    regions spread as the towns are, six to nine towns each."""
    rng, ids = plan.rng, plan.field_ids
    town_of = {t.lead_id: t for t in plan.towns}
    others = [c for c in FIELD_CODES if c != INSTITUTIONAL]
    by_region = sorted(plan.towns, key=lambda t: (t.voivodeship, t.path_id))
    experts = [a for a in advisors if a.id not in town_of]
    rows: list[dict] = []
    for advisor in advisors:
        town = town_of.get(advisor.id)
        if town is not None:
            codes = [INSTITUTIONAL, rng.choice(others)]
            region, capacity, note = town.voivodeship, LEAD_CAPACITY, f"Doradca miasta {town.name}"
        else:
            i = experts.index(advisor)
            codes = [FIELD_CODES[i % 8], FIELD_CODES[(i + 3) % 8]]
            if i % 2 == 0:
                codes.append(FIELD_CODES[(i + 5) % 8])
            region = by_region[i * len(by_region) // len(experts)].voivodeship
            capacity, note = rng.randint(*EXPERT_CAPACITY), "Ekspert sektorowy ZMP"
        plan.advisor_fields[advisor.id] = sorted(ids[c] for c in codes)
        rows.append({"user_id": advisor.id, "region": region or None, "capacity": capacity,
                     "available": True, "note": note})
    db.session.execute(insert(AdvisorProfile.__table__), rows)
    db.session.execute(insert(advisor_expertise), [
        {"advisor_id": a, "field_id": f} for a, fs in plan.advisor_fields.items() for f in fs])


def _needs(plan: Plan) -> None:
    rows = []
    for town in plan.towns:
        k = plan.rng.choices((1, 2, 3), weights=(3, 4, 3))[0]
        rows += [{"path_id": town.path_id, "field_id": plan.field_ids[c]}
                 for c in sorted(plan.rng.sample(FIELD_CODES, k))]
    db.session.execute(insert(path_need), rows)


def _assign_experts(plan: Plan, programme: Programme) -> None:
    """The assignment proposal, applied as the demo; dated to the start of the advice."""
    db.session.flush()
    proposal = assignment.propose(programme)
    if proposal.uncovered:
        raise RuntimeError(f"the demo's needs are not all covered: {proposal.uncovered}")
    assignment.apply(programme, proposal.pairs, actor=None, source=AdvisorSource.DEMO)
    start = datetime.combine(plan.starts_on, time(10, 0), tzinfo=ZONE)
    path_ids = [t.path_id for t in plan.towns]
    db.session.execute(update(AdvisorAssignment).values(created_at=start).where(
        AdvisorAssignment.path_id.in_(path_ids), AdvisorAssignment.kind == AdvisorKind.EXPERT))
    db.session.execute(update(AssignmentEvent).values(created_at=start).where(
        AssignmentEvent.path_id.in_(path_ids), AssignmentEvent.source == AdvisorSource.DEMO))
    for path_id, advisor_id, field_id in db.session.execute(
        select(AdvisorAssignment.path_id, AdvisorAssignment.advisor_id, AdvisorAssignment.field_id)
        .where(AdvisorAssignment.path_id.in_(path_ids), AdvisorAssignment.kind == AdvisorKind.EXPERT)
        .order_by(AdvisorAssignment.path_id, AdvisorAssignment.field_id, AdvisorAssignment.advisor_id)
    ):
        plan.experts.setdefault(path_id, []).append((advisor_id, field_id))


# --- people -------------------------------------------------------------------------------------


def _split(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainders), summing to `total`."""
    raw = [w * total / sum(weights) for w in weights]
    counts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _ascii(text: str) -> str:
    return text.translate(FOLD).lower().replace(" ", "-")


def _plan_people(plan: Plan) -> None:
    """Each town's people, about 61 of them: its municipal team first, then others from the
    town's institutions. Their number follows the town's share of the services."""
    weights = [plan.rng.uniform(0.85, 1.15) for _ in plan.towns]
    services = _split(TARGETS["services"], weights)
    for town, count, n_services in zip(plan.towns, _split(TARGETS["people"], weights), services,
                                       strict=True):
        town.people = _make_people(plan.rng, town, count)
        town.logged = [{} for _ in range(n_services)]  # filled in by _plan_services


def _make_people(rng: random.Random, town: Town, count: int) -> list[dict]:
    where = LOCATIVE.get(town.name, f"mieście {town.name}")
    slug = _ascii(town.name)
    institutions = [name.format(w=where) for name, _ in INSTITUTIONS]
    weights = [w for _, w in INSTITUTIONS]
    seen: set[tuple[str, str]] = set()
    emails: set[str] = set()
    people: list[dict] = []
    while len(people) < count:
        core = len(people) < CORE_TEAM
        female = rng.random() < 0.62
        first = rng.choice(FEMALE if female else MALE)
        surname = rng.choice(SURNAMES)
        if female and surname.endswith(("ski", "cki", "dzki")):
            surname = surname[:-1] + "a"
        if core and rng.random() < 0.75:
            institution = institutions[0]
        else:
            institution = rng.choices(institutions, weights=weights)[0]
        name = f"{first} {surname}"
        if (name, institution) in seen:
            continue
        seen.add((name, institution))
        email = None
        if rng.random() < (0.85 if institution == institutions[0] else 0.5):
            base, n = f"{_ascii(first)}.{_ascii(surname)}", 1
            email = f"{base}@{slug}.demo.sciezka.pl"
            while email in emails:
                n += 1
                email = f"{base}{n}@{slug}.demo.sciezka.pl"
            emails.add(email)
        people.append({"applicant_id": town.applicant_id, "name": name, "institution": institution,
                       "email": email, "_weight": CORE_WEIGHT if core else 1})
    return people


# --- services -----------------------------------------------------------------------------------


def _pick_day(rng: random.Random, first: date, last: date, middle: bool) -> date:
    """A working day in [first, last]; `middle` leans to the middle months of the period."""
    span = (last - first).days
    day = first + timedelta(days=round(rng.triangular(0, span, span / 2) if middle else rng.uniform(0, span)))
    day += timedelta(days={5: -1, 6: 1}.get(day.weekday(), 0))
    return min(max(day, first), last)


def _service(plan: Plan, town: Town, kind: str, advisor_id: int, field_id: int, day: date,
             status: str) -> dict:
    rng = plan.rng
    code = plan.code_of[field_id]
    low, high, step = DURATIONS[kind]
    topic = rng.choice(TOPICS[code])
    topic = {"workshop": f"Warsztat: {topic}", "study": f"Wsparcie w przygotowaniu opracowania: {topic}",
             "other": f"{rng.choice(OTHER_TOPICS)}: {topic}"}.get(kind, topic)
    if status == "logged":  # logged the next working day, between 8:00 and 19:45
        hour, minute = rng.randint(8, 19), rng.choice((0, 15, 30, 45))
        logged = datetime.combine(day + timedelta(days=1), time(hour, minute), tzinfo=ZONE).astimezone(UTC)
        created, logged_at = logged - timedelta(minutes=rng.randint(10, 40)), logged
    else:  # a draft begun the evening of the day
        created = datetime.combine(day, time(18, rng.randint(0, 59)), tzinfo=ZONE).astimezone(UTC)
        logged, logged_at = created, None
    return {
        "path_id": town.path_id, "advisor_id": advisor_id, "kind": kind, "held_on": day,
        "duration_minutes": rng.randrange(low, high + 1, step), "field_id": field_id, "topic": topic,
        "format": "online" if rng.random() < ONLINE_SHARE[kind] else "on_site", "status": status,
        "client_token": None, "created_at": created, "logged_at": logged_at, "updated_at": logged,
        "version": 1,
        # not columns: what the participants and studies are chosen from
        "_size": 0, "_people": [], "_studies": [],
    }


def _who(plan: Plan, town: Town) -> tuple[int, int]:
    """(advisor, field) of a service: one of the town's experts in their field, or the town's
    lead in one of theirs (mostly institutional development)."""
    rng = plan.rng
    team = plan.experts.get(town.path_id, [])
    if team and rng.random() < EXPERT_SHARE:
        return rng.choice(team)
    own = plan.advisor_fields[town.lead_id]
    institutional = plan.field_ids[INSTITUTIONAL]
    if institutional in own and rng.random() < 0.6:
        return town.lead_id, institutional
    return town.lead_id, rng.choice(own)


def _plan_services(plan: Plan) -> None:
    kinds = [k for k, n in KIND_COUNTS.items() for _ in range(n)]
    plan.rng.shuffle(kinds)
    last = plan.today - timedelta(days=2)  # logged the day after, so before today
    at = 0
    for town in plan.towns:
        count = len(town.logged)
        for i, kind in enumerate(kinds[at: at + count]):
            advisor_id, field_id = _who(plan, town)
            day = _pick_day(plan.rng, plan.starts_on, last, middle=plan.rng.random() < 0.7)
            town.logged[i] = _service(plan, town, kind, advisor_id, field_id, day, "logged")
        town.logged.sort(key=lambda s: (s["held_on"], s["logged_at"]))
        at += count


def _size_services(plan: Plan) -> None:
    """Participants per logged service, drawn per kind, then one up or down on a few
    services until the log holds exactly TARGETS["participations"]."""
    rng = plan.rng
    services = [s for town in plan.towns for s in town.logged]
    for s in services:
        low, high = SIZES[s["kind"]]
        if s["kind"] == "consultation":
            s["_size"] = rng.choices(range(low, high + 1), weights=CONSULTATION_SIZE_WEIGHTS)[0]
        else:
            s["_size"] = rng.randint(low, high)
    gap = TARGETS["participations"] - sum(s["_size"] for s in services)
    step = 1 if gap > 0 else -1
    while gap:
        s = rng.choice(services)
        low, high = SIZES[s["kind"]]
        if low <= s["_size"] + step <= high:
            s["_size"] += step
            gap -= step


def _plan_studies(plan: Plan) -> None:
    """Every study service one document, some a second, the remainder on consultations."""
    rng = plan.rng
    services = [s for town in plan.towns for s in town.logged]
    study = [s for s in services if s["kind"] == "study"]
    consultations = [s for s in services if s["kind"] == "consultation"]
    extra = TARGETS["studies"] - len(study) - SECOND_STUDIES
    chosen = study + rng.sample(study, SECOND_STUDIES) + rng.sample(consultations, extra)
    for s in chosen:
        titles = [t for t in STUDY_TITLES[plan.code_of[s["field_id"]]] if t not in s["_studies"]]
        s["_studies"].append(rng.choice(titles))


def _choose_participants(rng: random.Random, town: Town) -> None:
    """People for each logged service of the town (its core team more often), then swaps so
    that every person of the town took part at least once."""
    people = list(range(len(town.people)))
    weights = [p["_weight"] for p in town.people]
    if sum(s["_size"] for s in town.logged) < len(people):
        raise RuntimeError(f"{town.name}: fewer places than people")
    for s in town.logged:
        s["_people"] = _draw(rng, people, weights, s["_size"])
    count = Counter(p for s in town.logged for p in s["_people"])
    order = town.logged[:]
    rng.shuffle(order)
    for person in (p for p in people if count[p] == 0):
        for s in order:
            if person in s["_people"]:
                continue
            spare = [p for p in s["_people"] if count[p] > 1]
            if spare:
                out = max(spare, key=lambda p: (count[p], -p))
                s["_people"][s["_people"].index(out)] = person
                count[out] -= 1
                count[person] += 1
                break
        else:
            raise RuntimeError(f"{town.name}: no place left for {town.people[person]['name']}")


def _draw(rng: random.Random, people: list[int], weights: list[int], k: int) -> list[int]:
    chosen: list[int] = []
    while len(chosen) < k:
        p = rng.choices(people, weights=weights)[0]
        if p not in chosen:
            chosen.append(p)
    return chosen


def _plan_drafts(plan: Plan) -> None:
    """A few drafts of the last days: they carry participants (and a study) but count nowhere."""
    rng = plan.rng
    first = max(plan.starts_on, plan.today - timedelta(days=12))
    for kind in DRAFT_KINDS:
        town = rng.choice(plan.towns)
        advisor_id, field_id = _who(plan, town)
        day = _pick_day(rng, first, plan.today - timedelta(days=1), middle=False)
        s = _service(plan, town, kind, advisor_id, field_id, day, "draft")
        low, high = SIZES[kind]
        s["_people"] = _draw(rng, list(range(len(town.people))), [p["_weight"] for p in town.people],
                             rng.randint(low, high))
        if kind == "study":
            s["_studies"].append(rng.choice(STUDY_TITLES[plan.code_of[field_id]]))
        town.drafts.append(s)


# --- writing ------------------------------------------------------------------------------------


def _columns(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def _insert_returning_ids(table: object, rows: list[dict]) -> list[int]:
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
    return list(db.session.scalars(statement, [_columns(r) for r in rows]))


def _write(plan: Plan) -> None:
    """People (dated to their first service), services in the order they were held, then
    their studies and participants: four INSERT statements."""
    services = sorted(((s, t) for t in plan.towns for s in t.logged + t.drafts),
                      key=lambda st: (st[0]["held_on"], st[0]["created_at"], st[0]["path_id"]))
    first_seen: dict[tuple[int, int], dict] = {}
    for s, town in services:
        for p in s["_people"]:
            first_seen.setdefault((town.path_id, p), s)
    people_rows = []
    for town in plan.towns:
        for i, person in enumerate(town.people):
            first = first_seen[(town.path_id, i)]
            person["created_at"] = first["created_at"] - timedelta(minutes=5)
            person["created_by_id"] = first["advisor_id"]
            people_rows.append(person)
    person_ids = _insert_returning_ids(Person.__table__, people_rows)
    at, ids_of = 0, {}
    for town in plan.towns:
        ids_of[town.path_id] = person_ids[at: at + len(town.people)]
        at += len(town.people)
    service_ids = _insert_returning_ids(Service.__table__, [s for s, _ in services])
    studies, participants = [], []
    for sid, (s, town) in zip(service_ids, services, strict=True):
        studies += [{"service_id": sid, "title": title, "kind": kind} for title, kind in s["_studies"]]
        participants += [{"service_id": sid, "person_id": ids_of[town.path_id][p]}
                         for p in sorted(s["_people"])]
    db.session.execute(insert(Study.__table__), studies)
    db.session.execute(insert(service_participant), participants)
