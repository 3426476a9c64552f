"""axe-core on every page template, at a desk's width (1280 by 800) and a
phone's (360 by 740): WCAG 2.0 and 2.1 A and AA plus axe's best practices, no
serious or critical violation allowed. Each page below names the template
it renders; the run checks that it did render it (Django's
template_rendered signal) and that every partial template in the
repository was drawn by some page checked, and a companion test checks
that every full-page template is on the list: a new template fails the
run until a page with it is checked.

Every violation found, of any impact, is written to
var/artifacts/accessibility.json for `python -m bench.accessibility`."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point
from django.core.signing import get_cookie_signer
from django.template.loader import render_to_string
from django.test import Client
from django.test.signals import template_rendered
from django.utils import translation

from registry.filters import MapFilters
from registry.models import Area, ImportConflict, MergeCandidate
from registry.reports.areas import area_report
from registry.reports.context import area_url, report_context
from registry.services import camera_create
from registry.services.contributions import (
    edit_suggestion_add,
    receipt_issue,
    removal_report_add,
    submission_create,
)
from registry.services.digests import confirm_token, subscription_create, unsubscribe_token
from registry.services.history import open_changeset
from registry.services.review import submission_approve
from registry.services.watches import Where, watch_create
from registry.views.contribute import SENT_COOKIE, SENT_SALT
from tests.area_layouts import at_km, make_layout
from tests.e2e.conftest import ARTIFACTS, BASE_TILES
from tests.factories import DatasetFactory

ROOT = Path(__file__).parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The project's apps' templates (registry, api, any added later).
TEMPLATE_DIRS = sorted(
    folder
    for folder in ROOT.glob("*/templates")
    if folder.parent.name not in ("node_modules", ".venv")
)
REPORT = ARTIFACTS / "accessibility.json"
WIDTHS = {"desktop": (1280, 800), "phone": (360, 740)}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SERIOUS = ("serious", "critical")
PASSWORD = "a-long-test-password-8"

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
  }));
}"""


@dataclass(frozen=True)
class Page:
    """One page to check: the template it renders, its address (formatted
    with the data's numbers, names and tokens), who looks at it, what to
    wait for before checking, and its status."""

    template: str
    path: str
    part: str = ""  # a partial the page must draw too (one per kind of moderated item)
    who: str = "anonymous"  # or "member" (a signed-in contributor) or "moderator"
    ready: str | None = None
    status: int = 200
    label: str = ""
    then: str = ""  # a step taken on the page before checking it: one of STEPS

    @property
    def name(self) -> str:
        return self.label or (self.part or self.template).removeprefix("registry/")

    @property
    def checked_templates(self) -> set[str]:
        """What the server must render for this page (the PDF's HTML is
        rendered by the test, and Django's own error pages by no template)."""
        if self.path.startswith("/__pdf__/"):
            return set()
        return {self.template, self.part} - {""}


MAP_VIEW = "#16/41.8795/-87.6894"
PAGES = [
    Page("registry/map.html", f"/{MAP_VIEW}", ready="#map[data-drawn]"),
    Page("registry/map.html", f"/es/{MAP_VIEW}", ready="#map[data-drawn]", label="map.html (es)"),
    Page("registry/camera_list.html", "/cameras/"),
    Page("registry/camera_list.html", "/es/cameras/", label="camera_list.html (es)"),
    Page("registry/camera_detail.html", "/cameras/{camera}/", ready="#camera-map path"),
    Page(
        "registry/camera_detail.html",
        "/es/cameras/{camera}/",
        ready="#camera-map path",
        label="camera_detail.html (es)",
    ),
    Page(
        "registry/camera_detail.html",
        "/cameras/{removed}/",
        ready="#camera-map path",
        label="camera_detail.html (removed)",
    ),
    Page("registry/vendor_list.html", "/vendors/"),
    Page("registry/vendor_detail.html", "/vendors/{vendor}/"),
    Page("registry/operator_list.html", "/operators/"),
    Page("registry/operator_detail.html", "/operators/{operator}/"),
    Page("registry/area_list.html", "/areas/"),
    Page("registry/area_detail.html", "/areas/{area}/", ready="#area-map[data-boundary-drawn]"),
    Page(
        "registry/area_detail.html",
        "/es/areas/{area}/",
        ready="#area-map[data-boundary-drawn]",
        label="area_detail.html (es)",
    ),
    Page("registry/area_report_pdf_status.html", "/areas/{area}/report.pdf", status=202),
    Page("registry/area_report_pdf.html", "/__pdf__/{area}/", label="area_report_pdf.html"),
    Page("registry/exposure.html", f"/exposure/{MAP_VIEW}", ready="#exposure-map[data-ready]"),
    Page(
        "registry/exposure.html",
        f"/exposure/{MAP_VIEW}",
        ready="#exposure-map[data-ready]",
        then="route",
        label="exposure.html (a route's answer)",
    ),
    Page("registry/about.html", "/about/"),
    Page("registry/about.html", "/about/", then="menu", label="about.html (menu open)"),
    Page("registry/privacy.html", "/privacy/"),
    Page("registry/data.html", "/data/"),
    Page("registry/embed.html", "/embed/?area={area}", ready="#embed-map[data-existing-total]"),
    Page("registry/watch/subscribe.html", "/watch/?area={area}"),
    Page(
        "registry/watch/subscribe.html",
        "/watch/",
        ready="#watch-map[data-points]",
        label="subscribe.html (drawing)",
    ),
    Page("registry/watch/check_email.html", "/watch/?area={area}", then="subscribe"),
    Page("registry/watch/confirmed.html", "/watch/confirm/{confirm_token}/"),
    Page("registry/watch/unsubscribe.html", "/watch/unsubscribe/{unsubscribe_token}/"),
    Page("registry/accounts/login.html", "/accounts/login/"),
    Page(
        "registry/accounts/login.html",
        "/accounts/login/",
        then="wrong-password",
        label="accounts/login.html (wrong password)",
    ),
    Page("registry/accounts/signup.html", "/accounts/signup/"),
    Page("registry/contribute/submit.html", "/submit/", ready="#submit-map[data-ready]"),
    Page(
        "registry/contribute/submit.html",
        "/es/submit/",
        ready="#submit-map[data-ready]",
        label="submit.html (es)",
    ),
    Page("registry/contribute/suggest.html", "/cameras/{reported}/suggest/"),
    Page("registry/contribute/still_there.html", "/cameras/{reported}/still-there/"),
    Page("registry/contribute/gone.html", "/cameras/{reported}/gone/"),
    Page("registry/contribute/thanks.html", "/thanks/", ready="#receipt-link"),
    Page("registry/contribute/receipt.html", "/receipts/{token}/", ready=".contribution-list"),
    Page("registry/contribute/refused.html", "/submit/?note=%01", status=400),
    Page("api/swagger_ui.html", "/api/v1/docs/", ready="#swagger-ui .opblock"),
    Page("api/browsable_api.html", "/api/v1/vendors/"),
    # No 404.html: Django's own page.
    Page("", "/no-such-page/", status=404, label="404 (Django's page)"),
    Page("registry/accounts/me.html", "/accounts/me/", who="member", ready=".contribution-list"),
    Page("registry/moderation/forbidden.html", "/moderation/", who="member", status=403),
    Page(
        "registry/moderation/queue.html",
        "/moderation/",
        who="moderator",
        ready=".queue-table tbody tr",
    ),
    *[
        Page(
            "registry/moderation/queue.html",
            f"/moderation/{kind}/",
            who="moderator",
            label=f"moderation/queue.html ({kind})",
        )
        for kind in ("edit-suggestions", "removal-reports", "import-conflicts", "merge-candidates")
    ],
    Page(
        "registry/moderation/item.html",
        "/moderation/submissions/{submission}/",
        part="registry/moderation/item_submission.html",
        who="moderator",
        ready="#camera-map[data-drawn]",
    ),
    Page(
        "registry/moderation/item.html",
        "/moderation/edit-suggestions/{suggestion}/",
        part="registry/moderation/item_edit_suggestion.html",
        who="moderator",
        ready="#camera-map[data-drawn]",
    ),
    Page(
        "registry/moderation/item.html",
        "/moderation/removal-reports/{removal}/",
        part="registry/moderation/item_removal_report.html",
        who="moderator",
        ready="#camera-map[data-drawn]",
    ),
    Page(
        "registry/moderation/item.html",
        "/moderation/import-conflicts/{conflict}/",
        part="registry/moderation/item_import_conflict.html",
        who="moderator",
        ready="#camera-map[data-drawn]",
    ),
    Page(
        "registry/moderation/item.html",
        "/moderation/merge-candidates/{merge}/",
        part="registry/moderation/item_merge_candidate.html",
        who="moderator",
        ready="#camera-map[data-drawn]",
    ),
    Page("registry/moderation/log.html", "/moderation/log/", who="moderator", ready=".log-table"),
    Page("registry/moderation/osm_sync.html", "/moderation/osm-sync/", who="moderator"),
    Page("registry/moderation/operators.html", "/moderation/operators/", who="moderator"),
    Page(
        "registry/moderation/spellings.html",
        "/moderation/spellings/",
        who="moderator",
        ready=".spelling-groups li",
    ),
    Page(
        "registry/moderation/camera_history.html",
        "/moderation/cameras/{camera}/history/",
        who="moderator",
        ready=".timeline li",
    ),
    Page("registry/moderation/area_upload.html", "/moderation/areas/upload/", who="moderator"),
    Page(
        "registry/moderation/area_upload.html",
        "/moderation/areas/upload/",
        who="moderator",
        then="preview",
        label="moderation/area_upload.html (preview)",
    ),
    Page("registry/moderation/osm.html", "/moderation/osm/", who="moderator", ready=".osm-table"),
    Page(
        "registry/moderation/queue.html",
        "/es/moderation/",
        who="moderator",
        label="moderation/queue.html (es)",
    ),
]


EXTENDS = re.compile(r"""{%\s*extends\s+["']([^"']+)["']""")


def full_page_templates() -> set[str]:
    """The templates that make a whole page: those extending another, or
    writing their own <html>, but not the layouts others extend (checked
    through every page built on them)."""
    pages, layouts = set(), set()
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            text = path.read_text()
            layouts.update(EXTENDS.findall(text))
            if EXTENDS.search(text) or re.search(r"<html[\s>]", text):
                pages.add(path.relative_to(folder).as_posix())
    return pages - layouts


def project_templates() -> set[str]:
    return {
        path.relative_to(folder).as_posix()
        for folder in TEMPLATE_DIRS
        for path in folder.rglob("*.html")
    }


def test_every_full_page_template_is_checked_with_axe():
    checked = {page.template for page in PAGES if page.template}
    assert full_page_templates() - checked == set()
    assert checked - full_page_templates() == set()
    # Each kind of item moderators decide has its own part of the item page.
    parts = {
        path.name
        for path in (ROOT / "registry" / "templates").glob("registry/moderation/item_*.html")
    }
    assert parts == {Path(page.part).name for page in PAGES if page.part}


# ------------------------------------------------------------------ data


def districts_geojson() -> bytes:
    def square(x0, y0, x1, y1):
        corners = [at_km(x0, y0), at_km(x1, y0), at_km(x1, y1), at_km(x0, y1), at_km(x0, y0)]
        return [[list(corner.coords) for corner in corners]]

    features = [
        {
            "type": "Feature",
            "properties": {"NAME": name, "POP": population},
            "geometry": {"type": "Polygon", "coordinates": square(*box)},
        }
        for name, population, box in (
            ("North", 1200, (0, 0.5, 1, 1)),
            ("South", None, (0, 0, 1, 0.5)),
        )
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


@pytest.fixture
def data(db, django_user_model, settings, tmp_path):
    """What every page needs: the area layout's city, districts, cameras,
    makers and operators; one item of each kind waiting for moderators; a
    receipt with a contribution; a contributor and a moderator."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPOSURE_ANON_RATE = "100000/minute"
    layout = make_layout()
    member = django_user_model.objects.create_user(username="resident", password=PASSWORD)
    moderator = django_user_model.objects.create_superuser(
        username="moderator", email="", password=PASSWORD
    )
    moderator.user_permissions.add(Permission.objects.get(codename="moderate"))
    camera, reported = layout.cameras[1], layout.cameras[2]
    near = Point(camera.location.x, camera.location.y + 0.00005, srid=4326)
    receipt, token = receipt_issue()
    submission = submission_create(
        location=near, receipt=receipt, kind="camera", note="on the lamp post", directions=[90]
    )
    submission_create(location=at_km(0.2, 0.2), user=member, kind="ALPR", vendor_raw="Flok")
    approved = submission_create(location=at_km(0.3, 0.3), kind="camera")
    submission_approve(submission=approved, moderator=moderator)
    suggestion = edit_suggestion_add(
        camera=reported, changes={"height": 5.5}, note="taller", receipt=receipt
    )
    removal = removal_report_add(camera=reported, seen_gone_on=date(2026, 3, 2), note="pole gone")
    changeset = open_changeset(actor="import: city", dataset=DatasetFactory(name="city"))
    conflict = ImportConflict.objects.create(
        camera=camera,
        dataset=changeset.dataset,
        changeset=changeset,
        field="height",
        local_value=3.0,
        source_value=6.0,
    )
    imported = camera_create(location=near, actor=None, kind="ALPR", operator_raw="Polise")
    merge = MergeCandidate.objects.create(
        camera=imported, duplicate_of=camera, distance=5.0, changeset=changeset
    )
    watch = watch_create(where=Where(area=layout.city), filters=MapFilters())
    confirming = subscription_create(
        watch=watch, email="to-confirm@example.org", frequency="daily", language="en"
    )
    subscribed = subscription_create(
        watch=watch, email="reader@example.org", frequency="weekly", language="en"
    )
    return {
        "values": {
            "camera": camera.pk,
            "reported": reported.pk,
            "removed": layout.cameras[4].pk,
            "vendor": layout.flock.slug,
            "operator": layout.police.slug,
            "area": layout.city.slug,
            "token": token,
            "submission": submission.pk,
            "suggestion": suggestion.pk,
            "removal": removal.pk,
            "conflict": conflict.pk,
            "merge": merge.pk,
            "confirm_token": confirm_token(confirming),
            "unsubscribe_token": unsubscribe_token(subscribed),
        },
        # Along the street past the two cameras in place in the districts.
        "route": json.dumps(
            {"type": "LineString", "coordinates": [list(camera.location), list(reported.location)]}
        ),
        "sent": json.dumps({"kind": "submission", "id": submission.pk, "token": token}),
        "member": member,
        "moderator": moderator,
    }


def session_cookie(user, url: str) -> dict:
    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": url}


def pdf_html(slug: str) -> str:
    """The HTML WeasyPrint turns into the report's PDF, as the worker makes it."""
    area = Area.objects.get(slug=slug)
    with translation.override("en"):
        context = {**report_context(area_report(area)), "page_url": area_url(area)}
        return render_to_string("registry/area_report_pdf.html", context)


# ------------------------------------------------------------------ the run


def upload_preview(browser_page, data):
    """A boundary file chosen and previewed: its shapes and their counts."""
    file = {
        "name": "districts.geojson",
        "mimeType": "application/geo+json",
        "buffer": districts_geojson(),
    }
    browser_page.set_input_files("input[name=file]", file)
    browser_page.fill("input[name=name_field]", "NAME")
    browser_page.fill("input[name=population_field]", "POP")
    with browser_page.expect_navigation() as sent:
        browser_page.get_by_role("button", name="Preview").click()
    assert sent.value.status == 200
    browser_page.locator("[id^=preview-shape-]").first.wait_for(state="attached")


def wrong_password(browser_page, data):
    browser_page.fill("input[name=username]", "resident")
    browser_page.fill("input[name=password]", "not-the-password")
    with browser_page.expect_navigation():
        browser_page.locator("form:has(input[name=password]) [type=submit]").click()
    browser_page.locator(".errorlist, #error-summary").first.wait_for()


def analyse_route(browser_page, data):
    """A route pasted as GeoJSON and sent with the form (no drawing)."""
    browser_page.locator("details:has(#id_geojson) > summary").click()
    browser_page.fill("#id_geojson", data["route"])
    with browser_page.expect_navigation() as sent:
        browser_page.get_by_role("button", name="Analyse", exact=True).click()
    assert sent.value.status == 200
    browser_page.locator("#exposure-cameras").wait_for()


def open_menu(browser_page, data):
    """The site's menu opened, where it folds behind a button (phones)."""
    button = browser_page.locator(".menu-toggle")
    if button.is_visible():
        button.click()
        browser_page.locator("#site-menu").wait_for()


def subscribe(browser_page, data):
    """The watch form sent: the page asking to check one's email."""
    browser_page.get_by_label("Email address").fill("new-reader@example.org")
    with browser_page.expect_navigation():
        browser_page.get_by_role("button", name="Send me a confirmation email").click()
    browser_page.locator("main h1").wait_for()


STEPS = {
    "subscribe": subscribe,
    "preview": upload_preview,
    "wrong-password": wrong_password,
    "menu": open_menu,
    "route": analyse_route,
}


def check_page(browser_page, base: str, page: Page, data: dict) -> list[dict]:
    values = data["values"]
    path = page.path.format(**values)
    if path.startswith("/__pdf__/"):
        html = pdf_html(values["area"])
        browser_page.route(
            f"{base}{path}",
            lambda route: route.fulfill(status=200, content_type="text/html", body=html),
        )
    response = browser_page.goto(f"{base}{path}")
    if response is None:  # the address of the page before, so only its fragment moved
        response = browser_page.reload()
    assert response.status == page.status, f"{path}: {response.status}"
    if page.ready:
        browser_page.locator(page.ready).first.wait_for(state="attached")
    if page.then:
        STEPS[page.then](browser_page, data)
    return browser_page.evaluate(RUN_AXE, TAGS)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_template_has_no_serious_axe_violations(browser, live_server, data):
    assert AXE.is_file(), "axe-core is missing: run `make test`, which installs it with npm."
    rendered: list[str] = []

    def on_render(sender, template, context, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(on_render)
    results: dict[str, dict[str, list[dict]]] = {}
    not_rendered: list[str] = []
    ever_rendered: set[str] = set()
    seconds: dict[str, dict[str, float]] = {}
    signer = get_cookie_signer(salt=SENT_COOKIE + SENT_SALT)
    sent = {"name": SENT_COOKIE, "value": signer.sign(data["sent"]), "url": live_server.url}
    cookies = {
        "anonymous": [sent],
        "member": [session_cookie(data["member"], live_server.url)],
        "moderator": [session_cookie(data["moderator"], live_server.url)],
    }
    try:
        for width, (x, y) in WIDTHS.items():
            context = browser.new_context(viewport={"width": x, "height": y})
            # Into every page as it opens, by the browser (the CSP allows no inline script).
            context.add_init_script(path=AXE)
            browser_page = context.new_page()
            browser_page.set_default_timeout(15_000)
            browser_page.route(BASE_TILES, lambda route: route.abort())
            who = None
            for page in PAGES:
                if page.who != who:
                    context.clear_cookies()
                    context.add_cookies(cookies[page.who])
                    who = page.who
                rendered.clear()
                started = time.monotonic()
                found = check_page(browser_page, live_server.url, page, data)
                results.setdefault(page.name, {})[width] = found
                seconds.setdefault(page.name, {})[width] = round(time.monotonic() - started, 2)
                ever_rendered.update(rendered)
                if not page.checked_templates <= set(rendered):
                    not_rendered.append(f"{page.name} at {width}")
            context.close()
    finally:
        template_rendered.disconnect(on_render)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    pages = {
        page.name: {
            "path": page.path,
            "template": page.template,
            "seconds": seconds[page.name],
            **results[page.name],
        }
        for page in PAGES
    }
    # Partials no page drew with this data: checked by no run of axe.
    unchecked = sorted(project_templates() - ever_rendered)
    report = {"pages": pages, "partials_not_rendered": unchecked}
    REPORT.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    assert not_rendered == []
    # A template no checked page draws is a template axe never saw.
    assert unchecked == []
    serious = {
        f"{name} at {width}": [
            f"{v['id']} ({v['impact']}): {v['help']} — {'; '.join(v['targets'])}"
            for v in found
            if v["impact"] in SERIOUS
        ]
        for name, widths in results.items()
        for width, found in widths.items()
    }
    assert {where: found for where, found in serious.items() if found} == {}
