"""The RL-2020 score sheet, the template the Rozwój Lokalny path starts its programmes with.

Two parts, the local development plan (PRL, 110 points) and the institutional development
plan (PRI, 120 points); the split into criteria is our proposal from what the plans had to
contain (a diagnosis, goals, projects, participation, money, monitoring; for the office: its
diagnosis, goals, management, services, cooperation, people).
"""

from __future__ import annotations

from states.sheet import CriterionSpec, PartSpec, SheetTemplate

RL_2020_SHEET = SheetTemplate("RL-2020", (
    PartSpec("PRL", "I. Plan Rozwoju Lokalnego", "I. Local development plan", (
        CriterionSpec(
            "I.1", "Jakość diagnozy i wykorzystanie danych", "Quality of the diagnosis and use of data",
            "Diagnoza opiera się na aktualnych danych i trafnie wskazuje deficyty oraz potencjały "
            "rozwojowe miasta.",
            "The diagnosis rests on current data and correctly identifies the town's deficits and "
            "development potential.",
            20),
        CriterionSpec(
            "I.2", "Wizja i cele rozwoju", "Vision and development goals",
            "Wizja i cele są jasne, mierzalne i wynikają bezpośrednio z diagnozy.",
            "The vision and goals are clear, measurable and follow directly from the diagnosis.",
            20),
        CriterionSpec(
            "I.3", "Spójność projektów z diagnozą i celami", "Coherence of the projects with the "
            "diagnosis and goals",
            "Zaplanowane projekty odpowiadają na zdiagnozowane problemy i razem prowadzą do "
            "osiągnięcia celów planu.",
            "The planned projects answer the problems diagnosed and together lead to the plan's "
            "goals.",
            25),
        CriterionSpec(
            "I.4", "Partycypacja społeczna w przygotowaniu planu", "Social participation in "
            "preparing the plan",
            "Mieszkańcy, przedsiębiorcy i organizacje pozarządowe realnie uczestniczyli w "
            "przygotowaniu planu, a ich uwagi zostały uwzględnione.",
            "Residents, businesses and NGOs took a real part in preparing the plan and their "
            "comments were taken into account.",
            15),
        CriterionSpec(
            "I.5", "Wykonalność finansowa i źródła finansowania", "Financial feasibility and "
            "sources of funding",
            "Budżet planu jest realistyczny, a źródła finansowania, w tym wkład własny, są "
            "wskazane i zabezpieczone.",
            "The plan's budget is realistic and its sources of funding, own contribution "
            "included, are named and secured.",
            15),
        CriterionSpec(
            "I.6", "Monitorowanie i zarządzanie ryzykiem", "Monitoring and risk management",
            "Plan określa wskaźniki, sposób monitorowania postępów oraz główne ryzyka i "
            "sposoby reagowania na nie.",
            "The plan sets indicators, the way progress is monitored, and the main risks with "
            "the responses to them.",
            15),
    )),
    PartSpec("PRI", "II. Plan Rozwoju Instytucjonalnego", "II. Institutional development plan", (
        CriterionSpec(
            "II.1", "Diagnoza instytucji", "Diagnosis of the institution",
            "Diagnoza rzetelnie opisuje mocne i słabe strony urzędu oraz jednostek miejskich.",
            "The diagnosis gives a sound account of the strengths and weaknesses of the town "
            "office and its municipal units.",
            20),
        CriterionSpec(
            "II.2", "Cele doskonalenia instytucji", "Goals of institutional improvement",
            "Cele doskonalenia są konkretne, mierzalne i odpowiadają na słabości wskazane w "
            "diagnozie.",
            "The improvement goals are specific, measurable and answer the weaknesses the "
            "diagnosis found.",
            20),
        CriterionSpec(
            "II.3", "Zarządzanie i planowanie strategiczne", "Management and strategic planning",
            "Plan wzmacnia zarządzanie rozwojem, planowanie strategiczne i przestrzenne oraz "
            "podejmowanie decyzji na podstawie danych.",
            "The plan strengthens development management, strategic and spatial planning, and "
            "decisions based on data.",
            20),
        CriterionSpec(
            "II.4", "Usługi publiczne i e-administracja", "Public services and e-administration",
            "Plan poprawia jakość i dostępność usług publicznych, w tym usług świadczonych "
            "elektronicznie.",
            "The plan improves the quality and accessibility of public services, electronic "
            "services included.",
            25),
        CriterionSpec(
            "II.5", "Współpraca i partnerstwa", "Cooperation and partnerships",
            "Plan rozwija współpracę z sąsiednimi gminami, biznesem, organizacjami "
            "pozarządowymi i mieszkańcami.",
            "The plan develops cooperation with neighbouring municipalities, business, NGOs "
            "and residents.",
            15),
        CriterionSpec(
            "II.6", "Kompetencje kadr i zdolność do wdrożenia", "Staff competences and capacity "
            "to implement",
            "Urząd ma lub zdobędzie kompetencje, zasoby i strukturę potrzebne do wdrożenia obu "
            "planów.",
            "The office has, or will gain, the competences, resources and structure needed to "
            "carry out both plans.",
            20),
    )),
))
