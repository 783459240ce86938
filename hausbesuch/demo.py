"""A realistic demo: a client list made from real address points of the profile's extract.

The list looks like a case-management export: pseudonymous ids, (invented) names
that stay in the database, real addresses of the town typed the ways people type
them, the months since contact broke off, languages, time windows from announcement
letters, notes, and a few bad rows so that the report shows what happens to them.
Teams get language skills, so that skills matter in the plan.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hausbesuch.safe_cells import write_csv

FIRST = ["Anna", "Mehmet", "Olga", "Jonas", "Fatma", "Lukas", "Svetlana", "Ali", "Marie",
         "Ahmad", "Laura", "Dmitri", "Sophie", "Yusuf", "Elena", "Paul", "Aylin", "Felix",
         "Nadia", "Tim", "Leyla", "Jan", "Irina", "Hasan"]
LAST = ["Müller", "Yılmaz", "Schmidt", "Kaya", "Ivanova", "Fischer", "Haddad", "Weber",
        "Demir", "Becker", "Petrov", "Hoffmann", "Nasser", "Wagner", "Öztürk", "Koch"]
LANGUAGES = ["Türkisch", "Arabisch", "Russisch", "Englisch"]
WINDOWS = ["Di 10-12", "Mo-Fr 14-16", "Mi 9-11", "Do 13:30-16", "Mo, Mi 9:30-11:30",
           "Fr 10-13"]
NOTES = ["Brief verschickt", "Klingel defekt, bitte klopfen", "Hinterhaus", "3. OG links",
         "Hund im Haus", "Bitte Nachricht hinterlassen", "Termin telefonisch bestätigt"]

HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit",
          "Sprache", "Zeitfenster", "Angekündigt ab", "Besuchsdauer", "Notiz"]


@dataclass(frozen=True)
class DemoFiles:
    clients: Path
    teams: Path
    n_rows: int
    n_bad: int


def _typed_street(street: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.15 and street.endswith("straße"):
        return street[: -len("straße")] + "str."
    if r < 0.22:
        return street.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    if r < 0.27:
        return street.lower()
    return street


def real_addresses(
    index: Any, near: tuple[float, float] | None = None, at_least: int = 0
) -> list[tuple[str, str, str, str]]:
    """Distinct, unambiguous (street, number, postcode, town) of the index's address objects.

    With ``near`` (lon, lat): only the ``at_least`` addresses closest to that point (a
    compact area that walking teams can cover, as a real team's district is).
    """
    first: dict[tuple[str, str], int] = {}
    ambiguous: set[tuple[str, str]] = set()
    for k, (street, hn) in enumerate(zip(index.e_street, index.e_hn, strict=True)):
        key = (street, hn)
        if key not in first:
            first[key] = k
        elif math.dist(index.e_xy[first[key]], index.e_xy[k]) > 30.0:
            ambiguous.add(key)  # the same address on two OSM objects far apart: skip it
    out = []
    dist = []
    if near is not None:
        x0, y0 = index.proj.xy(near[0], near[1])
    for key, k in first.items():
        street, hn = key
        if not street or not hn or not any(ch.isdigit() for ch in hn) or key in ambiguous:
            continue
        out.append((street, hn, index.e_postcode[k], index.e_city[k]))
        if near is not None:
            x, y = index.e_xy[k]
            dist.append(math.hypot(x - x0, y - y0))
    if near is not None and at_least and len(out) > at_least:
        order = sorted(range(len(out)), key=lambda i: dist[i])[:at_least]
        out = [out[i] for i in order]
    out.sort()
    return out


#: A house number of one house: digits, maybe a letter („12“, „7a“, „7 A“).
ONE_HOUSE = re.compile(r"\d+ ?[A-Za-z]?")


def make_demo_files(
    index: Any,
    out_dir: Path,
    *,
    start: date,
    n_clients: int = 80,
    seed: int = 7,
    town: str = "",
    near: tuple[float, float] | None = None,
) -> DemoFiles:
    """Write ``kunden.csv`` (n_clients valid rows plus bad ones) and ``teams.toml``.

    ``near`` (lon, lat), usually the depot: clients are drawn from the addresses around it.
    """
    rng = random.Random(seed)
    # one house each, as a client lives at: not OSM's ranges and lists of numbers on one
    # building („8;10“, „30-31“: QA 40 F6), which a real list does not hold
    addresses = [a for a in real_addresses(index, near, at_least=6 * n_clients)
                 if ONE_HOUSE.fullmatch(a[1])]
    if len(addresses) < n_clients + 5:
        from hausbesuch.errors import UserError

        raise UserError(
            f"Der OSM-Auszug enthält nur {len(addresses)} Adressen; für die Demo werden "
            f"mindestens {n_clients + 5} gebraucht."
        )
    picked = rng.sample(addresses, n_clients + 1)
    rows: list[list[str]] = []
    for i, (street, hn, pc, city) in enumerate(picked[:n_clients]):
        months = rng.randint(6, 36)
        since = start - timedelta(days=30 * months + rng.randint(0, 27))
        lang = rng.choice(LANGUAGES) if rng.random() < 0.15 else ""
        window = rng.choice(WINDOWS) if rng.random() < 0.2 else ""
        letter = (start - timedelta(days=rng.randint(0, 10))) if rng.random() < 0.4 else None
        if letter is not None and rng.random() < 0.15:
            letter = start + timedelta(days=rng.randint(1, 3))  # visits only after the letter
        duration = rng.choice(["", "", "", "30", "60"])
        note = rng.choice(NOTES) if rng.random() < 0.3 else ""
        rows.append([
            f"K-{100001 + i}",
            f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            _typed_street(street, rng),
            hn if rng.random() > 0.1 else hn.replace(hn.rstrip("abcdefgh"), hn.rstrip("abcdefgh") + " "),
            pc if rng.random() > 0.1 else "",
            city or town,
            since.strftime("%d.%m.%Y"),
            lang,
            window,
            letter.strftime("%d.%m.%Y") if letter else "",
            duration,
            note,
        ])
    # A hostile note: must be shown as text, never run.
    rows[3][11] = "<script>window.__xss = 1</script> Bitte klingeln"
    bad = [
        ["K-900001", "Ohne Adresse", "", "", "", "", "01.03.2025", "", "", "", "", ""],
        ["K-900002", "Unbekannte Straße", "Nirgendwoweg", "7", "", town, "01.03.2025",
         "", "", "", "", ""],
        ["K-900003", "Falsches Datum", picked[-1][0], picked[-1][1], picked[-1][2], town,
         "31.02.2025", "", "", "", "", ""],
        [rows[0][0], "Doppelte Nummer", picked[-1][0], picked[-1][1], picked[-1][2], town,
         "01.03.2025", "", "", "", "", ""],
    ]
    for k, row in enumerate(bad):
        rows.insert(10 + 15 * k, row)
    out_dir.mkdir(parents=True, exist_ok=True)
    clients = out_dir / "kunden.csv"
    with open(clients, "w", encoding="utf-8-sig", newline="") as fh:
        write_csv(fh, HEADER, rows, delimiter=";")
    teams = out_dir / "teams.toml"
    teams.write_text(
        "# Demo-Teams: je zwei Fachkräfte, zu Fuß, 8-16 Uhr, 30 Min. Mittagspause zwischen\n"
        "# 12 und 13:30 Uhr; Start und Ende am Standort des Profils.\n"
        '[defaults]\nschicht = "8:00-16:00"\nmittag = "12:00-13:30"\nmittag_dauer = 30\n'
        'modus = "walk"\n\n'
        '[[team]]\nid = "team-nord"\nmitglieder = ["A. Becker", "M. Kaya"]\n'
        'sprachen = ["Türkisch", "Englisch"]\n\n'
        '[[team]]\nid = "team-sued"\nmitglieder = ["S. Weber", "N. Haddad"]\n'
        'sprachen = ["Arabisch", "Russisch"]\n',
        encoding="utf-8",
    )
    return DemoFiles(clients=clients, teams=teams, n_rows=len(rows), n_bad=len(bad))
