"""The layout holds: the core (morelike/) imports neither app, faces import only the core, and no import cycle,
between modules or between packages (`morelike.build` and `morelike.engine` must not need each other).

Read from the source (every import statement, also those inside functions, which is where cycles hide), so a
new module is covered without being listed here.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGES = ("morelike", "indexer", "bot")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def first_party_modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path, name: str, known: dict[str, Path]) -> set[str]:
    """First-party modules `path` imports (`from a.b import c` counts as a.b.c when c is a module, else a.b)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(), str(path))
    # Imports under `if TYPE_CHECKING:` are for annotations only: they never run, so they make no cycle.
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and _is_type_checking(block.test)
                   for stmt in block.body for n in ast.walk(stmt)}  # fmt: skip
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t.split(".")[0] in PACKAGES)
    return found


def import_graph() -> dict[str, set[str]]:
    known = first_party_modules()
    return {name: imports_of(path, name, known) for name, path in known.items()}


def test_the_graph_sees_imports_inside_functions_and_relative_ones(tmp_path):
    # The reader must see what the rules below forbid, or every rule passes by seeing nothing.
    fake = tmp_path / "x.py"
    fake.write_text(
        "from . import answers\nif TYPE_CHECKING:\n    import indexer\n\n"
        "def f():\n    from bot.discord_app import widgets\n"
    )
    known = {**first_party_modules(), "morelike.x": fake}
    assert imports_of(fake, "morelike.x", known) == {"morelike.answers", "bot.discord_app.widgets"}


def test_the_core_imports_neither_app():
    bad = {m: sorted(i for i in deps if i.split(".")[0] in ("bot", "indexer"))
           for m, deps in import_graph().items() if m.split(".")[0] == "morelike"}  # fmt: skip
    assert {m: d for m, d in bad.items() if d} == {}


def test_the_indexer_never_imports_the_bot():
    bad = {m: sorted(i for i in deps if i.split(".")[0] == "bot") for m, deps in import_graph().items()
           if m.split(".")[0] == "indexer"}  # fmt: skip
    assert {m: d for m, d in bad.items() if d} == {}


FACES = ("bot.discord_app", "bot.rest", "bot.terminal")


@pytest.mark.parametrize("face", FACES)
def test_each_face_imports_only_the_core(face):
    others = [f for f in FACES if f != face]
    bad = {}
    for m, deps in import_graph().items():
        if m == face or m.startswith(face + "."):
            wrong = sorted(i for i in deps if i.split(".")[0] == "indexer" or any(i == o or i.startswith(o + ".")
                                                                                  for o in others))  # fmt: skip
            if wrong:
                bad[m] = wrong
    assert bad == {}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def package_edges_dropped(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    # A module importing its own package's __init__ (`from morelike.engine.types import X` runs
    # morelike/engine/__init__ first) is how packages work, not a cycle between capabilities.
    return {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}


def test_no_import_cycle():
    assert find_cycle(package_edges_dropped(import_graph())) is None


def package_of(module: str) -> str:
    """The capability a module belongs to: its app or core (`morelike`, `bot`, `indexer`) and the first name below
    it, package or module (`morelike.engine.franchise` -> `morelike.engine`, `bot.discord_app.cogs.similar` ->
    `bot.discord_app`, `morelike.settings` -> itself)."""
    return ".".join(module.split(".")[:2])


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The module graph folded onto packages: a module-level check passes `build.writer -> engine.franchise` and
    `engine.engine -> build.reader` (no module repeats), yet `build` and `engine` then depend on each other and
    neither can be read, tested or changed without the other."""
    out: dict[str, set[str]] = {}
    for module, deps in package_edges_dropped(graph).items():
        here = package_of(module)
        targets = {package_of(d) for d in deps}
        out.setdefault(here, set()).update(p for p in targets if p != here and not here.startswith(p + "."))
    return out


def test_no_import_cycle_between_packages():
    assert find_cycle(package_graph(import_graph())) is None


def test_the_package_check_sees_a_loop_no_module_makes():
    graph = {"morelike.build.writer": {"morelike.engine.franchise"}, "morelike.build.reader": set(),
             "morelike.engine.engine": {"morelike.build.reader"}, "morelike.engine.franchise": set()}  # fmt: skip
    assert find_cycle(package_edges_dropped(graph)) is None
    assert find_cycle(package_graph(graph)) == ["morelike.build", "morelike.engine", "morelike.build"]


def test_the_cycle_check_can_fail():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_importing_the_core_pulls_in_no_face_and_no_app():
    code = (
        "import sys, morelike.settings, morelike.catalog.records, morelike.catalog.documents, morelike.build.reader, "
        "morelike.build.writer, morelike.encoders, morelike.engine, morelike.answers\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in ('discord', 'bot', 'indexer')}"
        " | ({'aiohttp.web'} & set(sys.modules))))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_image_gets_every_package_the_apps_import():
    """The image runs the code from /app (not pip-installed): each package pyproject ships must pass the
    .dockerignore allow-list and be copied by the Dockerfile, or the container fails at its first import."""
    import fnmatch
    import tomllib

    include = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = sorted({p.rstrip("*") for p in include})
    assert set(PACKAGES) <= set(packages)
    allowed = {line[1:].strip().rstrip("/") for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.startswith("!")}  # fmt: skip
    copied = {line.split()[1].rstrip("/") for line in (REPO / "Dockerfile").read_text().splitlines()
              if line.startswith("COPY ")}  # fmt: skip
    for pkg in packages:
        assert any(fnmatch.fnmatch(pkg, a) for a in allowed), f"{pkg}/ is not in .dockerignore's allow-list"
        assert pkg in copied, f"the Dockerfile does not COPY {pkg}/"
