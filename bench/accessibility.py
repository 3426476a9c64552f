"""axe-core's findings on every page template, as a table.

    .venv/bin/python -m bench.accessibility [--no-run] [--report PATH]

1. Runs the browser test that checks every page template with axe-core at a
   desk's width (1280x800) and a phone's (360x740)
   (tests/e2e/test_accessibility_templates_browser.py, in Debian's Chromium
   against Django's live server, on the test database), which writes every
   violation it finds, of any impact, to var/artifacts/accessibility.json.
   --no-run reads the file of the last run instead.
2. Prints one row per page: the template, its serious and critical
   violations at each width (the test allows none), and its moderate and
   minor ones (rules violated, desktop/phone), then the rules behind the
   moderate and minor ones with the elements they name, the partial
   templates no checked page drew, and the time each width took.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = "tests/e2e/test_accessibility_templates_browser.py"
REPORT = ROOT / "var" / "artifacts" / "accessibility.json"
WIDTHS = ("desktop", "phone")
SERIOUS = ("serious", "critical")


def run_test() -> int:
    env = {**os.environ, "SIGHTLINE_BROWSER_TESTS": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def count(found: list[dict], impacts: tuple[str, ...]) -> int:
    return sum(1 for violation in found if violation["impact"] in impacts)


def table(report: dict) -> list[str]:
    rows = [
        "| page | template | desktop serious+critical | phone serious+critical "
        "| moderate (desktop/phone) | minor (desktop/phone) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, page in report.items():
        cells = [name, page["template"] or "(Django's own)"]
        cells += [str(count(page.get(width, []), SERIOUS)) for width in WIDTHS]
        for impacts in (("moderate",), ("minor",)):
            cells.append("/".join(str(count(page.get(width, []), impacts)) for width in WIDTHS))
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def rules(report: dict, impacts: tuple[str, ...]) -> list[str]:
    """Each rule found, with its help text, and the pages and elements."""
    found: dict[tuple[str, str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for name, page in report.items():
        for width in WIDTHS:
            for violation in page.get(width, []):
                if violation["impact"] in impacts:
                    key = (violation["impact"], violation["id"], violation["help"])
                    found[key][name].update(violation["targets"])
    lines = []
    for (impact, rule, help_text), pages in sorted(found.items()):
        lines.append(f"- {rule} ({impact}): {help_text}")
        for name, targets in sorted(pages.items()):
            lines.append(f"    {name}: {'; '.join(sorted(targets))}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-run", action="store_true", help="read the last run's file")
    parser.add_argument("--report", type=Path, default=REPORT)
    options = parser.parse_args()
    status = 0
    if not options.no_run:
        options.report.unlink(missing_ok=True)  # never the last run's figures for this one's
        status = run_test()
    if not options.report.is_file():
        sys.exit(f"No report at {options.report}: the test did not get as far as writing it.")
    found = json.loads(options.report.read_text())
    report = found["pages"]
    print(f"axe-core on {len(report)} pages at {' and '.join(WIDTHS)} widths")
    print()
    print("\n".join(table(report)))
    for title, impacts in (
        ("Serious and critical", SERIOUS),
        ("Moderate and minor", ("moderate", "minor")),
    ):
        lines = rules(report, impacts)
        print()
        print(f"{title}: {'none' if not lines else ''}".rstrip())
        if lines:
            print("\n".join(lines))
    print()
    partials = found["partials_not_rendered"]
    print(f"Partial templates no checked page drew (with the test's data): {len(partials)}")
    for name in partials:
        print(f"    {name}")
    seconds = {width: sum(page["seconds"][width] for page in report.values()) for width in WIDTHS}
    print()
    print("Time: " + ", ".join(f"{width} {total:.0f} s" for width, total in seconds.items()))
    sys.exit(status)


if __name__ == "__main__":
    main()
