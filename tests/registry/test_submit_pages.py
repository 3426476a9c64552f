"""Contributing from the site, through Django's test client on real PostGIS:
/submit/ with and without JavaScript (the proof of work solved as a client
would, tests/pow.py), a camera's "still there", "it's gone" and "suggest
an edit", the thank-you page, receipts and accounts. Bad input stores
nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from registry.models import (
    Camera,
    Confirmation,
    EditSuggestion,
    Evidence,
    Receipt,
    RemovalReport,
    Status,
    Submission,
)
from registry.services import camera_create, camera_remove
from registry.services.contributions import receipt_issue, submission_create
from tests.factories import OperatorFactory, VendorFactory
from tests.pow import fetch_and_solve
from tests.registry.test_photos import CHICAGO, assert_bare_jpeg, jpeg_with_everything

pytestmark = pytest.mark.django_db

SUBMIT = "/submit/"
PASSWORD = "a-long-test-password-77"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # rate-limit counters, used proofs of work, name suggestions


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def camera(db):
    return camera_create(
        location=Point(-87.63, 41.88, srid=4326),
        actor=None,
        kind="ALPR",
        camera_type="fixed",
        directions=[90.0],
        height=4.0,
        vendor_raw="Flock Safety",
    )


def report(**overrides) -> dict:
    body = {"latitude": "41.88", "longitude": "-87.63", "kind": "ALPR", "directions": "90, 270"}
    body.update(overrides)
    return body


def stored_files(root) -> list:
    return sorted(path for path in root.rglob("*") if path.is_file())


def photo(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def thanks_page(client, response):
    assert response.status_code == 303, response.content[:2000]
    assert response["Location"] == "/thanks/"
    return client.get("/thanks/")


def receipt_link(page) -> str:
    match = re.search(r'id="receipt-link" href="https?://[^/]+(/receipts/[^/"]+/)"', page.text)
    assert match, "no receipt link on the page"
    return match.group(1)


def signed_in(django_user_model, username: str = "resident") -> Client:
    user = django_user_model.objects.create_user(username=username, password=PASSWORD)
    client = Client()
    client.force_login(user)
    return client


# ------------------------------------------------------------- the form


def test_the_form_works_without_javascript_and_offers_the_essentials(client):
    VendorFactory(name="Flock Safety")
    OperatorFactory(name="Chicago Police Department")
    page = client.get(SUBMIT)
    assert page.status_code == 200
    html = page.text
    for name in ("latitude", "longitude", "directions", "vendor", "operator", "note"):
        assert f'name="{name}"' in html
    assert 'type="number"' in html
    assert 'accept="image/*" capture="environment"' in html
    assert 'name="altcha"' in html and 'name="receipt"' in html
    assert 'list="vendor-names"' in html and '<option value="Flock Safety">' in html
    assert '<option value="Chicago Police Department">' in html
    assert 'name="capabilities" value="face_recognition"' in html
    assert "<noscript>" in html and "moderator first" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_the_header_links_to_the_form_and_to_sign_in(client):
    page = client.get("/cameras/")
    assertContains(page, 'href="/submit/"')
    assertContains(page, 'href="/accounts/login/"')


def test_without_a_proof_of_work_an_anonymous_report_waits_hidden_for_review(client):
    response = client.post(SUBMIT, report())
    page = thanks_page(client, response)
    submission = Submission.objects.get()
    camera = submission.camera
    assert camera.status == Status.HIDDEN
    assert (camera.kind, camera.directions) == ("ALPR", [90.0, 270.0])
    assert camera.location.coords == pytest.approx((-87.63, 41.88))
    assert "without_proof" in [warning["code"] for warning in submission.warnings]
    assert submission.receipt is not None
    assertContains(page, "waits for a moderator")
    assert client.get(f"/cameras/{camera.pk}/").status_code == 404


def test_with_a_solved_proof_of_work_the_camera_is_public_as_reported(client):
    response = client.post(SUBMIT, report(altcha=fetch_and_solve(client), vendor="Axis"))
    page = thanks_page(client, response)
    camera = Camera.objects.get()
    assert camera.status == Status.REPORTED
    assert camera.vendor_raw == "Axis"
    assertContains(page, "is on the map now")
    assert client.get(f"/cameras/{camera.pk}/").status_code == 200
    # The receipt link is shown once, and lists the report.
    listed = client.get(receipt_link(page))
    assert listed.status_code == 200
    assertContains(listed, "New camera")
    assertContains(listed, f"/cameras/{camera.pk}/")


def test_review_first_hides_even_where_reports_are_public_before_review(settings):
    settings.SUBMISSIONS_PUBLIC_BEFORE_REVIEW = True
    submission = submission_create(
        location=Point(2.35, 48.85, srid=4326), kind="camera", review_first=True
    )
    assert submission.camera.status == Status.HIDDEN
    public = submission_create(location=Point(2.36, 48.85, srid=4326), kind="camera")
    assert public.camera.status == Status.REPORTED


def test_a_signed_in_contributor_needs_no_proof_of_work_and_gets_no_receipt(django_user_model):
    client = signed_in(django_user_model)
    page = thanks_page(client, client.post(SUBMIT, report()))
    submission = Submission.objects.get()
    assert submission.user.username == "resident" and submission.receipt is None
    assert submission.camera.status == Status.REPORTED
    assertNotContains(page, 'id="receipt-link"')
    assertContains(page, "/accounts/me/")


def test_a_report_with_a_photo_stores_it_without_metadata(client, media):
    body = report(altcha=fetch_and_solve(client), photos=[photo(jpeg_with_everything())])
    thanks_page(client, client.post(SUBMIT, body))
    evidence = Evidence.objects.get()
    assert Submission.objects.get().photos.get() == evidence
    data = (media / evidence.document.name).read_bytes()
    assert_bare_jpeg(data)
    assert b"Acme Phones" not in data
    assert len(stored_files(media)) == 2  # the photo and its thumbnail


def test_capabilities_are_recorded(client):
    body = report(altcha=fetch_and_solve(client), capabilities=["face_recognition", "audio"])
    thanks_page(client, client.post(SUBMIT, body))
    recorded = Camera.objects.get().capabilities.values_list("capability", flat=True)
    assert sorted(recorded) == ["audio", "face_recognition"]


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        ({"latitude": "91"}, "id_latitude", "A latitude is from -90 to 90 degrees."),
        ({"longitude": "-181"}, "id_longitude", "A longitude is from -180 to 180 degrees."),
        ({"latitude": ""}, "id_latitude", "Give the camera&#x27;s position"),
        ({"longitude": "east"}, "id_longitude", "Give a number of degrees"),
        ({"directions": "90, 400"}, "id_directions", "400 is out of range"),
        ({"directions": "up"}, "id_directions", "is not a direction"),
        ({"kind": "drone"}, "id_kind_0", "Select a valid choice"),
        ({"height": "-3"}, "id_height", "greater than or equal to 0"),
        ({"note": "x" * 5001}, "id_note", "at most 5000 characters"),
    ],
)
def test_bad_fields_are_named_beside_the_field_and_nothing_is_stored(
    client, media, override, field, message
):
    response = client.post(SUBMIT, report(**override, photos=[photo(jpeg_with_everything())]))
    assert response.status_code == 400
    assertContains(response, message, status_code=400)
    assertContains(response, f'href="#{field}"', status_code=400)  # in the error summary
    assertContains(response, 'id="error-summary"', status_code=400)
    assert not Camera.objects.exists() and not Receipt.objects.exists()
    assert stored_files(media) == []


def test_an_error_is_tied_to_its_input_for_assistive_technology(client):
    response = client.post(SUBMIT, report(latitude="91"))
    html = response.text
    field = re.search(r"<input[^>]*id=\"id_latitude\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in field
    assert "id_latitude_error" in field
    assert 'id="id_latitude_error"' in html


def test_compass_points_and_degree_signs_are_directions(client):
    thanks_page(client, client.post(SUBMIT, report(directions="NE; 180°  w")))
    assert Camera.objects.get().directions == [45.0, 180.0, 270.0]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"this is plain text, not a picture", "camera.jpg", "Send JPEG, PNG, WebP or HEIC."),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "camera.svg",
            "SVG",
        ),
        (jpeg_with_everything()[:600], "truncated.jpg", "Photo 2: The image is truncated"),
    ],
)
def test_a_bad_photo_refuses_the_report_and_stores_nothing(client, media, data, name, message):
    good = photo(jpeg_with_everything(), "good.jpg")
    body = report(altcha=fetch_and_solve(client), photos=[good, photo(data, name)])
    response = client.post(SUBMIT, body)
    assert response.status_code == 400
    assertContains(response, message, status_code=400)
    assertContains(response, 'href="#id_photos"', status_code=400)
    assert not Camera.objects.exists() and not Evidence.objects.exists()
    assert not Receipt.objects.exists()
    assert stored_files(media) == []


def test_too_many_photos_are_refused(client, media, settings):
    settings.CONTRIBUTION_MAX_PHOTOS = 1
    body = report(photos=[photo(jpeg_with_everything()), photo(jpeg_with_everything())])
    response = client.post(SUBMIT, body)
    assertContains(response, "Send at most 1 photos.", status_code=400)
    assert not Camera.objects.exists() and stored_files(media) == []


def test_an_oversized_body_is_refused_before_it_is_read(client, settings):
    settings.PHOTO_MAX_BYTES = 1000
    settings.CONTRIBUTION_MAX_PHOTOS = 1
    body = report(photos=[photo(b"\xff" * 1_100_000)])
    response = client.post(SUBMIT, body)
    assertContains(response, "limit for a contribution with photos", status_code=413)
    assert not Camera.objects.exists()


@pytest.mark.parametrize(
    ("altcha", "message"),
    [
        ("bm90IGEgcHJvb2Y=", "did not pass"),
        ("!!!", "did not pass"),
    ],
)
def test_a_wrong_proof_of_work_is_refused(client, altcha, message):
    response = client.post(SUBMIT, report(altcha=altcha))
    assertContains(response, message, status_code=400)
    assert not Camera.objects.exists()


def test_a_replayed_proof_of_work_is_refused(client):
    solved = fetch_and_solve(client)
    thanks_page(client, client.post(SUBMIT, report(altcha=solved)))
    replay = client.post(SUBMIT, report(altcha=solved, latitude="41.89"))
    assertContains(replay, "already used", status_code=400)
    assert Camera.objects.count() == 1


def test_a_post_without_csrf_token_is_refused(media):
    client = Client(enforce_csrf_checks=True)
    response = client.post(SUBMIT, report(photos=[photo(jpeg_with_everything())]))
    assert response.status_code == 403
    assert not Camera.objects.exists() and stored_files(media) == []


def test_the_form_with_its_csrf_token_is_accepted():
    client = Client(enforce_csrf_checks=True)
    page = client.get(SUBMIT)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(SUBMIT, report(csrfmiddlewaretoken=token))
    assert response.status_code == 303
    assert Camera.objects.count() == 1


def test_reports_without_proof_of_work_share_one_tight_limit(settings):
    settings.NOSCRIPT_SUBMISSIONS_RATE = "2/hour"
    senders = [Client(REMOTE_ADDR=f"192.0.2.{n}") for n in range(1, 4)]
    for n, sender in enumerate(senders[:2]):
        assert sender.post(SUBMIT, report(latitude=f"41.8{n}")).status_code == 303
    refused = senders[2].post(SUBMIT, report(latitude="41.87"))
    assertContains(refused, "only a few reports without JavaScript", status_code=429)
    assert int(refused["Retry-After"]) > 0
    assert Camera.objects.count() == 2
    # With the proof of work, or with an account, the limit does not apply.
    solved = report(latitude="41.86", altcha=fetch_and_solve(senders[2]))
    assert senders[2].post(SUBMIT, solved).status_code == 303


def test_the_per_client_contribution_limit_applies_to_the_site(settings):
    settings.CONTRIBUTION_RATE = "1/hour"
    client = Client(REMOTE_ADDR="192.0.2.50")
    assert client.post(SUBMIT, report()).status_code == 303
    refused = client.post(SUBMIT, report(latitude="41.81"))
    assertContains(refused, "Too many contributions", status_code=429)
    assert Camera.objects.count() == 1


def test_an_unknown_receipt_is_an_error_and_a_known_one_is_reused(client):
    refused = client.post(SUBMIT, report(receipt="not-a-receipt"))
    assertContains(refused, "No receipt has this link", status_code=400)
    assert not Camera.objects.exists()
    receipt, token = receipt_issue()
    form = client.get(f"{SUBMIT}?receipt={token}")
    assertContains(form, f'name="receipt" value="{token}"')
    assert form["Referrer-Policy"] == "no-referrer"
    thanks_page(client, client.post(SUBMIT, report(receipt=token)))
    assert Submission.objects.get().receipt == receipt


def test_a_position_in_the_address_prefills_the_form(client):
    page = client.get(f"{SUBMIT}?latitude=41.5&longitude=-87.25")
    assertContains(page, 'value="41.5"')
    assertContains(page, 'value="-87.25"')


# ------------------------------------------------------------- receipts


def test_script_in_a_note_is_shown_escaped(client):
    note = "<script>alert(1)</script> by the bus stop"
    page = thanks_page(client, client.post(SUBMIT, report(note=note)))
    listed = client.get(receipt_link(page))
    assert "<script>alert(1)</script>" not in listed.text
    assertContains(listed, "&lt;script&gt;alert(1)&lt;/script&gt; by the bus stop")


def test_the_receipt_lists_everything_with_its_review_and_leaks_nothing(client, camera):
    receipt, token = receipt_issue()
    submission = submission_create(
        location=Point(-87.62, 41.87, srid=4326), kind="camera", receipt=receipt
    )
    Submission.objects.filter(pk=submission.pk).update(
        state="rejected", decision_reason="A duplicate of camera 12."
    )
    solved = fetch_and_solve(client)
    client.post(f"/cameras/{camera.pk}/gone/", {"receipt": token, "altcha": solved})
    page = client.get(f"/receipts/{token}/")
    assert page.status_code == 200
    assertContains(page, "New camera")
    assertContains(page, "Rejected")
    assertContains(page, "A duplicate of camera 12.")
    assertContains(page, "It&#x27;s gone")
    assertContains(page, '<meta name="robots" content="noindex">')
    assert page["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page["Cache-Control"]


def test_an_unknown_receipt_token_is_a_404(client):
    receipt_issue()
    assert client.get("/receipts/not-a-real-token/").status_code == 404


def test_the_thank_you_page_without_anything_sent_says_so(client):
    page = client.get("/thanks/")
    assertContains(page, "nothing recent to show")


def test_the_receipt_token_is_kept_only_as_a_hash(client):
    page = thanks_page(client, client.post(SUBMIT, report()))
    token = receipt_link(page).split("/")[2]
    assert Receipt.objects.get().token_hash != token
    assert not Receipt.objects.filter(token_hash__contains=token).exists()


# ------------------------------------------------------- camera actions


def test_the_camera_page_offers_the_three_actions_with_counts(client, camera):
    Confirmation.objects.create(camera=camera, seen_on=date(2024, 5, 1))
    RemovalReport.objects.create(camera=camera, seen_gone_on=date(2024, 6, 1))
    page = client.get(f"/cameras/{camera.pk}/")
    assertContains(page, "Is it still there?")
    assertContains(page, f'action="/cameras/{camera.pk}/still-there/"')
    assertContains(page, f'href="/cameras/{camera.pk}/gone/"')
    assertContains(page, f'href="/cameras/{camera.pk}/suggest/"')
    assertContains(page, "Confirmed by 1 person.")
    assertContains(page, "1 report says it is gone")
    assertContains(page, "needs JavaScript")


def test_a_removed_camera_offers_an_edit_or_a_new_report_instead(client, camera):
    camera_remove(camera=camera, actor=None, removed_on=date(2024, 1, 2), reason="gone")
    page = client.get(f"/cameras/{camera.pk}/")
    assertNotContains(page, "/still-there/")
    assertNotContains(page, f'href="/cameras/{camera.pk}/gone/"')
    assertContains(page, f'href="/cameras/{camera.pk}/suggest/"')
    assertContains(page, "Report it as a new camera")


def test_still_there_moves_the_last_confirmation_to_today(client, camera):
    response = client.post(
        f"/cameras/{camera.pk}/still-there/", {"altcha": fetch_and_solve(client)}
    )
    page = thanks_page(client, response)
    camera.refresh_from_db()
    assert camera.last_confirmed == timezone.localdate()
    confirmation = Confirmation.objects.get()
    assert confirmation.receipt is not None and confirmation.user is None
    assertContains(page, "confirmed still there")
    assertContains(page, "Confirmed by 1 person so far.")


def test_still_there_without_javascript_needs_an_account(client, camera):
    response = client.post(f"/cameras/{camera.pk}/still-there/", {})
    assertContains(response, "needs JavaScript", status_code=400)
    assert not Confirmation.objects.exists()
    camera.refresh_from_db()
    assert camera.last_confirmed is None


def test_still_there_for_a_signed_in_contributor(django_user_model, camera):
    client = signed_in(django_user_model)
    thanks_page(client, client.post(f"/cameras/{camera.pk}/still-there/", {}))
    assert Confirmation.objects.get().user.username == "resident"


def test_its_gone_creates_a_removal_report_with_a_photo(client, camera, media):
    yesterday = timezone.localdate() - timedelta(days=1)
    body = {
        "seen_gone_on": yesterday.isoformat(),
        "note": "Only the bracket is left.",
        "photos": [photo(jpeg_with_everything())],
        "altcha": fetch_and_solve(client),
    }
    page = thanks_page(client, client.post(f"/cameras/{camera.pk}/gone/", body))
    report_ = RemovalReport.objects.get()
    assert (report_.camera, report_.seen_gone_on, report_.state) == (camera, yesterday, "open")
    assert report_.note == "Only the bracket is left."
    assert report_.photos.count() == 1
    camera.refresh_from_db()
    assert camera.status == Status.REPORTED  # until a moderator accepts it
    assertContains(page, "A moderator will check it")


def test_its_gone_without_javascript_waits_for_a_moderator_like_any_report(client, camera):
    thanks_page(client, client.post(f"/cameras/{camera.pk}/gone/", {"note": "gone"}))
    assert RemovalReport.objects.get().state == "open"


def test_its_gone_in_the_future_is_refused(client, camera):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        f"/cameras/{camera.pk}/gone/",
        {"seen_gone_on": tomorrow.isoformat(), "altcha": fetch_and_solve(client)},
    )
    assertContains(response, "The date is in the future.", status_code=400)
    assert not RemovalReport.objects.exists()


def test_the_suggestion_form_is_prefilled_with_the_cameras_values(client, camera):
    page = client.get(f"/cameras/{camera.pk}/suggest/")
    html = page.text
    assert 'name="latitude" value="41.88"' in html.replace('type="number" ', "")
    assert re.search(r'name="height"[^>]*value="4.0"|value="4.0"[^>]*name="height"', html)
    assert re.search(r'value="90"[^>]*id="id_directions"|id="id_directions"[^>]*value="90"', html)
    assert re.search(r'value="ALPR"[^>]*checked|checked[^>]*value="ALPR"', html)
    assert 'value="Flock Safety"' in html


def test_a_suggestion_holds_only_the_changed_fields_and_shows_the_diff(client, camera):
    values = {
        "latitude": "41.88",
        "longitude": "-87.63",
        "kind": "ALPR",
        "camera_type": "fixed",
        "directions": "90",
        "height": "5.5",
        "vendor": "Flock Safety",
        "note": "Measured against the door.",
        "altcha": fetch_and_solve(client),
    }
    page = thanks_page(client, client.post(f"/cameras/{camera.pk}/suggest/", values))
    suggestion = EditSuggestion.objects.get()
    assert suggestion.changes == {"height": [4.0, 5.5]}
    assert suggestion.note == "Measured against the door."
    assertContains(page, "What you suggested")
    assertContains(page, '<th scope="row">Height</th>')
    assertContains(page, "5.5")
    camera.refresh_from_db()
    assert camera.height == 4.0  # until a moderator applies it


def test_a_suggestion_of_a_new_position_and_directions(client, camera):
    values = {
        "latitude": "41.8801",
        "longitude": "-87.63",
        "kind": "ALPR",
        "camera_type": "fixed",
        "directions": "90, 180",
        "height": "4",
        "vendor": "Flock Safety",
        "altcha": fetch_and_solve(client),
    }
    thanks_page(client, client.post(f"/cameras/{camera.pk}/suggest/", values))
    changes = EditSuggestion.objects.get().changes
    assert set(changes) == {"location", "directions"}
    assert changes["directions"] == [[90.0], [90.0, 180.0]]
    assert changes["location"][1] == pytest.approx([-87.63, 41.8801])


def test_a_suggestion_that_changes_nothing_is_refused(client, camera):
    values = {
        "latitude": "41.88",
        "longitude": "-87.63",
        "kind": "ALPR",
        "camera_type": "fixed",
        "directions": "90",
        "height": "4",
        "vendor": "Flock Safety",
        "altcha": fetch_and_solve(client),
    }
    response = client.post(f"/cameras/{camera.pk}/suggest/", values)
    assertContains(response, "Change at least one value", status_code=400)
    assert not EditSuggestion.objects.exists()


def test_actions_on_a_hidden_camera_are_404(client, camera):
    Camera.objects.filter(pk=camera.pk).update(status=Status.HIDDEN)
    for action in ("still-there", "gone", "suggest"):
        assert client.get(f"/cameras/{camera.pk}/{action}/").status_code == 404
        assert client.post(f"/cameras/{camera.pk}/{action}/", {}).status_code == 404
    assert not RemovalReport.objects.exists() and not EditSuggestion.objects.exists()


# ------------------------------------------------------------- accounts


def test_signup_with_a_pseudonym_and_no_email(client, django_user_model):
    page = client.get("/accounts/signup/")
    assertContains(page, 'name="email"')
    body = {
        "username": "night-owl",
        "email": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "altcha": fetch_and_solve(client),
    }
    response = client.post("/accounts/signup/", body)
    assert response.status_code == 302 and response["Location"] == "/accounts/me/"
    user = django_user_model.objects.get(username="night-owl")
    assert user.email == ""
    assertContains(client.get("/accounts/me/"), "Signed in as night-owl")


def test_signup_needs_the_proof_of_work(client, django_user_model):
    body = {"username": "bot", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post("/accounts/signup/", body)
    assertContains(response, "needs JavaScript once", status_code=400)
    assert not django_user_model.objects.filter(username="bot").exists()


@pytest.mark.parametrize("altcha", ["", "bm90IGEgcHJvb2Y="], ids=["no-proof", "bad-proof"])
def test_signup_says_nothing_of_a_taken_pseudonym_before_the_proof(
    client, django_user_model, altcha
):
    django_user_model.objects.create_user(username="taken", password=PASSWORD)
    body = {"username": "taken", "password1": PASSWORD, "password2": PASSWORD, "altcha": altcha}

    response = client.post("/accounts/signup/", body)

    assert response.status_code == 400
    assert "already exists" not in response.text
    assert "robot" in response.text or "JavaScript" in response.text


def test_signup_says_a_pseudonym_is_taken_to_a_client_that_did_the_work(client, django_user_model):
    django_user_model.objects.create_user(username="taken", password=PASSWORD)
    body = {
        "username": "taken",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "altcha": fetch_and_solve(client),
    }

    response = client.post("/accounts/signup/", body)

    assertContains(response, "already exists", status_code=400)


def test_login_and_my_contributions_with_their_states(client, django_user_model, camera):
    user = django_user_model.objects.create_user(username="resident", password=PASSWORD)
    response = client.post("/accounts/login/", {"username": "resident", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/me/"
    client.post(SUBMIT, report())
    client.post(f"/cameras/{camera.pk}/still-there/", {})
    page = client.get("/accounts/me/")
    assertContains(page, "New camera")
    assertContains(page, "Shown on the map as unverified")
    assertContains(page, "Still there")
    assert Submission.objects.get().user == user
    assertContains(client.get("/cameras/"), "resident</a>")


def test_my_contributions_needs_signing_in(client):
    response = client.get("/accounts/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_logout_is_a_post(django_user_model):
    client = signed_in(django_user_model)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/accounts/me/").status_code == 302


def test_nothing_about_the_client_reaches_the_database():
    from django.db import connection

    address, agent = "198.51.100.77", "UniqueProbeAgent/9.1"
    client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    thanks_page(client, client.post(SUBMIT, report(note="hello")))
    with connection.cursor() as cursor:
        for table in ("registry_submission", "registry_receipt", "registry_camera"):
            cursor.execute(f"SELECT row_to_json(t)::text FROM {table} t")
            text = " ".join(row[0] for row in cursor.fetchall())
            assert address not in text and agent not in text


def test_spanish_pages_exist(client, camera):
    assert client.get("/es/submit/").status_code == 200
    assert client.get(f"/es/cameras/{camera.pk}/gone/").status_code == 200


def test_the_photo_gps_constant_is_chicago():
    # The browser test relies on it: the photo's position and heading.
    assert (CHICAGO.latitude, CHICAGO.longitude, CHICAGO.heading) == (41.88, -87.63, 123.5)
