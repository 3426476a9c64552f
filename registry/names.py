"""Resolving the many spellings of a vendor or operator to one record.

`Flock Safety`, `Flock`, `Flock Group Inc.`, `flock safety` and `Flock Safty`
are one vendor. Matching goes, in order: Wikidata id; exact match on a
normalised key (case, accents, punctuation and legal suffixes folded) of the
name or an alias; then a near match within a few edits, accepted only when one
record is clearly closest, so that tolerance never merges two real vendors
(`Axis` and `Axon` stay apart). Anything else is left unmatched and grouped so
a moderator can map a whole group in one action.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from rapidfuzz.distance import Levenshtein

# Trailing words that say what kind of company it is, not which one.
LEGAL_SUFFIXES = {
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "plc",
    "group",
    "holdings",
    "bv",
    "nv",
    "srl",
    "spa",
    "oy",
    "ab",
    "pty",
    "kk",
}
# Keys shorter than this only ever match exactly: one edit in four letters
# turns one real name into another.
MIN_FUZZY_LENGTH = 5
# Initials written with dots are one word: `S.p.A.` -> `SpA`, `N.V.` -> `NV`.
_DOTTED_INITIALS = re.compile(r"\b(?:[^\W\d_]\.)+[^\W\d_]\b\.?")


def name_key(name: str) -> str:
    """`Flock Group, Inc.` -> `flock`; `Axis Communications AB` -> `axis communications`;
    `Leonardo S.p.A.` -> `leonardo`."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.casefold().replace("&", " and ")
    text = _DOTTED_INITIALS.sub(lambda initials: initials[0].replace(".", ""), text)
    words = re.sub(r"[\W_]+", " ", text).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def max_edits() -> int:
    return settings.NAME_MATCH_MAX_EDITS


@dataclass
class NameResolver:
    """An in-memory index of one table's names, aliases and Wikidata ids."""

    by_key: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_wikidata: dict[str, int] = field(default_factory=dict)
    _cache: dict[tuple[str, str], int | None] = field(default_factory=dict)

    @classmethod
    def for_model(cls, model) -> NameResolver:
        resolver = cls()
        for pk, name, aliases, wikidata in model.objects.values_list(
            "pk", "name", "aliases", "wikidata"
        ):
            resolver.add(pk, [name, *aliases], wikidata)
        return resolver

    def add(self, pk: int, names: Iterable[str], wikidata: str = "") -> None:
        for name in names:
            key = name_key(name)
            if key:
                self.by_key[key].add(pk)
        if wikidata:
            self.by_wikidata[wikidata] = pk
        self._cache.clear()

    def resolve(self, name: str, wikidata: str = "") -> int | None:
        cache_key = (name, wikidata)
        if cache_key not in self._cache:
            self._cache[cache_key] = self._resolve(name, wikidata)
        return self._cache[cache_key]

    def _resolve(self, name: str, wikidata: str) -> int | None:
        if wikidata in self.by_wikidata:
            return self.by_wikidata[wikidata]
        key = name_key(name)
        if not key:
            return None
        exact = self.by_key.get(key, set())
        if len(exact) == 1:
            return next(iter(exact))
        if exact:  # the same spelling names two records: a moderator decides
            return None
        return self._near_match(key)

    def _near_match(self, key: str) -> int | None:
        if len(key) < MIN_FUZZY_LENGTH:
            return None
        limit = max_edits()
        distances: dict[int, int] = {}
        for candidate, pks in self.by_key.items():
            if len(candidate) < MIN_FUZZY_LENGTH:
                continue
            distance = Levenshtein.distance(key, candidate, score_cutoff=limit + 1)
            for pk in pks:
                distances[pk] = min(distance, distances.get(pk, distance))
        ranked = sorted(distances.items(), key=lambda item: item[1])
        if not ranked or ranked[0][1] > limit:
            return None
        # Clearly closest: every other record is at least two edits further.
        if len(ranked) > 1 and ranked[1][1] <= ranked[0][1] + 1:
            return None
        return ranked[0][0]


@dataclass
class NameGroup:
    """Unmatched spellings that are probably one organisation."""

    key: str
    spellings: dict[str, int]

    @property
    def label(self) -> str:
        return Counter(self.spellings).most_common(1)[0][0]

    @property
    def cameras(self) -> int:
        return sum(self.spellings.values())


def group_spellings(counts: Iterable[tuple[str, int]]) -> list[NameGroup]:
    """Group raw spellings by normalised key, then join keys a letter apart;
    largest groups first. Groups are found through the strings their keys
    give with up to `max_edits()` letters deleted (two keys within that many
    edits share one): 5,000 groups in 0.1 s, where comparing each key with
    every group took 6 s."""
    by_key: dict[str, dict[str, int]] = defaultdict(dict)
    for spelling, count in counts:
        key = name_key(spelling) or spelling.casefold()
        by_key[key][spelling] = by_key[key].get(spelling, 0) + count
    limit = max_edits()
    groups: list[NameGroup] = []
    by_deletion: dict[str, list[int]] = defaultdict(list)
    for key in sorted(by_key, key=lambda k: -sum(by_key[k].values())):
        home = _near_group(groups, by_deletion, key, limit)
        if home is None:
            groups.append(NameGroup(key, dict(by_key[key])))
            if len(key) >= MIN_FUZZY_LENGTH:
                for variant in _deletions(key, limit):
                    by_deletion[variant].append(len(groups) - 1)
        else:
            for spelling, count in by_key[key].items():
                home.spellings[spelling] = home.spellings.get(spelling, 0) + count
    return sorted(groups, key=lambda group: (-group.cameras, group.key))


def _near_group(
    groups: list[NameGroup], by_deletion: dict[str, list[int]], key: str, limit: int
) -> NameGroup | None:
    """The one group within `limit` edits of `key`, if exactly one is."""
    if len(key) < MIN_FUZZY_LENGTH:
        return None
    candidates = sorted(
        {number for variant in _deletions(key, limit) for number in by_deletion.get(variant, ())}
    )
    close = [
        groups[number]
        for number in candidates
        if Levenshtein.distance(key, groups[number].key, score_cutoff=limit + 1) <= limit
    ]
    return close[0] if len(close) == 1 else None


def _deletions(word: str, edits: int) -> set[str]:
    """`word` with up to `edits` letters deleted, in every way."""
    variants = frontier = {word}
    for _ in range(edits):
        frontier = {text[:at] + text[at + 1 :] for text in frontier for at in range(len(text))}
        variants = variants | frontier
    return variants
