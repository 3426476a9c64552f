"""OSM surveillance tags <-> normalised camera fields, in both directions."""

from datetime import date

import pytest

from registry.models.choices import CameraType, Kind, Mount, Visibility, Zone
from registry.osm_tags import (
    CHOICE_FIELDS,
    CameraFields,
    TagProblem,
    TagValueError,
    fields_to_tags,
    parse_choice,
    parse_date,
    parse_directions,
    parse_height,
    parse_tilt,
    tags_to_fields,
)

FLOCK = "Q108485435"
MOTOROLA = "Q634815"
AXIS = "Q2347731"

# ---------------------------------------------------------------- parse_directions


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", [0.0]),
        ("90", [90.0]),
        ("180", [180.0]),
        ("359", [359.0]),
        ("360", [360.0]),
        (" 90 ", [90.0]),
    ],
)
def test_parse_directions_reads_plain_degrees(value, expected):
    assert parse_directions(value) == expected


def test_parse_directions_reads_north_as_a_value_not_as_missing():
    directions = parse_directions("0")
    assert directions == [0.0]
    assert len(directions) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [("22.5", [22.5]), ("337.5", [337.5]), ("0.5", [0.5]), ("90.25", [90.25])],
)
def test_parse_directions_reads_decimal_degrees(value, expected):
    assert parse_directions(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("90°", [90.0]), ("0°", [0.0]), ("22.5°", [22.5]), ("90 °", [90.0])],
)
def test_parse_directions_accepts_a_degree_sign(value, expected):
    assert parse_directions(value) == expected


CARDINAL_TABLE = [
    ("N", 0.0),
    ("NNE", 22.5),
    ("NE", 45.0),
    ("ENE", 67.5),
    ("E", 90.0),
    ("ESE", 112.5),
    ("SE", 135.0),
    ("SSE", 157.5),
    ("S", 180.0),
    ("SSW", 202.5),
    ("SW", 225.0),
    ("WSW", 247.5),
    ("W", 270.0),
    ("WNW", 292.5),
    ("NW", 315.0),
    ("NNW", 337.5),
]


@pytest.mark.parametrize(("value", "expected"), CARDINAL_TABLE)
def test_parse_directions_reads_all_16_cardinals(value, expected):
    assert parse_directions(value) == [expected]


@pytest.mark.parametrize(("value", "expected"), CARDINAL_TABLE)
def test_parse_directions_reads_lower_case_cardinals(value, expected):
    assert parse_directions(value.lower()) == [expected]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("338-23", [0.5]),
        ("90-180", [135.0]),
        ("0-90", [45.0]),
        ("350-10", [0.0]),
        ("270-90", [0.0]),
        ("90-270", [180.0]),
        ("180-90", [315.0]),
    ],
)
def test_parse_directions_reads_a_range_as_the_middle_of_its_clockwise_sweep(value, expected):
    assert parse_directions(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("N-E", [45.0]), ("NW-NE", [0.0]), ("s-w", [225.0]), ("E-N", [225.0]), ("N-90", [45.0])],
)
def test_parse_directions_reads_ranges_of_cardinals(value, expected):
    assert parse_directions(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(" 338 - 23 ", [0.5]), ("90 - 180", [135.0]), ("N - E", [45.0])],
)
def test_parse_directions_reads_ranges_with_spaces(value, expected):
    assert parse_directions(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("90;180", [90.0, 180.0]),
        ("90; 180", [90.0, 180.0]),
        ("0;90;180;270", [0.0, 90.0, 180.0, 270.0]),
        ("180;90", [180.0, 90.0]),
        ("90;", [90.0]),
    ],
)
def test_parse_directions_reads_semicolon_lists_in_order(value, expected):
    assert parse_directions(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0, 90,180,270", [0.0, 90.0, 180.0, 270.0]),
        ("90,180", [90.0, 180.0]),
        ("NE, 270", [45.0, 270.0]),
    ],
)
def test_parse_directions_reads_comma_lists(value, expected):
    assert parse_directions(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("-90", [270.0]), ("-45", [315.0]), ("-360", [0.0]), ("-22.5°", [337.5])],
)
def test_parse_directions_reads_negative_degrees_counter_clockwise_from_north(value, expected):
    assert parse_directions(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("N;90;338-23", [0.0, 90.0, 0.5]),
        ("NE; 270", [45.0, 270.0]),
        ("-90;N-E", [270.0, 45.0]),
    ],
)
def test_parse_directions_reads_mixed_lists(value, expected):
    assert parse_directions(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("north", [0.0]),
        ("South", [180.0]),
        ("EAST", [90.0]),
        ("west", [270.0]),
        ("south-east", [135.0]),
        ("southeast", [135.0]),
        ("south east", [135.0]),
        ("South_East", [135.0]),
        ("north-west", [315.0]),
        ("north-north-east", [22.5]),
        ("west south west", [247.5]),
        ("north; south-east", [0.0, 135.0]),
    ],
)
def test_parse_directions_reads_compass_points_in_english_words(value, expected):
    assert parse_directions(value) == expected


def test_parse_directions_reads_a_hyphenated_word_as_one_point_and_abbreviations_as_a_range():
    """`south-east` faces 135; `S-E` is the clockwise sweep from south to
    east, whose middle is 315 (OSM's range rule)."""
    assert (parse_directions("south-east"), parse_directions("S-E")) == ([135.0], [315.0])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("NB", [0.0]),
        ("SB", [180.0]),
        ("EB", [90.0]),
        ("WB", [270.0]),
        ("nb", [0.0]),
        ("northbound", [0.0]),
        ("Southbound", [180.0]),
        ("east bound", [90.0]),
        ("west-bound", [270.0]),
        ("NB;SB", [0.0, 180.0]),
    ],
)
def test_parse_directions_reads_road_bound_abbreviations_as_the_heading_of_the_traffic(
    value, expected
):
    """NB is the traffic heading north; Sightline reads it as a device
    looking north along that traffic (a reader of rear plates, as DeFlock's
    Flock Safety readers are): see TRAFFIC_BOUND."""
    assert parse_directions(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "forward",
        "backward",
        "both",
        "eastnorth",
        "northish",
        "bound",
        "NXB",
        "400",
        "361",
        "-400",
        "",
        " ",
        ";",
        "abc",
        "90;x",
        "NNNE",
        "N-X",
        "90-180-270",
        "nan",
        "inf",
    ],
)
def test_parse_directions_rejects_what_is_not_a_direction(value):
    with pytest.raises(TagValueError):
        parse_directions(value)


# ---------------------------------------------------------------- parse_height


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        ("0", 0.0),
        (" 5 ", 5.0),
        ("5.5", 5.5),
        ("5 m", 5.0),
        ("5m", 5.0),
        ("5 M", 5.0),
        ("5.5m", 5.5),
        ("5.5 metres", 5.5),
        ("1 metre", 1.0),
        ("5.5 meters", 5.5),
        ("1 meter", 1.0),
    ],
)
def test_parse_height_reads_metres_with_or_without_a_unit(value, expected):
    assert parse_height(value) == expected


@pytest.mark.parametrize(("value", "expected"), [("5,5", 5.5), ("5,5 m", 5.5), ("0,75", 0.75)])
def test_parse_height_reads_a_decimal_comma(value, expected):
    assert parse_height(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("16 ft", 4.877),
        ("16ft", 4.877),
        ("16 FT", 4.877),
        ("16 feet", 4.877),
        ("1 foot", 0.305),
        ("16'", 4.877),
        ("16′", 4.877),
        ("10 ft", 3.048),
    ],
)
def test_parse_height_converts_feet_to_metres(value, expected):
    assert parse_height(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12'6\"", 3.81), ("12' 6\"", 3.81), ("12′6″", 3.81), ("0'6\"", 0.152), ("10'0\"", 3.048)],
)
def test_parse_height_converts_feet_and_inches_to_metres(value, expected):
    assert parse_height(value) == expected


@pytest.mark.parametrize("value", ["-3", "-3 m", "-0.5"])
def test_parse_height_rejects_a_negative_height(value):
    with pytest.raises(TagValueError, match="negative"):
        parse_height(value)


@pytest.mark.parametrize("value", ["tall", "1.2;2.5", "4..5", "", "m", "5 m 6"])
def test_parse_height_rejects_what_is_not_a_height(value):
    with pytest.raises(TagValueError):
        parse_height(value)


# ---------------------------------------------------------------- parse_tilt


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15", 15.0),
        ("15°", 15.0),
        (" 15 ° ", 15.0),
        ("-10", -10.0),
        ("0", 0.0),
        ("22.5", 22.5),
        ("90", 90.0),
        ("-90", -90.0),
    ],
)
def test_parse_tilt_reads_degrees_below_horizontal(value, expected):
    assert parse_tilt(value) == expected


@pytest.mark.parametrize("value", ["91", "-91", "360"])
def test_parse_tilt_rejects_angles_outside_minus_90_to_90(value):
    with pytest.raises(TagValueError, match=r"-90\.\.90"):
        parse_tilt(value)


@pytest.mark.parametrize("value", ["?", "", "down", "15;20"])
def test_parse_tilt_rejects_what_is_not_an_angle(value):
    with pytest.raises(TagValueError):
        parse_tilt(value)


# ---------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-17", date(2024, 5, 17)),
        ("2024-5-7", date(2024, 5, 7)),
        ("20240517", date(2024, 5, 17)),
        (" 2024-05-17 ", date(2024, 5, 17)),
    ],
)
def test_parse_date_reads_a_day(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2024-05", date(2024, 5, 1)), ("2024-5", date(2024, 5, 1)), ("2024", date(2024, 1, 1))],
)
def test_parse_date_reads_a_month_or_year_as_its_first_day(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["2024-05-39", "2024-13", "2023-02-29", "20241301", "0000"])
def test_parse_date_rejects_a_date_that_does_not_exist(value):
    with pytest.raises(TagValueError, match="not a real date"):
        parse_date(value)


@pytest.mark.parametrize("value", ["10/13/2025", "2021:11", "", "May 2024", "24-05-17"])
def test_parse_date_rejects_other_formats(value):
    with pytest.raises(TagValueError, match="not a date"):
        parse_date(value)


# ---------------------------------------------------------------- parse_choice


def test_choice_fields_use_the_osm_keys_and_value_classes():
    osm_keys = {
        "kind": ("surveillance:type", Kind),
        "visibility": ("surveillance", Visibility),
        "zone": ("surveillance:zone", Zone),
        "camera_type": ("camera:type", CameraType),
        "mount": ("camera:mount", Mount),
    }
    assert osm_keys == CHOICE_FIELDS


EVERY_CHOICE = [
    (field_name, choice.value)
    for field_name, (_key, choices) in CHOICE_FIELDS.items()
    for choice in choices
]


@pytest.mark.parametrize(("field_name", "value"), EVERY_CHOICE)
def test_parse_choice_reads_every_osm_value_as_itself(field_name, value):
    assert parse_choice(field_name, value) == value


@pytest.mark.parametrize(("field_name", "value"), EVERY_CHOICE)
def test_parse_choice_ignores_case(field_name, value):
    assert parse_choice(field_name, value.upper()) == value
    assert parse_choice(field_name, value.lower()) == value
    assert parse_choice(field_name, value.title()) == value


@pytest.mark.parametrize(
    ("field_name", "value", "expected"),
    [
        ("kind", "alpr", "ALPR"),
        ("kind", "Alpr", "ALPR"),
        ("kind", " ALPR ", "ALPR"),
        ("visibility", "PUBLIC", "public"),
        ("camera_type", "Dome", "dome"),
        ("mount", "Street_Lamp", "street_lamp"),
    ],
)
def test_parse_choice_returns_the_osm_spelling(field_name, value, expected):
    assert parse_choice(field_name, value) == expected


@pytest.mark.parametrize(
    ("field_name", "value", "expected"),
    [
        ("kind", "ANPR", "ALPR"),
        ("kind", "anpr", "ALPR"),
        ("camera_type", "PTZ", "panning"),
        ("camera_type", "ptz", "panning"),
        ("camera_type", "360", "panorama"),
        ("mount", "traffic_signal", "traffic_signals"),
        ("mount", "Traffic_Signal", "traffic_signals"),
        ("mount", "ceilling", "ceiling"),
    ],
)
def test_parse_choice_reads_synonyms(field_name, value, expected):
    assert parse_choice(field_name, value) == expected


def test_parse_choice_returns_a_plain_string_for_a_synonym():
    assert type(parse_choice("kind", "ANPR")) is str


@pytest.mark.parametrize(
    ("field_name", "value", "expected"),
    [
        ("kind", "camera;radar", "camera"),
        ("kind", "radar;camera", "radar"),
        ("kind", "camera; ALPR", "camera"),
        ("camera_type", "foo;dome", "dome"),
        ("camera_type", "foo; PTZ;fixed", "panning"),
        ("zone", "traffic;parking", "traffic"),
        ("mount", ";pole", "pole"),
    ],
)
def test_parse_choice_takes_the_first_recognised_value_of_a_list(field_name, value, expected):
    assert parse_choice(field_name, value) == expected


@pytest.mark.parametrize(
    ("field_name", "value"),
    [
        ("kind", "CCTV"),
        ("camera_type", "CCTV"),
        ("visibility", "Камера"),
        ("visibility", "yes"),
        ("zone", "everywhere"),
        ("mount", "helicopter"),
        ("kind", "foo;bar"),
        ("kind", ""),
        ("camera_type", "panning (PTZ)"),
    ],
)
def test_parse_choice_rejects_unrecognised_values(field_name, value):
    with pytest.raises(TagValueError, match="not a known value"):
        parse_choice(field_name, value)


def test_parse_choice_error_lists_the_known_values():
    with pytest.raises(TagValueError) as error:
        parse_choice("visibility", "Камера")
    assert "public, outdoor, indoor" in str(error.value)


# ---------------------------------------------------------------- tags -> fields


def read(tags):
    return tags_to_fields(tags).fields


def problems_of(tags):
    return tags_to_fields(tags).problems


def test_tags_to_fields_of_no_tags_is_empty_fields_without_problems():
    parsed = tags_to_fields({})
    assert parsed.fields == CameraFields()
    assert parsed.problems == []


def test_tags_to_fields_of_unrelated_tags_is_empty_fields_without_problems():
    parsed = tags_to_fields({"man_made": "surveillance", "name": "Gate camera", "note": "x"})
    assert parsed.fields == CameraFields()
    assert parsed.problems == []


def test_tags_to_fields_treats_blank_values_as_absent():
    parsed = tags_to_fields({"surveillance:type": " ", "height": "", "camera:direction": "  "})
    assert parsed.fields == CameraFields()
    assert parsed.problems == []


@pytest.mark.parametrize(
    ("key", "value", "field_name", "expected"),
    [
        ("surveillance:type", "ALPR", "kind", "ALPR"),
        ("surveillance:type", "camera", "kind", "camera"),
        ("surveillance:type", "ANPR", "kind", "ALPR"),
        ("surveillance", "public", "visibility", "public"),
        ("surveillance", "Indoor", "visibility", "indoor"),
        ("surveillance:zone", "traffic", "zone", "traffic"),
        ("surveillance:zone", "parking", "zone", "parking"),
        ("camera:type", "dome", "camera_type", "dome"),
        ("camera:type", "PTZ", "camera_type", "panning"),
        ("camera:mount", "pole", "mount", "pole"),
        ("camera:mount", "traffic_signal", "mount", "traffic_signals"),
    ],
)
def test_tags_to_fields_reads_each_choice_field_from_its_key(key, value, field_name, expected):
    fields = read({key: value})
    assert getattr(fields, field_name) == expected
    assert fields == CameraFields(**{field_name: expected})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("90", [90.0]), ("0", [0.0]), ("N", [0.0]), ("338-23", [0.5]), ("90;180", [90.0, 180.0])],
)
def test_tags_to_fields_reads_directions_from_camera_direction(value, expected):
    assert read({"camera:direction": value}).directions == expected


@pytest.mark.parametrize(("value", "expected"), [("90", [90.0]), ("N", [0.0]), ("0", [0.0])])
def test_tags_to_fields_falls_back_to_direction(value, expected):
    assert read({"direction": value}).directions == expected


def test_tags_to_fields_prefers_camera_direction_to_direction():
    assert read({"direction": "180", "camera:direction": "90"}).directions == [90.0]


def test_tags_to_fields_falls_back_to_direction_when_camera_direction_is_blank():
    assert read({"camera:direction": " ", "direction": "180"}).directions == [180.0]


@pytest.mark.parametrize(("value", "expected"), [("15", 15.0), ("0", 0.0), ("-10°", -10.0)])
def test_tags_to_fields_reads_tilt_from_camera_angle(value, expected):
    assert read({"camera:angle": value}).tilt == expected


@pytest.mark.parametrize(("value", "expected"), [("5", 5.0), ("5 m", 5.0), ("16 ft", 4.877)])
def test_tags_to_fields_reads_height(value, expected):
    assert read({"height": value}).height == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"manufacturer": "Flock Safety"}, "Flock Safety"),
        ({"surveillance:manufacturer": "Flock Safety"}, "Flock Safety"),
        ({"brand": "Flock Safety"}, "Flock Safety"),
        ({"surveillance:brand": "Flock Safety"}, "Flock Safety"),
        ({"manufacturer": "Axis", "surveillance:manufacturer": "Hikvision"}, "Axis"),
        ({"manufacturer": "Axis", "brand": "Hikvision"}, "Axis"),
        ({"surveillance:manufacturer": "Axis", "brand": "Hikvision"}, "Axis"),
        ({"brand": "Axis", "surveillance:brand": "Hikvision"}, "Axis"),
        ({"manufacturer": " ", "brand": "Axis"}, "Axis"),
        ({"manufacturer": " Axis "}, "Axis"),
    ],
)
def test_tags_to_fields_reads_the_vendor_from_the_most_authoritative_key(tags, expected):
    assert read(tags).vendor_raw == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"manufacturer": "Flock Safety", "manufacturer:wikidata": FLOCK}, FLOCK),
        ({"brand": "Flock Safety", "brand:wikidata": FLOCK}, FLOCK),
        ({"surveillance:brand": "Flock Safety", "surveillance:brand:wikidata": FLOCK}, FLOCK),
        (
            {
                "manufacturer": "Axis",
                "manufacturer:wikidata": AXIS,
                "brand": "Flock Safety",
                "brand:wikidata": FLOCK,
            },
            AXIS,
        ),
        (
            {
                "brand": "Flock Safety",
                "brand:wikidata": FLOCK,
                "surveillance:manufacturer:wikidata": MOTOROLA,
            },
            FLOCK,
        ),
    ],
)
def test_tags_to_fields_takes_the_wikidata_beside_the_vendor_name(tags, expected):
    assert read(tags).vendor_wikidata == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"brand": "Flock Safety", "manufacturer:wikidata": FLOCK}, FLOCK),
        ({"manufacturer": "Flock Safety", "brand:wikidata": FLOCK}, FLOCK),
        (
            {"surveillance:brand": "Flock Safety", "surveillance:manufacturer:wikidata": FLOCK},
            FLOCK,
        ),
        ({"manufacturer:wikidata": FLOCK}, FLOCK),
        ({"brand:wikidata": FLOCK}, FLOCK),
    ],
)
def test_tags_to_fields_takes_wikidata_from_another_vendor_key_when_the_name_has_none(
    tags, expected
):
    assert read(tags).vendor_wikidata == expected


@pytest.mark.parametrize(
    "wikidata",
    ["q108485435", "Q0", "Q012", "Flock Safety", "Q12a", f"{FLOCK};{AXIS}", "108485435"],
)
def test_tags_to_fields_ignores_invalid_wikidata(wikidata):
    parsed = tags_to_fields({"manufacturer": "Flock Safety", "manufacturer:wikidata": wikidata})
    assert parsed.fields.vendor_wikidata == ""
    assert parsed.fields.vendor_raw == "Flock Safety"


def test_tags_to_fields_skips_invalid_wikidata_for_a_valid_one_on_another_key():
    fields = read(
        {"manufacturer": "Flock Safety", "manufacturer:wikidata": "flock", "brand:wikidata": FLOCK}
    )
    assert fields.vendor_wikidata == FLOCK


def test_tags_to_fields_reads_the_product_from_model():
    assert read({"model": "Falcon"}).product == "Falcon"


def test_tags_to_fields_reads_the_operator_and_its_wikidata():
    fields = read({"operator": "Springfield Police Department", "operator:wikidata": "Q123456"})
    assert fields.operator_raw == "Springfield Police Department"
    assert fields.operator_wikidata == "Q123456"


def test_tags_to_fields_ignores_invalid_operator_wikidata():
    fields = read({"operator": "Springfield Police", "operator:wikidata": "springfield"})
    assert fields.operator_raw == "Springfield Police"
    assert fields.operator_wikidata == ""


def test_tags_to_fields_does_not_take_a_vendor_wikidata_for_the_operator():
    fields = read({"operator": "Springfield Police", "manufacturer:wikidata": FLOCK})
    assert fields.operator_wikidata == ""


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"check_date": "2024-05-17"}, date(2024, 5, 17)),
        ({"survey:date": "2024-05-17"}, date(2024, 5, 17)),
        ({"check_date": "2024-05-17", "survey:date": "2023-01-01"}, date(2024, 5, 17)),
        ({"check_date": "2023-01-01", "survey:date": "2024-05-17"}, date(2024, 5, 17)),
        ({"check_date": "2024", "survey:date": "2024-05"}, date(2024, 5, 1)),
        ({"check_date": "10/13/2025", "survey:date": "2024-05-17"}, date(2024, 5, 17)),
    ],
)
def test_tags_to_fields_takes_the_newer_of_check_date_and_survey_date(tags, expected):
    assert read(tags).last_confirmed == expected


UNRECOGNISED = [
    ("surveillance:type", "CCTV", "kind", ""),
    ("surveillance", "Камера", "visibility", ""),
    ("surveillance:zone", "everywhere", "zone", ""),
    ("camera:type", "CCTV", "camera_type", ""),
    ("camera:mount", "helicopter", "mount", ""),
    ("camera:direction", "forward", "directions", []),
    ("direction", "both", "directions", []),
    ("camera:angle", "91", "tilt", None),
    ("height", "tall", "height", None),
    ("check_date", "10/13/2025", "last_confirmed", None),
    ("survey:date", "2021:11", "last_confirmed", None),
]


@pytest.mark.parametrize(("key", "value", "field_name", "empty"), UNRECOGNISED)
def test_tags_to_fields_leaves_a_field_empty_for_an_unrecognised_value(
    key, value, field_name, empty
):
    assert getattr(read({key: value}), field_name) == empty


@pytest.mark.parametrize(("key", "value", "field_name", "empty"), UNRECOGNISED)
def test_tags_to_fields_reports_an_unrecognised_value_naming_key_and_value(
    key, value, field_name, empty
):
    problems = problems_of({key: value})
    assert len(problems) == 1
    assert (problems[0].key, problems[0].value) == (key, value)
    assert problems[0].message
    assert str(problems[0]).startswith(f"{key}={value!r}: ")


def test_tags_to_fields_reports_every_unrecognised_value_and_reads_the_rest():
    tags = {key: value for key, value, _field, _empty in UNRECOGNISED if key != "direction"}
    tags |= {"manufacturer": "Flock Safety", "model": "Falcon", "operator": "Springfield PD"}
    parsed = tags_to_fields(tags)
    assert {(problem.key, problem.value) for problem in parsed.problems} == {
        (key, value) for key, value, _field, _empty in UNRECOGNISED if key != "direction"
    }
    assert parsed.fields == CameraFields(
        vendor_raw="Flock Safety", product="Falcon", operator_raw="Springfield PD"
    )


def test_tags_to_fields_reports_the_stripped_value():
    assert problems_of({"height": " tall "}) == [
        TagProblem("height", "tall", problems_of({"height": "tall"})[0].message)
    ]


def test_tags_to_fields_reads_direction_when_camera_direction_is_unreadable_and_says_so():
    parsed = tags_to_fields({"camera:direction": "both", "direction": "355"})
    assert parsed.fields.directions == [355.0]
    assert [(problem.key, problem.value) for problem in parsed.problems] == [
        ("camera:direction", "both")
    ]


def test_tags_to_fields_reports_both_direction_keys_when_neither_can_be_read():
    parsed = tags_to_fields({"camera:direction": "forward", "direction": "both"})
    assert parsed.fields.directions == []
    assert [(problem.key, problem.value) for problem in parsed.problems] == [
        ("camera:direction", "forward"),
        ("direction", "both"),
    ]


def test_tags_to_fields_reads_no_problem_into_direction_when_camera_direction_is_readable():
    parsed = tags_to_fields({"camera:direction": "90", "direction": "both"})
    assert (parsed.fields.directions, parsed.problems) == ([90.0], [])


def test_tags_to_fields_reads_non_string_values():
    fields = read({"height": 5, "camera:direction": 90, "camera:angle": 0})
    assert (fields.height, fields.directions, fields.tilt) == (5.0, [90.0], 0.0)


# ---------------------------------------------------------------- fields -> tags

FLOCK_FIELDS = CameraFields(
    kind="ALPR",
    visibility="public",
    zone="traffic",
    camera_type="fixed",
    mount="pole",
    directions=[90.0, 180.0],
    tilt=15.0,
    height=5.0,
    vendor_raw="Flock Safety",
    vendor_wikidata=FLOCK,
    product="Falcon",
    operator_raw="Springfield Police Department",
    operator_wikidata="Q123456",
    last_confirmed=date(2024, 5, 17),
)


def test_fields_to_tags_writes_every_canonical_tag_for_a_fresh_camera():
    assert fields_to_tags(FLOCK_FIELDS) == {
        "man_made": "surveillance",
        "surveillance:type": "ALPR",
        "surveillance": "public",
        "surveillance:zone": "traffic",
        "camera:type": "fixed",
        "camera:mount": "pole",
        "camera:direction": "90;180",
        "camera:angle": "15",
        "height": "5",
        "manufacturer": "Flock Safety",
        "manufacturer:wikidata": FLOCK,
        "operator": "Springfield Police Department",
        "operator:wikidata": "Q123456",
        "model": "Falcon",
        "check_date": "2024-05-17",
    }


def test_fields_to_tags_of_empty_fields_is_only_man_made():
    assert fields_to_tags(CameraFields()) == {"man_made": "surveillance"}


def test_fields_to_tags_with_empty_raw_tags_is_a_fresh_camera():
    assert fields_to_tags(FLOCK_FIELDS, raw_tags={}) == fields_to_tags(FLOCK_FIELDS)


@pytest.mark.parametrize(
    ("fields", "key", "expected"),
    [
        (CameraFields(height=5.0), "height", "5"),
        (CameraFields(height=5.5), "height", "5.5"),
        (CameraFields(height=4.877), "height", "4.877"),
        (CameraFields(height=0.0), "height", "0"),
        (CameraFields(directions=[0.0]), "camera:direction", "0"),
        (CameraFields(directions=[0.5]), "camera:direction", "0.5"),
        (CameraFields(directions=[22.5, 337.5]), "camera:direction", "22.5;337.5"),
        (CameraFields(directions=[0.0, 90.0, 180.0]), "camera:direction", "0;90;180"),
        (CameraFields(tilt=0.0), "camera:angle", "0"),
        (CameraFields(tilt=-10.0), "camera:angle", "-10"),
        (CameraFields(tilt=22.5), "camera:angle", "22.5"),
        (CameraFields(last_confirmed=date(2024, 1, 1)), "check_date", "2024-01-01"),
    ],
)
def test_fields_to_tags_writes_numbers_and_dates_as_osm_does(fields, key, expected):
    assert fields_to_tags(fields)[key] == expected


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        (CameraFields(directions=[0.0]), "camera:direction"),
        (CameraFields(tilt=0.0), "camera:angle"),
        (CameraFields(height=0.0), "height"),
    ],
)
def test_fields_to_tags_writes_zero_rather_than_dropping_it(fields, key):
    assert key in fields_to_tags(fields)


def test_fields_to_tags_writes_no_wikidata_tag_without_an_id():
    tags = fields_to_tags(CameraFields(vendor_raw="Flock Safety", operator_raw="Springfield PD"))
    assert tags == {
        "man_made": "surveillance",
        "manufacturer": "Flock Safety",
        "operator": "Springfield PD",
    }


@pytest.mark.parametrize(
    ("raw_tags", "fields"),
    [
        ({"camera:direction": "N"}, CameraFields(directions=[0.0])),
        ({"camera:direction": "338-23"}, CameraFields(directions=[0.5])),
        ({"camera:direction": "90; 180"}, CameraFields(directions=[90.0, 180.0])),
        ({"camera:direction": "E;S"}, CameraFields(directions=[90.0, 180.0])),
        ({"direction": "NE"}, CameraFields(directions=[45.0])),
        ({"height": "5 m"}, CameraFields(height=5.0)),
        ({"height": "5,5"}, CameraFields(height=5.5)),
        ({"height": "16 ft"}, CameraFields(height=4.877)),
        ({"height": "12'6\""}, CameraFields(height=3.81)),
        ({"camera:angle": "15°"}, CameraFields(tilt=15.0)),
        ({"surveillance:type": "alpr"}, CameraFields(kind="ALPR")),
        ({"surveillance:type": "ANPR"}, CameraFields(kind="ALPR")),
        ({"surveillance:type": "camera;radar"}, CameraFields(kind="camera")),
        ({"camera:type": "PTZ"}, CameraFields(camera_type="panning")),
        ({"camera:mount": "traffic_signal"}, CameraFields(mount="traffic_signals")),
        ({"surveillance": "Public"}, CameraFields(visibility="public")),
        ({"check_date": "2024-05"}, CameraFields(last_confirmed=date(2024, 5, 1))),
        ({"survey:date": "2024-05-17"}, CameraFields(last_confirmed=date(2024, 5, 17))),
        ({"model": "Falcon"}, CameraFields(product="Falcon")),
    ],
)
def test_fields_to_tags_keeps_a_raw_value_that_still_means_the_field(raw_tags, fields):
    assert fields_to_tags(fields, raw_tags=raw_tags) == raw_tags


@pytest.mark.parametrize(
    ("raw_tags", "fields"),
    [
        ({"brand": "Flock Safety"}, CameraFields(vendor_raw="Flock Safety")),
        (
            {"brand": "Flock Safety", "brand:wikidata": FLOCK},
            CameraFields(vendor_raw="Flock Safety", vendor_wikidata=FLOCK),
        ),
        (
            {"surveillance:brand": "Flock Safety", "manufacturer:wikidata": FLOCK},
            CameraFields(vendor_raw="Flock Safety", vendor_wikidata=FLOCK),
        ),
        ({"surveillance:manufacturer": "Axis"}, CameraFields(vendor_raw="Axis")),
    ],
)
def test_fields_to_tags_keeps_the_vendor_under_the_raw_key(raw_tags, fields):
    assert fields_to_tags(fields, raw_tags=raw_tags) == raw_tags


def test_fields_to_tags_writes_a_changed_vendor_under_the_raw_key():
    tags = fields_to_tags(
        CameraFields(vendor_raw="Motorola Solutions", vendor_wikidata=MOTOROLA),
        raw_tags={"brand": "Flock Safety", "brand:wikidata": FLOCK},
    )
    assert tags == {"brand": "Motorola Solutions", "brand:wikidata": MOTOROLA}


def test_fields_to_tags_adds_a_new_wikidata_beside_the_raw_vendor_key():
    tags = fields_to_tags(
        CameraFields(vendor_raw="Flock Safety", vendor_wikidata=FLOCK),
        raw_tags={"brand": "Flock Safety"},
    )
    assert tags == {"brand": "Flock Safety", "brand:wikidata": FLOCK}


def test_fields_to_tags_drops_the_old_vendors_wikidata_when_the_vendor_changes():
    tags = fields_to_tags(
        CameraFields(vendor_raw="Motorola Solutions"),
        raw_tags={"manufacturer": "Flock Safety", "manufacturer:wikidata": FLOCK},
    )
    assert tags == {"manufacturer": "Motorola Solutions"}


def test_fields_to_tags_drops_the_old_operators_wikidata_when_the_operator_changes():
    tags = fields_to_tags(
        CameraFields(operator_raw="Shelbyville Police"),
        raw_tags={"operator": "Springfield Police", "operator:wikidata": "Q123456"},
    )
    assert tags == {"operator": "Shelbyville Police"}


def test_fields_to_tags_keeps_another_keys_wikidata_when_writing_a_new_one():
    raw_tags = {
        "manufacturer": "Axis",
        "manufacturer:wikidata": AXIS,
        "brand": "Flock Safety",
        "brand:wikidata": FLOCK,
    }
    tags = fields_to_tags(
        CameraFields(vendor_raw="Motorola Solutions", vendor_wikidata=MOTOROLA),
        raw_tags=raw_tags,
    )
    assert tags == raw_tags | {
        "manufacturer": "Motorola Solutions",
        "manufacturer:wikidata": MOTOROLA,
    }


def test_fields_to_tags_drops_a_wikidata_on_another_key_when_the_id_is_cleared():
    tags = fields_to_tags(
        CameraFields(vendor_raw="Axis"),
        raw_tags={"surveillance:brand": "Axis", "manufacturer:wikidata": AXIS},
    )
    assert tags == {"surveillance:brand": "Axis"}


def test_fields_to_tags_writes_a_vendor_wikidata_without_a_name():
    assert fields_to_tags(CameraFields(vendor_wikidata=FLOCK)) == {
        "man_made": "surveillance",
        "manufacturer:wikidata": FLOCK,
    }


def test_fields_to_tags_keeps_the_wikidata_when_only_the_vendor_name_is_cleared():
    tags = fields_to_tags(
        CameraFields(vendor_wikidata=FLOCK),
        raw_tags={"brand": "Flock Safety", "brand:wikidata": FLOCK},
    )
    assert tags == {"brand:wikidata": FLOCK}


def test_fields_to_tags_drops_a_newer_raw_date_when_the_confirmation_is_corrected_earlier():
    tags = fields_to_tags(
        CameraFields(last_confirmed=date(2023, 1, 1)),
        raw_tags={"check_date": "2022-01-01", "survey:date": "2024-05-17"},
    )
    assert tags == {"check_date": "2023-01-01"}


def test_fields_to_tags_keeps_an_older_raw_survey_date_beside_a_newer_check_date():
    tags = fields_to_tags(
        CameraFields(last_confirmed=date(2025, 1, 1)),
        raw_tags={"check_date": "2024-05-17", "survey:date": "2023-01-01"},
    )
    assert tags == {"check_date": "2025-01-01", "survey:date": "2023-01-01"}


def test_fields_to_tags_writes_the_direction_under_the_raw_key():
    tags = fields_to_tags(CameraFields(directions=[180.0]), raw_tags={"direction": "90"})
    assert tags == {"direction": "180"}


def test_fields_to_tags_leaves_an_unreadable_camera_direction_beside_the_direction_it_read():
    """The directions came from `direction`: an export changes nothing of
    another mapper's `camera:direction=both`, and writes a changed direction
    where it was read from."""
    raw_tags = {"camera:direction": "both", "direction": "355"}
    assert fields_to_tags(CameraFields(directions=[355.0]), raw_tags=raw_tags) == raw_tags
    assert fields_to_tags(CameraFields(directions=[10.0]), raw_tags=raw_tags) == {
        "camera:direction": "both",
        "direction": "10",
    }


@pytest.mark.parametrize("raw", ["NB", "south-east", "north"])
def test_fields_to_tags_keeps_a_spelling_in_words_that_still_means_the_direction(raw):
    directions = parse_directions(raw)
    tags = fields_to_tags(CameraFields(directions=directions), raw_tags={"direction": raw})
    assert tags == {"direction": raw}


@pytest.mark.parametrize(
    ("raw_tags", "fields", "expected"),
    [
        (
            {"surveillance:type": "camera"},
            CameraFields(kind="ALPR"),
            {"surveillance:type": "ALPR"},
        ),
        (
            {"surveillance": "Камера"},
            CameraFields(visibility="public"),
            {"surveillance": "public"},
        ),
        (
            {"surveillance:zone": "town"},
            CameraFields(zone="traffic"),
            {"surveillance:zone": "traffic"},
        ),
        ({"camera:type": "PTZ"}, CameraFields(camera_type="dome"), {"camera:type": "dome"}),
        ({"camera:mount": "wall"}, CameraFields(mount="pole"), {"camera:mount": "pole"}),
        (
            {"surveillance:type": "camera;radar"},
            CameraFields(kind="radar"),
            {"surveillance:type": "radar"},
        ),
        ({"camera:direction": "N"}, CameraFields(directions=[90.0]), {"camera:direction": "90"}),
        (
            {"camera:direction": "forward"},
            CameraFields(directions=[90.0, 180.0]),
            {"camera:direction": "90;180"},
        ),
        ({"camera:angle": "15°"}, CameraFields(tilt=20.0), {"camera:angle": "20"}),
        ({"height": "5 m"}, CameraFields(height=6.0), {"height": "6"}),
        ({"height": "tall"}, CameraFields(height=5.5), {"height": "5.5"}),
        ({"model": "Falcon"}, CameraFields(product="Sparrow"), {"model": "Sparrow"}),
        (
            {"manufacturer": "Flok"},
            CameraFields(vendor_raw="Flock Safety"),
            {"manufacturer": "Flock Safety"},
        ),
        (
            {"operator": "SPD"},
            CameraFields(operator_raw="Springfield PD"),
            {"operator": "Springfield PD"},
        ),
        (
            {"check_date": "2023-01-01"},
            CameraFields(last_confirmed=date(2024, 5, 17)),
            {"check_date": "2024-05-17"},
        ),
        (
            {"check_date": "10/13/2025"},
            CameraFields(last_confirmed=date(2024, 5, 17)),
            {"check_date": "2024-05-17"},
        ),
    ],
)
def test_fields_to_tags_overwrites_a_changed_field_with_the_canonical_value(
    raw_tags, fields, expected
):
    assert fields_to_tags(fields, raw_tags=raw_tags) == expected


@pytest.mark.parametrize(
    "raw_tags",
    [
        {"surveillance:type": "ALPR"},
        {"surveillance": "public"},
        {"surveillance:zone": "traffic"},
        {"camera:type": "dome"},
        {"camera:mount": "pole"},
        {"surveillance:type": "foo;camera"},
        {"camera:direction": "N"},
        {"direction": "338-23"},
        {"camera:direction": "90", "direction": "180"},
        {"camera:angle": "15"},
        {"height": "5 m"},
        {"manufacturer": "Flock Safety"},
        {"manufacturer": "Flock Safety", "manufacturer:wikidata": FLOCK},
        {"brand": "Flock Safety", "brand:wikidata": FLOCK},
        {"manufacturer": "Axis", "brand": "Axis Communications"},
        {"operator": "Springfield PD", "operator:wikidata": "Q123456"},
        {"model": "Falcon"},
        {"check_date": "2024-05-17"},
        {"survey:date": "2024-05"},
        {"check_date": "2024-05-17", "survey:date": "2023-01-01"},
    ],
)
def test_fields_to_tags_removes_a_recognised_tag_when_its_field_is_cleared(raw_tags):
    assert fields_to_tags(CameraFields(), raw_tags=raw_tags) == {}


@pytest.mark.parametrize(
    "raw_tags",
    [
        {"surveillance": "Камера"},
        {"surveillance:type": "CCTV"},
        {"surveillance:zone": "everywhere"},
        {"camera:type": "CCTV"},
        {"camera:mount": "helicopter"},
        {"camera:direction": "forward"},
        {"direction": "both"},
        {"camera:angle": "91"},
        {"height": "tall"},
        {"check_date": "10/13/2025"},
        {"survey:date": "2021:11"},
        {"manufacturer:wikidata": "flock"},
    ],
)
def test_fields_to_tags_keeps_an_unrecognised_tag_when_its_field_is_cleared(raw_tags):
    assert fields_to_tags(CameraFields(), raw_tags=raw_tags) == raw_tags


@pytest.mark.parametrize(
    "unrelated",
    [
        {"man_made": "surveillance"},
        {"name": "Gate camera"},
        {"note": "pointed at the car park"},
        {"operator:type": "police"},
        {"camera:zoom": "yes"},
        {"source": "survey"},
        {"man_made": "surveillance", "name": "X", "fixme": "check", "start_date": "2021"},
    ],
)
def test_fields_to_tags_keeps_unrelated_raw_tags(unrelated):
    fresh = fields_to_tags(FLOCK_FIELDS)
    del fresh["man_made"]
    assert fields_to_tags(FLOCK_FIELDS, raw_tags=unrelated) == fresh | unrelated


def test_fields_to_tags_does_not_modify_the_raw_tags():
    raw_tags = {"surveillance:type": "camera", "height": "5 m"}
    fields_to_tags(FLOCK_FIELDS, raw_tags=raw_tags)
    assert raw_tags == {"surveillance:type": "camera", "height": "5 m"}


def test_fields_to_tags_does_not_add_man_made_to_raw_tags():
    assert "man_made" not in fields_to_tags(FLOCK_FIELDS, raw_tags={"name": "Gate camera"})


# ---------------------------------------------------------------- round trips

REPRESENTATIVE_FIELDS = [
    CameraFields(),
    FLOCK_FIELDS,
    CameraFields(kind="camera", visibility="outdoor", camera_type="dome", directions=[0.0]),
    CameraFields(directions=[0.0, 90.0, 337.5], tilt=0.0, height=0.0),
    CameraFields(directions=[0.5], tilt=-10.0, height=4.877),
    CameraFields(directions=[22.5], tilt=90.0, height=3.81),
    CameraFields(directions=[360.0], height=12.25),
    CameraFields(kind="gunshot_detector", zone="town", mount="street_lamp"),
    CameraFields(kind="camera", zone="public_transport_platform", mount="traffic_signals"),
    CameraFields(camera_type="panning", mount="ceiling", visibility="indoor"),
    CameraFields(vendor_raw="Axis Communications", vendor_wikidata=AXIS, product="P3245-LVE"),
    CameraFields(vendor_raw="Hikvision"),
    CameraFields(vendor_wikidata=FLOCK),
    CameraFields(operator_raw="Springfield PD"),
    CameraFields(operator_wikidata="Q123456"),
    CameraFields(last_confirmed=date(2024, 1, 1)),
]


@pytest.mark.parametrize("fields", REPRESENTATIVE_FIELDS)
def test_fields_to_tags_to_fields_is_the_identity(fields):
    parsed = tags_to_fields(fields_to_tags(fields))
    assert parsed.fields == fields
    assert parsed.problems == []


REAL_TAG_SETS = {
    "flock alpr": {
        "man_made": "surveillance",
        "surveillance": "public",
        "surveillance:type": "ALPR",
        "surveillance:zone": "traffic",
        "camera:type": "fixed",
        "camera:mount": "pole",
        "camera:direction": "338",
        "manufacturer": "Flock Safety",
        "manufacturer:wikidata": FLOCK,
        "operator": "Springfield Police Department",
        "operator:wikidata": "Q123456",
        "check_date": "2024-05-17",
    },
    "dome facing north": {
        "man_made": "surveillance",
        "surveillance": "outdoor",
        "surveillance:type": "camera",
        "surveillance:zone": "building",
        "camera:type": "dome",
        "camera:mount": "wall",
        "camera:direction": "N",
        "height": "3",
    },
    "range, unit and degree sign": {
        "man_made": "surveillance",
        "surveillance": "public",
        "surveillance:type": "camera",
        "camera:type": "fixed",
        "direction": "338-23",
        "height": "5 m",
        "camera:angle": "15°",
        "survey:date": "2023-06",
    },
    "brand-only vendor": {
        "man_made": "surveillance",
        "surveillance:type": "ALPR",
        "brand": "Flock Safety",
        "brand:wikidata": FLOCK,
        "model": "Falcon",
    },
    "surveillance brand with manufacturer wikidata": {
        "man_made": "surveillance",
        "surveillance:type": "camera",
        "surveillance:brand": "Axis",
        "manufacturer:wikidata": AXIS,
    },
    "vendor wikidata without a name": {
        "man_made": "surveillance",
        "surveillance:type": "ALPR",
        "brand:wikidata": FLOCK,
    },
    "unrecognised values": {
        "man_made": "surveillance",
        "surveillance": "Камера",
        "surveillance:type": "CCTV",
        "camera:type": "CCTV",
        "camera:mount": "helicopter",
        "camera:direction": "forward",
        "camera:angle": "?",
        "height": "tall",
        "check_date": "10/13/2025",
        "manufacturer": "Flok",
        "manufacturer:wikidata": "flock",
    },
    "synonyms and case": {
        "man_made": "surveillance",
        "surveillance": "Public",
        "surveillance:type": "ANPR",
        "camera:type": "PTZ",
        "camera:mount": "traffic_signal",
        "camera:direction": "ne; 270",
    },
    "lists": {
        "man_made": "surveillance",
        "surveillance:type": "camera;radar",
        "camera:type": "foo;dome",
        "camera:direction": "0, 90,180,270",
    },
    "both direction keys": {
        "man_made": "surveillance",
        "camera:direction": "90",
        "direction": "180",
    },
    "feet": {"man_made": "surveillance", "height": "12'6\"", "camera:angle": "-10"},
    "older check date, newer survey": {
        "man_made": "surveillance",
        "check_date": "2022-01-01",
        "survey:date": "2024-05-17",
    },
    "unrelated tags only": {"man_made": "surveillance", "name": "Gate camera", "note": "x"},
}


@pytest.mark.parametrize("tags", REAL_TAG_SETS.values(), ids=REAL_TAG_SETS.keys())
def test_tags_to_fields_to_tags_with_raw_tags_gives_back_the_tags(tags):
    fields = tags_to_fields(tags).fields
    assert fields_to_tags(fields, raw_tags=tags) == tags


@pytest.mark.parametrize("tags", REAL_TAG_SETS.values(), ids=REAL_TAG_SETS.keys())
def test_tags_to_fields_to_tags_without_raw_tags_reads_back_the_same_fields(tags):
    fields = tags_to_fields(tags).fields
    parsed = tags_to_fields(fields_to_tags(fields))
    assert parsed.fields == fields
    assert parsed.problems == []


@pytest.mark.parametrize("raw_tags", REAL_TAG_SETS.values(), ids=REAL_TAG_SETS.keys())
@pytest.mark.parametrize("fields", REPRESENTATIVE_FIELDS)
def test_fields_written_over_any_raw_tags_read_back_as_the_same_fields(fields, raw_tags):
    """fields_to_tags is the inverse of tags_to_fields whatever the raw tags said."""
    assert tags_to_fields(fields_to_tags(fields, raw_tags=raw_tags)).fields == fields


def test_parse_height_rejects_a_number_too_large_to_be_finite():
    with pytest.raises(TagValueError, match="finite"):
        parse_height("9" * 400)
