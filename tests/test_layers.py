"""The code's layers, as the import-linter contracts in pyproject.toml state
them: the project keeps every contract, and each contract catches the import
it exists to forbid. For that, one import that breaks it is added to a copy
of the project's Python packages, which is then checked the same way.

No database: these run `lint-imports`, which reads the source without
importing it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("registry", "api", "config")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
VERDICT = re.compile(r"^(?P<name>.+) (?P<verdict>KEPT|BROKEN)$", re.MULTILINE)


def contracts() -> dict[str, str]:
    """Each contract's id and name, from pyproject.toml."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {
        contract["id"]: contract["name"]
        for contract in config["tool"]["importlinter"]["contracts"]
    }


def lint_imports(root: Path) -> tuple[int, str]:
    """`lint-imports` run on the packages under `root`, as `make test` runs
    it: its exit status and its report."""
    environment = {
        **os.environ,
        "PYTHONPATH": str(root),
        # One contract a line however long its name: the report is read below.
        "COLUMNS": "1000",
        "NO_COLOR": "1",
    }
    result = subprocess.run(
        [LINT_IMPORTS, "--no-cache"],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def verdicts(report: str) -> dict[str, str]:
    """Contract name -> "KEPT" or "BROKEN", as the report says."""
    return {match["name"]: match["verdict"] for match in VERDICT.finditer(report)}


def copy_of_the_project(destination: Path) -> Path:
    """The project's Python packages (their .py files only) and
    pyproject.toml, which holds the contracts."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, destination / package, ignore=_not_python)
    shutil.copy(ROOT / "pyproject.toml", destination / "pyproject.toml")
    return destination


def _not_python(directory: str, names: list[str]) -> list[str]:
    """What the copy leaves out: everything but folders and .py files, and
    Python's caches."""
    folder = Path(directory)
    return [
        name
        for name in names
        if name == "__pycache__" or not (name.endswith(".py") or (folder / name).is_dir())
    ]


def test_the_project_keeps_every_contract():
    status, report = lint_imports(ROOT)

    assert verdicts(report) == dict.fromkeys(contracts().values(), "KEPT"), report
    assert status == 0, report


@dataclass(frozen=True)
class Violation:
    contract: str  # the id of the contract it breaks
    importer: str  # the module given the import
    imported: str  # what it imports

    @property
    def path(self) -> str:
        return self.importer.replace(".", "/") + ".py"

    @property
    def line(self) -> str:
        module, _, name = self.imported.rpartition(".")
        return f"from {module} import {name}\n"


VIOLATIONS = [
    # The worker's task rendering an area's PDF through a view, as it once did.
    Violation("domain-below-web", "registry.tasks", "registry.views.areas"),
    # A service enqueueing its own task, as the PDF requests once did.
    Violation("tasks-are-leaves", "registry.services.reports", "registry.tasks"),
    # A task writing thumbnails itself rather than through the service.
    Violation("tasks-call-services", "registry.tasks", "registry.photos"),
    # The models reading through a module that reads through them: the cycle
    # registry/querysets.py once made.
    Violation("models-at-the-bottom", "registry.models.cameras", "registry.filters"),
]


def test_every_contract_has_a_deliberate_violation():
    assert sorted(violation.contract for violation in VIOLATIONS) == sorted(contracts())


@pytest.mark.parametrize("violation", VIOLATIONS, ids=lambda violation: violation.contract)
def test_a_deliberate_violation_breaks_its_contract_alone(violation, tmp_path):
    copy = copy_of_the_project(tmp_path)
    with (copy / violation.path).open("a") as module:
        module.write(violation.line)

    status, report = lint_imports(copy)

    names = contracts()
    expected = dict.fromkeys(names.values(), "KEPT")
    expected[names[violation.contract]] = "BROKEN"
    assert verdicts(report) == expected, report
    assert f"{violation.importer} -> {violation.imported}" in report
    assert status != 0


# Modules that are neither domain nor entry point: the app's configuration,
# the migrations, and folders with no Python of their own.
UNLAYERED = {"apps", "migrations", "data", "frontend", "locale", "static", "templates"}


def test_every_module_of_registry_has_a_layer():
    """A new module of registry is either in the domain or among the entry
    points; one in neither would escape every contract."""
    domain_below_web = next(
        contract
        for contract in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
            "importlinter"
        ]["contracts"]
        if contract["id"] == "domain-below-web"
    )
    layered = {
        name.removeprefix("registry.")
        for name in domain_below_web["source_modules"] + domain_below_web["forbidden_modules"]
        if name.startswith("registry.")
    }
    modules = {
        path.stem
        for path in (ROOT / "registry").iterdir()
        if (path.suffix == ".py" or path.is_dir()) and not path.name.startswith("__")
    }

    assert modules - UNLAYERED - layered == set()
