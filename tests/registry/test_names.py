"""Resolving and grouping the many spellings of a vendor or operator."""

import pytest

from registry.names import (
    MIN_FUZZY_LENGTH,
    NameGroup,
    NameResolver,
    group_spellings,
    is_placeholder,
    name_key,
    split_placeholders,
)

FLOCK, MOTOROLA, AXIS, AXON, GENETEC, DAHUA = 1, 2, 3, 4, 5, 6


@pytest.fixture
def resolver():
    resolver = NameResolver()
    resolver.add(FLOCK, ["Flock Safety", "Flock"], "Q108485435")
    resolver.add(MOTOROLA, ["Motorola Solutions", "Motorola"], "Q634815")
    resolver.add(AXIS, ["Axis Communications", "Axis"], "Q2347731")
    resolver.add(AXON, ["Axon", "Axon Enterprise"])
    return resolver


# ---------------------------------------------------------------- name_key


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Flock Safety", "flock safety"),
        ("FLOCK SAFETY", "flock safety"),
        ("flock safety", "flock safety"),
        ("Straße", "strasse"),
    ],
)
def test_name_key_folds_case(name, expected):
    assert name_key(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Société Générale", "societe generale"),
        ("Müller", "muller"),
        ("Ｆｌｏｃｋ", "flock"),
    ],
)
def test_name_key_folds_accents_and_compatibility_forms(name, expected):
    assert name_key(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Flock-Safety", "flock safety"),
        ("Flock.Safety", "flock safety"),
        ("Flock_Safety", "flock safety"),
        ("  Flock   Safety  ", "flock safety"),
        ("Flock Safety!", "flock safety"),
        ("Avigilon (Motorola Solutions)", "avigilon motorola solutions"),
        ("...", ""),
        ("", ""),
    ],
)
def test_name_key_folds_punctuation_and_spacing(name, expected):
    assert name_key(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("AT&T", "at and t"), ("Johnson & Johnson", "johnson and johnson"), ("A&B", "a and b")],
)
def test_name_key_spells_out_ampersand(name, expected):
    assert name_key(name) == expected


def test_name_key_treats_ampersand_and_and_alike():
    assert name_key("Smith & Wesson") == name_key("Smith and Wesson")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Flock Group Inc.", "flock"),
        ("Flock Group, Inc.", "flock"),
        ("Neology, Inc.", "neology"),
        ("Axis Communications AB", "axis communications"),
        ("Motorola Solutions, Inc.", "motorola solutions"),
        ("Hikvision Digital Technology Co., Ltd.", "hikvision digital technology"),
        ("Genetec Incorporated", "genetec"),
        ("Leonardo SpA", "leonardo"),
        ("Bosch GmbH", "bosch"),
        ("Acme LLC", "acme"),
    ],
)
def test_name_key_drops_trailing_legal_suffixes(name, expected):
    assert name_key(name) == expected


@pytest.mark.parametrize(("name", "expected"), [("Group", "group"), ("Inc.", "inc"), ("AB", "ab")])
def test_name_key_keeps_a_name_that_is_only_a_suffix_word(name, expected):
    assert name_key(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"), [("Group Inc", "group"), ("Holdings Group Ltd", "holdings")]
)
def test_name_key_keeps_the_last_word_of_a_name_of_suffix_words(name, expected):
    assert name_key(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Group 4 Securicor", "group 4 securicor"), ("Inc Cameras", "inc cameras")],
)
def test_name_key_keeps_suffix_words_that_are_not_trailing(name, expected):
    assert name_key(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Leonardo S.p.A.", "leonardo"),
        ("Leonardo S.p.A", "leonardo"),
        ("Philips N.V.", "philips"),
        ("Thales S.A.", "thales"),
        ("Vanderbilt B.V.", "vanderbilt"),
    ],
)
def test_name_key_drops_trailing_legal_suffixes_written_with_dots(name, expected):
    assert name_key(name) == expected


@pytest.mark.parametrize(("name", "expected"), [("U.S. Cameras", "us cameras"), ("A.B.C", "abc")])
def test_name_key_reads_dotted_initials_as_one_word(name, expected):
    assert name_key(name) == expected


# ---------------------------------------------------------------- NameResolver


def test_resolve_uses_the_wikidata_id_first(resolver):
    assert resolver.resolve("Motorola Solutions", "Q108485435") == FLOCK


def test_resolve_uses_the_wikidata_id_without_a_name(resolver):
    assert resolver.resolve("", "Q2347731") == AXIS


def test_resolve_falls_back_to_the_name_for_an_unknown_wikidata_id(resolver):
    assert resolver.resolve("Motorola Solutions", "Q999999999") == MOTOROLA


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Flock Safety", FLOCK),
        ("Flock", FLOCK),
        ("flock safety", FLOCK),
        ("FLOCK SAFETY, INC.", FLOCK),
        ("Flock Group Inc.", FLOCK),
        ("flock-safety", FLOCK),
        ("Motorola", MOTOROLA),
        ("Axis Communications AB", AXIS),
        ("Axis", AXIS),
        ("Axon", AXON),
        ("Axon Enterprise, Inc.", AXON),
    ],
)
def test_resolve_matches_the_normalised_name_or_an_alias_exactly(resolver, name, expected):
    assert resolver.resolve(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Flock Safty", FLOCK),
        ("Motorolla Solutions", MOTOROLA),
        ("Motorla", MOTOROLA),
        ("Axis Comunications", AXIS),
        ("Axon Enterprize", AXON),
    ],
)
def test_resolve_accepts_one_edit_when_one_record_is_clearly_closest(resolver, name, expected):
    assert resolver.resolve(name) == expected


def test_min_fuzzy_length_is_five():
    assert MIN_FUZZY_LENGTH == 5


@pytest.mark.parametrize("name", ["Axus", "Axo", "Axin", "Flok", "Flck", "Motr"])
def test_resolve_never_fuzzy_matches_a_name_shorter_than_five_letters(resolver, name):
    assert len(name_key(name)) < MIN_FUZZY_LENGTH
    assert resolver.resolve(name) is None


@pytest.mark.parametrize("name", ["Axiss", "Axons", "Axisx"])
def test_resolve_never_fuzzy_matches_a_key_shorter_than_five_letters(resolver, name):
    # One edit from `axis` / `axon`, but those keys only ever match exactly.
    assert resolver.resolve(name) is None


def test_resolve_keeps_axis_and_axon_apart(resolver):
    assert resolver.resolve("Axon") == AXON
    assert resolver.resolve("Axis") == AXIS


def test_resolve_fuzzy_matches_a_five_letter_key(resolver):
    resolver.add(DAHUA, ["Dahua"])
    assert resolver.resolve("Dahuo") == DAHUA


def test_resolve_refuses_two_records_equally_close():
    resolver = NameResolver()
    resolver.add(1, ["Camtek"])
    resolver.add(2, ["Comtec"])
    assert resolver.resolve("Camtec") is None


def test_resolve_refuses_a_record_only_one_edit_closer_than_another():
    resolver = NameResolver()
    resolver.add(1, ["Camtek"])
    resolver.add(2, ["Comtec"])
    # `camteck` is one edit from `camtek`, two from `comtec`.
    assert resolver.resolve("Camteck") is None


def test_resolve_accepts_a_record_two_edits_closer_than_another():
    resolver = NameResolver()
    resolver.add(1, ["Camtek"])
    resolver.add(2, ["Cobalt"])
    assert resolver.resolve("Camtec") == 1


def test_resolve_counts_a_records_closest_spelling_once():
    resolver = NameResolver()
    resolver.add(1, ["Camtek", "Camtec Systems", "Camtek Ltd"])
    assert resolver.resolve("Camtec") == 1


def test_resolve_refuses_a_spelling_that_names_two_records_exactly():
    resolver = NameResolver()
    resolver.add(1, ["Ring"])
    resolver.add(2, ["Ring LLC"])
    assert resolver.resolve("ring") is None


def test_resolve_refuses_a_near_spelling_of_a_name_two_records_share():
    resolver = NameResolver()
    resolver.add(1, ["Vantage Systems"])
    resolver.add(2, ["Vantage Systems Ltd"])
    assert resolver.resolve("Vantage Sytems") is None


@pytest.mark.parametrize("name", ["Hikvision", "Verkada", "Completely Unknown Cameras Ltd"])
def test_resolve_leaves_an_unknown_name_unmatched(resolver, name):
    assert resolver.resolve(name) is None


@pytest.mark.parametrize("name", ["", "   ", "...", "-"])
def test_resolve_leaves_an_empty_name_unmatched(resolver, name):
    assert resolver.resolve(name) is None


def test_resolve_of_an_empty_resolver_is_none():
    assert NameResolver().resolve("Flock Safety") is None


def test_add_ignores_names_that_fold_to_nothing():
    resolver = NameResolver()
    resolver.add(1, ["", "..."])
    assert dict(resolver.by_key) == {}


def test_add_without_wikidata_indexes_no_id():
    resolver = NameResolver()
    resolver.add(1, ["Axon"])
    assert resolver.by_wikidata == {}
    assert resolver.resolve("Axon", "") == 1


def test_resolve_caches_results(resolver, monkeypatch):
    calls = []
    resolve_uncached = resolver._resolve

    def counting(name, wikidata):
        calls.append((name, wikidata))
        return resolve_uncached(name, wikidata)

    monkeypatch.setattr(resolver, "_resolve", counting)
    assert resolver.resolve("Flock Safty") == FLOCK
    assert resolver.resolve("Flock Safty") == FLOCK
    assert resolver.resolve("Hikvision") is None
    assert resolver.resolve("Hikvision") is None
    assert calls == [("Flock Safty", ""), ("Hikvision", "")]


def test_resolve_caches_per_name_and_wikidata(resolver):
    assert resolver.resolve("Axis", "") == AXIS
    assert resolver.resolve("Axis", "Q108485435") == FLOCK


def test_add_clears_the_cache_for_a_new_record(resolver):
    assert resolver.resolve("Genetec") is None
    resolver.add(GENETEC, ["Genetec"], "Q30295174")
    assert resolver.resolve("Genetec") == GENETEC


def test_add_clears_the_cache_when_a_new_record_makes_a_near_match_ambiguous():
    resolver = NameResolver()
    resolver.add(1, ["Camtek"])
    assert resolver.resolve("Camtec") == 1
    resolver.add(2, ["Comtec"])
    assert resolver.resolve("Camtec") is None


def test_add_clears_the_cache_for_a_new_wikidata_id(resolver):
    assert resolver.resolve("", "Q30295174") is None
    resolver.add(GENETEC, ["Genetec"], "Q30295174")
    assert resolver.resolve("", "Q30295174") == GENETEC


def test_resolve_with_no_edits_allowed_matches_exactly_only(resolver, settings):
    settings.NAME_MATCH_MAX_EDITS = 0
    assert resolver.resolve("Flock Safty") is None
    assert resolver.resolve("FLOCK SAFETY, INC.") == FLOCK


def test_resolve_with_two_edits_allowed_accepts_two_edits(resolver, settings):
    settings.NAME_MATCH_MAX_EDITS = 2
    # `flick safaty` is two edits from `flock safety`.
    assert resolver.resolve("Flick Safaty") == FLOCK


def test_resolve_by_default_refuses_two_edits(resolver):
    assert resolver.resolve("Flick Safaty") is None


# ---------------------------------------------------------------- group_spellings


def test_group_spellings_of_nothing_is_no_groups():
    assert group_spellings([]) == []


def test_group_spellings_groups_spellings_with_the_same_key():
    groups = group_spellings([("Ring", 5), ("Ring Inc", 3), ("ring", 1)])
    assert groups == [NameGroup("ring", {"Ring": 5, "Ring Inc": 3, "ring": 1})]


def test_group_spellings_adds_up_a_spelling_given_twice():
    assert group_spellings([("Ring", 2), ("Ring", 3)]) == [NameGroup("ring", {"Ring": 5})]


def test_group_spellings_joins_spellings_a_letter_apart():
    groups = group_spellings([("Flock Safety", 10), ("Flock Safty", 2), ("flock safety", 1)])
    assert groups == [
        NameGroup("flock safety", {"Flock Safety": 10, "flock safety": 1, "Flock Safty": 2})
    ]


def test_group_spellings_names_a_joined_group_after_its_largest_key():
    groups = group_spellings([("Flock Safty", 2), ("Flock Safety", 10)])
    assert [group.key for group in groups] == ["flock safety"]


def test_group_spellings_keeps_unrelated_spellings_apart():
    groups = group_spellings([("Hikvision", 4), ("Verkada", 3), ("Genetec", 2)])
    assert [group.key for group in groups] == ["hikvision", "verkada", "genetec"]


def test_group_spellings_keeps_spellings_two_letters_apart_apart():
    groups = group_spellings([("Camtek", 2), ("Comtec", 1)])
    assert [group.key for group in groups] == ["camtek", "comtec"]


def test_group_spellings_keeps_short_spellings_a_letter_apart_apart():
    groups = group_spellings([("Axis", 3), ("Axon", 2), ("Axiss", 1)])
    assert [group.key for group in groups] == ["axis", "axon", "axiss"]


def test_group_spellings_does_not_join_a_spelling_close_to_two_groups():
    groups = group_spellings([("Camtek", 10), ("Comtec", 8), ("Camtec", 1)])
    assert [group.key for group in groups] == ["camtek", "comtec", "camtec"]


def test_group_spellings_leaves_out_a_spelling_that_folds_to_nothing():
    # Only punctuation (`???`, `-`) says no name is known: a placeholder.
    assert group_spellings([("???", 2), ("Ring", 1)]) == [NameGroup("ring", {"Ring": 1})]


def test_group_spellings_leaves_out_placeholders():
    groups = group_spellings([("Unknown", 9), ("unkwn", 3), ("other", 2), ("Tattile", 1)])
    assert groups == [NameGroup("tattile", {"Tattile": 1})]


def test_group_spellings_orders_groups_by_camera_count():
    groups = group_spellings([("Genetec", 1), ("Hikvision", 2), ("Ring", 2), ("Ring Inc", 2)])
    assert [(group.key, group.cameras) for group in groups] == [
        ("ring", 4),
        ("hikvision", 2),
        ("genetec", 1),
    ]


def test_group_spellings_orders_groups_with_equal_counts_by_key():
    groups = group_spellings([("Verkada", 3), ("Genetec", 3), ("Hikvision", 3)])
    assert [group.key for group in groups] == ["genetec", "hikvision", "verkada"]


def test_group_spellings_orders_by_the_joined_count():
    groups = group_spellings([("Hikvision", 5), ("Flock Safety", 3), ("Flock Safty", 3)])
    assert [(group.key, group.cameras) for group in groups] == [
        ("flock safety", 6),
        ("hikvision", 5),
    ]


def test_group_spellings_with_no_edits_allowed_joins_only_equal_keys(settings):
    settings.NAME_MATCH_MAX_EDITS = 0
    groups = group_spellings([("Flock Safety", 10), ("Flock Safty", 2)])
    assert [group.key for group in groups] == ["flock safety", "flock safty"]


def test_name_group_label_is_the_most_common_spelling():
    group = NameGroup("flock safety", {"flock safety": 2, "Flock Safety": 10, "Flock Safty": 3})
    assert group.label == "Flock Safety"


def test_name_group_cameras_is_the_sum_of_its_spellings():
    group = NameGroup("flock safety", {"flock safety": 2, "Flock Safety": 10, "Flock Safty": 3})
    assert group.cameras == 15


def test_group_spellings_labels_a_group_with_its_most_common_spelling():
    groups = group_spellings([("ring", 1), ("Ring Inc", 3), ("Ring", 5)])
    assert (groups[0].label, groups[0].cameras) == ("Ring", 9)


# ------------------------------------------------- spellings met in real data


def test_resolve_takes_a_swap_of_two_letters_as_one_edit(resolver):
    assert resolver.resolve("Flock Saftey") == FLOCK


@pytest.mark.parametrize("name", ["Flock Safety's", "Flock Safety’s", "FLOCK SAFETY'S"])
def test_resolve_reads_a_possessive_as_the_name(resolver, name):
    assert resolver.resolve(name) == FLOCK


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Acme Cameras Co.", "acme cameras"),
        ("Acme Cameras & Co.", "acme cameras"),
        ("Acme Cameras GmbH & Co. KG", "acme cameras"),
        ("Acme Cameras S.A.", "acme cameras"),
        ("Acme Cameras SARL", "acme cameras"),
        ("Acme Cameras, LLP", "acme cameras"),
        ("Acme Cameras Corp.", "acme cameras"),
        ("Acme Cameras's", "acme cameras"),
        ("Johnson & Johnson", "johnson and johnson"),
    ],
)
def test_name_key_folds_more_legal_suffixes_and_possessives(name, expected):
    assert name_key(name) == expected


@pytest.fixture
def brands(resolver):
    resolver.add(VIGILANT, ["Vigilant Solutions", "Vigilant"], parent=MOTOROLA)
    resolver.add(HANWHA, ["Hanwha Vision", "Wisenet", "Samsung"])
    resolver.add(REOLINK, ["Reolink"])
    resolver.add(ARLO, ["Arlo"])
    return resolver


VIGILANT, HANWHA, REOLINK, ARLO = 10, 11, 12, 13


@pytest.mark.parametrize(
    "name",
    [
        "Motorola Solutions(Vigilant)",
        "Motorola Solutions (Vigilant)",
        "Vigilant (Motorola Solutions)",
        "Motorola/Vigilant",
        "Motorola Solutions / Vigilant Solutions",
    ],
)
def test_resolve_takes_the_brand_of_an_owner_and_its_brand(brands, name):
    assert brands.resolve(name) == VIGILANT


def test_resolve_takes_the_one_known_name_in_parentheses(brands):
    assert brands.resolve("Flock Safety (Falcon)") == FLOCK


def test_resolve_takes_a_list_whose_values_name_one_record(brands):
    assert brands.resolve("Wisenet;Samsung") == HANWHA


@pytest.mark.parametrize("name", ["Reolink;Arlo", "Reolink;Nowhere Cams", "Axis (Motorola)"])
def test_resolve_leaves_a_compound_of_unrelated_or_unknown_makers_unmatched(brands, name):
    assert brands.resolve(name) is None


@pytest.mark.parametrize("name", ["Q108485435", "wikidata=Q108485435", "wikidata=q108485435"])
def test_resolve_reads_a_wikidata_id_written_as_the_name(resolver, name):
    assert resolver.resolve(name) == FLOCK


def test_resolve_leaves_an_unknown_wikidata_id_written_as_the_name_unmatched(resolver):
    assert resolver.resolve("wikidata=Q135925643") is None


def test_for_model_knows_a_vendors_owner(db):
    from tests.factories import VendorFactory

    owner = VendorFactory(name="Motorola Solutions")
    brand = VendorFactory(name="Vigilant Solutions", aliases=["Vigilant"], parent=owner)

    from registry.models import Vendor

    assert NameResolver.for_model(Vendor).resolve("Motorola Solutions(Vigilant)") == brand.pk


# ---------------------------------------------------------------- placeholders


@pytest.mark.parametrize(
    "text",
    ["Unknown", "unkwn", "other", "Other", "n/a", "N/A", "none", "?", "-", "--", "various", ""],
)
def test_a_placeholder_names_no_one(text):
    assert is_placeholder(text)


@pytest.mark.parametrize("text", ["Flock Safety", "Ring", "NA Cameras", "Othello"])
def test_a_name_is_no_placeholder(text):
    assert not is_placeholder(text)


@pytest.mark.parametrize("text", ["Unknown", "unkwn", "other", "n/a", "?", "Unknown Inc."])
def test_resolve_leaves_a_placeholder_unmatched(text):
    resolver = NameResolver()
    resolver.add(1, ["Unknown Cameras", "Other World", "Unknown"])
    assert resolver.resolve(text) is None


def test_a_wikidata_id_beats_a_placeholder_name(resolver):
    assert resolver.resolve("Unknown", "Q108485435") == FLOCK


def test_split_placeholders_counts_them_apart():
    kept, placeholders = split_placeholders([("Unknown", 3), ("Tattile", 2), ("?", 1)])
    assert (kept, placeholders) == ([("Tattile", 2)], 4)
