"""Verification that costs what it claims: who may verify a camera by
confirming it, and how a verification is labelled and kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from registry.models import Camera, Confirmation, Status, Submission, VerifiedBy
from registry.services import camera_set_status
from registry.services.cameras import camera_hide, camera_remove, camera_unhide
from registry.services.contributions import (
    confirmation_add,
    independent_confirmations,
    receipt_issue,
    submission_create,
)
from registry.services.editing import camera_revert
from registry.services.review import submission_approve

pytestmark = pytest.mark.django_db

HERE = Point(-87.6300, 41.8800, srid=4326)


@pytest.fixture(autouse=True)
def demanding_defaults(settings):
    """The shipped defaults, whatever the environment says."""
    settings.VERIFY_AFTER_CONFIRMATIONS = 3
    settings.VERIFY_MIN_DAYS = 2
    settings.VERIFY_ACCOUNT_MIN_AGE_DAYS = 30
    settings.VERIFY_ACCOUNT_MIN_ACCEPTED = 1


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def account(django_user_model, name: str, *, age_days: int = 90):
    user = django_user_model.objects.create_user(username=name, password="a-long-pass-42")
    django_user_model.objects.filter(pk=user.pk).update(date_joined=days_ago(age_days))
    return django_user_model.objects.get(pk=user.pk)


def with_accepted_report(user, moderator, *, decided_days_ago: int = 60):
    """The account's report of another camera, approved by a moderator."""
    submission = submission_create(location=Point(2.35, 48.85, srid=4326), user=user)
    submission_approve(submission=submission, moderator=moderator)
    Submission.objects.filter(pk=submission.pk).update(decided_at=days_ago(decided_days_ago))
    return user


@pytest.fixture
def standing(django_user_model, moderator):
    """Accounts with standing: 90 days old, one report accepted 60 days ago."""

    def make(name: str):
        return with_accepted_report(account(django_user_model, name), moderator)

    return make


@pytest.fixture
def reported():
    return submission_create(location=HERE, kind="camera").camera


def confirm(camera: Camera, *, on_day_ago: int = 0, **who) -> Confirmation:
    """A confirmation, recorded `on_day_ago` days ago (as Sightline's clock
    saw it, not as the contributor says)."""
    confirmation = confirmation_add(camera=camera, **who)
    if on_day_ago:
        Confirmation.objects.filter(pk=confirmation.pk).update(created_at=days_ago(on_day_ago))
    return confirmation


def status_of(camera: Camera) -> tuple[str, str]:
    camera.refresh_from_db()
    return camera.status, camera.verified_by


# ------------------------------------------------------------------ the rule


def test_three_accounts_with_standing_on_two_days_verify_by_confirmations(standing, reported):
    confirm(reported, user=standing("ana"), on_day_ago=3)
    confirm(reported, user=standing("ben"), on_day_ago=3)
    assert status_of(reported) == (Status.REPORTED, "")
    confirm(reported, user=standing("cleo"))
    assert status_of(reported) == (Status.VERIFIED, VerifiedBy.CONFIRMATIONS)
    assert timezone.now() - reported.verified_at < timedelta(minutes=1)
    revision = reported.revisions.order_by("-version").first()
    assert revision.changes["verified_by"] == ["", "confirmations"]
    assert revision.changeset.comment == (
        "confirmed still there; verified by 3 independent confirmations"
    )


def test_three_accounts_with_standing_on_one_day_do_not_verify(standing, reported):
    for name in ("ana", "ben", "cleo", "dan"):
        confirm(reported, user=standing(name))
    assert independent_confirmations(reported) == 4
    assert status_of(reported) == (Status.REPORTED, "")


def test_a_backdated_sighting_does_not_make_another_day(standing, reported):
    confirm(reported, user=standing("ana"), seen_on=date.today() - timedelta(days=5))
    confirm(reported, user=standing("ben"), seen_on=date.today() - timedelta(days=3))
    confirm(reported, user=standing("cleo"))
    assert status_of(reported) == (Status.REPORTED, "")


def test_three_fresh_anonymous_receipts_cannot_verify(reported, settings):
    settings.VERIFY_AFTER_CONFIRMATIONS = 1
    settings.VERIFY_MIN_DAYS = 1
    for day in (3, 2, 0):
        confirm(reported, receipt=receipt_issue()[0], on_day_ago=day)
    reported.refresh_from_db()
    assert (reported.status, reported.last_confirmed) == (Status.REPORTED, date.today())
    assert reported.confirmations.people() == 3
    assert independent_confirmations(reported) == 0


def test_new_accounts_cannot_verify(django_user_model, moderator, reported):
    for day, name in ((3, "ana"), (3, "ben"), (0, "cleo")):
        fresh = with_accepted_report(account(django_user_model, name, age_days=10), moderator)
        confirm(reported, user=fresh, on_day_ago=day)
    assert status_of(reported) == (Status.REPORTED, "")


def test_old_accounts_without_an_accepted_contribution_cannot_verify(django_user_model, reported):
    for day, name in ((3, "ana"), (3, "ben"), (0, "cleo")):
        confirm(reported, user=account(django_user_model, name), on_day_ago=day)
    assert status_of(reported) == (Status.REPORTED, "")


def test_standing_counts_as_it_was_when_the_account_confirmed(
    django_user_model, moderator, standing, reported
):
    late = account(django_user_model, "late")
    confirm(reported, user=late, on_day_ago=3)  # nothing accepted yet then
    with_accepted_report(late, moderator, decided_days_ago=1)
    confirm(reported, user=standing("ben"), on_day_ago=3)
    confirm(reported, user=standing("cleo"))
    assert independent_confirmations(reported) == 2
    assert status_of(reported) == (Status.REPORTED, "")


def test_one_account_confirming_on_many_days_counts_once(standing, reported):
    ana = standing("ana")
    for day in (5, 4, 3, 0):
        confirm(reported, user=ana, on_day_ago=day)
    confirm(reported, user=standing("ben"))
    assert independent_confirmations(reported) == 2
    assert status_of(reported) == (Status.REPORTED, "")


def test_the_submitter_does_not_verify_their_own_report(standing):
    ana = standing("ana")
    camera = submission_create(location=HERE, kind="camera", user=ana).camera
    confirm(camera, user=ana, on_day_ago=3)
    confirm(camera, user=standing("ben"), on_day_ago=3)
    confirm(camera, user=standing("cleo"))
    assert independent_confirmations(camera) == 2
    assert status_of(camera) == (Status.REPORTED, "")


def test_a_deactivated_account_does_not_count(standing, reported, django_user_model):
    ana = standing("ana")
    confirm(reported, user=ana, on_day_ago=3)
    django_user_model.objects.filter(pk=ana.pk).update(is_active=False)
    confirm(reported, user=standing("ben"), on_day_ago=3)
    confirm(reported, user=standing("cleo"))
    assert status_of(reported) == (Status.REPORTED, "")


def test_the_rule_follows_the_settings(django_user_model, settings, reported):
    settings.VERIFY_AFTER_CONFIRMATIONS = 2
    settings.VERIFY_MIN_DAYS = 1
    settings.VERIFY_ACCOUNT_MIN_AGE_DAYS = 0
    settings.VERIFY_ACCOUNT_MIN_ACCEPTED = 0
    confirm(reported, user=account(django_user_model, "ana", age_days=0))
    confirm(reported, user=account(django_user_model, "ben", age_days=0))
    assert status_of(reported) == (Status.VERIFIED, VerifiedBy.CONFIRMATIONS)


def test_zero_confirmations_needed_means_only_moderators_verify(standing, reported, settings):
    settings.VERIFY_AFTER_CONFIRMATIONS = 0
    for day, name in ((3, "ana"), (3, "ben"), (0, "cleo")):
        confirm(reported, user=standing(name), on_day_ago=day)
    assert status_of(reported) == (Status.REPORTED, "")


# ------------------------------------------------------------- the labels


def test_a_moderators_approval_is_labelled_apart(moderator):
    submission = submission_create(location=HERE, kind="camera")
    camera = submission_approve(submission=submission, moderator=moderator)
    assert status_of(camera) == (Status.VERIFIED, VerifiedBy.MODERATOR)
    assert camera.verified_at is not None


def test_a_moderator_verifying_a_camera_verified_by_confirmations_relabels_it(moderator):
    camera = submission_create(location=HERE, kind="camera").camera
    camera = camera_set_status(
        camera=camera,
        status=Status.VERIFIED,
        actor=None,
        reason="rule",
        verified_by=VerifiedBy.CONFIRMATIONS,
    )
    camera = camera_set_status(
        camera=camera, status=Status.VERIFIED, actor=moderator, reason="checked on site"
    )
    assert status_of(camera) == (Status.VERIFIED, VerifiedBy.MODERATOR)


def test_hiding_forgets_the_label_and_showing_again_restores_it(moderator):
    camera = submission_create(location=HERE, kind="camera").camera
    camera = camera_set_status(
        camera=camera,
        status=Status.VERIFIED,
        actor=None,
        reason="rule",
        verified_by=VerifiedBy.CONFIRMATIONS,
    )
    verified_at = camera.verified_at
    camera = camera_hide(camera=camera, actor=moderator, reason="checking")
    assert (camera.verified_by, camera.verified_at) == ("", None)
    camera = camera_unhide(camera=camera, actor=moderator, reason="fine")
    camera.refresh_from_db()
    assert (camera.status, camera.verified_by, camera.verified_at) == (
        Status.VERIFIED,
        VerifiedBy.CONFIRMATIONS,
        verified_at,
    )


def test_a_removed_camera_is_no_longer_labelled_and_a_revert_brings_the_label_back(moderator):
    camera = submission_approve(
        submission=submission_create(location=HERE, kind="camera"), moderator=moderator
    )
    verified = camera.version
    camera = camera_remove(camera=camera, removed_on=date(2026, 1, 5), actor=None, reason="gone")
    assert (camera.verified_by, camera.verified_at) == ("", None)
    camera = camera_revert(camera=camera, version=verified, moderator=moderator, reason="back")
    assert status_of(camera) == (Status.VERIFIED, VerifiedBy.MODERATOR)


def test_a_revert_to_before_the_verification_clears_the_label(moderator):
    camera = submission_approve(
        submission=submission_create(location=HERE, kind="camera"), moderator=moderator
    )
    camera = camera_revert(camera=camera, version=1, moderator=moderator, reason="too fast")
    camera.refresh_from_db()
    assert (camera.status, camera.verified_by, camera.verified_at) == (Status.REPORTED, "", None)


# ------------------------------------------------------- existing cameras


def test_the_migration_labels_verified_cameras_by_their_history(standing, moderator):
    from importlib import import_module

    label_sql = import_module("registry.migrations.0017_verification").LABEL_SQL
    by_rule = submission_create(location=HERE, kind="camera").camera
    for day, name in ((3, "ana"), (3, "ben"), (0, "cleo")):
        confirm(by_rule, user=standing(name), on_day_ago=day)
    by_moderator = submission_approve(
        submission=submission_create(location=Point(-87.63, 41.89, srid=4326)),
        moderator=moderator,
    )
    hidden_and_back = camera_unhide(
        camera=camera_hide(camera=by_rule, actor=moderator, reason="check"),
        actor=moderator,
        reason="fine",
    )
    assert hidden_and_back.pk == by_rule.pk
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: ALTER may run
        cursor.execute("ALTER TABLE registry_camera DROP CONSTRAINT camera_verified_says_how")
        cursor.execute("UPDATE registry_camera SET verified_by = '', verified_at = NULL")
        cursor.execute(label_sql)
    assert status_of(by_rule) == (Status.VERIFIED, VerifiedBy.CONFIRMATIONS)
    assert status_of(by_moderator) == (Status.VERIFIED, VerifiedBy.MODERATOR)
    assert Camera.objects.get(pk=by_moderator.pk).verified_at is not None


# ------------------------------------------- labels on pages, reports, files


def verified_both_ways(moderator) -> tuple[Camera, Camera]:
    by_moderator = submission_approve(
        submission=submission_create(location=HERE, kind="camera"), moderator=moderator
    )
    by_rule = camera_set_status(
        camera=submission_create(location=Point(-87.6290, 41.8800, srid=4326)).camera,
        status=Status.VERIFIED,
        actor=None,
        reason="confirmed",
        verified_by=VerifiedBy.CONFIRMATIONS,
    )
    return by_moderator, by_rule


def test_the_camera_page_says_who_verified_it(client, moderator):
    by_moderator, by_rule = verified_both_ways(moderator)
    page = client.get(f"/cameras/{by_moderator.pk}/").content.decode()
    assert "Verified by a moderator on" in page
    assert "independent confirmations" not in page
    page = client.get(f"/cameras/{by_rule.pk}/").content.decode()
    assert "Verified by independent confirmations on" in page
    assert "No moderator has checked it." in page


def test_the_spanish_camera_page_says_it_in_spanish(client, moderator):
    _by_moderator, by_rule = verified_both_ways(moderator)
    page = client.get(f"/es/cameras/{by_rule.pk}/").content.decode()
    assert "Verificada por confirmaciones independientes el" in page


def test_the_camera_list_keeps_the_two_apart(client, moderator):
    verified_both_ways(moderator)
    page = client.get("/cameras/", {"status": "verified"}).content.decode()
    assert "(by a moderator)" in page
    assert "(by independent confirmations)" in page


def test_the_area_report_counts_the_two_apart(client, moderator):
    from django.contrib.gis.geos import Polygon

    from registry.reports.areas import area_report
    from registry.services.areas import area_upsert

    square = Polygon(((-88, 41), (-87, 41), (-87, 42), (-88, 42), (-88, 41)), srid=4326)
    area, _outcome = area_upsert(name="Testville", level="city", geometry=square)
    verified_both_ways(moderator)
    submission_create(location=Point(-87.6280, 41.8800, srid=4326))  # reported only
    totals = area_report(area).totals
    assert (totals.verified, totals.verified_by_moderator, totals.verified_by_confirmations) == (
        2,
        1,
        1,
    )
    page = client.get(f"/areas/{area.slug}/").content.decode()
    assert "Verified by a moderator" in page
    assert "Verified by independent confirmations" in page


def test_exports_carry_how_and_when_as_columns_and_properties(moderator):
    import csv
    import io
    import json

    from registry.exports import csv_lines, geojson_chunks

    by_moderator, by_rule = verified_both_ways(moderator)
    reported = submission_create(location=Point(-87.6280, 41.8800, srid=4326)).camera
    cameras = Camera.objects.order_by("pk")
    rows = {
        int(row["id"]): row for row in csv.DictReader(io.StringIO("".join(csv_lines(cameras))))
    }
    by_rule.refresh_from_db()
    assert rows[by_rule.pk]["verified_by"] == "confirmations"
    assert rows[by_rule.pk]["verified_at"] == by_rule.verified_at.isoformat()
    assert rows[by_moderator.pk]["verified_by"] == "moderator"
    assert (rows[reported.pk]["verified_by"], rows[reported.pk]["verified_at"]) == ("", "")
    features = {
        feature["id"]: feature["properties"]
        for feature in json.loads("".join(geojson_chunks(cameras)))["features"]
    }
    assert features[by_rule.pk]["verified_by"] == "confirmations"
    assert features[by_moderator.pk]["verified_by"] == "moderator"
    assert (features[reported.pk]["verified_by"], features[reported.pk]["verified_at"]) == (
        None,
        None,
    )
