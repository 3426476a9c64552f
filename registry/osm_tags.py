"""OpenStreetMap surveillance tags <-> Sightline's normalised camera fields.

Both directions live here so that they stay each other's inverse:

- `tags_to_fields(tags)` reads raw tags into normalised fields. A value it
  does not understand never costs the feature: the field stays empty and the
  problem is reported, while the raw tag is kept by the caller.
- `fields_to_tags(fields, raw_tags=...)` writes tags back. Where a raw tag
  still means what the field holds, the raw spelling is kept (`N`, `338-23`,
  `5 m`), so exports do not churn other people's OSM data; otherwise the
  canonical spelling is written.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import date

from .models.choices import CameraType, Kind, Mount, Visibility, Zone

CARDINAL_NAMES = [
    "N",
    "NNE",
    "NE",
    "ENE",
    "E",
    "ESE",
    "SE",
    "SSE",
    "S",
    "SSW",
    "SW",
    "WSW",
    "W",
    "WNW",
    "NW",
    "NNW",
]
CARDINALS = {name: index * 22.5 for index, name in enumerate(CARDINAL_NAMES)}
# Compass points in words, as mappers and open-data lists write them: `north`,
# `south-east`, `southeast`, `south east`, `north-north-east` (read as NNE).
_COMPASS_WORD = re.compile(r"north|south|east|west")
_WORD_GAPS = re.compile(r"[\s_-]+")
# Road-bound abbreviations and words of traffic lists (`NB`, `southbound`)
# name the traffic a device watches: NB the lanes heading north. OSM's
# `direction` is the way the lens points, and which way that is depends on
# the plates read: a reader of rear plates looks along the traffic (north
# for NB), one of front plates against it (south). Sightline reads NB as
# north: DeFlock's data, which holds most mapped ALPRs, is mostly Flock
# Safety readers (17 and 19 of the 25 records of each sample), which are
# installed to read rear plates (many US states issue none at the front), and
# "northbound" heading north is the word's plain sense. Either reading puts
# the field of view along the same road; the raw value stays in the tags for
# a moderator who knows the device.
TRAFFIC_BOUND = {"nb": "N", "sb": "S", "eb": "E", "wb": "W"}

# OSM keys, most authoritative first.
DIRECTION_KEYS = ("camera:direction", "direction")
VENDOR_KEYS = ("manufacturer", "surveillance:manufacturer", "brand", "surveillance:brand")
OPERATOR_KEYS = ("operator",)
CONFIRMED_KEYS = ("check_date", "survey:date")
# Keys dating a device: when it was put up, or seen on the ground; the earliest
# bounds when it was first seen.
SIGHTING_KEYS = ("start_date", *CONFIRMED_KEYS)

# Spellings that unambiguously mean an OSM value; everything else must match a
# value case-insensitively or it is reported as unrecognised.
SYNONYMS = {
    "kind": {"alpr": Kind.ALPR, "anpr": Kind.ALPR},
    "camera_type": {"ptz": CameraType.PANNING, "360": CameraType.PANORAMA},
    "mount": {"traffic_signal": Mount.TRAFFIC_SIGNALS, "ceilling": Mount.CEILING},
    "visibility": {},
    "zone": {},
}

CHOICE_FIELDS = {
    "kind": ("surveillance:type", Kind),
    "visibility": ("surveillance", Visibility),
    "zone": ("surveillance:zone", Zone),
    "camera_type": ("camera:type", CameraType),
    "mount": ("camera:mount", Mount),
}

FEET_IN_METRES = 0.3048
_NUMBER = r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)"
_HEIGHT_RE = re.compile(
    rf"^\s*(?P<value>{_NUMBER})\s*(?P<unit>m|metres?|meters?|ft|feet|foot|'|′)?\s*$",
    re.IGNORECASE,
)
_FEET_INCHES_RE = re.compile(
    r"^\s*(?P<feet>\d+)\s*['′]\s*(?P<inches>\d+(?:\.\d+)?)\s*(?:\"|″)\s*$"
)
_ANGLE_RE = re.compile(rf"^\s*(?P<value>{_NUMBER})\s*°?\s*$")
_DATE_RE = re.compile(
    r"^\s*(?:(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?"
    r"|(?P<cyear>\d{4})(?P<cmonth>\d{2})(?P<cday>\d{2}))\s*$"
)
_WIKIDATA_RE = re.compile(r"Q[1-9]\d*")


class TagValueError(ValueError):
    """A tag value that cannot be read; the message says why."""


@dataclass(frozen=True)
class TagProblem:
    key: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}={self.value!r}: {self.message}"


@dataclass
class CameraFields:
    """The normalised fields that OSM tags carry."""

    kind: str = ""
    visibility: str = ""
    zone: str = ""
    camera_type: str = ""
    mount: str = ""
    directions: list[float] = field(default_factory=list)
    tilt: float | None = None
    height: float | None = None
    vendor_raw: str = ""
    vendor_wikidata: str = ""
    product: str = ""
    operator_raw: str = ""
    operator_wikidata: str = ""
    last_confirmed: date | None = None

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclass_fields(self)}


@dataclass
class ParsedTags:
    fields: CameraFields
    problems: list[TagProblem]


# ---------------------------------------------------------------- values


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _compass_point(token: str) -> float | None:
    """A 16-point cardinal (`NE`, `ne`), a compass point in words (`north
    east`, `south-east`, `southeast`) or a road-bound one (`NB`,
    `northbound`, see TRAFFIC_BOUND); None for anything else."""
    cardinal = CARDINALS.get(token.upper())
    if cardinal is not None:
        return cardinal
    text = _WORD_GAPS.sub("", token.lower())
    if text in TRAFFIC_BOUND:
        return CARDINALS[TRAFFIC_BOUND[text]]
    text = text.removesuffix("bound")
    words = _COMPASS_WORD.findall(text)
    if not words or "".join(words) != text:
        return None
    return CARDINALS.get("".join(word[0] for word in words).upper())


def _bearing(token: str) -> float:
    """Degrees or a compass point. Negative degrees (-90) are read
    counter-clockwise from north, as mappers who write them mean (-90 = 270)."""
    token = token.strip()
    point = _compass_point(token)
    if point is not None:
        return point
    try:
        value = float(token.rstrip("°").strip())
    except ValueError:
        raise TagValueError(f"{token!r} is neither degrees nor a compass point") from None
    if not -360 <= value <= 360 or not math.isfinite(value):
        raise TagValueError(f"{token!r} is outside 0-360 degrees")
    return value + 360 if value < 0 else value


def _range_middle(start: float, end: float) -> float:
    """The middle of the clockwise sweep from start to end: 338-23 faces 0.5."""
    width = (end - start) % 360
    return round((start + width / 2) % 360, 6)


def parse_directions(value: str) -> list[float]:
    """`90`, `N`, `338-23`, `90;180`, `NE; 270`, `0, 90`, `south-east`, `NB`
    -> degrees, in order. Commas separate values too: OSM writes decimals with
    a point, and every comma in the wild data separates directions."""
    directions = []
    for token in re.split(r"[;,]", value):
        token = token.strip()
        if not token:
            continue
        # `south-east` is one compass point, not the range from south to east.
        point = _compass_point(token)
        if point is not None:
            directions.append(point)
            continue
        # A range is two bearings joined by a dash; a lone leading minus is a
        # negative number.
        parts = token.split("-")
        if len(parts) == 2 and parts[0].strip() and parts[1].strip():
            directions.append(_range_middle(_bearing(parts[0]), _bearing(parts[1])))
        else:
            directions.append(_bearing(token))
    if not directions:
        raise TagValueError("no direction given")
    return directions


def parse_height(value: str) -> float:
    """`5`, `5 m`, `5.5m`, `16 ft`, `16'`, `12'6"` -> metres."""
    match = _FEET_INCHES_RE.match(value)
    if match:
        feet = int(match["feet"]) + float(match["inches"]) / 12
        return round(feet * FEET_IN_METRES, 3)
    match = _HEIGHT_RE.match(value)
    if not match:
        raise TagValueError("not a height (a number of metres, optionally with a unit)")
    height = _number(match["value"])
    if not math.isfinite(height):
        raise TagValueError("not a finite number")
    if height < 0:
        raise TagValueError("a height cannot be negative")
    unit = (match["unit"] or "m").lower()
    if unit in {"ft", "feet", "foot", "'", "′"}:
        height = round(height * FEET_IN_METRES, 3)
    return height


def parse_tilt(value: str) -> float:
    """`camera:angle`: degrees below horizontal, -90..90."""
    match = _ANGLE_RE.match(value)
    if not match:
        raise TagValueError("not an angle in degrees")
    angle = _number(match["value"])
    if not -90 <= angle <= 90:
        raise TagValueError("an angle below horizontal must be within -90..90 degrees")
    return angle


def parse_date(value: str) -> date:
    """`2024-05-17`, `2024-5-7`, `20240517`, `2024-05`, `2024` -> a date (the
    first day of the period)."""
    match = _DATE_RE.match(value)
    if not match:
        raise TagValueError("not a date (YYYY-MM-DD, YYYY-MM or YYYY)")
    year, month, day = (
        (match["year"], match["month"], match["day"])
        if match["year"]
        else (match["cyear"], match["cmonth"], match["cday"])
    )
    try:
        return date(int(year), int(month or 1), int(day or 1))
    except ValueError as error:
        raise TagValueError(f"not a real date ({error})") from None


def _choice_lookup(field_name: str) -> dict[str, str]:
    _key, choices = CHOICE_FIELDS[field_name]
    lookup = {choice.value.lower(): choice.value for choice in choices}
    lookup.update({spelling: str(value) for spelling, value in SYNONYMS[field_name].items()})
    return lookup


# Built once: parse_choice runs for every tag of every imported feature.
CHOICE_LOOKUPS = {field_name: _choice_lookup(field_name) for field_name in CHOICE_FIELDS}


def parse_choice(field_name: str, value: str) -> str:
    """The first value of a `;` list that means one of the field's OSM values."""
    lookup = CHOICE_LOOKUPS[field_name]
    for token in value.split(";"):
        known = lookup.get(token.strip().lower())
        if known is not None:
            return known
    _key, choices = CHOICE_FIELDS[field_name]
    raise TagValueError(f"not a known value (known: {', '.join(choices.values)})")


CHOICE_PARSERS = {
    field_name: functools.partial(parse_choice, field_name) for field_name in CHOICE_FIELDS
}


def format_number(value: float) -> str:
    """90.0 -> `90`, 0.5 -> `0.5`: how OSM writes numbers."""
    return f"{value:.6f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def format_directions(directions: list[float]) -> str:
    return ";".join(format_number(direction) for direction in directions)


# ---------------------------------------------------------------- tags -> fields


def _first_present(tags: Mapping[str, str], keys: tuple[str, ...]) -> tuple[str, str] | None:
    for key in keys:
        value = str(tags.get(key, "")).strip()
        if value:
            return key, value
    return None


def _valid_wikidata(tags: Mapping[str, str], key: str) -> str:
    value = str(tags.get(f"{key}:wikidata", "")).strip()
    return value if _WIKIDATA_RE.fullmatch(value) else ""


def _wikidata_for(tags: Mapping[str, str], keys: tuple[str, ...], preferred: str) -> str:
    """The Wikidata id beside the key the name came from, else beside any other."""
    for key in (preferred, *keys):
        value = _valid_wikidata(tags, key)
        if value:
            return value
    return ""


def _read(tags, key, parser, problems):
    value = str(tags.get(key, "")).strip()
    if not value:
        return None
    try:
        return parser(value)
    except TagValueError as error:
        problems.append(TagProblem(key, value, str(error)))
        return None


def tags_to_fields(tags: Mapping[str, str]) -> ParsedTags:
    problems: list[TagProblem] = []
    parsed = CameraFields()
    for field_name, (key, _choices) in CHOICE_FIELDS.items():
        value = _read(tags, key, CHOICE_PARSERS[field_name], problems)
        setattr(parsed, field_name, value or "")

    parsed.directions = read_directions(tags, problems)
    parsed.tilt = _read(tags, "camera:angle", parse_tilt, problems)
    parsed.height = _read(tags, "height", parse_height, problems)

    vendor = _first_present(tags, VENDOR_KEYS)
    if vendor:
        parsed.vendor_raw = vendor[1]
    parsed.vendor_wikidata = _wikidata_for(tags, VENDOR_KEYS, vendor[0] if vendor else "")
    parsed.product = str(tags.get("model", "")).strip()
    operator = _first_present(tags, OPERATOR_KEYS)
    if operator:
        parsed.operator_raw = operator[1]
    parsed.operator_wikidata = _wikidata_for(tags, OPERATOR_KEYS, "operator")

    parsed.last_confirmed = newest_confirmation(tags, problems)
    return ParsedTags(parsed, problems)


# Every key tags_to_fields reads (wikidata ids sit beside the name keys, and
# beside no key at all as plain `:wikidata`). Two tag sets that agree on these
# parse to the same fields, which lets bulk imports parse each distinct
# combination once.
READ_KEYS = (
    *(key for key, _choices in CHOICE_FIELDS.values()),
    *DIRECTION_KEYS,
    "camera:angle",
    "height",
    *VENDOR_KEYS,
    *OPERATOR_KEYS,
    "model",
    *CONFIRMED_KEYS,
    *(f"{key}:wikidata" for key in ("", *VENDOR_KEYS, *OPERATOR_KEYS)),
)


def read_directions(tags: Mapping[str, str], problems: list[TagProblem]) -> list[float]:
    """The directions of the most authoritative direction key that can be
    read: an unreadable `camera:direction` (`both`) is reported, and a valid
    `direction` beside it read instead."""
    for key in DIRECTION_KEYS:
        directions = _read(tags, key, parse_directions, problems)
        if directions:
            return directions
    return []


def direction_key(tags: Mapping[str, str]) -> str:
    """The key a camera's directions are written under: the one they are
    read from, else the one holding something unreadable, else
    `camera:direction`."""
    for key in DIRECTION_KEYS:
        value = str(tags.get(key, "")).strip()
        if value and _means_anything(value, parse_directions):
            return key
    present = _first_present(tags, DIRECTION_KEYS)
    return present[0] if present else DIRECTION_KEYS[0]


def newest_confirmation(tags: Mapping[str, str], problems: list[TagProblem]) -> date | None:
    confirmed = [_read(tags, key, parse_date, problems) for key in CONFIRMED_KEYS]
    return max((day for day in confirmed if day), default=None)


def earliest_sighting(tags: Mapping[str, str], problems: list[TagProblem]) -> date | None:
    """The earliest day the tags date the device: put up (`start_date`, an
    approximate `~2019` read as 2019) or seen (check_date, survey:date, whose
    problems newest_confirmation reports). A day after today is a plan, not
    a sighting."""
    days = [_read(tags, "start_date", _parse_start_date, problems)]
    days += [_read(tags, key, parse_date, []) for key in CONFIRMED_KEYS]
    today = date.today()
    return min((day for day in days if day and day <= today), default=None)


def _parse_start_date(value: str) -> date:
    return parse_date(value.removeprefix("~").strip())


# ---------------------------------------------------------------- fields -> tags


def _means(raw: str | None, parser, wanted) -> bool:
    """Whether a raw tag value still reads as the wanted normalised value."""
    if raw is None or wanted in (None, "", []):
        return False
    try:
        return parser(raw) == wanted
    except TagValueError:
        return False


def _put(tags: dict, key: str, value, canonical: str, parser) -> None:
    """Keep the raw spelling where it still means `value`, else write the
    canonical one; an empty value removes a tag that said something known."""
    raw = tags.get(key)
    if value in (None, "", []):
        if raw is not None and _means_anything(raw, parser):
            del tags[key]
        return
    if not _means(raw, parser, value):
        tags[key] = canonical


def _means_anything(raw: str, parser) -> bool:
    try:
        parser(raw)
    except TagValueError:
        return False
    return True


def _put_name(tags: dict, keys: tuple[str, ...], name: str, wikidata: str) -> None:
    """Write a vendor or operator name where the raw tags had it (a `brand`
    stays a `brand`), else under the first, preferred key; its Wikidata id
    beside it unless the tags already say that id. A cleared name removes
    every key that would still be read as the name, and a cleared id every
    valid id (an invalid one stays, as an unrecognised value)."""
    present = _first_present(tags, keys)
    key = present[0] if present and name else keys[0]
    if name:
        tags[key] = name
    else:
        for other in keys:
            tags.pop(other, None)
    if _wikidata_for(tags, keys, key) == wikidata:
        return
    if wikidata:
        tags[f"{key}:wikidata"] = wikidata
        return
    for other in keys:
        if _valid_wikidata(tags, other):
            del tags[f"{other}:wikidata"]


def fields_to_tags(
    fields: CameraFields, *, raw_tags: Mapping[str, str] | None = None
) -> dict[str, str]:
    tags = {key: str(value) for key, value in (raw_tags or {}).items()}
    if not raw_tags:
        tags["man_made"] = "surveillance"
    for field_name, (key, _choices) in CHOICE_FIELDS.items():
        value = getattr(fields, field_name)
        _put(tags, key, value, value, CHOICE_PARSERS[field_name])

    # Cleared directions: no key may be left that would still be read as one.
    direction_keys = (direction_key(tags),) if fields.directions else DIRECTION_KEYS
    for key in direction_keys:
        _put(
            tags,
            key,
            list(fields.directions),
            format_directions(fields.directions),
            parse_directions,
        )
    tilt = fields.tilt
    _put(tags, "camera:angle", tilt, format_number(tilt) if tilt is not None else "", parse_tilt)
    height = fields.height
    _put(tags, "height", height, format_number(height) if height is not None else "", parse_height)

    _put_name(tags, VENDOR_KEYS, fields.vendor_raw, fields.vendor_wikidata)
    _put_name(tags, OPERATOR_KEYS, fields.operator_raw, fields.operator_wikidata)
    _put(tags, "model", fields.product, fields.product, str.strip)

    confirmed = fields.last_confirmed
    if newest_confirmation(tags, []) != confirmed:
        # Drop a date that would be read back instead: newer, or any if cleared.
        for key in CONFIRMED_KEYS:
            day = _read(tags, key, parse_date, [])
            if day and (confirmed is None or day > confirmed):
                del tags[key]
        if confirmed:
            tags["check_date"] = confirmed.isoformat()
    return tags
