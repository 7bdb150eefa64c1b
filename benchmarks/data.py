"""Synthetic but realistic patients: varied names (with accents), birth dates, cities, phones.

Everything is drawn from a seeded :class:`random.Random`, so two runs load the same data.
"""

import csv
import random
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from prm.application.patients.import_patients import PatientRecord
from prm.application.patients.inputs import ContactPointInput, PatientInput
from prm.application.shared.imports import SourceRef
from prm.domain.shared.contact import Address, AddressUse, ContactPointSystem, ContactPointUse
from prm.domain.shared.person import AdministrativeGender, HumanName

GIVEN_FEMALE = (
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Élodie",
    "Zoë",
    "Anaïs",
    "Chloé",
    "Renée",
    "Sofía",
    "María",
    "Ingrid",
    "Małgorzata",
    "Aoife",
    "Priya",
    "Mei",
    "Fatima",
    "Amara",
    "Olga",
    "Léa",
    "Hélène",
    "Ana",
    "Siobhán",
    "Yuki",
    "Nadia",
    "Grace",
    "Emma",
    "Isabel",
    "Noémie",
    "Bérénice",
)
GIVEN_MALE = (
    "James",
    "Robert",
    "John",
    "Michael",
    "José",
    "François",
    "Björn",
    "Łukasz",
    "Søren",
    "Jürgen",
    "Íñigo",
    "Mohammed",
    "Wei",
    "Arjun",
    "Kwame",
    "Dmitri",
    "Luis",
    "Mateo",
    "Noah",
    "Liam",
    "Oliver",
    "Jérôme",
    "Ciarán",
    "Hiroshi",
    "Omar",
    "Tomás",
    "André",
    "Raúl",
    "Pál",
    "Stéphane",
)
FAMILY = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "García",
    "Miller",
    "Davis",
    "Rodríguez",
    "Martínez",
    "Hernández",
    "López",
    "González",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Pérez",
    "Thompson",
    "White",
    "Harris",
    "Sánchez",
    "Clark",
    "Ramírez",
    "Lewis",
    "Robinson",
    "Müller",
    "Schröder",
    "Groß",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Núñez",
    "Muñoz",
    "Østergaard",
    "Çelik",
    "Kowalski",
    "Wiśniewski",
    "Nguyễn",
    "Trần",
    "Okafor",
    "Adeyemi",
    "Mensah",
    "Kim",
    "Park",
    "Tanaka",
    "Suzuki",
    "Ivanov",
    "Petrov",
    "Rossi",
    "Bianchi",
    "Ferrari",
    "O'Brien",
    "MacDonald",
    "Fitzgerald",
    "Papadopoulos",
    "Björk",
    "Häkkinen",
    "Novák",
    "Dvořák",
    "Horváth",
    "Silva",
    "Santos",
    "Gonçalves",
    "Cohen",
    "Levi",
    "Khan",
    "Patel",
    "Sharma",
    "Gupta",
    "Chen",
    "Wang",
    "Li",
    "Zhang",
    "Haddad",
    "Yilmaz",
)
CITIES = (
    ("Boston", "MA", "021"),
    ("New York", "NY", "100"),
    ("Chicago", "IL", "606"),
    ("San Francisco", "CA", "941"),
    ("Omaha", "NE", "681"),
    ("Lincoln", "NE", "685"),
    ("Seattle", "WA", "981"),
    ("Miami", "FL", "331"),
    ("Houston", "TX", "770"),
    ("Portland", "OR", "972"),
    ("Denver", "CO", "802"),
    ("Austin", "TX", "787"),
    ("San José", "CA", "951"),
    ("Santa Fé", "NM", "875"),
    ("Coeur d'Alène", "ID", "838"),
)
AREA_CODES = ("617", "212", "312", "415", "402", "206", "305", "713", "503", "720")
STREETS = ("Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Park Rd", "Lake View Blvd", "Rue Saint-Denis")


def phone(rng: random.Random) -> str:
    """A valid US number, typed the way people type them."""
    return f"({rng.choice(AREA_CODES)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"


def _person(rng: random.Random) -> tuple[AdministrativeGender, tuple[str, ...], str]:
    female = rng.random() < 0.5
    pool = GIVEN_FEMALE if female else GIVEN_MALE
    given = (rng.choice(pool),) if rng.random() < 0.7 else (rng.choice(pool), rng.choice(pool))
    gender = AdministrativeGender.FEMALE if female else AdministrativeGender.MALE
    if rng.random() < 0.01:
        gender = AdministrativeGender.OTHER
    return gender, given, rng.choice(FAMILY)


def patient_input(rng: random.Random, mrn: str) -> PatientInput:
    gender, given, family = _person(rng)
    city, state, zip3 = rng.choice(CITIES)
    telecom: list[ContactPointInput] = []
    if rng.random() < 0.6:
        telecom.append(ContactPointInput(system=ContactPointSystem.PHONE, value=phone(rng), use=ContactPointUse.MOBILE))
    if rng.random() < 0.3:
        telecom.append(ContactPointInput(system=ContactPointSystem.EMAIL, value=f"{mrn.lower()}@example.org"))
    return PatientInput(
        name=HumanName(given=given, family=family),
        mrn=mrn,
        gender=gender,
        birth_date=date(1930, 1, 1) + timedelta(days=rng.randint(0, 34_000)),
        telecom=tuple(telecom),
        addresses=(
            Address(
                use=AddressUse.HOME,
                line=(f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",),
                city=city,
                state=state,
                postal_code=f"{zip3}{rng.randint(0, 99):02d}",
                country="US",
            ),
        ),
    )


def patient_records(count: int, *, seed: int = 20_240_101) -> Iterator[PatientRecord]:
    """``count`` patients with MRNs ``BENCH0000001``… as import records."""
    rng = random.Random(seed)
    for i in range(1, count + 1):
        yield PatientRecord(source=SourceRef("bench", i + 1), patient=patient_input(rng, f"BENCH{i:07d}"))


def search_prefixes() -> list[str]:
    """Three-letter prefixes of the family names in the data (letters only, so they are words)."""
    return sorted({name[:3] for name in FAMILY if name[:3].isalpha()})


def synthea_source() -> Path:
    """The Synthea ``patients.csv`` to copy rows from: the bundled sample, else the shared data set."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (
        here / "samples" / "synthea" / "patients.csv",
        Path("/work/shared/data/synthea_csv/set_A_unmc_crane_111pt/patients.csv"),
    ):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("no Synthea patients.csv: expected samples/synthea/patients.csv")


def write_synthea_folder(folder: Path, count: int, *, seed: int = 7) -> Path:
    """A Synthea-like export in ``folder`` with ``count`` patients: rows of the sample, each with a
    fresh ``Id``, SSN and varied names. Returns ``folder``."""
    source = synthea_source()
    with source.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    if not rows:
        raise ValueError(f"{source} has no rows")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "patients.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for i in range(count):
            row = dict(rows[i % len(rows)])
            gender, given, family = _person(rng)
            row["Id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            row["FIRST"] = given[0]
            if "MIDDLE" in row:
                row["MIDDLE"] = given[1] if len(given) > 1 else ""
            row["LAST"] = family
            if "GENDER" in row:
                row["GENDER"] = "F" if gender is AdministrativeGender.FEMALE else "M"
            if row.get("SSN"):
                row["SSN"] = f"999-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"
            writer.writerow(row)
    return folder
