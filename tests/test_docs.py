"""The README and the documentation site: the README stays a short way in
whose links all lead somewhere, every page of docs/ is in mkdocs.yml's
navigation, every setting the code reads is on the configuration page, and
the built site loads nothing from another server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text()
MKDOCS = yaml.safe_load((ROOT / "mkdocs.yml").read_text())

# [text](target) in Markdown, images included; code spans and blocks removed
# first, so an example in backticks is not taken for a link.
LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def links(markdown: str) -> list[str]:
    prose = re.sub(r"```.*?```", "", markdown, flags=re.S)
    prose = re.sub(r"`[^`\n]*`", "", prose)
    return LINK.findall(prose)


def nav_pages(entries) -> list[str]:
    pages = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages.extend(nav_pages(value) if isinstance(value, list) else [value])
    return pages


def anchors(markdown: str) -> set[str]:
    """The ids of a page's headings, as the toc extension makes them (or as
    given with {#id})."""
    found = set()
    for line in re.sub(r"```.*?```", "", markdown, flags=re.S).splitlines():
        heading = re.match(r"#{1,6}\s+(.*?)\s*$", line)
        if not heading:
            continue
        title = heading.group(1)
        explicit = re.search(r"\{#([\w-]+)\}$", title)
        if explicit:
            found.add(explicit.group(1))
            continue
        text = re.sub(r"[`*]", "", title).lower()
        found.add(re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", text)).strip("-"))
    return found


def test_the_readme_is_a_way_in_not_the_manual():
    assert len(README.splitlines()) <= 200
    for command in ("make run", "make test", "mkdocs serve", "mkdocs build"):
        assert command in README


@pytest.mark.parametrize("target", sorted(set(links(README))))
def test_every_relative_link_in_the_readme_leads_to_a_file_or_heading(target):
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return  # an outside address
    path = ROOT / unquote(parts.path) if parts.path else ROOT / "README.md"
    assert path.exists(), f"README.md links to {target}, which does not exist"
    if parts.fragment:
        assert parts.fragment in anchors(path.read_text()), f"no heading #{parts.fragment}"


def test_the_readme_links_to_every_page_of_the_docs():
    linked = {unquote(urlsplit(target).path) for target in links(README)}
    pages = {f"docs/{page.name}" for page in DOCS.glob("*.md")}

    assert pages - linked == set()


def test_the_navigation_lists_every_page_once_and_only_pages_that_exist():
    listed = nav_pages(MKDOCS["nav"])
    pages = sorted(page.relative_to(DOCS).as_posix() for page in DOCS.rglob("*.md"))

    assert sorted(listed) == pages
    assert len(set(listed)) == len(listed)


def test_the_site_is_built_strictly_and_fetches_nothing_from_the_network():
    assert MKDOCS["strict"] is True
    assert MKDOCS["validation"]["omitted_files"] == "warn"  # strict makes it an error
    assert MKDOCS["theme"]["name"] == "material"
    assert MKDOCS["theme"]["font"] is False  # no Google Fonts
    # Plugins that download (social cards, privacy) or a repository widget
    # that asks GitHub's API have no place here.
    assert MKDOCS.get("plugins", []) == ["search"]
    assert "repo_url" not in MKDOCS
    assert "extra_javascript" not in MKDOCS and "extra_css" not in MKDOCS


def test_every_setting_the_code_reads_is_on_the_configuration_page():
    sources = [*(ROOT / "config" / "settings").glob("*.py"), ROOT / "deploy" / "gunicorn.conf.py"]
    code = "".join(path.read_text() for path in sources)
    reading = r"(?:environ\.get|environ\[|env_bool|env_list|getenv)\(\s*\"([A-Z][A-Z0-9_]+)\""
    read = set(re.findall(reading, code))
    page = (DOCS / "configuration.md").read_text()
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", page))

    assert "DATABASE_URL" in read
    assert read - documented == set()


def test_the_built_site_loads_nothing_from_another_server(tmp_path):
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr

    outside = re.compile(
        r"<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.I
    )
    pages = list(site.rglob("*.html"))
    assert len(pages) > len(nav_pages(MKDOCS["nav"]))  # every page, and 404.html
    for page in pages:
        assert not outside.search(page.read_text()), page.relative_to(site)
    for stylesheet in site.rglob("*.css"):
        assert not re.search(r"@import\s+url\(\s*[\"']?(?:https?:)?//", stylesheet.read_text())
