"""The Spanish catalogue: complete, faithful to its placeholders, compiled.

Parsed with the standard library only (a small PO reader below), so this runs
without a database: `pytest tests/registry/test_translations.py -p no:django`.
"""

from __future__ import annotations

import gettext as gettext_module
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PO_PATH = ROOT / "registry" / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
COMPILE_HINT = "run `.venv/bin/python manage.py compilemessages -l es --ignore=.venv`"

NPLURALS = 2
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"


# ------------------------------------------------------------------ PO reader


class PoSyntaxError(ValueError):
    pass


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {context}{self.msgid!r}"


_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    '"': '"',
    "'": "'",
    "?": "?",
}
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


def _unquote(token: str, line: int) -> str:
    """The text of one C-style quoted PO string. Octal and hex escapes stand
    for bytes, so the result is decoded as UTF-8 at the end."""
    if len(token) < 2 or not (token.startswith('"') and token.endswith('"')):
        raise PoSyntaxError(f"line {line}: expected a quoted string, got {token!r}")
    body, out, i = token[1:-1], bytearray(), 0
    while i < len(body):
        char = body[i]
        if char == '"':
            raise PoSyntaxError(f"line {line}: unescaped quote in {token!r}")
        if char != "\\":
            out += char.encode("utf-8")
            i += 1
            continue
        if i + 1 >= len(body):
            raise PoSyntaxError(f"line {line}: string ends with a backslash")
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out += _ESCAPES[nxt].encode("utf-8")
            i += 2
        elif nxt in "01234567":
            digits = re.match(r"[0-7]{1,3}", body[i + 1 :]).group()
            out.append(int(digits, 8) & 0xFF)
            i += 1 + len(digits)
        elif nxt == "x":
            digits = re.match(r"[0-9a-fA-F]{1,2}", body[i + 2 :])
            if digits is None:
                raise PoSyntaxError(f"line {line}: \\x without hex digits")
            out.append(int(digits.group(), 16))
            i += 2 + len(digits.group())
        else:
            raise PoSyntaxError(f"line {line}: unknown escape \\{nxt}")
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PoSyntaxError(f"line {line}: escapes do not make UTF-8: {error}") from None


def parse_po(text: str) -> list[Entry]:
    """Every live entry (obsolete `#~` ones are skipped), header included.

    A blank line, a comment after a msgstr, or a msgctxt/msgid after a msgstr
    starts a new entry; `"..."` lines continue the keyword before them."""
    entries: list[Entry] = []
    entry: Entry | None = None
    flags: set[str] = set()
    key: tuple[str, int | None] | None = None  # what a continuation line extends
    seen_msgstr = False

    def finish() -> None:
        nonlocal entry, flags, key, seen_msgstr
        if entry is not None:
            if not seen_msgstr:
                raise PoSyntaxError(f"line {entry.line}: msgid without msgstr")
            entries.append(entry)
        entry, flags, key, seen_msgstr = None, set(), None, False

    def append(value: str) -> None:
        name, index = key
        if name == "msgstr":
            entry.msgstr[index] += value
        else:
            setattr(entry, name, getattr(entry, name) + value)

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue  # obsolete
        if line.startswith("#"):
            if seen_msgstr:
                finish()
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue  # #: locations, #. extracted, #| previous, translator comments
        if line.startswith('"'):
            if key is None:
                raise PoSyntaxError(f"line {number}: string outside an entry")
            append(_unquote(line, number))
            continue
        match = _KEYWORD.match(line)
        if match is None:
            raise PoSyntaxError(f"line {number}: cannot read {line!r}")
        keyword, index, token = match.groups()
        value = _unquote(token, number)
        if keyword in ("msgctxt", "msgid") and seen_msgstr:
            finish()
        if entry is None:
            entry = Entry(line=number, flags=flags)
        if keyword == "msgctxt":
            entry.msgctxt, key = value, ("msgctxt", None)
        elif keyword == "msgid":
            entry.msgid, key = value, ("msgid", None)
            entry.line = number
        elif keyword == "msgid_plural":
            entry.msgid_plural, key = value, ("msgid_plural", None)
        else:
            slot = int(index) if index is not None else 0
            if slot in entry.msgstr:
                raise PoSyntaxError(f"line {number}: msgstr[{slot}] given twice")
            entry.msgstr[slot], key = value, ("msgstr", slot)
            seen_msgstr = True
    finish()
    return entries


def header_fields(entry: Entry) -> dict[str, str]:
    fields = {}
    for line in entry.msgstr.get(0, "").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


# --------------------------------------------------------------- placeholders

# Compared as sets between msgid and msgstr (msgid_plural for msgstr[n > 0]):
# %(name)s, %s, %d, %(distance).1f, %r ... (not %%: removed beforehand).
_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0+\-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa]")
# {name}, {0}, {}, {name!r}, {name:>8} (not "{field: [before, after]}" prose).
_BRACE = re.compile(r"\{(?:[A-Za-z_]\w*|\d*)(?:![rsa])?(?::[\w.<>^=+\-#,%]*)?\}")
# HTML tags, opening and closing: <a ...> and </a>.
_TAG = re.compile(r"<(/?[A-Za-z][\w-]*)")


def placeholders(text: str, flags: set[str]) -> Counter:
    found: Counter = Counter()
    if "no-python-format" not in flags:
        found.update(_PERCENT.findall(text.replace("%%", "")))
    if "no-python-brace-format" not in flags:
        found.update(_BRACE.findall(text.replace("{{", "").replace("}}", "")))
    found.update(f"<{tag.lower()}>" for tag in _TAG.findall(text))
    return found


# ---------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    if not PO_PATH.exists():
        pytest.fail(f"{PO_PATH.relative_to(ROOT)} is missing: run `manage.py makemessages -l es`")
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages(entries) -> list[Entry]:
    return [entry for entry in entries if not entry.is_header]


def test_parser_reads_continuations_plurals_and_flags():
    sample = (
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\n#| msgid "old"\n'
        'msgid ""\n"Hello %(name)s, "\n"\\"world\\"\\n"\nmsgstr "Hola %(name)s"\n\n'
        'msgctxt "menu"\nmsgid "%(count)d camera"\nmsgid_plural "%(count)d cameras"\n'
        'msgstr[0] "%(count)d c\\303\\241mara"\nmsgstr[1] ""\n"%(count)d c\\xc3\\xa1maras"\n'
        '#~ msgid "gone"\n#~ msgstr "ido"\n'
    )
    header, first, second = parse_po(sample)
    assert header_fields(header) == {"Language": "es"}
    assert first.msgid == 'Hello %(name)s, "world"\n'
    assert first.flags == {"fuzzy", "python-format"}
    assert second.msgctxt == "menu"
    assert second.msgid_plural == "%(count)d cameras"
    assert second.msgstr == {0: "%(count)d cámara", 1: "%(count)d cámaras"}
    assert second.flags == set()


def test_header(entries):
    header = next((entry for entry in entries if entry.is_header), None)
    assert header is not None, "the catalogue has no header entry"
    assert not header.fuzzy, "remove `#, fuzzy` from the header once it is filled in"
    fields = header_fields(header)
    assert fields.get("Language") == "es"
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    assert fields.get("Plural-Forms", "").replace(" ", "") == PLURAL_FORMS.replace(" ", "")


def test_every_entry_is_translated_and_not_fuzzy(messages):
    assert messages, "the catalogue has no messages"
    problems = []
    for entry in messages:
        if entry.fuzzy:
            problems.append(f"fuzzy: {entry.label()}")
        slots = range(NPLURALS) if entry.msgid_plural is not None else [0]
        missing = [slot for slot in slots if not entry.msgstr.get(slot)]
        if missing:
            which = f" (msgstr{missing})" if entry.msgid_plural is not None else ""
            problems.append(f"untranslated{which}: {entry.label()}")
        if entry.msgid_plural is None and set(entry.msgstr) != {0}:
            problems.append(f"msgstr[n] without msgid_plural: {entry.label()}")
    assert not problems, f"{len(problems)} entries need work:\n" + "\n".join(problems)


def test_translations_keep_the_placeholders(messages):
    problems = []
    for entry in messages:
        for slot, translation in entry.msgstr.items():
            if not translation:
                continue  # reported by the completeness test
            source = entry.msgid_plural if slot > 0 and entry.msgid_plural else entry.msgid
            expected = placeholders(source, entry.flags)
            got = placeholders(translation, entry.flags)
            if set(expected) != set(got):
                problems.append(
                    f"{entry.label()} msgstr[{slot}]: expected {sorted(expected)}, "
                    f"got {sorted(got)}"
                )
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


@pytest.fixture(scope="module")
def compiled(entries):
    """The compiled catalogue, which must be as new as the .po."""
    if not MO_PATH.exists():
        pytest.fail(f"{MO_PATH.relative_to(ROOT)} is missing: {COMPILE_HINT}")
    if MO_PATH.stat().st_mtime < PO_PATH.stat().st_mtime:
        pytest.fail(f"{MO_PATH.relative_to(ROOT)} is older than django.po: {COMPILE_HINT}")
    with MO_PATH.open("rb") as mo:
        return gettext_module.GNUTranslations(mo)


def test_compiled_catalogue_matches_the_po(entries, compiled):
    catalog = compiled._catalog
    stale = []
    for entry in entries:
        if entry.is_header or entry.fuzzy:
            continue
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            if catalog.get(key) != entry.msgstr.get(0):
                stale.append(entry.label())
        elif any(catalog.get((key, n)) != entry.msgstr.get(n) for n in range(NPLURALS)):
            stale.append(entry.label())
    assert not stale, f"the .mo does not match the .po ({COMPILE_HINT}):\n" + "\n".join(stale)


@pytest.fixture(scope="module")
def django_ready():
    """Django's translation machinery needs the app registry; no database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


@pytest.mark.usefixtures("compiled", "django_ready")
def test_django_serves_spanish_labels():
    from django.utils import translation
    from django.utils.translation import gettext, ngettext

    from registry.models.choices import Capability, Kind, Status

    expected = {
        Kind.CAMERA: "cámara (CCTV)",
        Kind.ALPR: "lector de matrículas (ALPR)",
        Kind.GUNSHOT_DETECTOR: "detector de disparos",
        Status.VERIFIED: "verificada",
        Status.REMOVED: "retirada",
        Status.HIDDEN: "oculta por moderación",
        Capability.FACE_RECOGNITION: "reconocimiento facial",
    }
    with translation.override("es"):
        for choice, spanish in expected.items():
            assert str(choice.label) == spanish, choice
        assert gettext("licence-plate reader (ALPR)") == "lector de matrículas (ALPR)"
        assert gettext("OpenStreetMap") == "OpenStreetMap"
        singular, plural = (
            "%(count)d camera now points to %(name)s.",
            "%(count)d cameras now point to %(name)s.",
        )
        one = ngettext(singular, plural, 1) % {"count": 1, "name": "Flock Safety"}
        many = ngettext(singular, plural, 3) % {"count": 3, "name": "Flock Safety"}
        assert one == "1 cámara apunta ahora a Flock Safety."
        assert many == "3 cámaras apuntan ahora a Flock Safety."
    with translation.override("en"):
        assert str(Status.REMOVED.label) == "removed"


def _source_copy(destination: Path) -> Path:
    """The project's code, templates and catalogue (not its data, builds or
    dependencies), for makemessages to read and rewrite."""
    skip = shutil.ignore_patterns("__pycache__", "build", "data", "*.mo", "*.png", "*.gz")
    for package in ("registry", "api", "config"):
        shutil.copytree(ROOT / package, destination / package, ignore=skip)
    shutil.copy(ROOT / "manage.py", destination / "manage.py")
    return destination


def test_every_message_in_the_code_is_in_the_catalogue(tmp_path):
    """makemessages, run on a copy, finds no message the catalogue lacks: a
    new string without its Spanish translation fails here, not in front of
    a Spanish reader."""
    copy = _source_copy(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "es", "--add-location=file"],
        cwd=copy,
        env={**os.environ, "PYTHONPATH": str(copy)},
        check=True,
        capture_output=True,
        timeout=300,
    )
    extracted = parse_po((copy / PO_PATH.relative_to(ROOT)).read_text(encoding="utf-8"))
    known = {
        (entry.msgctxt, entry.msgid) for entry in parse_po(PO_PATH.read_text(encoding="utf-8"))
    }

    missing = [
        entry.label()
        for entry in extracted
        if not entry.is_header and (entry.msgctxt, entry.msgid) not in known
    ]

    assert missing == []
