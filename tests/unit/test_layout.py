"""The house's import rules, read from the source (ast): the rules know nothing of HTTP, the
tables nothing of the rules, no door imports another, and the rule packages import one way,
in the order declared here and nowhere else."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Lower first: a package may import itself and those above it, never one below.
LAYERS = ("sync.access", "sync.journal", "forms", "sync.labels", "sync.people", "sync.stock",
          "sync.register", "sync.photos", "sync.engine", "sync.inspections", "sync.tracing",
          "sync.intake", "sync.views", "sync.programme")
# what the rules may use of the shell: tables, the database object and clock, error bases,
# the photo files
SHELL_FOR_RULES = ("server.db", "server.errors", "server.models", "server.storage")
DOORS = ("server.api", "server.web", "server.openrosa", "server.cli")
HTTP = ("flask", "flask_babel", "flask_wtf", "flask_migrate", "werkzeug")
NOT_HTTP = ("werkzeug.security",)  # password hashes (scrypt), no request in sight


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, name: str, is_package: bool = False) -> set[str]:
    """Every module a source imports, at any depth (function-level imports included);
    `from a import b` counts as a.b, which is either the module a.b or a name of a."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[:len(package) - node.level + 1]
                base = ".".join(package + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def within(module: str, prefixes: tuple[str, ...]) -> str | None:
    return next((p for p in prefixes if module == p or module.startswith(p + ".")), None)


def problems(name: str, imported: set[str]) -> list[str]:
    """What is wrong with module `name` importing `imported`."""
    found = []
    layer = within(name, LAYERS)
    if layer is not None:
        for m in sorted(imported):
            if within(m, HTTP) and not within(m, NOT_HTTP):
                found.append(f"{name} imports {m}: the rules know nothing of HTTP")
            elif m.startswith("server") and m != "server" and not within(m, SHELL_FOR_RULES):
                found.append(f"{name} imports {m}: rules use only {', '.join(SHELL_FOR_RULES)}")
            elif (other := within(m, LAYERS)) and LAYERS.index(other) > LAYERS.index(layer):
                found.append(f"{name} imports {m}: {other} comes after {layer}")
    elif within(name, ("server.models",)):
        found += [f"{name} imports {m}: tables import only the shell" for m in sorted(imported)
                  if within(m, ("sync", "forms") + DOORS)]
    elif within(name, ("server.db", "server.errors", "server.storage")):
        found += [f"{name} imports {m}: the shell's base imports no rules or doors"
                  for m in sorted(imported) if within(m, ("sync", "forms") + DOORS)]
    if (door := within(name, DOORS)) is not None:
        found += [f"{name} imports {m}: doors never import each other (use server.wiring)"
                  for m in sorted(imported) if (other := within(m, DOORS)) and other != door]
    return found


def project_modules() -> list[tuple[str, Path]]:
    paths = [p for top in ("sync", "forms", "server") for p in (ROOT / top).rglob("*.py")]
    return sorted((module_name(p), p) for p in paths)


def test_the_rule_packages_are_the_declared_layers():
    loose = [p.name for p in (ROOT / "sync").glob("*.py") if p.name != "__init__.py"]
    assert loose == [], "rule modules belong in a subdomain package of sync/"
    packages = {f"sync.{p.name}" for p in (ROOT / "sync").iterdir()
                if (p / "__init__.py").is_file()}
    assert packages == {layer for layer in LAYERS if layer.startswith("sync.")}


def test_every_import_points_the_declared_way():
    found = []
    for name, path in project_modules():
        found += problems(name, imports_of(path.read_text(), name, path.name == "__init__.py"))
    assert found == []


@pytest.mark.parametrize(("module", "source", "complaint"), [
    ("sync.stock.ledger", "from flask import g", "know nothing of HTTP"),
    ("sync.engine.ops", "def f():\n    from flask import current_app", "know nothing of HTTP"),
    ("forms.registry", "from server.api import bp", "rules use only"),
    ("sync.stock.counts", "from sync.engine import merge", "sync.engine comes after sync.stock"),
    ("sync.labels.ids", "from ..views import review", "sync.views comes after sync.labels"),
    ("server.models.inventory", "from sync.stock.hazard import check_hazard", "tables import"),
    ("server.web.photos", "from server.api.photos import send_photo", "never import each other"),
], ids=["flask in a rule", "flask inside a function", "a door in forms", "stock uses engine",
        "relative import upwards", "a table uses a rule", "door to door"])
def test_a_forbidden_import_is_named(module, source, complaint):
    found = problems(module, imports_of(source, module))
    assert any(complaint in line for line in found), found


def test_allowed_imports_pass():
    allowed = ("from server.models import Crate\nfrom sync.access.principal import Principal\n"
               "from sync.labels.ids import parse_label\nfrom . import inventory\n")
    assert problems("sync.stock.ledger", imports_of(allowed, "sync.stock.ledger")) == []
