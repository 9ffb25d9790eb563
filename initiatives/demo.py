"""The demo city "Demostad": departments, users per role and about 40 initiatives.

`load_demo()` is idempotent. Departments, users and groups are brought to the demo state on every
run (passwords are reset so the printed logins always work). An initiative is created with its
whole history (stage changes, progress updates, lessons) only when its ref is not in the database
yet; an existing one is left alone, so edits made while demonstrating survive a rerun and an
initiative's stage always agrees with its own stage changes.

All dates are relative to `today`, so the portfolio looks alive on any day: most open initiatives
were updated within the last 30 days, a few are overdue.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from initiatives.models import (
    CostLine,
    Initiative,
    Lesson,
    LessonKind,
    Outcome,
    ProgressUpdate,
    Stage,
    StageChange,
    StageChangeStatus,
)
from organisation.models import Department

DEMO_PASSWORD = "demo-2026"

DEPARTMENTS = [
    ("UTB", "Utbildningsförvaltningen"),
    ("SOC", "Socialförvaltningen"),
    ("TK", "Trafikkontoret"),
    ("SBK", "Stadsbyggnadskontoret"),
    ("MF", "Miljöförvaltningen"),
    ("KF", "Kulturförvaltningen"),
    ("SF", "Serviceförvaltningen"),
    ("SLK", "Stadsledningskontoret"),
]

OFFICE_USER = "kontoret"

DEMO_USERS = [
    # username, first name, last name, role group, department code (or None)
    ("kontoret", "Maria", "Holm", "office", "SLK"),
    ("ledningen", "Lars", "Ekström", "executive", None),
    ("chef.utbildning", "Anna", "Lindqvist", "department_head", "UTB"),
    ("chef.social", "Karin", "Bergström", "department_head", "SOC"),
    ("chef.trafik", "Johan", "Nyberg", "department_head", "TK"),
    ("chef.stadsbyggnad", "Erik", "Sandberg", "department_head", "SBK"),
]

# Demo users WITHOUT a role: line managers in operations who own benefits after the project and
# follow them up on "My benefits". username, first name, last name, department code.
LINE_MANAGERS = [
    ("linjechef", "Sofia", "Lund", "MF"),
]
LINE_MANAGER = "linjechef"

# The department head who owns a department's initiatives; other departments' initiatives are
# owned by the office.
HEADS = {
    "UTB": "chef.utbildning",
    "SOC": "chef.social",
    "TK": "chef.trafik",
    "SBK": "chef.stadsbyggnad",
}

G, A, R = "green", "amber", "red"
WORKED, DID_NOT_WORK, ADVICE = LessonKind.WORKED, LessonKind.DID_NOT_WORK, LessonKind.ADVICE

# One dict per initiative. `start` is the planned start in months before today (negative: in the
# future), `months` the planned length. `updates` are (days ago, health, what happened, next
# steps, blockers). `reached` is the stage a closed initiative was at before it was closed.
# `proposal` is a pending stage proposal (days ago, to stage, reason); `declined` an earlier
# proposal the office declined (days ago, to stage, reason, comment).
INITIATIVES: list[dict] = [
    # --- Utbildningsförvaltningen ---------------------------------------------------------------
    {
        "ref": "DIG-2024-001",
        "department": "UTB",
        "owner": OFFICE_USER,
        "kind": "rpa",
        "stage": "operation",
        "title": "RPA-robot för ansökan om EU:s skolmjölksstöd",
        "summary": (
            "Skolmåltidsenheten sammanställde varje termin mjölkleveranserna till 48 skolkök för "
            "hand och fyllde i Jordbruksverkets ansökan om skolmjölksstöd. Roboten hämtar "
            "leveransdata ur kostsystemet, fyller i ansökan och skickar den; en handläggare "
            "granskar före inskick."
        ),
        "tags": "RPA, skolmåltider, EU-stöd, Jordbruksverket",
        "budget": 380_000,
        "running_cost": 65_000,
        "cost_to_date": 362_000,
        "start": 30,
        "months": 10,
        "updates": [
            (
                12,
                G,
                "Höstterminens ansökan skickades av roboten på två timmar; handläggaren "
                "granskade 48 skolor utan avvikelser.",
                "Lägga in de nya förskoleköken i kostsystemet före vårens ansökan.",
                "",
            ),
            (
                48,
                A,
                "Jordbruksverket ändrade e-tjänstens formulär; roboten stannade på ett nytt "
                "fält och ansökan fick slutföras för hand.",
                "Uppdatera robotens flöde och lägga till en kontroll av formulärversionen.",
                "Ingen förvarning om ändringar i myndighetens e-tjänst.",
            ),
        ],
        "lessons": [
            (
                WORKED,
                "Låt handläggaren som gjorde jobbet för hand visa varje klick innan "
                "robotutvecklingen börjar: processkartan blev robotens specifikation.",
            ),
            (
                ADVICE,
                "Bevaka de myndighetstjänster roboten använder. En ändrad blankett stoppar "
                "roboten utan förvarning, så ha en manuell reservrutin.",
            ),
        ],
    },
    {
        "ref": "DIG-2024-002",
        "department": "UTB",
        "kind": "training",
        "stage": "operation",
        "must_do": True,
        "title": "Programmering i skolan – kompetenslyft för lärare i matematik och teknik",
        "summary": (
            "Läroplanen kräver programmering i matematik och teknik från årskurs 1. 220 lärare "
            "går en utbildning i tre steg med handledning, en gemensam lektionsbank och "
            "klassuppsättningar av micro:bit."
        ),
        "tags": "skola, programmering, kompetensutveckling, läroplan",
        "budget": 1_450_000,
        "running_cost": 180_000,
        "cost_to_date": 1_390_000,
        "start": 28,
        "months": 20,
        "updates": [
            (
                9,
                G,
                "Steg 3 avslutat för den sista gruppen; 212 av 220 lärare har gått alla tre "
                "stegen.",
                "Erbjuda ett uppsamlingstillfälle för nyanställda i januari.",
                "",
            ),
            (
                40,
                G,
                "Lektionsbanken har 64 lektioner; mest använd är ”Styr en robot med "
                "villkor” i årskurs 5.",
                "Samla elevexempel till lektionsbanken.",
                "",
            ),
        ],
        "lessons": [
            (
                WORKED,
                "Lärare lär lärare: ett ämnesombud på varje skola gjorde mer nytta än de "
                "centrala föreläsningarna.",
            ),
        ],
    },
    {
        "ref": "DIG-2025-001",
        "department": "UTB",
        "kind": "pilot",
        "stage": "pilot",
        "title": "AI-stöd för återkoppling på elevtexter",
        "summary": (
            "Pilot på två gymnasieskolor där lärare använder en AI-tjänst för utkast till "
            "formativ återkoppling på elevtexter i svenska. Läraren granskar alltid "
            "återkopplingen innan eleven ser den, och inga personuppgifter lämnar EU."
        ),
        "hypothesis": (
            "Med AI-genererade utkast till återkoppling minskar lärarnas rättningstid per text "
            "med minst 30 % utan att elevernas resultat på de nationella proven försämras."
        ),
        "stop_criteria": (
            "Stoppa om tidsvinsten är under 15 % efter en termin, om konsekvensbedömningen (DPIA) "
            "visar risker som inte kan hanteras eller om lärarna bedömer återkopplingen som "
            "opålitlig i mer än var femte text."
        ),
        "tags": "AI, skola, pilot, dataskydd",
        "budget": 600_000,
        "running_cost": 120_000,
        "cost_to_date": 240_000,
        "start": 4,
        "months": 10,
        "updates": [
            (
                6,
                A,
                "Tolv lärare är i gång. Rättningstiden är 22 % kortare, men återkopplingen på "
                "argumenterande texter behöver ofta skrivas om.",
                "Ta fram bedömningsstöd för argumenterande text och mäta igen i december.",
                "Leverantörens personuppgiftsbiträdesavtal ligger hos juristen.",
            ),
            (
                38,
                G,
                "Konsekvensbedömningen är klar och godkänd av dataskyddsombudet. Lärarna är "
                "utbildade.",
                "Starta mätningen av rättningstid.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2024-003",
        "department": "UTB",
        "kind": "eservice",
        "stage": "operation",
        "title": "E-tjänst för skolval och ansökan om skolplats",
        "summary": (
            "Vårdnadshavare gör skolval och ansöker om skolplats i en e-tjänst med BankID i "
            "stället för på pappersblankett. Placeringen görs i elevregistret och beslutet skickas "
            "till den digitala brevlådan."
        ),
        "tags": "e-tjänst, skolval, BankID, digital brevlåda",
        "budget": 900_000,
        "running_cost": 140_000,
        "cost_to_date": 935_000,
        "start": 26,
        "months": 12,
        "updates": [
            (
                20,
                G,
                "Skolvalet har öppnat; 94 % av ansökningarna kommer in digitalt.",
                "Stöd via kontaktcenter för vårdnadshavare utan BankID.",
                "",
            ),
            (
                75,
                A,
                "Integrationen mot elevregistret skapade dubbletter när syskon sökte samtidigt.",
                "Rättning från leverantören i nästa version.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2025-002",
        "department": "UTB",
        "kind": "system",
        "stage": "scaling",
        "title": "Gemensam lärplattform med inloggning via Skolfederation",
        "summary": (
            "Tre olika lärplattformar ersätts av en gemensam, med enkel inloggning via "
            "Skolfederation och klasser och grupper som hämtas automatiskt från elevregistret."
        ),
        "tags": "lärplattform, inloggning, integration, skola",
        "budget": 2_800_000,
        "running_cost": 950_000,
        "cost_to_date": 1_900_000,
        "start": 14,
        "months": 20,
        "updates": [
            (
                15,
                A,
                "18 av 31 skolor har flyttat. Flytten av gamla kursrum tar dubbelt så lång "
                "tid som planerat.",
                "Prioritera gymnasiet före sommaren och erbjuda flytthjälp av IT-pedagoger.",
                "För få IT-pedagoger under vårterminen.",
            ),
            (
                50,
                G,
                "Inloggningen via Skolfederation fungerar för alla elever från årskurs 4.",
                "Fortsätta flytten skola för skola.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2026-001",
        "department": "UTB",
        "kind": "eservice",
        "stage": "idea",
        "title": "Digital frånvaroanmälan med besked samma dag",
        "summary": (
            "Idé från rektorsgruppen: vårdnadshavare anmäler frånvaro i en app och får samma "
            "förmiddag besked om ogiltig frånvaro. Färre samtal till expeditionerna och tidigare "
            "signaler om elever som riskerar att bli hemmasittare."
        ),
        "tags": "e-tjänst, skola, närvaro",
        "budget": 450_000,
        "running_cost": 60_000,
        "start": -3,
        "months": 8,
    },
    {
        "ref": "DIG-2024-004",
        "department": "UTB",
        "kind": "pilot",
        "stage": "closed",
        "outcome": "stopped",
        "title": "VR-glasögon i NO-undervisningen",
        "summary": (
            "Pilot med 60 VR-glasögon på fyra högstadieskolor för laborationer i kemi och fysik "
            "som är för farliga eller för dyra att göra på riktigt."
        ),
        "hypothesis": (
            "Med virtuella laborationer ökar andelen elever med godkänt betyg i kemi med minst "
            "5 procentenheter på de fyra skolorna."
        ),
        "stop_criteria": (
            "Stoppa om utrustningen används mindre än en lektion per vecka och klass efter en "
            "termin."
        ),
        "tags": "VR, skola, NO, pilot",
        "budget": 520_000,
        "running_cost": 0,
        "cost_to_date": 410_000,
        "start": 24,
        "months": 12,
        "close_reason": (
            "Glasögonen användes i snitt 0,4 lektioner per vecka och klass; stoppkriteriet är "
            "uppfyllt. Utrustningen går vidare till gymnasiets vård- och omsorgsprogram."
        ),
        "updates": [
            (
                420,
                A,
                "Användningen är låg: laddning, uppdateringar och inloggning tar halva lektionen.",
                "Låta en tekniker förbereda glasögonen före lektionerna i fyra veckor.",
                "Ingen tid för förberedelser i lärarnas schema.",
            ),
            (
                470,
                G,
                "Glasögonen är levererade och lärarna utbildade.",
                "Starta laborationerna i årskurs 8.",
                "",
            ),
        ],
        "lessons": [
            (
                DID_NOT_WORK,
                "Tekniken åt upp lektionstiden: utan någon som laddar, uppdaterar och "
                "loggar in glasögonen före lektionen blir de inte använda.",
            ),
            (
                ADVICE,
                "Räkna in förberedelsetid i lärarnas schema innan ni köper hårdvara till "
                "klassrummet.",
            ),
        ],
    },
    # --- Socialförvaltningen --------------------------------------------------------------------
    {
        "ref": "DIG-2025-003",
        "department": "SOC",
        "kind": "pilot",
        "stage": "pilot",
        "title": "Digital tillsyn i hemtjänsten",
        "summary": (
            "Brukare som vill får nattlig tillsyn via en trygghetskamera i stället för ett fysiskt "
            "besök som väcker dem. Kameran visar en bild bara vid den beviljade tillsynstiden och "
            "inget spelas in. Pilot i två hemtjänstområden."
        ),
        "hypothesis": (
            "Digital tillsyn ger brukarna ostörd nattsömn och frigör minst 1 500 timmar per år i "
            "nattpatrullen i de två områdena, utan att larmen nattetid ökar."
        ),
        "stop_criteria": (
            "Stoppa om fler än var tredje brukare avslutar den digitala tillsynen inom tre "
            "månader eller om antalet akuta larm nattetid ökar."
        ),
        "tags": "välfärdsteknik, hemtjänst, nattillsyn",
        "budget": 780_000,
        "running_cost": 210_000,
        "cost_to_date": 520_000,
        "start": 11,
        "months": 12,
        "updates": [
            (
                4,
                G,
                "38 brukare har digital tillsyn; två har valt att gå tillbaka till fysiska "
                "besök. Nattpatrullen gör 11 färre besök per natt.",
                "Underlag för beslut om uppskalning till alla hemtjänstområden.",
                "",
            ),
            (
                35,
                G,
                "Brukarenkäten: 33 av 36 sover bättre och känner sig trygga.",
                "Sammanställa tidsvinsten per månad.",
                "",
            ),
            (
                95,
                A,
                "Wifi-täckningen räckte inte i sex lägenheter.",
                "Installera kameror med egen 4G-router.",
                "Åtta veckors leveranstid på routrarna.",
            ),
        ],
        "proposal": (
            3,
            "scaling",
            "Piloten har uppfyllt hypotesen: 38 brukare, 11 färre besök per natt och inga fler "
            "akuta larm. Vi föreslår uppskalning till samtliga sex hemtjänstområden under 2027.",
        ),
    },
    {
        "ref": "DIG-2024-005",
        "department": "SOC",
        "kind": "iot",
        "stage": "operation",
        "must_do": True,
        "title": "Digitala trygghetslarm",
        "summary": (
            "Det analoga telenätet stängs. De 1 900 analoga trygghetslarmen byts mot digitala larm "
            "med en larmmottagning som följer svensk standard, annars slutar larmen fungera."
        ),
        "tags": "trygghetslarm, välfärdsteknik, äldreomsorg",
        "budget": 4_200_000,
        "running_cost": 1_100_000,
        "cost_to_date": 4_050_000,
        # The alarm centre's licence is shared with the home-help service.
        "shared_running": ("SF", 300_000),
        "start": 34,
        "months": 18,
        "updates": [
            (
                27,
                G,
                "Alla 1 912 larm är digitala. Tiden från knapptryck till svar är i snitt "
                "42 sekunder.",
                "Årlig funktionskontroll av alla larm under våren.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2024-006",
        "department": "SOC",
        "kind": "rpa",
        "stage": "operation",
        "title": "RPA-robot för ekonomiskt bistånd",
        "summary": (
            "Roboten hämtar uppgifter från Försäkringskassan, CSN och Skatteverket via SSBTEK och "
            "förbereder utredningen av varje ansökan om försörjningsstöd. Handläggaren fattar "
            "beslutet."
        ),
        "tags": "RPA, ekonomiskt bistånd, SSBTEK, socialtjänst",
        "budget": 1_100_000,
        "running_cost": 240_000,
        "cost_to_date": 1_150_000,
        "start": 31,
        "months": 14,
        "updates": [
            (
                8,
                G,
                "Roboten förberedde 1 146 ansökningar i oktober. Handläggningstiden för en "
                "återansökan har gått från 11 till 3 dagar.",
                "Lägga till automatisk kontroll av bostadsbidrag.",
                "",
            ),
            (
                44,
                A,
                "Ett driftstopp hos Försäkringskassan gjorde att 160 ärenden fick hanteras "
                "för hand under en vecka.",
                "Uppdatera rutinen för manuell reserv.",
                "",
            ),
        ],
        "lessons": [
            (
                WORKED,
                "Handläggarna fick tid för samtal med de sökande i stället för att klippa "
                "och klistra; det var det som fick dem att vilja ha roboten.",
            ),
            (
                ADVICE,
                "Ta med de fackliga företrädarna och dataskyddsombudet från första dagen när "
                "en robot hanterar känsliga personuppgifter.",
            ),
        ],
    },
    {
        "ref": "DIG-2025-004",
        "department": "SOC",
        "kind": "eservice",
        "stage": "scaling",
        "title": "E-ansökan om ekonomiskt bistånd",
        "summary": (
            "Sökande gör ansökan och återansökan om försörjningsstöd i en e-tjänst med BankID och "
            "bifogar underlagen digitalt. E-tjänsten lämnar ärendet direkt till roboten för "
            "ekonomiskt bistånd."
        ),
        "tags": "e-tjänst, ekonomiskt bistånd, BankID",
        "budget": 850_000,
        "running_cost": 160_000,
        "cost_to_date": 610_000,
        "start": 15,
        "months": 18,
        "updates": [
            (
                22,
                G,
                "Tre av fyra enheter använder e-tjänsten; 71 % av återansökningarna kommer in "
                "digitalt.",
                "Införa på enheten för unga vuxna i januari.",
                "",
            ),
            (
                60,
                A,
                "Sökande utan BankID kan inte använda tjänsten: 18 % av målgruppen.",
                "Utreda en ombudslösning och fler e-legitimationer.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2024-007",
        "department": "SOC",
        "kind": "pilot",
        "stage": "closed",
        "outcome": "stopped",
        "title": "Digitala läkemedelsdispensrar i hemtjänsten",
        "summary": (
            "Pilot med 25 läkemedelsdispensrar som påminner brukaren och ger ut rätt dos vid rätt "
            "tid, för att minska de hemtjänstbesök som bara gäller läkemedel."
        ),
        "hypothesis": (
            "Dispensrarna ersätter minst 60 % av läkemedelsbesöken hos brukarna i piloten utan "
            "att följsamheten till ordinationen försämras."
        ),
        "stop_criteria": (
            "Stoppa om mindre än hälften av brukarna kan använda dispensern självständigt efter "
            "en månad."
        ),
        "tags": "välfärdsteknik, läkemedel, hemtjänst",
        "budget": 640_000,
        "running_cost": 0,
        "cost_to_date": 455_000,
        "start": 22,
        "months": 9,
        "close_reason": (
            "Bara 9 av 25 brukare kunde använda dispensern självständigt; stoppkriteriet är "
            "uppfyllt. Dispensrarna lämnas tillbaka till leverantören."
        ),
        "updates": [
            (
                440,
                R,
                "Personalen gör fler besök än före piloten: dispensern larmar när brukaren "
                "inte hinner ta dosen och hemtjänsten åker ut.",
                "Utvärdering med de legitimerade sjuksköterskorna.",
                "Larmen går till hemtjänstens telefon även nattetid.",
            ),
            (
                520,
                G,
                "Dispensrarna är installerade hos 25 brukare.",
                "Följa upp följsamheten varje vecka.",
                "",
            ),
        ],
        "lessons": [
            (
                DID_NOT_WORK,
                "Urvalet var fel: de brukare som mest behövde hjälp med läkemedel var "
                "också de som hade svårast att använda dispensern.",
            ),
            (
                ADVICE,
                "Pröva tekniken en vecka med sjuksköterskor och några brukare innan ni "
                "bestämmer pilotens omfattning.",
            ),
        ],
    },
    {
        "ref": "DIG-2025-005",
        "department": "SOC",
        "kind": "training",
        "stage": "pilot",
        "title": "Digital kompetens för omsorgspersonal",
        "summary": (
            "Kompetenslyft i tre delar för 600 medarbetare i äldreomsorgen: digital vardagsvana, "
            "informationssäkerhet och välfärdsteknik. Korta filmer i mobilen och ett digitalt "
            "ombud på varje enhet."
        ),
        "tags": "kompetensutveckling, äldreomsorg, digitala ombud",
        "budget": 950_000,
        "running_cost": 120_000,
        "cost_to_date": 380_000,
        "start": 7,
        "months": 14,
        "updates": [
            (
                64,
                A,
                "Tre pilotenheter är i gång; 58 % av medarbetarna har sett filmerna. Många "
                "hinner inte på arbetstid.",
                "Schemalägga 30 minuter i veckan för lärande.",
                "Hög sjukfrånvaro under hösten.",
            ),
            (110, G, "Digitala ombud är utsedda på alla pilotenheter.", "Starta del 1.", ""),
        ],
    },
    {
        "ref": "DIG-2026-002",
        "department": "SOC",
        "kind": "iot",
        "stage": "idea",
        "title": "Rörelsesensorer på särskilda boenden",
        "summary": (
            "Sensorer känner av när en boende lämnar sängen nattetid och larmar personalen, i "
            "stället för fasta tillsynsrundor som väcker de boende. Förslag från enhetscheferna "
            "på två boenden."
        ),
        "tags": "välfärdsteknik, sensorer, särskilt boende",
        "budget": 1_200_000,
        "running_cost": 180_000,
        "start": -5,
        "months": 12,
    },
    # --- Trafikkontoret -------------------------------------------------------------------------
    {
        "ref": "DIG-2025-006",
        "department": "TK",
        "kind": "iot",
        "stage": "pilot",
        "title": "Smarta trafikljus i Centrumkorridoren",
        "summary": (
            "Adaptiv signalstyrning i nio korsningar längs Centrumkorridoren: radar och kameror "
            "räknar trafikanterna och ger grönt efter behov, med prioritet för bussar och "
            "cyklister. Ingen bild sparas."
        ),
        "hypothesis": (
            "Adaptiv styrning minskar bussarnas restid genom korridoren med 10 % och väntetiden "
            "för gående och cyklister med 20 % i rusningstrafik."
        ),
        "stop_criteria": (
            "Stoppa om bussarnas restid inte har minskat med minst 5 % efter sex månader eller "
            "om antalet olyckor ökar."
        ),
        "tags": "smart stad, trafik, sensorer, kollektivtrafik",
        "budget": 3_600_000,
        "running_cost": 420_000,
        "cost_to_date": 2_950_000,
        "start": 13,
        "months": 14,
        "updates": [
            (
                2,
                G,
                "Bussarnas restid i rusningstid har minskat med 12 % enligt åtta veckors "
                "GPS-data från busstrafiken.",
                "Begära beslut om uppskalning till Ringleden.",
                "",
            ),
            (
                40,
                G,
                "Väntetiden för cyklister har minskat med 24 % enligt radarmätningen.",
                "Sammanställa mätserien för portföljrådet.",
                "",
            ),
            (
                95,
                A,
                "Två korsningar fick fel grönttid efter en programuppdatering; återställt "
                "samma dag.",
                "Skärpt testrutin före uppdateringar.",
                "",
            ),
        ],
        "declined": (
            70,
            "scaling",
            "De första mätningarna visar kortare restider; vi föreslår uppskalning till Ringleden.",
            "Avslås tills vidare: underlaget saknar en sammanhängande mätserie. Återkom med minst "
            "åtta veckors restidsmätning.",
        ),
        "proposal": (
            1,
            "scaling",
            "Åtta veckors mätserie visar 12 % kortare restid för bussarna och 24 % kortare "
            "väntetid för cyklisterna. Vi föreslår uppskalning till Ringleden, 14 korsningar.",
        ),
    },
    {
        "ref": "DIG-2024-008",
        "department": "TK",
        "kind": "iot",
        "stage": "operation",
        "title": "Sensorer i papperskorgar",
        "summary": (
            "Sensorer mäter fyllnadsgraden i 850 papperskorgar i parker och på torg. "
            "Tömningsrutterna planeras efter verkligt behov i stället för efter fasta scheman."
        ),
        "tags": "IoT, renhållning, sensorer, smart stad",
        "budget": 1_900_000,
        "running_cost": 310_000,
        "cost_to_date": 1_870_000,
        "start": 32,
        "months": 16,
        "updates": [
            (
                16,
                G,
                "Tömningarna har minskat med 38 % jämfört med de fasta rutterna, utan fler "
                "klagomål på överfulla korgar.",
                "Flytta 40 sensorer till de nya korgarna vid Strandpromenaden.",
                "",
            ),
            (
                58,
                A,
                "Batterierna i 120 sensorer tog slut ett år tidigare än utlovat.",
                "Reklamation hos leverantören.",
                "",
            ),
        ],
        "lessons": [
            (
                WORKED,
                "Att börja med 50 korgar på ett torg och mäta i tre månader gav siffror som "
                "övertygade driftentreprenören.",
            ),
        ],
    },
    {
        "ref": "DIG-2024-009",
        "department": "TK",
        "kind": "eservice",
        "stage": "operation",
        "title": "Digital felanmälan för gator, parker och belysning",
        "summary": (
            "Invånare anmäler fel med foto och position i mobilen. Ärendet går direkt till rätt "
            "entreprenör och anmälaren får besked när felet är åtgärdat."
        ),
        "tags": "e-tjänst, felanmälan, invånardialog",
        "budget": 750_000,
        "running_cost": 130_000,
        "cost_to_date": 760_000,
        "start": 29,
        "months": 10,
        "updates": [
            (
                36,
                G,
                "2 800 anmälningar i oktober, 80 % med foto. Trasig belysning åtgärdas i snitt "
                "på 3,1 dagar.",
                "Lägga till en kategori för klotter.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2025-007",
        "department": "TK",
        "kind": "system",
        "stage": "scaling",
        "title": "Plattform för trafikdata i realtid",
        "summary": (
            "Trafikflöden, beläggning i parkeringshus och cykelräknare samlas i en plattform och "
            "publiceras som öppna data. Grunden för de smarta trafikljusen och för "
            "reseinformation."
        ),
        "tags": "öppna data, trafik, integration, plattform",
        "budget": 2_400_000,
        "running_cost": 380_000,
        "cost_to_date": 1_650_000,
        "start": 17,
        "months": 24,
        "updates": [
            (
                45,
                A,
                "Två av tre parkeringsoperatörer levererar data; den tredje saknar API.",
                "Avtalsdialog med parkeringsoperatören.",
                "Avtalet saknar krav på dataleverans.",
            ),
            (
                120,
                G,
                "Cykelräknarna och trafikflödena publiceras som öppna data.",
                "Ansluta parkeringsdata.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2024-010",
        "department": "TK",
        "kind": "pilot",
        "stage": "closed",
        "outcome": "stopped",
        "title": "Självkörande minibuss i Hamnområdet",
        "summary": (
            "Pilot med en självkörande eldriven minibuss på en två kilometer lång slinga mellan "
            "resecentrum och Hamnområdet, tillsammans med kollektivtrafikbolaget och en "
            "forskargrupp."
        ),
        "hypothesis": (
            "En självkörande buss kan trafikera slingan i blandtrafik med minst 95 % regularitet "
            "och 300 resenärer per vecka."
        ),
        "stop_criteria": "Stoppa om regulariteten understiger 80 % två månader i följd.",
        "tags": "självkörande fordon, kollektivtrafik, forskning",
        "budget": 2_200_000,
        "running_cost": 0,
        "cost_to_date": 1_760_000,
        "start": 27,
        "months": 12,
        "close_reason": (
            "Regulariteten var 64 % under vintermånaderna; bussen stannade för snö, löv och "
            "felparkerade bilar. Stoppkriteriet är uppfyllt."
        ),
        "updates": [
            (
                500,
                R,
                "Bussen stod still 11 dagar i januari på grund av snö; regulariteten var 58 %.",
                "Utvärdering tillsammans med forskargruppen.",
                "Sensorerna klarar inte snöfall.",
            ),
            (
                600,
                A,
                "180 resenärer per vecka; bussen tvärbromsar ofta för parkerade bilar.",
                "Dialog med parkeringsbolaget om stoppförbud längs slingan.",
                "",
            ),
        ],
        "lessons": [
            (
                DID_NOT_WORK,
                "Tekniken var inte mogen för blandtrafik i nordiskt vinterklimat; en "
                "slinga med egen körbana hade gett ett rättvisare försök.",
            ),
            (
                WORKED,
                "Forskargruppens rapport har använts av tre andra kommuner. Ett stoppat "
                "försök är också ett resultat när lärdomarna delas.",
            ),
        ],
    },
    {
        "ref": "DIG-2024-011",
        "department": "TK",
        "kind": "other",
        "stage": "operation",
        "title": "Wifi i parker och på torg",
        "summary": (
            "Fritt publikt wifi i sex parker och på två torg, med samma inloggning som på "
            "stadens bibliotek, via stadsnätet."
        ),
        "tags": "wifi, parker, stadsnät, smart stad",
        "budget": 1_300_000,
        "running_cost": 260_000,
        "cost_to_date": 1_280_000,
        "start": 25,
        "months": 12,
        "updates": [
            (
                95,
                G,
                "Sommarens toppnotering: 4 100 unika användare en lördag i Stadsparken.",
                "Utreda fler accesspunkter på Norra torget.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2026-003",
        "department": "TK",
        "kind": "iot",
        "stage": "idea",
        "title": "GPS-uppföljning av snöröjningen",
        "summary": (
            "Snöröjningsfordonen utrustas med GPS så att invånare ser var det är plogat och "
            "uppföljningen av entreprenörerna bygger på data i stället för körjournaler."
        ),
        "tags": "snöröjning, GPS, öppna data",
        "budget": 550_000,
        "running_cost": 90_000,
        "start": -2,
        "months": 6,
    },
    # --- Stadsbyggnadskontoret ------------------------------------------------------------------
    {
        "ref": "DIG-2024-012",
        "department": "SBK",
        "kind": "eservice",
        "stage": "operation",
        "title": "E-tjänst för bygglov",
        "summary": (
            "Ansökan om bygglov, marklov och anmälan görs i en e-tjänst som kontrollerar att "
            "ansökan är komplett och för över den till ärendesystemet. Alla handlingar lämnas "
            "digitalt."
        ),
        "tags": "e-tjänst, bygglov, ärendehantering",
        "budget": 1_600_000,
        "running_cost": 280_000,
        "cost_to_date": 1_540_000,
        "start": 33,
        "months": 14,
        "updates": [
            (
                18,
                G,
                "86 % av ansökningarna kommer in digitalt; andelen ofullständiga ansökningar "
                "har gått från 60 % till 34 %.",
                "Lägga till vägledning för attefallsåtgärder.",
                "",
            ),
            (
                52,
                G,
                "Kopplingen till Lantmäteriets fastighetsregister är klar.",
                "Vägledning för ritningskrav.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2025-008",
        "department": "SBK",
        "kind": "system",
        "stage": "scaling",
        "must_do": True,
        "title": "Digitala detaljplaner enligt Boverkets föreskrifter",
        "summary": (
            "Nya detaljplaner ska upprättas digitalt enligt Boverkets föreskrifter. "
            "Planhandläggarna går över till ett planverktyg med den nationella specifikationen "
            "och gällande äldre planer digitaliseras."
        ),
        "tags": "detaljplan, lagkrav, Boverket, GIS",
        "budget": 3_200_000,
        "running_cost": 450_000,
        "cost_to_date": 2_100_000,
        "start": 20,
        "months": 30,
        "updates": [
            (
                11,
                A,
                "Alla nya planer upprättas digitalt. Digitaliseringen av äldre planer ligger "
                "efter: 140 av 620.",
                "Upphandla stöd för att digitalisera äldre planer.",
                "Två planarkitekter slutar i december.",
            ),
            (
                47,
                G,
                "Den första digitala detaljplanen har vunnit laga kraft.",
                "Fortsätta med äldre planer i centrum.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2025-009",
        "department": "SBK",
        "kind": "pilot",
        "stage": "pilot",
        "title": "AI-kontroll av att bygglovsansökningar är kompletta",
        "summary": (
            "En AI-modell granskar inkomna ritningar och handlingar och markerar det som saknas "
            "innan handläggaren öppnar ärendet."
        ),
        "hypothesis": (
            "AI-stödet hittar minst 80 % av bristerna i ofullständiga ansökningar och kortar "
            "tiden till första begäran om komplettering från 9 till 2 dagar."
        ),
        "stop_criteria": (
            "Stoppa om träffsäkerheten är under 60 % efter 300 granskade ansökningar."
        ),
        "tags": "AI, bygglov, pilot",
        "budget": 1_100_000,
        "running_cost": 200_000,
        "cost_to_date": 450_000,
        "start": 6,
        "months": 9,
        "updates": [
            (
                26,
                A,
                "Träffsäkerheten är 71 % efter 180 ansökningar; modellen missar ofta "
                "saknade fasadritningar.",
                "Träna om modellen med fler fasadritningar.",
                "",
            ),
            (
                70,
                G,
                "Piloten har startat med fem handläggare.",
                "Granska de första 100 ärendena.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2026-004",
        "department": "SBK",
        "kind": "system",
        "stage": "idea",
        "title": "Digital tvilling av stadskärnan",
        "summary": (
            "En 3D-modell av stadskärnan med byggnader, ledningar och trafikdata, för att pröva "
            "nya detaljplaner, skuggor och dagvatten innan beslut."
        ),
        "tags": "digital tvilling, 3D, stadsplanering",
        "budget": 5_500_000,
        "running_cost": 700_000,
        "start": -6,
        "months": 24,
    },
    {
        "ref": "DIG-2024-013",
        "department": "SBK",
        "kind": "rpa",
        "stage": "closed",
        "outcome": "completed",
        "title": "Robot för underrättelser till grannar i bygglovsärenden",
        "summary": (
            "Roboten tar fram berörda sakägare ur fastighetsregistret och skickar underrättelsen "
            "om bygglovsansökan digitalt eller med post."
        ),
        "tags": "RPA, bygglov, grannehörande",
        "budget": 280_000,
        "running_cost": 45_000,
        "cost_to_date": 265_000,
        "start": 30,
        "months": 8,
        "close_reason": (
            "Roboten är i drift och överlämnad till förvaltningsorganisationen; projektet avslutas."
        ),
        "updates": [
            (
                720,
                G,
                "Roboten har skickat 1 240 underrättelser utan fel.",
                "Överlämning till förvaltningen.",
                "",
            ),
            (
                800,
                A,
                "Adresser till dödsbon saknas ofta i fastighetsregistret.",
                "Manuell kontroll av dödsbon.",
                "",
            ),
        ],
        "lessons": [
            (
                ADVICE,
                "Ett litet regelstyrt flöde som underrättelser till grannar är en bra första "
                "robot: snabb nytta och lätt att förklara för verksamheten.",
            ),
        ],
    },
    {
        "ref": "DIG-2025-010",
        "department": "SBK",
        "kind": "other",
        "stage": "scaling",
        "title": "Skanning av bygglovsarkivet",
        "summary": (
            "Bygglovsarkivets 210 000 ritningar skannas och görs sökbara per fastighet, så att "
            "invånare och handläggare slipper beställa kopior från arkivet."
        ),
        "tags": "arkiv, skanning, bygglov, e-arkiv",
        "budget": 2_600_000,
        "running_cost": 90_000,
        "cost_to_date": 1_700_000,
        "start": 16,
        "months": 20,
        "updates": [
            (
                33,
                G,
                "62 % av arkivet är skannat; beställningarna av ritningskopior har halverats.",
                "Skanna årgångarna 1950–1970.",
                "",
            ),
            (
                90,
                A,
                "Äldre ritningar på kalkerpapper måste skannas för hand.",
                "Beställa extra skanningstimmar.",
                "",
            ),
        ],
    },
    # --- Miljöförvaltningen ---------------------------------------------------------------------
    {
        "ref": "DIG-2025-011",
        "department": "MF",
        "kind": "pilot",
        "stage": "pilot",
        "title": "Luftkvalitetssensorer vid skolor",
        "summary": (
            "Tjugo enkla sensorer mäter partiklar och kvävedioxid vid skolor nära större vägar, "
            "som komplement till stadens referensstation."
        ),
        "hypothesis": (
            "Enkla sensorer ger mätvärden inom 20 % av referensstationens och visar var åtgärder "
            "som gångfartsområden gör mest nytta."
        ),
        "stop_criteria": (
            "Stoppa om sensorernas avvikelse mot referensstationen är större än 35 % efter "
            "kalibrering."
        ),
        "tags": "luftkvalitet, sensorer, skola, miljö",
        "budget": 420_000,
        "running_cost": 70_000,
        "cost_to_date": 260_000,
        "start": 8,
        "months": 12,
        "updates": [
            (
                13,
                G,
                "Efter kalibrering ligger sensorerna inom 15 % av referensstationen för "
                "partiklar, men 28 % för kvävedioxid.",
                "Kalibrera kvävedioxid mot en mobil referensstation.",
                "",
            ),
            (
                55,
                A,
                "Fyra sensorer har stulits eller vandaliserats.",
                "Flytta upp sensorerna till tre meters höjd.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2024-014",
        "department": "MF",
        "kind": "eservice",
        "stage": "operation",
        "title": "E-tjänster för värmepump och enskilt avlopp",
        "summary": (
            "Anmälan om värmepump och ansökan om enskilt avlopp görs digitalt med karta och "
            "bifogade handlingar, direkt in i miljöförvaltningens ärendesystem."
        ),
        "tags": "e-tjänst, miljö, tillstånd",
        "budget": 480_000,
        "running_cost": 75_000,
        "cost_to_date": 470_000,
        "start": 27,
        "months": 10,
        "updates": [
            (
                130,
                G,
                "78 % av anmälningarna kommer in digitalt; inga kända fel.",
                "Följs upp i förvaltningens årsrapport.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2024-015",
        "department": "MF",
        "kind": "pilot",
        "stage": "closed",
        "outcome": "completed",
        "title": "Digital livsmedelskontroll med surfplatta",
        "summary": (
            "Inspektörerna dokumenterar kontrollen på plats i en surfplatta och skickar rapporten "
            "till verksamheten samma dag, i stället för att skriva den på kontoret."
        ),
        "hypothesis": (
            "Rapporten når verksamheten inom ett dygn i 90 % av kontrollerna och inspektörerna "
            "sparar minst en timme per kontroll."
        ),
        "stop_criteria": (
            "Stoppa om inspektörerna fortfarande dokumenterar på papper efter tre månader."
        ),
        "tags": "livsmedelskontroll, mobilt arbete, tillsyn",
        "budget": 320_000,
        "running_cost": 55_000,
        "cost_to_date": 300_000,
        "start": 23,
        "months": 9,
        "close_reason": (
            "Arbetssättet är infört för alla inspektörer och ingår i den ordinarie "
            "verksamheten; projektet avslutas."
        ),
        "updates": [
            (
                470,
                G,
                "96 % av rapporterna skickas samma dag; inspektörerna sparar i snitt "
                "70 minuter per kontroll.",
                "Avsluta projektet och lämna över till förvaltningen.",
                "",
            ),
        ],
        "lessons": [
            (
                WORKED,
                "Inspektörerna utformade själva checklistorna i surfplattan, därför användes "
                "den från första veckan.",
            ),
        ],
    },
    {
        "ref": "DIG-2026-005",
        "department": "MF",
        "kind": "other",
        "stage": "idea",
        "title": "Öppna miljödata via API",
        "summary": (
            "Mätdata om luft, buller och vattenkvalitet publiceras som öppna data med ett API, så "
            "att forskare, skolor och företag kan använda dem."
        ),
        "tags": "öppna data, miljö, API",
        "budget": 300_000,
        "running_cost": 40_000,
        "start": -4,
        "months": 6,
    },
    # --- Kulturförvaltningen --------------------------------------------------------------------
    {
        "ref": "DIG-2024-016",
        "department": "KF",
        "kind": "eservice",
        "stage": "operation",
        "title": "Digitalt lånekort",
        "summary": (
            "Låntagare skaffar lånekort med BankID och har kortet i mobilen. E-böcker och "
            "meröppna bibliotek nås med samma inloggning."
        ),
        "tags": "bibliotek, e-tjänst, BankID, kultur",
        "budget": 350_000,
        "running_cost": 60_000,
        "cost_to_date": 340_000,
        "start": 26,
        "months": 8,
        "updates": [
            (
                5,
                G,
                "11 400 digitala lånekort; 38 % av de nya låntagarna skaffar kortet digitalt.",
                "Marknadsföra kortet på skolbiblioteken.",
                "",
            ),
            (66, G, "Lånekortet fungerar nu även i appen för e-böcker.", "", ""),
        ],
        "lessons": [
            (
                WORKED,
                "Att återanvända stadens befintliga BankID-inloggning gjorde att tjänsten "
                "kunde lanseras på åtta veckor.",
            ),
        ],
    },
    {
        "ref": "DIG-2025-012",
        "department": "KF",
        "kind": "pilot",
        "stage": "scaling",
        "title": "Meröppna bibliotek med digital entré",
        "summary": (
            "Filialbiblioteken hålls öppna kvällar och helger utan personal: besökarna låser upp "
            "med lånekortet i mobilen. Entrén är kameraövervakad."
        ),
        "hypothesis": (
            "Meröppet ökar besöken i filialerna med 25 % utan fler incidenter än under "
            "bemannade tider."
        ),
        "stop_criteria": "Stoppa om fler än två allvarliga incidenter inträffar under en månad.",
        "tags": "bibliotek, meröppet, passersystem",
        "budget": 900_000,
        "running_cost": 150_000,
        "cost_to_date": 720_000,
        "start": 18,
        "months": 20,
        "updates": [
            (
                24,
                G,
                "Meröppet är infört i fyra av sex filialer; besöken har ökat med 31 %.",
                "Installera passersystem i de två sista filialerna.",
                "",
            ),
            (
                80,
                A,
                "Skadegörelse i Västerhöjd två helger i rad.",
                "Dialog med stadens trygghetssamordnare.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2024-017",
        "department": "KF",
        "kind": "training",
        "stage": "closed",
        "outcome": "completed",
        "title": "Digitala guider på biblioteken",
        "summary": (
            "Bibliotekarier utbildas till digitala guider som hjälper invånare med BankID, "
            "e-tjänster och att känna igen bedrägeriförsök, särskilt äldre invånare."
        ),
        "tags": "digital delaktighet, bibliotek, kompetensutveckling",
        "budget": 260_000,
        "running_cost": 0,
        "cost_to_date": 248_000,
        "start": 28,
        "months": 12,
        "reached": "scaling",
        "close_reason": (
            "Alla 45 bibliotekarier är utbildade och digital vägledning ingår nu i bibliotekens "
            "ordinarie uppdrag."
        ),
        "updates": [
            (
                540,
                G,
                "1 350 invånare har fått hjälp av en digital guide; vanligast är BankID och "
                "den digitala brevlådan.",
                "Avsluta utbildningsinsatsen.",
                "",
            ),
        ],
        "lessons": [
            (ADVICE, "Drop-in räcker inte: bokade halvtimmar nådde fler äldre än öppna tider."),
        ],
    },
    # --- Serviceförvaltningen -------------------------------------------------------------------
    {
        "ref": "DIG-2024-018",
        "department": "SF",
        "kind": "rpa",
        "stage": "operation",
        "title": "Automatiserad hantering av leverantörsfakturor",
        "summary": (
            "Roboten matchar leverantörsfakturor mot beställning och leverans och konterar dem; "
            "bara avvikelser går till manuell attest. Staden tar emot 190 000 fakturor per år."
        ),
        "tags": "RPA, ekonomi, e-faktura, Peppol",
        "budget": 1_750_000,
        "running_cost": 320_000,
        "cost_to_date": 1_800_000,
        "start": 30,
        "months": 12,
        "updates": [
            (
                10,
                G,
                "68 % av fakturorna hanteras helt automatiskt; målet var 60 %.",
                "Lägga till matchning för ramavtal utan beställning.",
                "",
            ),
            (
                41,
                G,
                "Fakturor från de tio största leverantörerna kommer via Peppol.",
                "Kontakta nästa 50 leverantörer.",
                "",
            ),
        ],
        "lessons": [
            (
                DID_NOT_WORK,
                "Beställningarna i e-handelssystemet var ofta ofullständiga, och "
                "matchningsgraden låg under 30 % tills beställarna hade utbildats.",
            ),
        ],
    },
    {
        "ref": "DIG-2025-013",
        "department": "SF",
        "kind": "system",
        "stage": "scaling",
        "title": "E-underskrifter för avtal och beslut",
        "summary": (
            "Avtal, delegationsbeslut och anställningsavtal skrivs under med BankID eller SITHS i "
            "en e-underskriftstjänst och arkiveras automatiskt i e-arkivet."
        ),
        "tags": "e-underskrift, BankID, e-arkiv",
        "budget": 600_000,
        "running_cost": 140_000,
        "cost_to_date": 420_000,
        "start": 12,
        "months": 14,
        "updates": [
            (
                7,
                G,
                "Fem av åtta förvaltningar skriver avtal digitalt; 4 300 underskrifter i oktober.",
                "Införa på Socialförvaltningen och Kulturförvaltningen.",
                "",
            ),
            (
                62,
                A,
                "E-arkivet tar inte emot filformatet från två leverantörer.",
                "Konvertera till PDF/A före arkivering.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2025-014",
        "department": "SF",
        "kind": "iot",
        "stage": "scaling",
        "title": "Energisensorer i skolbyggnader",
        "summary": (
            "Sensorer för temperatur, koldioxid och elförbrukning i 42 skolor styr ventilation och "
            "värme efter närvaro. Eleverna använder sin egen skolas data i undervisningen."
        ),
        "tags": "energi, sensorer, fastigheter, skola, klimat",
        "budget": 5_800_000,
        "running_cost": 480_000,
        "cost_to_date": 3_900_000,
        "start": 19,
        "months": 30,
        "updates": [
            (
                3,
                G,
                "26 av 42 skolor är klara. Energianvändningen i de tio första skolorna har "
                "minskat med 14 % jämfört med samma period förra året.",
                "Installera i åtta skolor före jul.",
                "",
            ),
            (
                38,
                A,
                "Styrningen av ventilationen till sex skolor är försenad.",
                "Planera om installationsordningen.",
                "Komponentbrist hos leverantören.",
            ),
            (120, G, "De tio första skolorna är klara.", "Starta nästa etapp.", ""),
        ],
        "lessons": [
            (
                WORKED,
                "Eleverna fick använda sin egen skolas data i NO-undervisningen och hittade "
                "själva en ventilation som gick för fullt på helgerna.",
            ),
        ],
    },
    {
        "ref": "DIG-2026-006",
        "department": "SF",
        "kind": "rpa",
        "stage": "pilot",
        "title": "RPA för tidrapporter från timavlönade",
        "summary": (
            "Roboten läser de timavlönades tidrapporter i bemanningssystemet, kontrollerar dem "
            "mot schemat och för in dem i lönesystemet. Pilot på löneenheten."
        ),
        "tags": "RPA, lön, HR",
        "budget": 400_000,
        "running_cost": 80_000,
        "cost_to_date": 120_000,
        "start": 3,
        "months": 6,
        "updates": [
            (
                9,
                A,
                "Roboten klarar 62 % av tidrapporterna; resten saknar kostnadsställe i "
                "bemanningssystemet.",
                "Rätta grunddata i bemanningssystemet tillsammans med HR.",
                "Bemanningssystemets API lämnar inte ut OB-tider.",
            ),
        ],
    },
    # --- Stadsledningskontoret ------------------------------------------------------------------
    {
        "ref": "DIG-2024-019",
        "department": "SLK",
        "kind": "training",
        "stage": "closed",
        "outcome": "completed",
        "title": "Innovationsledning för 40 chefer",
        "summary": (
            "Ett utbildningsprogram i sex moduler för 40 chefer från alla förvaltningar: "
            "tjänstedesign, experiment, nyttorealisering och att leda förändring. Varje chef "
            "driver ett eget utvecklingsprojekt i sin verksamhet."
        ),
        "tags": "innovation, ledarskap, kompetensutveckling, nyttorealisering",
        "budget": 1_200_000,
        "running_cost": 0,
        "cost_to_date": 1_150_000,
        "start": 26,
        "months": 12,
        "reached": "scaling",
        "close_reason": (
            "Alla sex moduler är genomförda och 38 av 40 chefer har slutfört sitt projekt; "
            "31 projekt lever vidare i verksamheterna."
        ),
        "updates": [
            (
                470,
                G,
                "Slutseminarium med 38 projektpresentationer; sju projekt har lämnats in som "
                "idéer till portföljen.",
                "Utvärdering och avslut.",
                "",
            ),
            (
                560,
                A,
                "Fyra chefer har hoppat av på grund av arbetsbelastning.",
                "Erbjuda dem plats i nästa omgång.",
                "",
            ),
        ],
        "lessons": [
            (
                WORKED,
                "Ett eget projekt med en verklig verksamhetsfråga gjorde att kunskapen "
                "användes direkt; föreläsningar utan projekt glöms.",
            ),
            (
                ADVICE,
                "Låt cheferna gå två och två från samma förvaltning, så finns det någon att "
                "fortsätta med när utbildningen är slut.",
            ),
        ],
    },
    {
        "ref": "DIG-2025-015",
        "department": "SLK",
        "kind": "pilot",
        "stage": "pilot",
        "title": "AI-chattbot för invånarfrågor",
        "summary": (
            "En chattbot på stadens webbplats svarar på vanliga frågor om avfall, parkering, "
            "förskola och bygglov utifrån webbplatsens egna texter, och lämnar över till "
            "kontaktcenter när den inte vet svaret."
        ),
        "hypothesis": (
            "Chattboten besvarar minst 40 % av frågorna utan handläggare, med minst 85 % korrekta "
            "svar i stickprov, och samtalen till kontaktcenter inom de utvalda områdena minskar "
            "med 15 %."
        ),
        "stop_criteria": (
            "Stoppa om andelen korrekta svar är under 75 % i två stickprov i rad eller om "
            "kraven på tillgänglighet inte kan uppfyllas."
        ),
        "tags": "AI, chattbot, kontaktcenter, webb",
        "budget": 850_000,
        "running_cost": 240_000,
        "cost_to_date": 390_000,
        "start": 5,
        "months": 9,
        "updates": [
            (
                14,
                G,
                "Chattboten besvarade 46 % av 9 200 frågor själv; stickprovet gav 88 % "
                "korrekta svar.",
                "Lägga till frågor om förskola.",
                "",
            ),
            (
                49,
                R,
                "Chattboten gav fel svar om avgifter i hemtjänsten; området stängdes av.",
                "Begränsa chattboten till granskade källtexter.",
                "Källtexterna på webbplatsen är inaktuella.",
            ),
        ],
        "lessons": [
            (
                ADVICE,
                "Städa webbplatsens texter före en AI-chattbot: den upprepar gamla och "
                "motsägelsefulla uppgifter med stor säkerhet.",
            ),
        ],
    },
    {
        "ref": "DIG-2024-020",
        "department": "SLK",
        "kind": "system",
        "stage": "operation",
        "title": "Portal för öppna data",
        "summary": (
            "Stadens öppna data publiceras i en portal med API och fri licens, enligt lagen om "
            "öppna data: 140 datamängder från åtta förvaltningar."
        ),
        "tags": "öppna data, API, dataportal",
        "budget": 1_000_000,
        "running_cost": 220_000,
        "cost_to_date": 980_000,
        "start": 31,
        "months": 14,
        "updates": [
            (
                28,
                G,
                "140 datamängder publicerade; trafikdata och luftkvalitet står för 70 % av "
                "API-anropen.",
                "Publicera nyckeltal för förskolan.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2026-007",
        "department": "SLK",
        "kind": "other",
        "stage": "idea",
        "title": "Gemensam modell för nyttorealisering",
        "summary": (
            "Idé från portföljrådet: en gemensam modell och mall för nyttokalkyl och uppföljning "
            "i alla förvaltningar, så att initiativ kan jämföras och prioriteras."
        ),
        "tags": "nyttorealisering, styrning, portfölj",
        "budget": 150_000,
        "running_cost": 0,
        "start": -1,
        "months": 6,
    },
    # --- Closed in earlier years: what the portfolio has learnt from ---------------------------
    # Initiatives from 2021–2024, closed as completed, whose benefits were handed over to line
    # management and (all but one) ended with a closing review; they give the calibration page
    # its history.
    {
        "ref": "DIG-2021-001",
        "department": "SOC",
        "kind": "iot",
        "stage": "closed",
        "outcome": "completed",
        "title": "Nyckelfri hemtjänst med digitala lås",
        "summary": (
            "Brukarnas dörrar får digitala lås som hemtjänstens medarbetare öppnar med "
            "mobilen. Nyckelskåpen, nyckelkvittenserna och hämtningen av nycklar före varje "
            "pass försvinner."
        ),
        "tags": "välfärdsteknik, hemtjänst, digitala lås",
        "budget": 2_300_000,
        "running_cost": 380_000,
        "cost_to_date": 2_410_000,
        "start": 66,
        "months": 12,
        "close_reason": (
            "Digitala lås är installerade hos 1 480 brukare i alla hemtjänstområden och ingår i "
            "ordinarie drift; projektet avslutas."
        ),
        "updates": [
            (
                1720,
                G,
                "1 480 lås är installerade. Nyckelskåpen på fyra hemtjänstkontor är tömda.",
                "Överlämna låsen till hemtjänstens förvaltning.",
                "",
            ),
            (
                1880,
                A,
                "Låsen i äldre ytterdörrar behöver en extra monteringsplatta; installationen är "
                "sex veckor försenad.",
                "Beställa monteringsplattor och prioritera nattpatrullens brukare.",
                "",
            ),
        ],
        "lessons": [
            (
                WORKED,
                "Att börja med nattpatrullen, där nyckelhämtningen tog mest tid, gav en nytta "
                "som alla förstod.",
            ),
        ],
    },
    {
        "ref": "DIG-2021-002",
        "department": "TK",
        "kind": "eservice",
        "stage": "closed",
        "outcome": "completed",
        "title": "E-tjänst för parkeringstillstånd för rörelsehindrade",
        "summary": (
            "Ansökan om parkeringstillstånd görs i en e-tjänst med BankID, läkarintyget skickas "
            "digitalt och tillståndet beställs direkt från kortleverantören."
        ),
        "tags": "e-tjänst, parkering, tillstånd, BankID",
        "budget": 650_000,
        "running_cost": 90_000,
        "cost_to_date": 720_000,
        "start": 60,
        "months": 14,
        "close_reason": (
            "E-tjänsten är i drift och överlämnad till parkeringsenheten; projektet avslutas."
        ),
        "updates": [
            (
                1460,
                A,
                "E-tjänsten är i drift men bara var tredje ansökan kommer in digitalt. De "
                "sökande är ofta äldre och saknar BankID.",
                "Låta kontaktcenter hjälpa sökande att fylla i e-tjänsten per telefon.",
                "Läkarintygen kommer fortfarande på papper.",
            ),
            (
                1600,
                G,
                "Integrationen mot kortleverantören är klar.",
                "Öppna e-tjänsten för alla sökande.",
                "",
            ),
        ],
        "lessons": [
            (
                DID_NOT_WORK,
                "Nyttokalkylen räknade med att sökande har BankID. Många som söker "
                "parkeringstillstånd har det inte, så pappersflödet finns kvar.",
            ),
        ],
    },
    {
        "ref": "DIG-2022-001",
        "department": "UTB",
        "kind": "rpa",
        "stage": "closed",
        "outcome": "completed",
        "title": "RPA för registrering av vikarier i lönesystemet",
        "summary": (
            "Roboten läser in timavlönade vikarier från skolornas bemanningssystem och lägger upp "
            "anställningen i lönesystemet, så att skoladministratörerna slipper dubbelregistrera."
        ),
        "tags": "RPA, lön, vikarier, skola",
        "budget": 420_000,
        "running_cost": 70_000,
        "cost_to_date": 455_000,
        "start": 54,
        "months": 9,
        "close_reason": (
            "Roboten är i drift hos lönecenter och överlämnad till förvaltningen; projektet "
            "avslutas."
        ),
        "updates": [
            (
                1430,
                A,
                "Roboten registrerar 70 % av vikarierna; resten saknar personnummer eller "
                "kontonummer i bemanningssystemet och läggs upp för hand.",
                "Göra personnummer obligatoriskt i bemanningssystemet.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2022-002",
        "department": "SLK",
        "kind": "training",
        "stage": "closed",
        "outcome": "completed",
        "reached": "scaling",
        "title": "Informationssäkerhet och dataskydd för alla chefer",
        "summary": (
            "Alla 420 chefer går en webbutbildning och ett seminarium om informationssäkerhet, "
            "dataskydd och hur en personuppgiftsincident anmäls."
        ),
        "tags": "informationssäkerhet, dataskydd, GDPR, kompetensutveckling",
        "budget": 350_000,
        "running_cost": 0,
        "cost_to_date": 330_000,
        "start": 52,
        "months": 12,
        "close_reason": (
            "396 av 420 chefer har gått utbildningen; den ingår nu i introduktionen för nya chefer."
        ),
        "updates": [
            (
                1280,
                G,
                "396 chefer har gått utbildningen.",
                "Lägga utbildningen i chefsintroduktionen.",
                "",
            ),
        ],
        "lessons": [
            (
                ADVICE,
                "Mät inte en utbildning i informationssäkerhet på antalet anmälda incidenter: "
                "fler anmälningar kan betyda att utbildningen fungerade.",
            ),
        ],
    },
    {
        "ref": "DIG-2022-003",
        "department": "SOC",
        "kind": "rpa",
        "stage": "closed",
        "outcome": "completed",
        "title": "Robot för utbetalning och beslutsbrev i försörjningsstödet",
        "summary": (
            "Stadens första robot i socialtjänsten: när handläggaren har fattat beslut om "
            "försörjningsstöd lägger roboten upp utbetalningen och skickar beslutsbrevet."
        ),
        "tags": "RPA, försörjningsstöd, utbetalning, socialtjänst",
        "budget": 560_000,
        "running_cost": 95_000,
        "cost_to_date": 610_000,
        "start": 50,
        "months": 10,
        "close_reason": (
            "Roboten är i drift och överlämnad till ekonomiskt bistånd; projektet avslutas."
        ),
        "updates": [
            (
                1280,
                G,
                "Roboten gör 85 % av utbetalningarna; akuta utbetalningar görs fortfarande för "
                "hand.",
                "Överlämning till förvaltningen.",
                "",
            ),
            (
                1400,
                R,
                "Roboten betalade ut två gånger till 14 hushåll efter en uppdatering av "
                "verksamhetssystemet.",
                "Återkräva beloppen och lägga in en kontroll mot dubbla utbetalningar.",
                "Leverantören testar inte sina uppdateringar mot roboten.",
            ),
        ],
        "lessons": [
            (
                DID_NOT_WORK,
                "Vi räknade med att felaktiga utbetalningar skulle försvinna, men de flesta fel "
                "uppstår i underlaget före beslutet, inte i utbetalningen.",
            ),
        ],
    },
    {
        "ref": "DIG-2023-001",
        "department": "UTB",
        "kind": "eservice",
        "stage": "closed",
        "outcome": "completed",
        "title": "E-tjänst för barnomsorgsschema och inkomstuppgift",
        "summary": (
            "Vårdnadshavare lämnar barnets schema och hushållets inkomst i en e-tjänst i stället "
            "för på blankett till förskolan."
        ),
        "tags": "e-tjänst, förskola, barnomsorgsschema, avgifter",
        "budget": 480_000,
        "running_cost": 60_000,
        "cost_to_date": 500_000,
        "start": 44,
        "months": 12,
        "close_reason": "E-tjänsten är i drift för alla förskolor; projektet avslutas.",
        "updates": [
            (
                1030,
                A,
                "Nästan alla scheman kommer in digitalt, men förskolorna får fler samtal från "
                "vårdnadshavare som inte hittar sina tidigare uppgifter.",
                "Visa det senaste schemat i e-tjänsten.",
                "",
            ),
            (
                1200,
                G,
                "E-tjänsten är öppen på tio förskolor.",
                "Öppna för alla förskolor efter sommaren.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2023-002",
        "department": "UTB",
        "kind": "rpa",
        "stage": "closed",
        "outcome": "completed",
        "title": "RPA för beslut om skolskjuts",
        "summary": (
            "Roboten räknar avståndet mellan hem och skola ur adressregistret och förbereder "
            "beslutet om skolskjuts; handläggaren prövar bara de ärenden som inte är givna."
        ),
        "tags": "RPA, skolskjuts, handläggning",
        "budget": 310_000,
        "running_cost": 50_000,
        "cost_to_date": 295_000,
        "start": 42,
        "months": 8,
        "close_reason": "Roboten är i drift och överlämnad till förvaltningen; projektet avslutas.",
        "updates": [
            (
                1090,
                G,
                "Roboten förberedde 2 100 beslut inför läsårsstarten.",
                "Överlämning till förvaltningen.",
                "",
            ),
        ],
    },
    {
        "ref": "DIG-2023-003",
        "department": "SOC",
        "kind": "training",
        "stage": "closed",
        "outcome": "completed",
        "reached": "scaling",
        "title": "Mobil dokumentation i hemtjänsten",
        "summary": (
            "Hemtjänstens 650 medarbetare utbildas i att dokumentera i mobilen hos brukaren i "
            "stället för vid datorn på kontoret efter passet."
        ),
        "tags": "hemtjänst, dokumentation, kompetensutveckling, mobilt arbete",
        "budget": 900_000,
        "running_cost": 0,
        "cost_to_date": 870_000,
        "start": 40,
        "months": 12,
        "close_reason": (
            "Alla hemtjänstgrupper är utbildade; utbildningen ingår i introduktionen för nya "
            "medarbetare."
        ),
        "updates": [
            (
                910,
                A,
                "Alla grupper är utbildade, men många skriver fortfarande på kontoret efter "
                "passet.",
                "Ge varje grupp en dokumentationsombud.",
                "Språket är ett hinder för en del medarbetare.",
            ),
            (
                1050,
                G,
                "Hälften av grupperna är utbildade.",
                "Fortsätta gruppvis.",
                "",
            ),
        ],
        "lessons": [
            (
                DID_NOT_WORK,
                "En utbildning ändrar inte ett arbetssätt: utan tid i schemat för att "
                "dokumentera hos brukaren fortsatte många att skriva på kontoret.",
            ),
        ],
    },
    {
        "ref": "DIG-2023-004",
        "department": "SOC",
        "kind": "system",
        "stage": "closed",
        "outcome": "completed",
        "title": "Digital schemaläggning och bemanning i hemtjänsten",
        "summary": (
            "Ett planeringssystem lägger scheman och besöksrutter i hemtjänsten utifrån "
            "brukarnas beviljade insatser, och lediga pass bokas av vikarier i en app."
        ),
        "tags": "schemaläggning, bemanning, hemtjänst, planering",
        "budget": 2_600_000,
        "running_cost": 620_000,
        "cost_to_date": 2_840_000,
        "start": 36,
        "months": 12,
        "close_reason": (
            "Systemet används i alla hemtjänstområden och är överlämnat till förvaltningen; "
            "projektet avslutas."
        ),
        "updates": [
            (
                790,
                A,
                "Planeringen går fortare, men övertiden har ökat när rutterna läggs tätare.",
                "Se över restiderna i systemet tillsammans med schemaläggarna.",
                "",
            ),
            (
                950,
                G,
                "Systemet är infört i fyra av sex hemtjänstområden.",
                "Införa i de två sista områdena.",
                "",
            ),
        ],
        "lessons": [
            (
                DID_NOT_WORK,
                "Systemet räknade med för korta restider mellan brukarna: tätare rutter på "
                "papperet blev övertid i verkligheten.",
            ),
        ],
    },
    {
        "ref": "DIG-2024-021",
        "department": "MF",
        "kind": "eservice",
        "stage": "closed",
        "outcome": "completed",
        "title": "E-tjänst för registrering av livsmedelsanläggning",
        "summary": (
            "Den som startar ett café, en restaurang eller en foodtruck registrerar "
            "verksamheten i en e-tjänst; uppgifterna går direkt in i tillsynssystemet."
        ),
        "tags": "e-tjänst, livsmedel, registrering, tillsyn",
        "budget": 420_000,
        "running_cost": 55_000,
        "cost_to_date": 430_000,
        "start": 26,
        "months": 19,
        "close_reason": (
            "E-tjänsten är i drift och nyttorna följs upp av livsmedelsenheten; projektet avslutas."
        ),
        "updates": [
            (
                270,
                G,
                "Åtta av tio registreringar kommer in digitalt.",
                "Lämna över nyttouppföljningen till livsmedelsenheten.",
                "",
            ),
            (
                450,
                A,
                "Kopplingen till tillsynssystemet skapar dubbletter av anläggningar.",
                "Rättning från leverantören.",
                "",
            ),
        ],
    },
]

OPEN_PATH = [Stage.IDEA, Stage.PILOT, Stage.SCALING, Stage.OPERATION]

# Reasons for the stage gates, picked in turn so neighbouring initiatives do not read the same.
REASONS = {
    Stage.PILOT: [
        "Behovet är kartlagt och verksamheten har avsatt tid; vi startar en avgränsad pilot.",
        "Förstudien visar en tydlig nytta. Pilot i liten skala med mätning från start.",
        "Finansiering finns i förvaltningens budget; pilot med en enhet först.",
    ],
    Stage.SCALING: [
        "Piloten har nått målen; vi skalar upp till fler enheter.",
        "Mätningarna i piloten visar nyttan. Uppskalning till hela förvaltningen.",
        "Verksamheten vill ha lösningen överallt; införandeplan och budget finns.",
    ],
    Stage.OPERATION: [
        "Infört i alla berörda verksamheter; överlämnas till ordinarie förvaltning.",
        "Lösningen är i drift och har en förvaltningsorganisation.",
        "Införandet är klart och nyttorna följs upp i verksamhetens årsrapport.",
    ],
}
DECISION_COMMENTS = [
    "Godkänt. Följ upp nyttan i nästa kvartalsrapport.",
    "Godkänt av portföljrådet.",
    "Godkänt; rapportera läget varje månad.",
]


def _first_of_month(today: dt.date, months_back: int) -> dt.date:
    """The first day of the month `months_back` months before today's month (negative: later)."""
    index = today.year * 12 + today.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _path(spec: dict) -> list[tuple[str, str]]:
    """The (from, to) stage steps that walk an initiative from idea to its stage."""
    stage = spec["stage"]
    if stage == Stage.CLOSED:
        default = Stage.PILOT if spec["outcome"] == Outcome.STOPPED else Stage.OPERATION
        stages = OPEN_PATH[: OPEN_PATH.index(spec.get("reached", default)) + 1] + [Stage.CLOSED]
    else:
        stages = OPEN_PATH[: OPEN_PATH.index(stage) + 1]
    return list(itertools.pairwise(stages))


def _change_dates(start: dt.date, end: dt.date, today: dt.date, steps: int) -> list[dt.date]:
    """Spread the steps from the planned start to the planned end, never later than 70 % of the
    time elapsed so far (an initiative still running moved to its stage a while ago)."""
    last = min(end, start + (today - start) * 7 // 10)
    if steps == 1:
        return [start]
    return [start + (last - start) * i // (steps - 1) for i in range(steps)]


def _ensure_departments() -> dict[str, Department]:
    departments = {}
    for code, name in DEPARTMENTS:
        department, _ = Department.objects.update_or_create(code=code, defaults={"name": name})
        departments[code] = department
    return departments


def _ensure_users(departments: dict[str, Department]) -> dict[str, User]:
    """Create or reset the demo users: names, one role group (none for a line manager),
    department, password."""
    users = {}
    people = DEMO_USERS + [
        (name, first, last, None, code) for name, first, last, code in LINE_MANAGERS
    ]
    for username, first, last, role, code in people:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{first}.{last}@demostad.se".lower().replace("ö", "o"),
                "is_active": True,
                "is_staff": False,
                "is_superuser": False,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        user.groups.set([Group.objects.get_or_create(name=role)[0]] if role else [])
        if code:
            departments[code].members.add(user)
        users[username] = user
    _reset_lockouts(users)
    return users


def _reset_lockouts(users: dict[str, User]) -> None:
    """Clear django-axes lockouts so the printed logins work even after failed attempts."""
    try:
        from axes.utils import reset
    except ImportError:  # axes is not installed: nothing to reset
        return
    for username in users:
        reset(username=username)


def _create_initiative(
    spec: dict, index: int, today: dt.date, departments: dict, users: dict
) -> Initiative:
    """Create one initiative and walk it through its history, as the services would have."""
    office = users[OFFICE_USER]
    code = spec["department"]
    owner = users[spec.get("owner") or HEADS.get(code, OFFICE_USER)]
    # Stage gates are proposed by a department head and decided by the office; the office changes
    # the stage of its own initiatives directly.
    owner_is_head = owner.username in HEADS.values()
    start = _first_of_month(today, spec["start"])
    end = _first_of_month(today, spec["start"] - spec["months"]) - dt.timedelta(days=1)
    steps = _path(spec)
    dates = _change_dates(start, end, today, len(steps))

    initiative = Initiative(
        ref=spec["ref"],
        title=spec["title"],
        summary=spec["summary"],
        kind=spec["kind"],
        department=departments[code],
        owner=owner,
        stage=Stage.IDEA,
        planned_start=start,
        planned_end=end,
        budget=spec.get("budget"),
        running_cost=spec.get("running_cost"),
        cost_to_date=spec.get("cost_to_date", 0),
        must_do=spec.get("must_do", False),
        hypothesis=spec.get("hypothesis", ""),
        stop_criteria=spec.get("stop_criteria", ""),
        tags=spec.get("tags", ""),
        version=1,
    )
    initiative._history_user = office
    initiative._history_date = _at(
        min(start - dt.timedelta(days=30), today - dt.timedelta(days=14))
    )
    initiative.save()
    _create_cost_lines(initiative, spec, departments, office)

    lessons = spec.get("lessons", [])
    for (from_stage, to_stage), day in zip(steps, dates, strict=True):
        closing = to_stage == Stage.CLOSED
        outcome = spec["outcome"] if closing else ""
        lesson_text = ""
        if closing and outcome == Outcome.STOPPED:
            # A stopped initiative needs a lesson: the closing change carries it (as in services).
            lesson_text = next(text for kind, text in lessons if kind == DID_NOT_WORK)
        reason = spec["close_reason"] if closing else REASONS[to_stage][index % 3]
        decided_at = _at(day, 14)
        StageChange.objects.create(
            initiative=initiative,
            from_stage=from_stage,
            to_stage=to_stage,
            outcome=outcome,
            reason=reason,
            lesson_text=lesson_text,
            status=StageChangeStatus.APPROVED if owner_is_head else StageChangeStatus.APPLIED,
            proposed_by=owner,
            proposed_at=_at(day - dt.timedelta(days=4)) if owner_is_head else decided_at,
            decided_by=office,
            decided_at=decided_at,
            decision_comment=DECISION_COMMENTS[index % 3] if owner_is_head else "",
        )
        initiative.stage = to_stage
        initiative.outcome = outcome
        initiative.version += 1
        initiative._history_user = office
        initiative._history_date = decided_at
        initiative._change_reason = reason[:100]
        initiative.save()

    if "declined" in spec:
        days_ago, to_stage, reason, comment = spec["declined"]
        day = today - dt.timedelta(days=days_ago)
        StageChange.objects.create(
            initiative=initiative,
            from_stage=initiative.stage,
            to_stage=to_stage,
            reason=reason,
            status=StageChangeStatus.DECLINED,
            proposed_by=owner,
            proposed_at=_at(day),
            decided_by=office,
            decided_at=_at(day + dt.timedelta(days=3), 14),
            decision_comment=comment,
        )
    if "proposal" in spec:
        days_ago, to_stage, reason = spec["proposal"]
        StageChange.objects.create(
            initiative=initiative,
            from_stage=initiative.stage,
            to_stage=to_stage,
            reason=reason,
            status=StageChangeStatus.PROPOSED,
            proposed_by=owner,
            proposed_at=_at(today - dt.timedelta(days=days_ago)),
        )

    for days_ago, health, summary, next_steps, blockers in spec.get("updates", []):
        day = today - dt.timedelta(days=days_ago)
        update = ProgressUpdate(
            initiative=initiative,
            date=day,
            health=health,
            summary=summary,
            next_steps=next_steps,
            blockers=blockers,
            author=owner,
        )
        update._history_user = owner
        update._history_date = _at(day, 16)
        update.save()

    # Lessons are written when the initiative closes, or else around its latest update.
    if initiative.stage == Stage.CLOSED:
        lesson_day = dates[-1]
    elif spec.get("updates"):
        lesson_day = today - dt.timedelta(days=min(u[0] for u in spec["updates"]))
    else:
        lesson_day = today
    for kind, text in lessons:
        lesson = Lesson(initiative=initiative, kind=kind, text=text, author=owner, date=lesson_day)
        lesson._history_user = owner
        lesson._history_date = _at(lesson_day, 15)
        lesson.save()
    return initiative


def _create_cost_lines(initiative: Initiative, spec: dict, departments: dict, office) -> None:
    """The initiative's money as cost lines (initiatives.costs), as the migration would have
    moved it; a spec's `shared_running` names a department that pays that share of the running
    cost (the cross-department case: one department pays, another gains)."""
    from initiatives import costs

    lines = costs.lines_from_figures(
        initiative,
        {name: getattr(initiative, name) for name in costs.MONEY_FIELDS},
        horizon=10,
    )
    shared = spec.get("shared_running")
    for line in lines:
        if shared and line.kind == "running":
            code, amount = shared
            line.planned -= amount
            line._history_user = office
            line.save()
            line = CostLine(
                initiative=initiative, year=line.year, kind="running", planned=amount,
                payer=departments[code], note="Delad licens",
            )  # fmt: skip
        line._history_user = office
        line.save()
    stored = costs.sums(initiative.cost_lines.all())
    Initiative.objects.filter(pk=initiative.pk).update(**stored)


def load_demo(*, today: dt.date | None = None) -> dict[str, int]:
    """Load the demo city with its benefits; safe to run again. Returns counts of the demo rows in
    the database."""
    today = today or timezone.localdate()
    with transaction.atomic():
        departments = _ensure_departments()
        users = _ensure_users(departments)
        existing = set(
            Initiative.objects.filter(ref__in=[s["ref"] for s in INITIATIVES]).values_list(
                "ref", flat=True
            )
        )
        created = 0
        for index, spec in enumerate(INITIATIVES):
            # Existing initiatives are left as they are: a rerun must not undo what someone did
            # while demonstrating, nor leave a stage that disagrees with its stage changes.
            if spec["ref"] in existing:
                continue
            _create_initiative(spec, index, today, departments, users)
            created += 1

    # Imported here: the benefits app builds on initiatives, not the other way round.
    from benefits.demo import load_demo_benefits

    benefits = load_demo_benefits(today=today)
    from portfolio.demo import load_demo_goals

    goals = load_demo_goals()
    from portfolio.cache import bump_data_version

    bump_data_version()  # the demo loads in bulk, without signals
    from portfolio import figures

    figures.rebuild()  # the dashboard's sums, kept current on write from here on
    demo = Initiative.objects.filter(ref__in=[s["ref"] for s in INITIATIVES])
    return {
        "departments": len(departments),
        "users": len(users),
        "initiatives": demo.count(),
        "initiatives_created": created,
        "stage_changes": StageChange.objects.filter(initiative__in=demo).count(),
        "pending_proposals": StageChange.objects.filter(
            initiative__in=demo, status=StageChangeStatus.PROPOSED
        ).count(),
        "progress_updates": ProgressUpdate.objects.filter(initiative__in=demo).count(),
        "lessons": Lesson.objects.filter(initiative__in=demo).count(),
        "benefits": benefits["benefits"],
        "measurements": benefits["measurements"],
        "goals": goals["goals"],
        "alignments": goals["alignments"],
    }
