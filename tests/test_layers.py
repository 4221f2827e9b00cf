"""The house rules, checked on the source (see docs/ARCHITECTURE.md):

1. a module imports only from rooms below its own (or from its own room), never upward
   and never sideways into another room of the same floor;
2. no circle of imports, inside a room or across rooms;
3. SQL and database calls live only in ``whichmodel/store/``;
4. a default value of a setting is written only in ``whichmodel/config.py``;
5. no module is longer than 400 lines (the HTML template 500).

Every import counts, also those inside functions (the lazy ones that keep ``--help``
fast); ``if TYPE_CHECKING:`` imports count too: a type is a dependency.
The second half of this file shows that each rule fails on a tree that breaks it.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = "whichmodel"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE

# Floors, lowest first. A room is a top-level module or subpackage of the package.
FLOORS: list[set[str]] = [
    {"errors"},
    {"config", "run_sync", "offline_tiktoken"},
    {"records", "refusal"},
    {"verdict", "store"},
    {"portkey", "results", "history"},
    {"report"},
    {"tools"},
    {"agents"},
    {"tasks"},
    {"local"},
    {"web"},
    {"api"},
    {"cli"},
    {"__init__"},
]
STORE_ROOM = "store"
CONFIG_MODULE = "config"
MAX_LINES = 400
LONGER_ALLOWED = {"report/html_assets.py": 500}

SQL = re.compile(
    r"^\s*(?:select\b[\s\S]*\bfrom\b|insert\s+(?:or\s+\w+\s+)?into\b|update\s+\w+\s+set\b|"
    r"delete\s+from\b|create\s+(?:table|index)\b|pragma\b|begin\s+immediate\b)",
    re.I,
)
DB_MODULES = {"sqlite3", "sqlite_utils"}
DB_ATTRIBUTES = {"db", "conn"}
"""``store.db.execute(...)``, ``store.db["runs"]``: reaching past the store into its
connection (a plain ``settings.db``, the file's path, is no database call)."""
DB_METHODS = {"execute", "executemany", "executescript", "query", "table_names", "conn", "cursor"}
NOT_WATCHED = {"timeout", "db"}
"""Setting names that also name other things (a socket's timeout, a path)."""


@dataclass
class Violation:
    rule: str
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.where}: {self.what}"


@dataclass
class Module:
    name: str  # dotted, without the package: "store.database", "cli", "__init__"
    path: Path
    tree: ast.Module
    imports: list[tuple[str, int]] = field(default_factory=list)  # (dotted target, line)

    @property
    def room(self) -> str:
        return self.name.split(".")[0]


def _rank(room: str) -> int | None:
    for i, floor in enumerate(FLOORS):
        if room in floor:
            return i
    return None


def _load(root: Path) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        name = ".".join(parts)
        modules[name] = Module(name, path, ast.parse(path.read_text(), str(path)))
    for module in modules.values():
        package = module.name.split(".")
        if module.path.name != "__init__.py":
            package = package[:-1]
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                        module.imports.append((alias.name[len(PACKAGE) + 1 :], node.lineno))
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: from the module's own package
                    base = package[: len(package) - node.level + 1]
                    target = ".".join([*base, *(node.module.split(".") if node.module else [])])
                elif node.module and (
                    node.module == PACKAGE or node.module.startswith(PACKAGE + ".")
                ):
                    target = node.module[len(PACKAGE) + 1 :]
                else:
                    continue
                for alias in node.names:
                    # `from whichmodel.store import Store` names the module store; `from
                    # whichmodel.verdict import stats` names the submodule verdict.stats
                    sub = f"{target}.{alias.name}" if target else alias.name
                    module.imports.append((sub if sub in modules else target, node.lineno))
    return modules


def _resolve(target: str, modules: dict[str, Module]) -> str | None:
    """The module a dotted import target lands in (the longest known prefix)."""
    parts = target.split(".") if target else ["__init__"]
    while parts:
        name = ".".join(parts)
        if name in modules:
            return name
        parts = parts[:-1]
    return None


def check_imports(modules: dict[str, Module]) -> list[Violation]:
    out = []
    for module in modules.values():
        mine = _rank(module.room)
        if mine is None:
            out.append(Violation("layers", module.name, f"room {module.room!r} is on no floor"))
            continue
        for target, line in module.imports:
            resolved = _resolve(target, modules)
            if resolved is None:
                continue
            room = modules[resolved].room
            if room == module.room:
                continue
            theirs = _rank(room)
            if theirs is None or theirs >= mine:
                how = "sideways" if theirs == mine else "upward"
                out.append(
                    Violation(
                        "layers",
                        f"{module.path.name}:{line} ({module.name})",
                        f"imports {resolved} ({how}: {module.room} may import only rooms "
                        "on the floors below it)",
                    )
                )
    return out


def check_circles(modules: dict[str, Module]) -> list[Violation]:
    """Strongly connected components of the import graph (Tarjan)."""
    graph = {
        name: {r for t, _ in m.imports if (r := _resolve(t, modules)) and r != name}
        for name, m in modules.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            members = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                members.append(top)
                if top == node:
                    break
            if len(members) > 1:
                circles.append(sorted(members))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return [
        Violation("circle", " <-> ".join(c), "these modules import each other") for c in circles
    ]


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def check_database(modules: dict[str, Module]) -> list[Violation]:
    out = []
    for module in modules.values():
        if module.room == STORE_ROOM:
            continue
        parents = _parents(module.tree)
        for node in ast.walk(module.tree):
            where = f"{module.path.name}:{getattr(node, 'lineno', 0)} ({module.name})"
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                for name in names:
                    if name.split(".")[0] in DB_MODULES:
                        out.append(Violation("database", where, f"imports {name}"))
            elif isinstance(node, ast.Attribute) and node.attr in DB_ATTRIBUTES:
                parent = parents.get(node)
                if (
                    "store" in ast.unparse(node.value).lower()
                    or isinstance(parent, ast.Subscript)
                    or (isinstance(parent, ast.Attribute) and parent.attr in DB_METHODS)
                ):
                    out.append(Violation("database", where, f"reaches into .{node.attr}"))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if SQL.search(node.value):
                    out.append(Violation("database", where, f"SQL text {node.value[:40]!r}"))
    return out


def setting_names(modules: dict[str, Module]) -> set[str]:
    """The fields of ``Settings``."""
    config = modules[CONFIG_MODULE].tree
    names: set[str] = set()
    for node in ast.walk(config):
        if isinstance(node, ast.ClassDef) and node.name == "Settings":
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    names.add(item.target.id)
    return names - NOT_WATCHED


def _literal(node: ast.AST | None) -> bool:
    return (
        isinstance(node, ast.Constant)
        and node.value is not None
        and not isinstance(node.value, bool)
    ) or (isinstance(node, ast.UnaryOp) and _literal(node.operand))


def check_defaults(modules: dict[str, Module], watched: set[str]) -> list[Violation]:
    """A setting's default written outside config.py: a parameter or field default,
    or ``something.get("<setting>", <value>)``."""
    out = []
    for module in modules.values():
        if module.name == CONFIG_MODULE:
            continue
        for node in ast.walk(module.tree):
            where = f"{module.path.name}:{getattr(node, 'lineno', 0)} ({module.name})"
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                positional = args.args[len(args.args) - len(args.defaults) :]
                pairs = list(zip(positional, args.defaults, strict=True))
                pairs += [
                    (a, d)
                    for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                    if d is not None
                ]
                for arg, default in pairs:
                    if arg.arg in watched and _literal(default):
                        out.append(Violation("defaults", where, f"parameter {arg.arg} = literal"))
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                if node.target.id in watched and _literal(node.value):
                    out.append(Violation("defaults", where, f"field {node.target.id} = literal"))
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and len(node.args) == 2
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in watched
                and _literal(node.args[1])
            ):
                out.append(Violation("defaults", where, f".get({node.args[0].value!r}, literal)"))
    return out


def check_lengths(root: Path) -> list[Violation]:
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        lines = len(path.read_text().splitlines())
        limit = LONGER_ALLOWED.get(rel, MAX_LINES)
        if lines > limit:
            out.append(Violation("length", rel, f"{lines} lines (at most {limit})"))
    return out


def all_violations(root: Path) -> list[Violation]:
    modules = _load(root)
    return (
        check_imports(modules)
        + check_circles(modules)
        + check_database(modules)
        + check_defaults(modules, setting_names(modules))
        + check_lengths(root)
    )


# ---------------------------------------------------------------- the package itself


def test_the_package_keeps_the_house_rules() -> None:
    violations = all_violations(ROOT)
    assert not violations, "\n".join(str(v) for v in violations)


def test_every_room_is_on_a_floor_and_on_the_map() -> None:
    rooms = {m.room for m in _load(ROOT).values()}
    assert rooms <= set().union(*FLOORS), (
        f"rooms on no floor: {sorted(rooms - set().union(*FLOORS))}"
    )
    architecture = (ROOT.parent / "docs" / "ARCHITECTURE.md").read_text()
    for room in rooms - {"__init__"}:
        assert f"`{room}" in architecture, f"docs/ARCHITECTURE.md does not describe {room}"


# ---------------------------------------------------------------- the rules can fail


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / PACKAGE
    for rel, text in {
        "__init__.py": "",
        "config.py": "class Settings:\n    tolerance: float = 0.05\n",
        **files,
    }.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def _rules(root: Path) -> set[str]:
    return {v.rule for v in all_violations(root)}


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "store/__init__.py": "import sqlite3\nQ = 'select id from runs'\n",
            "results/__init__.py": "from whichmodel.store import Q\n",
            "cli.py": "def main():\n    from whichmodel.results import Q\n",
        },
    )
    assert all_violations(root) == []


@pytest.mark.parametrize(
    ("files", "rule"),
    [
        # the store importing a face, inside a function
        (
            {"store/__init__.py": "def f():\n    from whichmodel.cli import main\n", "cli.py": ""},
            "layers",
        ),
        # sideways: two rooms of one floor
        (
            {"results/__init__.py": "from whichmodel import portkey\n", "portkey/__init__.py": ""},
            "layers",
        ),
        # relative upward import
        ({"store/a.py": "from ..tasks import run\n", "tasks/__init__.py": "run = 1\n"}, "layers"),
        # a circle inside one room
        (
            {
                "web/a.py": "from whichmodel.web.b import x\ny = 1\n",
                "web/b.py": "from whichmodel.web.a import y\nx = 1\n",
            },
            "circle",
        ),
        # SQL text outside the store
        (
            {"results/__init__.py": "ROWS = 'select * from responses where run_id = ?'\n"},
            "database",
        ),
        # reaching into the store's connection
        ({"web/__init__.py": "def f(store):\n    return store.db['runs'].count\n"}, "database"),
        # a database module outside the store
        ({"report/__init__.py": "import sqlite_utils\n"}, "database"),
        # a setting's default written again
        (
            {"verdict/__init__.py": "def decide(rows, tolerance=0.05):\n    return rows\n"},
            "defaults",
        ),
        ({"results/__init__.py": "def f(s):\n    return s.get('tolerance', 0.05)\n"}, "defaults"),
        # a module nobody placed
        ({"misc.py": "x = 1\n"}, "layers"),
        # too long
        ({"report/__init__.py": "x = 1\n" * 401}, "length"),
    ],
)
def test_each_kind_of_violation_is_caught(tmp_path: Path, files: dict[str, str], rule: str) -> None:
    assert rule in _rules(_tree(tmp_path, files))
