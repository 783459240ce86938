"""An evaluation set for the geocoder, generated from the real address objects of an extract.

Used by the tests (``tests/test_geocode_accuracy.py``) and ``bench/geocode.py``. The OSM
addresses are read here independently of :mod:`geodata.geocode` (own pyosmium pass; the
reference geometry of a building is its polygon), then written the ways people type them:
abbreviations (``Str.``), umlauts as ``ae``/``ss``, lower/upper case, hyphens as spaces,
suffix spacing (``12 A``), missing postcode or town, ``D-`` postcodes, stray punctuation,
``c/o`` lines, districts (``OT``), and typos in long street names.

Addresses that do not exist are generated too: numbers past the end of a street, real
addresses with a town or postcode of another city, garbage, and common street names the
extract does not hold (many resemble one it does: "Rosenweg" / Rosenstraße).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["COMMON_STREET_NAMES", "OsmAddress", "TypedCase", "absent_street_cases", "distance_m",
           "SHORT_FORMS", "home_town", "nonexistent_cases", "read_osm_addresses", "read_street_names",
           "typed_cases"]


@dataclass(frozen=True)
class OsmAddress:
    street: str
    housenumber: str
    postcode: str
    city: str
    suburb: str
    lon: float
    lat: float
    polygon: object | None  # shapely polygon of a building, else None
    osm: str


@dataclass(frozen=True)
class TypedCase:
    text: str
    variant: str
    truth: OsmAddress | None  # None for addresses that do not exist


def read_osm_addresses(path: str | Path) -> list[OsmAddress]:
    """Every OSM object with ``addr:street`` and ``addr:housenumber`` (nodes and ways)."""
    import osmium
    import shapely

    out: list[OsmAddress] = []
    fp = osmium.FileProcessor(str(path)).with_locations()
    for obj in fp:
        if obj.is_relation():
            continue
        t = obj.tags
        if "addr:street" not in t or "addr:housenumber" not in t:
            continue
        common = dict(street=t["addr:street"], housenumber=t["addr:housenumber"],
                      postcode=t.get("addr:postcode", ""), city=t.get("addr:city", ""),
                      suburb=t.get("addr:suburb", ""))
        if obj.is_node():
            if obj.location.valid():
                out.append(OsmAddress(**common, lon=obj.location.lon, lat=obj.location.lat,
                                      polygon=None, osm=f"n{obj.id}"))
            continue
        pts = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
        if not pts:
            continue
        poly = None
        if len(pts) >= 4 and obj.nodes[0].ref == obj.nodes[-1].ref:
            poly = shapely.make_valid(shapely.Polygon(pts))
        c = np.mean(np.array(pts), axis=0)
        out.append(OsmAddress(**common, lon=float(c[0]), lat=float(c[1]), polygon=poly,
                              osm=f"w{obj.id}"))
    return out


def distance_m(a: OsmAddress, lon: float, lat: float) -> float:
    """Metres from a result point to the OSM object (0 inside its building polygon)."""
    import shapely

    k = 111_320.0 * np.cos(np.radians(a.lat))
    if a.polygon is not None:
        d_deg = shapely.distance(a.polygon, shapely.Point(lon, lat))
        if d_deg == 0:
            return 0.0
        # nearest point on the polygon boundary, then metric distance
        q = shapely.shortest_line(a.polygon, shapely.Point(lon, lat)).coords[0]
        q = shapely.Point(q)
        return float(np.hypot((q.x - lon) * k, (q.y - lat) * 110_574.0))
    return float(np.hypot((a.lon - lon) * k, (a.lat - lat) * 110_574.0))


_UML = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def _abbrev(street: str, rng: random.Random) -> str:
    form = rng.choice(["Str.", "str.", "Str", "Strasse", "strasse"])
    s = re.sub(r"([Ss])traße\b", lambda m: ("S" if m.group(1) == "S" else "s") + form[1:]
               if form[0] in "Ss" else form, street)
    if s == street:
        s = re.sub(r"straße\b", form.lower(), street)
    return s


def _typo(street: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(street) if ch.isalpha()]
    if len(letters) < 8:
        return street
    i = rng.choice(letters[2:-2])
    op = rng.choice(["swap", "drop", "double", "replace"])
    if op == "swap" and street[i + 1].isalpha():
        return street[:i] + street[i + 1] + street[i] + street[i + 2:]
    if op == "drop":
        return street[:i] + street[i + 1:]
    if op == "double":
        return street[:i] + street[i] + street[i:]
    vowels = "aeiou"
    ch = street[i]
    if ch.lower() in vowels:
        new = rng.choice([v for v in vowels if v != ch.lower()])
        return street[:i] + new + street[i + 1:]
    return street[:i] + street[i] + street[i:]


def _number(hn: str, rng: random.Random) -> str:
    m = re.fullmatch(r"(\d+)\s*([a-zA-Z])", hn)
    if m:
        return rng.choice([f"{m.group(1)}{m.group(2).lower()}", f"{m.group(1)} {m.group(2).upper()}",
                           f"{m.group(1)}{m.group(2).upper()}", f"{m.group(1)} {m.group(2).lower()}"])
    return hn


VARIANTS = (
    "canonical", "lower", "upper", "abbrev", "umlaut", "spaces", "no_postcode", "no_town",
    "street_only", "typo", "d_prefix", "noise", "co_line", "district", "no_comma", "mixed",
)


def typed_cases(addresses: list[OsmAddress], *, per_address: int = 3, seed: int = 7,
                street_names: set[str] | None = None) -> list[TypedCase]:
    """Typed variants of real addresses (``per_address`` random variants each), and one
    short form (:data:`SHORT_FORMS`) of each address whose street has one; not a short
    form that is a street of its own (of ``street_names``, the extract's named ways)."""
    rng = random.Random(seed)
    short_rng = random.Random(seed + 1)
    streets = {a.street for a in addresses} | (street_names or set())
    cases: list[TypedCase] = []
    for a in addresses:
        for variant in rng.sample(VARIANTS, per_address):
            text = _render(a, variant, rng)
            if variant == "typo" and _replaced_letter(a.street, text):
                # a letter replaced by another ("Breitonstraße"): the geocoder cannot
                # tell it from another street that looks alike ("Eichenweg" for
                # "Eschenweg"), so it is not found but offered first (own variant)
                variant = "typo_letter"
            cases.append(TypedCase(text, variant, a))
        # the short forms of case-management exports, where the street allows one (own
        # random source: the sample above stays as it was)
        # (not when the short form is a street of its own: "Kurpark" beside "Am Kurpark")
        forms = [(v, t) for v in SHORT_FORMS
                 if (t := _short_form(a.street, v, short_rng)) and t not in streets]
        if forms:
            variant, street = short_rng.choice(forms)
            cases.append(TypedCase(_render(a, "canonical", short_rng).replace(a.street, street, 1),
                                   variant, a))
    return cases


#: Short forms of a street name typed by case-management exports (review 20b): a leading
#: article or preposition left out ("Weinberg" for "Am Weinberg"), a given name cut off
#: with a dot ("Heinr.-von-Stephan-Str."), "d." for "der" ("An d. Haune"), "ß" as "s"/"sz".
SHORT_FORMS = ("no_article", "abbrev_given", "der_abbrev", "sharp_s")
_LEADING = re.compile(
    r"(?:(?:Am|Im|An|Auf|In|Zum|Zur|Beim|Hinter|Unter|Vor|Über|Neben)\s+"
    r"(?:(?:der|die|das|den|dem)\s+)?|(?:Der|Die|Das)\s+)(?=\w{4})")
_GIVEN = re.compile(r"([A-ZÄÖÜ][a-zäöüß]{3,})-(?=[A-ZÄÖÜa-z][\w-]*-)")


def _short_form(street: str, variant: str, rng: random.Random) -> str:
    """``street`` in the short form ``variant``; "" when it has none."""
    if variant == "no_article":
        m = _LEADING.match(street)
        return street[m.end():] if m else ""
    if variant == "abbrev_given":
        m = _GIVEN.match(street)
        if not m or street.startswith(("Am-", "Im-", "An-", "Zum-", "Zur-", "Auf-", "In-")):
            return ""
        cut = rng.choice([n for n in (1, 3, 4) if n < len(m[1]) - 1])
        return m[1][:cut] + ".-" + street[m.end():]
    if variant == "der_abbrev":
        return street.replace(" der ", " d. ", 1) if " der " in street else ""
    if variant == "sharp_s":
        return street.replace("ß", rng.choice(["s", "sz"]), 1) if "ß" in street.replace(
            "straße", "").replace("Straße", "") else ""
    raise ValueError(variant)


def _replaced_letter(street: str, text: str) -> bool:
    """Whether ``text`` starts with ``street`` typed with one letter replaced."""
    typed = text[: len(street)]
    diff = [i for i, (x, y) in enumerate(zip(street, typed, strict=True)) if x != y]
    return len(diff) == 1 and (len(text) == len(street) or not text[len(street)].isalpha())


def _render(a: OsmAddress, variant: str, rng: random.Random) -> str:
    street, hn = a.street, _number(a.housenumber, rng)
    pc, town = a.postcode, a.city
    sep = ", "
    if variant == "lower":
        return f"{street} {hn}, {pc} {town}".lower().strip(", ")
    if variant == "upper":
        return f"{street} {hn}, {pc} {town}".upper().strip(", ")
    if variant == "abbrev":
        street = _abbrev(street, rng)
    elif variant == "umlaut":
        street, town = street.translate(_UML), town.translate(_UML)
    elif variant == "spaces":
        street = street.replace("-", " ")
    elif variant == "no_postcode":
        pc = ""
    elif variant == "no_town":
        town = ""
    elif variant == "street_only":
        pc = town = ""
    elif variant == "typo":
        street = _typo(street, rng)
    elif variant == "d_prefix":
        pc = f"D-{pc}" if pc else ""
    elif variant == "noise":
        return f"  {street}  {hn} ,, {pc}  {town}. ".replace(" ,,  ", " ,, ")
    elif variant == "co_line":
        return f"c/o Familie Muster, {street} {hn}, {pc} {town}".strip(", ")
    elif variant == "district":
        if a.suburb and town and a.suburb != town:
            town = rng.choice([f"{town} OT {a.suburb}", f"{town}-{a.suburb}"])
    elif variant == "no_comma":
        sep = " "
    elif variant == "mixed":
        street = _abbrev(street, rng).translate(_UML).replace("-", " ").lower()
        town = town.lower()
    tail = " ".join(p for p in (pc, town) if p)
    head = f"{street} {hn}"
    return f"{head}{sep}{tail}" if tail else head


#: Common German street names (QA 20c): those an extract does not hold are typed with a
#: house number as addresses that do not exist there (``absent_street``). Many resemble a
#: street that is there ("Rosenweg" / Rosenstraße, "Eichenweg" / Eschenweg, "Dorfstraße"
#: / Orffstraße) and must not be found at it.
COMMON_STREET_NAMES = tuple("""Hauptstraße|Schulstraße|Gartenstraße|Bahnhofstraße|Dorfstraße|
Bergstraße|Birkenweg|Lindenstraße|Kirchstraße|Waldstraße|Ringstraße|Schillerstraße|Goethestraße|
Mühlenweg|Wiesenweg|Jahnstraße|Amselweg|Rosenweg|Buchenweg|Lessingstraße|Friedhofstraße|
Mozartstraße|Eichendorffstraße|Beethovenstraße|Uhlandstraße|Kantstraße|Heinestraße|Mittelstraße|
Feldstraße|Lerchenweg|Blumenstraße|Drosselweg|Finkenweg|Industriestraße|Poststraße|Marktstraße|
Tulpenweg|Kastanienallee|Ahornweg|Eichenweg|Fichtenweg|Tannenweg|Meisenweg|Rathausstraße|
Sonnenstraße|Talstraße|Brunnenstraße|Burgstraße|Parkstraße|Wilhelmstraße|Friedrichstraße|
Kaiserstraße|Luisenstraße|Bismarckstraße|Moltkestraße|Körnerstraße|Hebelstraße|Lutherstraße|
Steinweg|Mühlstraße|Weinbergstraße|Sudetenstraße|Schlesierstraße|Danziger Straße|Berliner Straße|
Hamburger Straße|Frankfurter Straße|Kasseler Straße|Fuldaer Straße|Münchener Straße|
Nürnberger Straße|Am Anger|Am Bach|Am Berg|Im Winkel|An der Kirche|Zum Sportplatz|
Kurt-Schumacher-Straße|Karl-Marx-Straße|Robert-Koch-Straße|Albert-Schweitzer-Straße|
Friedrich-Ebert-Straße|Konrad-Adenauer-Straße|Willy-Brandt-Platz|Rudolf-Diesel-Straße|
Otto-Hahn-Straße|Max-Planck-Straße|Theodor-Heuss-Straße|Gutenbergstraße|Röntgenstraße|
Daimlerstraße|Siemensstraße|Am Markt|Marktplatz|Kirchplatz|Schloßstraße|Bachgasse|Neue Straße|
Alte Straße|Lange Straße|Hintergasse|Judengasse|Badstraße|Bäckergasse|Kirchgasse""".replace(
    "\n", "").split("|"))


def read_street_names(path: str | Path) -> set[str]:
    """Every street name of an extract: ``name`` of highways and every ``addr:street``."""
    import osmium

    names: set[str] = set()
    for obj in osmium.FileProcessor(str(path)):
        t = obj.tags
        if "addr:street" in t:
            names.add(t["addr:street"])
        if obj.is_way() and "highway" in t and "name" in t:
            names.add(t["name"])
    return names


def _name_key(name: str) -> str:
    """Own loose key (not the geocoder's): case, umlauts, ß, Str./Straße, punctuation,
    letters typed twice and a Fugen-s do not count."""
    s = name.casefold().translate(_UML).translate(str.maketrans({"ä": "a", "ö": "o", "ü": "u"}))
    s = re.sub(r"str(a(ss|s)e|\.)?\b", "strasse", s)
    s = re.sub(r"[^a-z0-9]", "", s.replace("ae", "a").replace("oe", "o").replace("ue", "u"))
    return re.sub(r"(.)\1+", r"\1", s)


def absent_street_cases(street_names: set[str], home: tuple[str, str]) -> list[TypedCase]:
    """:data:`COMMON_STREET_NAMES` that the extract does not hold (checked against
    ``street_names`` with a loose key), each with numbers 3 and 12, with and without
    ``home`` (postcode, town of the extract)."""
    present = {_name_key(n) for n in street_names}
    tail = " ".join(p for p in home if p)
    cases = []
    for name in COMMON_STREET_NAMES:
        if _name_key(name) in present:
            continue
        for num in ("3", "12"):
            cases.append(TypedCase(f"{name} {num}, {tail}", "absent_street", None))
            cases.append(TypedCase(f"{name} {num}", "absent_street", None))
    return cases


def home_town(addresses: list[OsmAddress]) -> tuple[str, str]:
    """The most common (postcode, town) of the extract's addresses."""
    from collections import Counter

    return Counter((a.postcode, a.city) for a in addresses if a.postcode and a.city
                   ).most_common(1)[0][0]


def nonexistent_cases(addresses: list[OsmAddress], *, other_city: tuple[str, str],
                      seed: int = 11, n: int = 300, street_names: set[str] | None = None,
                      ) -> list[TypedCase]:
    """Addresses that do not exist in the extract: numbers past a street's end, real
    streets in another city (``other_city`` = (postcode, town)), garbage and, given the
    extract's ``street_names``, common street names it does not hold."""
    rng = random.Random(seed)
    by_street: dict[tuple[str, str], list[int]] = {}
    for a in addresses:
        m = re.match(r"\d+", a.housenumber)
        if m:
            by_street.setdefault((a.street, a.postcode or a.city), []).append(int(m.group()))
    cases: list[TypedCase] = []
    streets = sorted(by_street)
    for street, where in rng.sample(streets, min(n, len(streets))):
        top = max(by_street[(street, where)])
        num = top + rng.choice([40, 75, 150, 400, 999])
        tail = " ".join(p for p in (where,) if p)
        cases.append(TypedCase(f"{street} {num}, {tail}".strip(", "), "past_range", None))
    pc, town = other_city
    for a in rng.sample(addresses, min(n, len(addresses))):
        form = rng.choice(["both", "town", "postcode"])
        tail = {"both": f"{pc} {town}", "town": town, "postcode": pc}[form]
        cases.append(TypedCase(f"{a.street} {a.housenumber}, {tail}", f"other_city_{form}", None))
    alphabet = "abcdefghijklmnopqrstuvwxyzäöüß0123456789 ,.-/"
    for _ in range(n):
        k = rng.randint(1, 40)
        cases.append(TypedCase("".join(rng.choice(alphabet) for _ in range(k)), "garbage", None))
    if street_names is not None:
        cases += absent_street_cases(street_names, home_town(addresses))
    return cases
