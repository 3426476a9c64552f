"""Giving back to OpenStreetMap, the whole loop, against an OSM API 0.6 and
OAuth 2.0 server on 127.0.0.1 written here (http.server in a thread) that
answers as the API's documentation says: connecting with PKCE, the page's
list, one changeset per batch with its osmChange, the ids and versions
stored, conflicts, the upload log, disconnecting."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.etree import ElementTree

import pytest
import requests
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point
from django.db import connection

from registry.models import Camera, Dataset, OsmAuthorization, OsmUpload
from registry.services.cameras import camera_create, camera_set_status, camera_update
from registry.services.history import one_changeset
from registry.versions import SIGHTLINE_VERSION

CLIENT_ID = "sightline-test"
OSM_USER = {"id": 4242, "display_name": "mapper-on-dev"}


class FakeOsm:
    """What the fake server remembers: the PKCE challenges and the tokens it
    issued, the nodes it holds (id -> version, tags), its changesets."""

    def __init__(self) -> None:
        self.codes: dict[str, dict] = {}
        self.tokens: set[str] = set()
        self.revoked: list[str] = []
        self.nodes: dict[int, dict] = {}
        self.changesets: dict[int, dict] = {}
        self.next_node = 90_000
        self.next_changeset = 500
        self.refuse_with_412: set[int] = set()
        self.hang_up_on_upload = False
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    osm: FakeOsm

    def log_message(self, *args) -> None:
        pass

    def _answer(self, status: int, body: str | bytes = "", content_type="text/plain", **headers):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        return header.startswith("Bearer ") and header[7:] in self.osm.tokens

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/api/capabilities":
            return self._answer(
                200,
                '<osm version="0.6"><api><version minimum="0.6" maximum="0.6"/>'
                '<changesets maximum_elements="10000"/></api></osm>',
                "application/xml",
            )
        if url.path == "/oauth2/authorize":
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            assert query["response_type"] == "code"
            assert query["client_id"] == CLIENT_ID
            assert query["scope"] == "write_api"
            assert query["code_challenge_method"] == "S256"
            code = secrets.token_urlsafe(16)
            self.osm.codes[code] = query
            back = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
            return self._answer(302, Location=back)
        if url.path == "/api/0.6/user/details":
            if not self._authorised():
                return self._answer(401, "Couldn't authenticate you")
            user = OSM_USER
            return self._answer(
                200,
                f'<osm version="0.6"><user id="{user["id"]}" '
                f'display_name="{user["display_name"]}"/></osm>',
                "application/xml",
            )
        return self._answer(404, "Not found")

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/oauth2/token":
            return self._token(parse_qs(self._body().decode()))
        if url.path == "/oauth2/revoke":
            form = parse_qs(self._body().decode())
            token = form["token"][0]
            self.osm.tokens.discard(token)
            self.osm.revoked.append(token)
            return self._answer(200, "{}", "application/json")
        parts = url.path.strip("/").split("/")
        if parts[:3] == ["api", "0.6", "changeset"] and parts[-1] == "upload":
            if self.osm.hang_up_on_upload:
                # The network fails mid-request: no answer at all.
                self.close_connection = True
                return None
            if not self._authorised():
                return self._answer(401, "Couldn't authenticate you")
            return self._upload(int(parts[3]), self._body())
        return self._answer(404, "Not found")

    def do_PUT(self) -> None:
        url = urlsplit(self.path)
        if not self._authorised():
            return self._answer(401, "Couldn't authenticate you")
        body = self._body()
        if url.path == "/api/0.6/changeset/create":
            tags = {tag.get("k"): tag.get("v") for tag in ElementTree.fromstring(body).iter("tag")}
            with self.osm.lock:
                self.osm.next_changeset += 1
                number = self.osm.next_changeset
                self.osm.changesets[number] = {"tags": tags, "open": True, "uploads": []}
            return self._answer(200, str(number))
        parts = url.path.strip("/").split("/")
        if parts[:3] == ["api", "0.6", "changeset"] and parts[-1] == "close":
            changeset = self.osm.changesets.get(int(parts[3]))
            if changeset is None:
                return self._answer(404, "Not found")
            changeset["open"] = False
            return self._answer(200)
        return self._answer(404, "Not found")

    def _token(self, form: dict) -> None:
        form = {key: values[0] for key, values in form.items()}
        asked = self.osm.codes.pop(form.get("code", ""), None)
        if asked is None or form.get("grant_type") != "authorization_code":
            return self._answer(400, '{"error": "invalid_grant"}', "application/json")
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if (
            challenge != asked["code_challenge"]
            or form.get("redirect_uri") != asked["redirect_uri"]
        ):
            return self._answer(400, '{"error": "invalid_grant"}', "application/json")
        if form.get("client_id") != CLIENT_ID:
            return self._answer(401, '{"error": "invalid_client"}', "application/json")
        token = "osm-token-" + secrets.token_urlsafe(24)
        self.osm.tokens.add(token)
        answer = {"access_token": token, "token_type": "Bearer", "scope": "write_api"}
        return self._answer(200, json.dumps(answer), "application/json")

    def _upload(self, number: int, body: bytes) -> None:
        changeset = self.osm.changesets.get(number)
        if changeset is None or not changeset["open"]:
            return self._answer(
                409, f"The changeset {number} was closed at 2026-12-07 00:00:00 UTC"
            )
        change = ElementTree.fromstring(body)
        changeset["uploads"].append(body.decode())
        results, pending = [], {}
        for action in change:
            for node in action.iter("node"):
                node_id = int(node.get("id"))
                tags = {tag.get("k"): tag.get("v") for tag in node.iter("tag")}
                if int(node.get("changeset")) != number:
                    return self._answer(
                        409,
                        f"Changeset mismatch: Provided {node.get('changeset')} but only "
                        f"{number} is allowed",
                    )
                if action.tag == "create":
                    self.osm.next_node += 1
                    new_id = self.osm.next_node
                    pending[new_id] = {"version": 1, "tags": tags}
                    results.append((node_id, new_id, 1))
                    continue
                held = self.osm.nodes.get(node_id)
                if held is None:
                    return self._answer(404, f"Node {node_id} not found")
                if held.get("deleted"):
                    return self._answer(
                        410, f"The node with the id {node_id} has already been deleted"
                    )
                if node_id in self.osm.refuse_with_412:
                    return self._answer(
                        412, f"Precondition failed: Node {node_id} is still used by ways 7."
                    )
                if int(node.get("version")) != held["version"]:
                    return self._answer(
                        409,
                        f"Version mismatch: Provided {node.get('version')}, server had: "
                        f"{held['version']} of Node {node_id}",
                    )
                pending[node_id] = {"version": held["version"] + 1, "tags": tags}
                results.append((node_id, node_id, held["version"] + 1))
        # All or nothing, as the API applies a diff upload.
        self.osm.nodes.update(pending)
        lines = "".join(
            f'<node old_id="{old}" new_id="{new}" new_version="{version}"/>'
            for old, new, version in results
        )
        return self._answer(
            200,
            f'<diffResult version="0.6" generator="fake">{lines}</diffResult>',
            "application/xml",
        )


@pytest.fixture
def osm(settings):
    state = FakeOsm()
    handler = type("BoundHandler", (Handler,), {"osm": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.OSM_URL = settings.OSM_API_URL = base
    settings.OSM_OAUTH_CLIENT_ID = CLIENT_ID
    settings.OSM_OAUTH_CLIENT_SECRET = ""
    settings.OSM_TIMEOUT_SECONDS = 5
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def staff(django_user_model):
    """A moderator by permission, not a superuser."""
    user = django_user_model.objects.create_user(username="giver", password="a-long-password")
    user.user_permissions.add(Permission.objects.get(codename="moderate"))
    return django_user_model.objects.get(pk=user.pk)


def _contributed(at: Point, staff, **values) -> Camera:
    camera = camera_create(location=at, actor=None, kind="camera", mount="pole", **values)
    return camera_set_status(camera=camera, status="verified", actor=staff, reason="seen it")


def _from_osm(at: Point, osm_id: int, osm, dataset: Dataset, **tags) -> Camera:
    """A node as an import of OSM leaves it: its raw tags, its version."""
    tags = {"man_made": "surveillance", "surveillance:type": "camera", **tags}
    with one_changeset(actor="import", dataset=dataset):
        camera = camera_create(
            location=at, actor=None, kind="camera", osm_type="node", osm_id=osm_id, tags=tags
        )
    Camera.objects.filter(pk=camera.pk).update(osm_version=3)
    osm.nodes[osm_id] = {"version": 3, "tags": tags}
    return Camera.objects.get(pk=camera.pk)


@pytest.fixture
def cameras(osm, staff):
    """One of each case the page must tell apart."""
    open_data = Dataset.objects.create(name="city", licence="CC0-1.0", odbl_compatible=True)
    closed_data = Dataset.objects.create(name="vendor list", licence="proprietary")
    osm_data = Dataset.objects.create(name="osm", licence="ODbL-1.0", odbl_compatible=True)
    found = {
        "contributed": _contributed(Point(-87.60, 41.88, srid=4326), staff),
        "open_data": _contributed(Point(-87.61, 41.88, srid=4326), staff, dataset=open_data),
        "closed_data": _contributed(Point(-87.62, 41.88, srid=4326), staff, dataset=closed_data),
        "unverified": camera_create(location=Point(-87.63, 41.88, srid=4326), actor=None),
    }
    corrected = _from_osm(Point(-87.64, 41.88, srid=4326), 1001, osm, osm_data, height="4")
    found["corrected"] = camera_update(camera=corrected, actor=staff, reason="it is 6 m", height=6)
    edited_by_anyone = _from_osm(Point(-87.65, 41.88, srid=4326), 1002, osm, osm_data)
    found["edited_by_anyone"] = camera_update(camera=edited_by_anyone, actor=None, height=2)
    found["untouched"] = _from_osm(Point(-87.66, 41.88, srid=4326), 1003, osm, osm_data)
    return found


def _connect(client, osm) -> None:
    """The browser's part of the flow: Sightline -> OSM's authorize -> back."""
    started = client.post("/moderation/osm/connect/")
    assert started.status_code == 302
    assert urlsplit(started["Location"]).path == "/oauth2/authorize"
    at_osm = requests.get(started["Location"], allow_redirects=False, timeout=5)
    assert at_osm.status_code == 302
    back = urlsplit(at_osm.headers["Location"])
    assert back.path == "/moderation/osm/callback/"
    answer = client.get(f"{back.path}?{back.query}")
    assert answer.status_code == 302, answer.content.decode()[:2000]


def _ticked(*cameras: Camera) -> list[str]:
    return [f"{camera.pk}:{Camera.objects.get(pk=camera.pk).version}" for camera in cameras]


@pytest.mark.django_db
def test_the_list_holds_what_may_go_out_with_osm_keys_only(client, staff, cameras):
    client.force_login(staff)
    page = client.get("/moderation/osm/")
    assert page.status_code == 200
    listed = {row.camera_id for row in page.context["rows"]}
    assert listed == {cameras[name].pk for name in ("contributed", "open_data", "corrected")}
    rows = {row.camera_id: row for row in page.context["rows"]}
    new = rows[cameras["contributed"].pk]
    verified_on = cameras["contributed"].verified_at.date().isoformat()
    assert new.tags == {
        "camera:mount": "pole",
        "check_date": verified_on,
        "man_made": "surveillance",
        "surveillance:type": "camera",
    }
    corrected = rows[cameras["corrected"].pk]
    assert corrected.diff() == [("height", "4", "6")]
    html = page.content.decode()
    assert "<del>4</del> → <ins>6</ins>" in html
    assert f'value="{new.camera_id}:{new.version}"' in html
    # By kind and by an area that does not exist: said, not a 500.
    by_kind = client.get("/moderation/osm/", {"kind": "guard", "area": "nowhere"})
    assert by_kind.status_code == 200 and not by_kind.context["rows"]
    assert [item.parameter for item in by_kind.context["ignored"]] == ["area"]


@pytest.mark.django_db
def test_connecting_checks_pkce_and_keeps_the_token_encrypted(client, staff, osm):
    client.force_login(staff)
    _connect(client, osm)
    authorization = OsmAuthorization.objects.get(user=staff)
    assert authorization.osm_display_name == "mapper-on-dev"
    assert authorization.osm_user_id == 4242
    (token,) = osm.tokens
    with connection.cursor() as cursor:
        cursor.execute("SELECT token_encrypted::text FROM registry_osmauthorization")
        (stored,) = cursor.fetchone()
    assert token not in stored
    assert token.encode().hex() not in stored


@pytest.mark.django_db
def test_a_wrong_verifier_is_refused(client, staff, osm):
    client.force_login(staff)
    started = client.post("/moderation/osm/connect/")
    at_osm = requests.get(started["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(at_osm.headers["Location"])
    session = client.session
    session["osm_oauth_verifier"] = "not-the-verifier-whose-hash-went-out-" + "x" * 20
    session.save()
    answer = client.get(f"{back.path}?{back.query}")
    assert answer.status_code == 400
    assert not OsmAuthorization.objects.exists() and not osm.tokens
    # A callback nobody asked for (no state in the session) is refused too.
    again = client.get(f"{back.path}?{back.query}")
    assert again.status_code == 400
    assert "state:" in again.content.decode()


@pytest.mark.django_db
def test_upload_one_changeset_and_store_ids_and_versions(client, staff, osm, cameras):
    client.force_login(staff)
    _connect(client, osm)
    batch = [cameras["contributed"], cameras["open_data"], cameras["corrected"]]
    answer = client.post(
        "/moderation/osm/", {"camera": _ticked(*batch), "comment": "Cameras surveyed in the Loop"}
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    (number,) = osm.changesets
    changeset = osm.changesets[number]
    assert changeset["tags"] == {
        "created_by": f"Sightline {SIGHTLINE_VERSION}",
        "source": "survey",
        "comment": "Cameras surveyed in the Loop",
    }
    assert not changeset["open"]
    (diff,) = changeset["uploads"]
    change = ElementTree.fromstring(diff)
    assert [action.tag for action in change] == ["create", "modify"]
    created = {int(node.get("id")): node for node in change.find("create")}
    assert set(created) == {-cameras["contributed"].pk, -cameras["open_data"].pk}
    (modified,) = change.find("modify")
    assert modified.get("id") == "1001" and modified.get("version") == "3"
    assert modified.get("lat") == "41.8800000" and modified.get("lon") == "-87.6400000"
    tags = {tag.get("k"): tag.get("v") for tag in modified.iter("tag")}
    assert tags["height"] == "6" and tags["man_made"] == "surveillance"
    # Never verified: no day of verification to write.
    assert "check_date" not in tags
    contributed = Camera.objects.get(pk=cameras["contributed"].pk)
    assert (contributed.osm_type, contributed.osm_version) == ("node", 1)
    assert osm.nodes[contributed.osm_id]["tags"] == contributed.tags
    assert contributed.tags["check_date"] == cameras["contributed"].verified_at.date().isoformat()
    corrected = Camera.objects.get(pk=cameras["corrected"].pk)
    assert (corrected.osm_id, corrected.osm_version) == (1001, 4)
    assert corrected.tags["height"] == "6"
    upload = OsmUpload.objects.get()
    assert (upload.osm_changeset, upload.outcome) == (number, "uploaded")
    assert (upload.created, upload.modified, upload.refused) == (2, 1, 0)
    assert upload.moderator == staff and upload.changeset is not None
    # Uploaded, they are no longer offered; the log shows the changeset.
    page = client.get("/moderation/osm/")
    assert {row.camera_id for row in page.context["rows"]} == set()
    assert str(number) in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("refusal", [409, 410, 412])
def test_a_refused_node_marks_it_and_records_nothing(client, staff, osm, cameras, refusal):
    client.force_login(staff)
    _connect(client, osm)
    if refusal == 409:
        osm.nodes[1001]["version"] = 5  # someone edited it in OSM meanwhile
    elif refusal == 410:
        osm.nodes[1001]["deleted"] = True
    else:
        osm.refuse_with_412.add(1001)
    before = {camera.pk: (camera.osm_id, camera.version) for camera in Camera.objects.all()}
    batch = [cameras["contributed"], cameras["corrected"]]
    answer = client.post("/moderation/osm/", {"camera": _ticked(*batch), "comment": "Fixes"})
    assert answer.status_code == 409
    rows = {row.camera_id: row for row in answer.context["rows"]}
    assert "1001" in rows[cameras["corrected"].pk].refused
    assert not rows[cameras["contributed"].pk].refused
    assert f"{refusal}" in answer.content.decode()
    after = {camera.pk: (camera.osm_id, camera.version) for camera in Camera.objects.all()}
    assert after == before
    upload = OsmUpload.objects.get()
    assert upload.outcome == "failed" and upload.changeset is None
    assert list(upload.errors) == [str(cameras["corrected"].pk)]
    (changeset,) = osm.changesets.values()
    assert not changeset["open"]


@pytest.mark.django_db
def test_a_network_failure_records_nothing_as_uploaded(client, staff, osm, cameras):
    client.force_login(staff)
    _connect(client, osm)
    osm.hang_up_on_upload = True
    before = {camera.pk: (camera.osm_id, camera.version) for camera in Camera.objects.all()}
    answer = client.post(
        "/moderation/osm/", {"camera": _ticked(cameras["contributed"]), "comment": "New"}
    )
    assert answer.status_code == 409
    assert "could not be reached" in answer.content.decode()
    after = {camera.pk: (camera.osm_id, camera.version) for camera in Camera.objects.all()}
    assert after == before
    upload = OsmUpload.objects.get()
    assert (upload.outcome, upload.created, upload.refused) == ("failed", 0, 1)
    # The changeset it opened is closed again, empty.
    (changeset,) = osm.changesets.values()
    assert not changeset["open"] and not changeset["uploads"]


@pytest.mark.django_db
def test_bad_input_names_the_field_and_sends_nothing(client, staff, osm, cameras):
    client.force_login(staff)
    _connect(client, osm)
    ticked = _ticked(cameras["contributed"])
    no_comment = client.post("/moderation/osm/", {"camera": ticked, "comment": "  "})
    assert no_comment.status_code == 400 and "comment:" in no_comment.content.decode()
    malformed = client.post("/moderation/osm/", {"camera": ["12:x"], "comment": "c"})
    assert malformed.status_code == 400 and "cameras:" in malformed.content.decode()
    not_offered = client.post(
        "/moderation/osm/", {"camera": _ticked(cameras["closed_data"]), "comment": "c"}
    )
    assert not_offered.status_code == 409 and "cameras:" in not_offered.content.decode()
    stale = client.post(
        "/moderation/osm/", {"camera": [f"{cameras['contributed'].pk}:1"], "comment": "c"}
    )
    assert stale.status_code == 409
    assert not osm.changesets and not OsmUpload.objects.exists()


@pytest.mark.django_db
def test_disconnect_deletes_and_revokes_the_token(client, staff, osm):
    client.force_login(staff)
    _connect(client, osm)
    (token,) = osm.tokens
    answer = client.post("/moderation/osm/disconnect/")
    assert answer.status_code == 302
    assert not OsmAuthorization.objects.exists()
    assert osm.revoked == [token] and not osm.tokens


@pytest.mark.django_db
def test_only_moderators(client, django_user_model, osm, cameras):
    resident = django_user_model.objects.create_user(username="resident", password="pw-long-1")
    client.force_login(resident)
    for answer in (
        client.get("/moderation/osm/"),
        client.post(
            "/moderation/osm/", {"camera": _ticked(cameras["contributed"]), "comment": "c"}
        ),
        client.post("/moderation/osm/connect/"),
        client.get("/moderation/osm/callback/?code=x&state=y"),
        client.post("/moderation/osm/disconnect/"),
    ):
        assert answer.status_code == 403
    assert not osm.changesets and not OsmUpload.objects.exists()


@pytest.mark.django_db
def test_datasets_are_not_compatible_unless_marked():
    assert Dataset.objects.create(name="any").odbl_compatible is False
