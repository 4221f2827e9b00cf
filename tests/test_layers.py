"""The house rules, checked on the source (see docs/ARCHITECTURE.md).

Code handed to ``exec``/``eval``/``compile`` as a literal is read as code for every
rule. An expression's dotted name is followed through aliases (``import os as o``,
``from importlib import import_module as load``, ``env = os.environ``,
``getattr(os, "environ")``, ``sys.modules["os"]``).

1. ``layers``: a module imports only from rooms below its own (or from its own room),
   never upward and never sideways into another room of the same floor.
   ``circle``: no circle of imports, inside a room or across rooms.
   Every import counts: those inside functions (the lazy ones that keep ``--help``
   fast), ``if TYPE_CHECKING:`` ones (a type is a dependency), and dynamic ones whose
   name is known from the source: ``importlib.import_module``, ``__import__``,
   ``importlib.util.find_spec``, ``pkgutil`` and ``importlib.resources`` loaders,
   ``runpy.run_module`` and ``sys.modules[...]`` with a literal name, or one built
   from literals (``+``, ``%``, ``.format``, an f-string whose fields are literals,
   ``".".join``, a module constant, a relative name with its package). Naming the
   package itself (``files("whichmodel") / "data"``) is no climb: it is loaded before
   any of its modules.
2. ``sql``: no SQL text outside ``whichmodel/store/``. Every string the source can
   spell (a literal or bytes, implicitly concatenated literals, an f-string with its
   fields as placeholders, ``+`` chains, a name grown with ``+=``, ``"sep".join`` of
   literals, ``.format`` and ``%`` templates with their fields as placeholders) is
   read with sqlglot's tokenizer (comments skipped) and parser (SQLite dialect). It
   is SQL when it starts with a statement keyword and parses into a statement with
   the shape of SQL: a query with a FROM clause, an INSERT / REPLACE INTO, an UPDATE
   ... SET, a DELETE FROM, a CREATE / DROP / ALTER of an object (a trigger too), a
   PRAGMA, ATTACH / DETACH, a transaction keyword with its modifier, EXPLAIN of any of
   these. Prose does not count: text that fails to parse ("Select a run to
   compare."), text sqlglot only keeps as an opaque command ("Drop the judge"), a
   bare keyword ("replace" as an ``errors=`` value), a query without FROM, and text
   that reads as a sentence: an English function word followed by another bare name
   ("Select a run from the list": SQL would write ``runs a``, the alias after the
   table), or sentence case (a capitalised first word) made of words only ("Delete
   from history": no operator, star, placeholder, parenthesis or comma). Measured: no string of the
   package outside ``store/`` and none of the 76,000 string literals of typer, click,
   rich, pydantic, fastapi, starlette, httpx, jsonschema and matplotlib is taken as
   SQL.
3. ``database``: no database driver and no database call outside the store. A driver
   is a module on ``DB_DRIVERS`` or any installed module that declares the DB-API's
   ``paramstyle`` / ``apilevel`` (found in its source without importing it), imported
   in any way (also ``from sqlite3 import connect`` and dynamic imports). A call is
   any DB-API or sqlite-utils method called on any object (``DB_METHODS``), or
   reaching the connection of a store-like object: ``.db``, ``.conn`` and every
   attribute the store assigns from a driver (or its own class built on one), read
   directly, through the getattr family, ``vars()``/``__dict__`` or
   ``operator.attrgetter``, on a name or attribute that says ``store``, a name bound
   to a ``Store(...)``/``open_store(...)`` call or annotated ``Store``, or such a call
   itself: ``c = store.db`` and ``self._x = store.db`` count, ``settings.db`` (a path)
   does not.
4. ``pure``: ``verdict/`` does no I/O: no ``open``/``input``/``print`` (called, or
   handed on as a value), no file method on any object (``read_text``, ``exists``,
   ``glob``...), no module for files, processes, the network, logging or the
   environment (``os``, ``subprocess``, ``socket``, ``http``, ``urllib``, ``httpx``,
   ``requests``, ``csv``, ``pickle``, ``importlib.resources``...), no reading or
   writing loader (``json.load``/``dump`` but not ``loads``/``dumps``,
   ``numpy.load``/``save``, ``pandas.read_*``), no ``sys.stdout``/``stdin``/``argv``,
   no asyncio connection or subprocess.
5. ``cli-default``: in ``cli/`` an option's or argument's default is None, required
   (``...``) or False for a flag, whatever the spelling (``typer.Option(0.05, ...)``,
   ``typer.Option(default=...)``, ``default_factory``, ``click.option(default=...)``,
   ``Annotated[..., typer.Option()] = 0.05``, an ``Annotated`` alias, a plain
   parameter of a command, decorated or registered with ``app.command()(f)``): the
   value comes from ``Settings``.
6. ``defaults``: a default value of a setting is written only in ``config/``. No
   literal as the default of a parameter or field named after a setting (also
   ``Field(default=...)``/``field(default=...)``, and through a constant of the
   module or one it imports: ``TOL = 0.05`` then ``tolerance=TOL``); no fallback
   literal for it (``.get("tolerance", 0.05)``, ``getattr(s, "tolerance", 0.05)``,
   ``setdefault``, ``pop``; ``s.tolerance or 0.05`` and ``t if t is not None else
   0.05`` when the literal is its default); no constant named ``DEFAULT_<setting>`` /
   ``<setting>_FALLBACK``, or named after a setting and holding its default; no
   setting given its default as a keyword (``dict(tolerance=0.05)``,
   ``partial(f, tolerance=0.05)``) or in a dict of settings (``{"tolerance": 0.05}``;
   a dict whose keys are mostly not settings, such as a request body, is not one).
   ``environment``: the environment is read only in ``config/``: any use of
   ``os.environ`` / ``os.getenv`` / ``os.putenv`` / ``os.unsetenv`` (also ``from os
   import environ``, ``environ.copy()``, ``dict(os.environ)``), ``dotenv``, or a
   pydantic-settings ``BaseSettings`` class elsewhere is a violation, with no
   exception for copies handed to a child process: config/ gives each value a
   typed accessor. (A typer ``envvar=`` is typer's reading, not ours.)
7. ``attributes``: the getattr family (``getattr``, ``hasattr``, ``setattr``,
   ``delattr``, ``inspect.getattr_static``, ``object.__getattribute__``),
   ``operator.attrgetter``, ``vars(x)["name"]`` and ``x.__dict__["name"]`` with a
   literal name reach only what the caller may import: for every room, the attribute
   names its classes define (methods, class attributes, ``self.x = ...``) are
   collected; a literal name defined by no room the caller may import (its own, or
   one below) but by a room on its floor or above is a violation. Names every object
   or common base has (``dir(object)``, ``dict``, exceptions, ``Path``, pydantic's
   ``BaseModel``...) are not anyone's, nor are names the classes of the libraries
   the caller imports define (``getattr(llm, "info")`` reads Langroid's).
8. ``length``: no module is longer than 400 lines (the HTML template 500).

The second half of this file shows that each rule fails on trees that break it, that
a tree of tricky but legal code passes, and that a copy of the real package fails on
each of the issue's six violations.
"""

from __future__ import annotations

import ast
import importlib.util
import logging
import re
import shutil
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.tokens import Token, TokenType

PACKAGE = "whichmodel"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE

# Floors, lowest first. A room is a top-level module or subpackage of the package.
FLOORS: list[set[str]] = [
    {"errors"},
    {"config", "run_sync"},
    {"records", "refusal", "offline_tiktoken"},
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
PURE_ROOM = "verdict"
CLI_ROOM = "cli"
MAX_LINES = 400
LONGER_ALLOWED = {"report/html_assets.py": 500}

NOT_WATCHED = {"timeout", "db"}
"""Setting names that also name other things (a socket's timeout, a path)."""

# ---------------------------------------------------------------- rule 1: imports

LOADERS = {
    "importlib.import_module",
    "importlib.__import__",
    "__import__",
    "importlib.util.find_spec",
    "importlib.find_loader",
    "importlib.machinery.PathFinder.find_spec",
    "pkgutil.get_loader",
    "pkgutil.find_loader",
    "pkgutil.resolve_name",
    "pkgutil.get_data",
    "runpy.run_module",
    "importlib.resources.files",
    "importlib.resources.read_text",
    "importlib.resources.read_binary",
    "importlib.resources.open_text",
    "importlib.resources.open_binary",
    "importlib.resources.path",
    "importlib.resources.contents",
    "importlib.resources.is_resource",
    "importlib_resources.files",
}
"""Calls whose first argument (or ``name=``/``package=``/``anchor=``) is a module name
they import."""
MODULE_TABLES = {"sys.modules"}

# ---------------------------------------------------------------- rule 2: SQL

STATEMENT_WORDS = {
    "SELECT", "WITH", "VALUES", "INSERT", "REPLACE", "UPDATE", "DELETE", "CREATE", "DROP",
    "ALTER", "PRAGMA", "BEGIN", "COMMIT", "END", "ROLLBACK", "ATTACH", "DETACH", "EXPLAIN",
}  # fmt: skip
FUNCTION_WORDS = {
    "a", "an", "the", "this", "that", "these", "those", "your", "my", "our", "their",
    "its", "his", "her", "some", "any", "each", "every", "it", "them", "you", "we", "us",
    "me", "to", "of", "for", "by", "with", "in", "on", "at", "is", "are", "be", "and",
    "or", "not", "no", "then", "than", "there", "here",
}  # fmt: skip
"""English words that, next to another bare name, make a sentence of a statement."""
TRANSACTION_WORDS = {"BEGIN", "DEFERRED", "IMMEDIATE", "EXCLUSIVE", "TRANSACTION", "WORK"}
PLACEHOLDER = "_x_"
_FORMAT_FIELD = re.compile(r"\{[^{}]*\}|%\([^)]*\)[sdfr]|%[sdfr]")

# ---------------------------------------------------------------- rule 3: database

DB_DRIVERS = {
    "sqlite3", "_sqlite3", "pysqlite2", "pysqlite3", "sqlcipher3", "sqlite_utils", "apsw",
    "aiosqlite", "libsql", "libsql_client", "duckdb", "psycopg", "psycopg2", "psycopg_pool",
    "asyncpg", "pg8000", "pymysql", "MySQLdb", "mysql", "aiomysql", "asyncmy", "mariadb",
    "sqlalchemy", "sqlmodel", "peewee", "pony", "tortoise", "databases", "dataset",
    "records", "pyodbc", "cx_Oracle", "oracledb", "pymssql", "ibm_db", "snowflake",
    "clickhouse_driver", "clickhouse_connect", "pymongo", "motor", "redis", "adbc_driver_manager",
    "adbc_driver_sqlite", "adbc_driver_postgresql", "trino", "pyhive", "vertica_python",
}  # fmt: skip
DB_METHODS = {
    "execute", "executemany", "executescript", "cursor", "commit", "rollback", "fetchone",
    "fetchall", "fetchmany", "query", "table_names", "view_names", "create_table",
    "insert_all", "upsert_all", "transform", "enable_wal", "disable_wal", "attach",
    "create_function", "iterdump", "backup", "set_authorizer",
}  # fmt: skip
"""DB-API and sqlite-utils methods: called on any object outside the store, they are
database calls (whatever name the connection goes by)."""
CONNECTION_ATTRIBUTES = {"db", "conn", "connection", "con", "cursor", "_db", "_conn"}
"""Attributes of a store-like object that hold its connection (plus every attribute
the store assigns from a driver, found in its source)."""

# ---------------------------------------------------------------- rule 4: pure verdict

IO_BUILTINS = {"open", "input", "print", "breakpoint", "exit", "quit"}
IO_MODULES = {
    "os", "io", "socket", "ssl", "http", "urllib", "urllib3", "httpx", "requests",
    "aiohttp", "websockets", "subprocess", "multiprocessing", "shutil", "tempfile",
    "glob", "csv", "pickle", "shelve", "dbm", "marshal", "fileinput", "mmap", "select",
    "selectors", "webbrowser", "zipfile", "tarfile", "gzip", "bz2", "lzma", "logging",
    "smtplib", "ftplib", "importlib.resources", "importlib_resources", "pkgutil",
    "platformdirs", "portkey_ai", "openai", "uvicorn", "fastapi", "asyncio.subprocess",
}  # fmt: skip
IO_CALLS = {
    "json.load", "json.dump", "numpy.load", "numpy.save", "numpy.savez",
    "numpy.savez_compressed", "numpy.savetxt", "numpy.loadtxt", "numpy.genfromtxt",
    "numpy.fromfile", "numpy.fromregex", "numpy.memmap", "numpy.lib.format.open_memmap",
    "sys.stdin", "sys.stdout", "sys.stderr", "sys.argv", "sys.exit", "sys.__stdout__",
    "sys.__stderr__", "sys.__stdin__", "asyncio.open_connection", "asyncio.start_server",
    "asyncio.open_unix_connection", "asyncio.create_subprocess_exec",
    "asyncio.create_subprocess_shell", "asyncio.to_thread",
}  # fmt: skip
IO_PREFIXES = ("pandas.read_", "polars.read_", "polars.scan_")
FILE_METHODS = {
    "read_text", "read_bytes", "write_text", "write_bytes", "open", "iterdir", "glob",
    "rglob", "exists", "is_file", "is_dir", "is_symlink", "stat", "lstat", "mkdir",
    "rmdir", "unlink", "touch", "rename", "symlink_to", "hardlink_to", "chmod", "owner",
    "group", "samefile", "readlink", "expanduser", "home", "cwd", "walk", "tofile",
    "to_csv", "to_pickle", "to_parquet", "readlines", "writelines",
}  # fmt: skip
"""File-system methods, on whatever object: ``Path(...).read_text()``, ``p.exists()``."""

# ---------------------------------------------------------------- rule 5: CLI defaults

OPTION_FACTORIES = {"typer.Option", "typer.Argument", "click.option", "click.argument"}
COMMAND_DECORATORS = {"command", "callback"}

# ---------------------------------------------------------------- rule 6: env + defaults

ENVIRONMENT = {
    "os.environ", "os.environb", "os.getenv", "os.getenvb", "os.putenv", "os.unsetenv",
    "posix.environ", "nt.environ", "dotenv.load_dotenv", "dotenv.dotenv_values",
    "environs.Env", "decouple.config",
}  # fmt: skip
SETTINGS_BASES = ("BaseSettings", "EnvSettingsSource")
"""A class built on these reads the environment (pydantic-settings)."""
FALLBACK_METHODS = {"get", "setdefault", "pop"}
DEFAULT_WORDS = {"default", "defaults", "fallback"}

# ---------------------------------------------------------------- rule 7: attributes

ATTRIBUTE_CALLS = {
    "getattr", "hasattr", "setattr", "delattr", "inspect.getattr_static",
    "object.__getattribute__", "object.__setattr__", "object.__delattr__",
}  # fmt: skip
"""Calls ``(obj, "name", ...)`` that reach an attribute by its name; also
``operator.attrgetter("a.b")`` and ``vars(obj)["name"]`` / ``obj.__dict__["name"]``."""


def _common_attributes() -> set[str]:
    import functools
    import pathlib

    from pydantic import BaseModel

    kinds = [object, type, BaseException, dict, list, tuple, set, str, bytes, int, float]
    kinds += [property, functools.partial, pathlib.Path, BaseModel]
    return {name for kind in kinds for name in dir(kind)}


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
    external: list[tuple[str, int]] = field(default_factory=list)  # ("sqlite3.dbapi2", line)
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> dotted name
    constants: dict[str, object] = field(default_factory=dict)  # NAME -> literal value
    nodes: list[ast.AST] = field(default_factory=list)  # every node, walked once

    @property
    def room(self) -> str:
        return self.name.split(".")[0]

    @property
    def package(self) -> list[str]:
        """The dotted package a relative import starts from, with the package name."""
        parts = [PACKAGE, *self.name.split(".")] if self.name != "__init__" else [PACKAGE]
        if self.path.name != "__init__.py":
            parts = parts[:-1]
        return parts

    def at(self, node: ast.AST) -> str:
        return f"{self.path.name}:{getattr(node, 'lineno', 0)} ({self.name})"


def _rank(room: str) -> int | None:
    for i, floor in enumerate(FLOORS):
        if room in floor:
            return i
    return None


# ---------------------------------------------------------------- reading the source


def _qualname(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """The dotted name an expression stands for: ``il.import_module`` with ``import
    importlib as il`` is ``importlib.import_module``; ``getattr(os, "environ")`` is
    ``os.environ``; builtins keep their bare name."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id).removeprefix("builtins.")
    if isinstance(node, ast.Attribute):
        base = _qualname(node.value, aliases)
        return f"{base}.{node.attr}".removeprefix("builtins.") if base else None
    literal = None
    if isinstance(node, ast.Subscript) and _qualname(node.value, aliases) == "sys.modules":
        literal = node.slice
    elif (
        isinstance(node, ast.Call)
        and node.args
        and _qualname(node.func, aliases)
        in (
            "importlib.import_module",
            "__import__",
        )
    ):
        literal = node.args[0]
    if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
        return literal.value  # sys.modules["os"], importlib.import_module("os")
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    ):
        base = _qualname(node.args[0], aliases)
        return f"{base}.{node.args[1].value}".removeprefix("builtins.") if base else None
    return None


def _absolute(module: Module, level: int, name: str | None) -> str:
    if not level:
        return name or ""
    base = module.package[: len(module.package) - level + 1]
    return ".".join([*base, *(name.split(".") if name else [])])


def _aliases(module: Module) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for node in module.nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node.level, node.module)
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{base}.{alias.name}"
    # a dotted name bound to another name: `load = importlib.import_module`, `env = os.environ`
    bindings = [
        (node.targets if isinstance(node, ast.Assign) else [node.target], node.value)
        for node in module.nodes
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and isinstance(node.value, ast.Name | ast.Attribute)
    ]
    for _ in range(3):
        for targets, value in bindings:
            qualified = _qualname(value, aliases)  # type: ignore[arg-type]
            for target in targets:
                if isinstance(target, ast.Name) and qualified and qualified != target.id:
                    aliases[target.id] = qualified
    return aliases


def _constants(tree: ast.Module) -> dict[str, object]:
    """Names bound exactly once, to a literal (``TOL = 0.05``, ``NAME = "whichmodel.cli"``)."""
    seen: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    seen.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
            seen.setdefault(node.target.id, []).append(
                node.value if isinstance(node, ast.AnnAssign) and node.value else node
            )
    out: dict[str, object] = {}
    for name, values in seen.items():
        if len(values) == 1:
            try:
                out[name] = ast.literal_eval(values[0])  # type: ignore[arg-type]
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                pass
    return out


def _text(node: ast.AST | None, module: Module, fields: bool = False) -> str | None:
    """The string an expression spells out: a literal, literals added or joined, an
    f-string (without fields, or with ``fields`` each field as a placeholder), a
    constant's value."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bytes):
            return node.value.decode("latin-1")
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        value = module.constants.get(node.id)
        return value if isinstance(value, str) else None
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            inner = (
                _text(value.value, module)
                if isinstance(value, ast.FormattedValue) and value.format_spec is None
                else None
            )
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif inner is not None:
                parts.append(inner)
            elif fields:
                parts.append(PLACEHOLDER)
            else:
                return None
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        template = _text(node.left, module, fields)
        items = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        values = [_text(i, module) for i in items]
        if template is None:
            return None
        if all(v is not None for v in values):
            try:
                return template % tuple(values)
            except (TypeError, ValueError, KeyError):
                return None
        return template if fields else None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        template = _text(node.func.value, module, fields)
        args = [_text(a, module) for a in node.args]
        kwargs = {k.arg: _text(k.value, module) for k in node.keywords if k.arg}
        if template is None:
            return None
        if all(a is not None for a in args) and all(v is not None for v in kwargs.values()):
            try:
                return template.format(*args, **kwargs)
            except (IndexError, KeyError, ValueError):
                return None
        return template if fields else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left, module, fields), _text(node.right, module, fields)
        if left is None and right is None:
            return None
        if (left is None or right is None) and not fields:
            return None
        return (left if left is not None else PLACEHOLDER) + (
            right if right is not None else PLACEHOLDER
        )
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.List | ast.Tuple)
    ):
        sep = _text(node.func.value, module, fields)
        parts = [_text(e, module, fields) for e in node.args[0].elts]
        if sep is None or any(p is None for p in parts):
            return None
        return sep.join(p for p in parts if p is not None)
    return None


def _dynamic_imports(module: Module) -> Iterator[tuple[str, int]]:
    """Dotted names of modules loaded by a call with a name known from the source. A
    module that also loads names it computes (``import_module(LAZY[name])``) counts
    every module name of the package it spells as one it loads."""
    computed = False
    for node in module.nodes:
        name_node: ast.AST | None = None
        package_node: ast.AST | None = None
        if isinstance(node, ast.Call) and _qualname(node.func, module.aliases) in LOADERS:
            keywords = {k.arg: k.value for k in node.keywords}
            name_node = (
                node.args[0]
                if node.args
                else (keywords.get("name") or keywords.get("anchor") or keywords.get("package"))
            )
            package_node = node.args[1] if len(node.args) > 1 else keywords.get("package")
        elif (
            isinstance(node, ast.Subscript)
            and _qualname(node.value, module.aliases) in MODULE_TABLES
        ):
            name_node = node.slice
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "pop")
            and _qualname(node.func.value, module.aliases) in MODULE_TABLES
            and node.args
        ):
            name_node = node.args[0]
        name = _text(name_node, module)
        if not name:
            computed = computed or name_node is not None
            continue
        name = name.split(":")[0]  # pkgutil.resolve_name("pkg.mod:attr")
        if name == PACKAGE:
            continue  # the package itself is loaded before any of its modules
        if name.startswith("."):
            if isinstance(package_node, ast.Name) and package_node.id in (
                "__package__",
                "__name__",
            ):
                package = ".".join(module.package)
            else:
                package = _text(package_node, module) or ""
            try:
                name = importlib.util.resolve_name(name, package)
            except (ImportError, ValueError):
                continue
        yield name, node.lineno
    if computed:
        for node in module.nodes:
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(rf"{PACKAGE}(\.\w+)+", node.value)
            ):
                yield node.value, node.lineno


def _code_in_strings(module: Module) -> list[ast.AST]:
    """The nodes of code handed to ``exec``/``eval``/``compile`` as a literal: code too
    (``exec("import whichmodel.cli")`` imports)."""
    out: list[ast.AST] = []
    for node in module.nodes:
        if (
            isinstance(node, ast.Call)
            and _qualname(node.func, {}) in ("exec", "eval", "compile")
            and node.args
            and (code := _text(node.args[0], module)) is not None
        ):
            try:
                tree = ast.parse(textwrap.dedent(code))
            except SyntaxError:
                continue
            for sub in ast.walk(tree):  # every line of the code is the call's line
                if hasattr(sub, "lineno"):
                    sub.lineno = node.lineno  # type: ignore[attr-defined]
            out += list(ast.walk(tree))[1:]
    return out


def _load(root: Path) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        name = ".".join(parts)
        tree = ast.parse(path.read_text(), str(path))
        modules[name] = Module(name, path, tree, nodes=list(ast.walk(tree)))
    for module in modules.values():
        module.constants = _constants(module.tree)
        module.nodes += _code_in_strings(module)
        module.aliases = _aliases(module)

        def note(dotted: str, line: int, module: Module = module) -> None:
            if dotted == PACKAGE or dotted.startswith(PACKAGE + "."):
                target = dotted[len(PACKAGE) + 1 :]
                module.imports.append((target, line))
            else:
                module.external.append((dotted, line))

        for node in module.nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    note(alias.name, node.lineno)
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, node.level, node.module)
                for alias in node.names:
                    # `from whichmodel.store import Store` names the module store; `from
                    # whichmodel.verdict import stats` names the submodule verdict.stats
                    sub = f"{base}.{alias.name}"
                    inside = sub.startswith(PACKAGE + ".")
                    known = inside and sub[len(PACKAGE) + 1 :] in modules
                    note(sub if known or not inside else base, node.lineno)
        for dotted, line in _dynamic_imports(module):
            note(dotted, line)
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


# ---------------------------------------------------------------- rule 1


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


# ---------------------------------------------------------------- rule 2


def _strings(module: Module) -> Iterator[tuple[ast.AST, str]]:
    """Every string the module spells, whole: literals, f-strings, ``+`` chains and
    joins (the outermost expression only, with placeholders for what is computed)."""
    inside: set[int] = set()
    for node in module.nodes:
        if id(node) in inside:
            continue
        text = _text(node, module, fields=True)
        if text is None:
            continue
        if not isinstance(node, ast.Constant):
            inside.update(id(n) for n in ast.walk(node) if n is not node)
        yield node, text
    # a string grown in steps: `sql = "select *"` then `sql += " from runs"`
    grown: dict[str, str] = {}
    steps = [
        n
        for n in module.nodes
        if isinstance(n, ast.Assign | ast.AugAssign)
        and isinstance(n.targets[0] if isinstance(n, ast.Assign) else n.target, ast.Name)
    ]
    for node in sorted(steps, key=lambda n: (n.lineno, n.col_offset)):
        target = node.targets[0] if isinstance(node, ast.Assign) else node.target
        assert isinstance(target, ast.Name)
        text = _text(node.value, module, fields=True)
        if isinstance(node, ast.Assign):
            grown.pop(target.id, None)
            if text is not None:
                grown[target.id] = text
        elif isinstance(node.op, ast.Add) and target.id in grown:
            grown[target.id] += text if text is not None else PLACEHOLDER
            yield node, grown[target.id]


def _words_only(tokens: list[Token]) -> bool:
    return all(re.fullmatch(r"[A-Za-z_][\w]*", t.text) for t in tokens)


def _reads_as_a_sentence(tokens: list[Token]) -> bool:
    """Two bare names in a row, the first an English function word ("a run", "the
    list": sqlglot reads a name and its alias, where SQL writes ``runs a``), or sentence
    case with words only."""
    for left, right in zip(tokens, tokens[1:], strict=False):
        if left.token_type == right.token_type == TokenType.VAR and (
            left.text.lower() in FUNCTION_WORDS
        ):
            return True
    first = tokens[0].text
    return first[:1].isupper() and first[1:].islower() and _words_only(tokens)


def _sql_shaped(statement: exp.Expression, tokens: list[Token], text: str) -> bool:
    words = [t.text.upper() for t in tokens]
    if isinstance(statement, exp.Command):
        keyword = str(statement.this).upper()
        rest = text[tokens[0].end + 1 :]
        if keyword == "REPLACE":
            return _is_sql("INSERT OR REPLACE " + rest, nested=True)
        if keyword in ("CREATE", "DROP") and re.match(r"\s*(temp\w*\s+)?trigger\b", rest, re.I):
            return True
        if keyword == "EXPLAIN":
            return _is_sql(re.sub(r"^\s*query\s+plan\b", "", rest, flags=re.I), nested=True)
        return False
    if isinstance(statement, exp.Query):
        return statement.find(exp.From) is not None
    if isinstance(statement, exp.Update):
        return bool(statement.args.get("expressions"))
    if isinstance(statement, exp.Delete):
        return "FROM" in words
    if isinstance(statement, exp.Transaction):
        return len(words) > 1 and set(words) <= TRANSACTION_WORDS
    if isinstance(statement, exp.Commit | exp.Rollback):
        return len(words) > 1
    return isinstance(
        statement,
        exp.Insert | exp.Create | exp.Drop | exp.Alter | exp.Pragma | exp.Attach | exp.Detach,
    )


@cache
def _is_sql(text: str, nested: bool = False) -> bool:
    try:
        tokens = sqlglot.tokenize(text, read="sqlite")
    except Exception:
        return False
    if not tokens or (not nested and tokens[0].text.upper() not in STATEMENT_WORDS):
        return False
    try:
        statements = [s for s in sqlglot.parse(text, read="sqlite") if s is not None]
    except Exception:
        return False
    if not statements or _reads_as_a_sentence(tokens):
        return False
    return any(_sql_shaped(s, tokens, text) for s in statements)


def sql_in(text: str) -> bool:
    """Whether ``text`` is SQL (as written, or with its format fields as placeholders)."""
    readings = {text, _FORMAT_FIELD.sub(PLACEHOLDER, text)}
    return any(_is_sql(r.strip()) for r in readings if r.strip())


def check_sql(modules: dict[str, Module]) -> list[Violation]:
    out = []
    for module in modules.values():
        if module.room == STORE_ROOM:
            continue
        seen: set[int] = set()
        for node, text in _strings(module):
            if id(node) in seen:
                continue
            seen.add(id(node))
            if sql_in(text):
                out.append(Violation("sql", module.at(node), f"SQL text {text[:50]!r}"))
    return out


# ---------------------------------------------------------------- rule 3


@cache
def _source(dotted: str) -> tuple[ast.Module, str] | None:
    """An installed module's syntax tree and the package its relative imports start
    from, found without importing it (nor its parent packages)."""
    top, *rest = dotted.split(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if not rest:
        path = Path(spec.origin) if spec.origin else None
    else:
        path = None
        for folder in spec.submodule_search_locations or []:
            base = Path(folder, *rest)
            for candidate in (base / "__init__.py", base.with_suffix(".py")):
                if candidate.is_file():
                    path = candidate
                    break
    if path is None or path.suffix != ".py" or not path.is_file():
        return None
    try:
        tree = ast.parse(path.read_text())
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    package = dotted if path.name == "__init__.py" else dotted.rpartition(".")[0]
    return tree, package


def _from(node: ast.ImportFrom, package: str) -> str | None:
    if not node.level:
        return node.module
    try:
        return importlib.util.resolve_name("." * node.level + (node.module or ""), package)
    except (ImportError, ValueError):
        return None


@cache
def _declares_dbapi(name: str, hops: int = 2) -> bool:
    """An installed module whose source declares the DB-API's ``paramstyle`` or
    ``apilevel`` (itself, or a module it star-imports), read without importing it."""
    found = _source(name)
    if found is None:
        return False
    tree, package = found
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in ("paramstyle", "apilevel") for t in node.targets
        ):
            return True
        if isinstance(node, ast.ImportFrom) and hops:
            names = {a.name for a in node.names}
            if names & {"paramstyle", "apilevel"}:
                return True
            source = _from(node, package)
            if "*" in names and source and _declares_dbapi(source, hops - 1):
                return True
    return False


def _is_driver(dotted: str) -> bool:
    top = dotted.split(".")[0]
    return top in DB_DRIVERS or dotted in DB_DRIVERS or _declares_dbapi(top)


def _connection_attributes(modules: dict[str, Module]) -> set[str]:
    """``CONNECTION_ATTRIBUTES`` and what the store assigns from a driver's call (or from
    a class of its own built on a driver's class): ``self.db = _Database(...)``."""
    store = [m for m in modules.values() if m.room == STORE_ROOM]
    driver_classes = {
        node.name
        for m in store
        for node in m.nodes
        if isinstance(node, ast.ClassDef)
        and any((q := _qualname(b, m.aliases)) and _is_driver(q) for b in node.bases)
    }
    found = set(CONNECTION_ATTRIBUTES)
    for m in store:
        for node in m.nodes:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                callee = _qualname(node.value.func, m.aliases) or ""
                if _is_driver(callee) or callee.split(".")[-1] in driver_classes:
                    found.update(t.attr for t in node.targets if isinstance(t, ast.Attribute))
    return found


def _store_names(module: Module) -> set[str]:
    """Names bound to a store: ``s = Store(path)``, ``s = open_store(...)``, ``s: Store``."""
    names = set()
    for node in module.nodes:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            callee = _qualname(node.value.func, module.aliases) or ""
            if "store" in callee.split(".")[-1].lower():
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            if "Store" in ast.unparse(node.annotation):
                if isinstance(node, ast.arg):
                    names.add(node.arg)
                elif isinstance(node.target, ast.Name):
                    names.add(node.target.id)
    return names


def _store_like(node: ast.AST | None, stores: set[str]) -> bool:
    """A name or attribute that says store, a name bound to one, ``Store(...)`` itself;
    an object unknown (``attrgetter("db")``) is taken as one."""
    if node is None:
        return True
    if isinstance(node, ast.Name):
        return "store" in node.id.lower() or node.id in stores
    if isinstance(node, ast.Attribute):
        return "store" in node.attr.lower()
    if isinstance(node, ast.Call):
        return _store_like(node.func, stores) or (
            isinstance(node.func, ast.Name) and "store" in node.func.id.lower()
        )
    return False


def _attribute_reads(node: ast.AST, module: Module) -> list[tuple[ast.AST | None, str]]:
    """(object, name) of each attribute ``node`` reaches by a literal name: the getattr
    family, ``operator.attrgetter`` (object unknown: None), ``vars(x)["name"]`` and
    ``x.__dict__["name"]``."""
    if isinstance(node, ast.Call):
        callee = _qualname(node.func, module.aliases)
        if callee in ATTRIBUTE_CALLS and len(node.args) >= 2:
            name = _text(node.args[1], module)
            return [(node.args[0], name)] if name else []
        if callee == "operator.attrgetter":
            names = [_text(a, module) or "" for a in node.args]
            return [(None, part) for name in names for part in name.split(".") if part]
    if isinstance(node, ast.Subscript) and (name := _text(node.slice, module)):
        table = node.value
        if isinstance(table, ast.Call) and _qualname(table.func, module.aliases) == "vars":
            return [(table.args[0] if table.args else None, name)]
        if isinstance(table, ast.Attribute) and table.attr == "__dict__":
            return [(table.value, name)]
    return []


def check_database(modules: dict[str, Module]) -> list[Violation]:
    out = []
    connection = _connection_attributes(modules)
    for module in modules.values():
        if module.room == STORE_ROOM:
            continue
        for dotted, line in module.external:
            if _is_driver(dotted):
                where = f"{module.path.name}:{line} ({module.name})"
                out.append(Violation("database", where, f"imports the driver {dotted}"))
        stores = _store_names(module)
        for node in module.nodes:
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in DB_METHODS
            ):
                out.append(Violation("database", module.at(node), f"calls .{node.func.attr}(...)"))
            reads = _attribute_reads(node, module)
            if isinstance(node, ast.Attribute):
                reads.append((node.value, node.attr))
            for owner, name in reads:
                if name in connection and _store_like(owner, stores):
                    out.append(
                        Violation("database", module.at(node), f"reaches the store's .{name}")
                    )
    return out


# ---------------------------------------------------------------- rule 4


def _io_module(dotted: str) -> str | None:
    for name in IO_MODULES:
        if dotted == name or dotted.startswith(name + "."):
            return name
    return None


def check_pure(modules: dict[str, Module]) -> list[Violation]:
    out = []
    for module in modules.values():
        if module.room != PURE_ROOM:
            continue
        for dotted, line in module.external:
            if (name := _io_module(dotted)) is not None:
                where = f"{module.path.name}:{line} ({module.name})"
                out.append(Violation("pure", where, f"imports {name} (I/O)"))
        for node in module.nodes:
            what = None
            if isinstance(node, ast.Call):
                callee = _qualname(node.func, module.aliases) or ""
                if callee in IO_BUILTINS and callee not in module.aliases:
                    what = f"calls {callee}()"
                elif callee in IO_CALLS or callee.startswith(IO_PREFIXES):
                    what = f"calls {callee}()"
                elif isinstance(node.func, ast.Attribute) and node.func.attr in FILE_METHODS:
                    what = f"calls .{node.func.attr}() (file system)"
            elif isinstance(node, ast.Attribute):
                dotted = _qualname(node, module.aliases) or ""
                if dotted in IO_CALLS:
                    what = f"uses {dotted}"
            elif (
                isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Load)
                and node.id in IO_BUILTINS
                and node.id not in _bound(module)
            ):
                what = f"hands on {node.id}"  # map(open, paths), opener = open
            if what:
                out.append(Violation("pure", module.at(node), what))
    return _once(out)


@cache
def _bound_names(tree: ast.Module) -> frozenset[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return frozenset(names)


def _bound(module: Module) -> frozenset[str]:
    """Names the module binds itself (a parameter called ``input`` is not the builtin)."""
    return _bound_names(module.tree)


# ---------------------------------------------------------------- rule 5


def _allowed_default(node: ast.AST | None) -> bool:
    return node is None or (
        isinstance(node, ast.Constant) and any(node.value is v for v in (None, Ellipsis, False))
    )


def _option_calls(module: Module, node: ast.AST) -> list[ast.Call]:
    return [
        n
        for n in ast.walk(node)
        if isinstance(n, ast.Call) and _qualname(n.func, module.aliases) in OPTION_FACTORIES
    ]


def _is_command(function: ast.FunctionDef | ast.AsyncFunctionDef, registered: set[str]) -> bool:
    """Decorated with ``@app.command()``/``@app.callback()``, or registered as
    ``app.command()(function)``."""
    if function.name in registered:
        return True
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in COMMAND_DECORATORS:
            return True
    return False


def _registered(module: Module) -> set[str]:
    return {
        node.args[0].id
        for node in module.nodes
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Call)
        and isinstance(node.func.func, ast.Attribute)
        and node.func.func.attr in COMMAND_DECORATORS
        and node.args
        and isinstance(node.args[0], ast.Name)
    }


def check_cli(modules: dict[str, Module]) -> list[Violation]:
    out = []
    for module in modules.values():
        if module.room != CLI_ROOM:
            continue
        # names bound to an Annotated type with an option in it: `DbOption = Annotated[...]`
        annotated = {
            t.id
            for node in module.nodes
            if isinstance(node, ast.Assign) and _option_calls(module, node.value)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        registered = _registered(module)
        in_annotation: set[int] = set()
        for node in module.nodes:
            if isinstance(node, ast.Subscript) and "Annotated" in ast.unparse(node.value):
                in_annotation.update(id(c) for c in _option_calls(module, node))
        for node in module.nodes:
            if isinstance(node, ast.Call) and node in _option_calls(module, node):
                keywords = {k.arg: k.value for k in node.keywords}
                default = keywords.get("default")
                if id(node) not in in_annotation and node.args and default is None:
                    default = node.args[0]
                    if isinstance(default, ast.Constant) and isinstance(default.value, str):
                        default = None if default.value.startswith("-") else default
                if not _allowed_default(default) or "default_factory" in keywords:
                    shown = ast.unparse(default) if default is not None else "a factory"
                    out.append(Violation("cli-default", module.at(node), f"option default {shown}"))
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            args = node.args
            positional = args.posonlyargs + args.args
            pairs = list(
                zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)
            )
            pairs += [
                (a, d)
                for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                if d is not None
            ]
            command = _is_command(node, registered)
            for arg, value in pairs:
                option = arg.annotation is not None and (
                    _option_calls(module, arg.annotation)
                    or (isinstance(arg.annotation, ast.Name) and arg.annotation.id in annotated)
                )
                if (option or command) and not _allowed_default(value):
                    if isinstance(value, ast.Call) and _option_calls(module, value):
                        continue  # the option call itself is checked above
                    out.append(
                        Violation(
                            "cli-default",
                            module.at(value),
                            f"parameter {arg.arg} = {ast.unparse(value)}",
                        )
                    )
    return out


# ---------------------------------------------------------------- rule 6


def _field_default(value: ast.AST | None, constants: dict[str, object]) -> object:
    """The literal default of a field: ``= 0.05``, ``= Field(default=0.05)``,
    ``= Field(0.05)``, ``= DEFAULT`` (a constant); ``NotImplemented`` when none."""
    if isinstance(value, ast.Call) and ast.unparse(value.func).split(".")[-1].lower() == "field":
        keywords = {k.arg: k.value for k in value.keywords}
        value = keywords.get("default", value.args[0] if value.args else None)
    if isinstance(value, ast.Name) and value.id in constants:
        return constants[value.id]
    try:
        return ast.literal_eval(value) if value is not None else NotImplemented
    except (ValueError, TypeError, SyntaxError):
        return NotImplemented


def setting_defaults(modules: dict[str, Module]) -> dict[str, object]:
    """The fields of ``Settings`` and their literal defaults (``NotImplemented``: none)."""
    config = modules[CONFIG_MODULE]
    out: dict[str, object] = {}
    for node in ast.walk(config.tree):
        if isinstance(node, ast.ClassDef) and node.name == "Settings":
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    out[item.target.id] = _field_default(item.value, config.constants)
    return {k: v for k, v in out.items() if k not in NOT_WATCHED}


def setting_names(modules: dict[str, Module]) -> set[str]:
    return set(setting_defaults(modules))


def _literal(node: ast.AST | None) -> bool:
    return (
        isinstance(node, ast.Constant)
        and node.value is not None
        and not isinstance(node.value, bool)
    ) or (isinstance(node, ast.UnaryOp) and _literal(node.operand))


def _value(node: ast.AST | None, module: Module, modules: dict[str, Module]) -> object:
    """The literal an expression is, directly or through a constant (of this module or
    one it imports from the package); ``NotImplemented`` when it is not one."""
    if _literal(node):
        return ast.literal_eval(node)  # type: ignore[arg-type]
    if isinstance(node, ast.Name):
        if node.id in module.constants:
            value = module.constants[node.id]
        else:
            dotted = module.aliases.get(node.id, "")
            owner, _, name = dotted.removeprefix(PACKAGE + ".").rpartition(".")
            if not dotted.startswith(PACKAGE + ".") or owner not in modules:
                return NotImplemented
            value = modules[owner].constants.get(name, NotImplemented)
        if value is None or isinstance(value, bool):
            return NotImplemented
        return value
    return NotImplemented


def _named_after(name: str, setting: str) -> bool:
    words, wanted = name.lower().split("_"), setting.split("_")
    return any(words[i : i + len(wanted)] == wanted for i in range(len(words)))


def _same(value: object, default: object) -> bool:
    if default is NotImplemented or value is NotImplemented:
        return False
    if isinstance(default, bool) or isinstance(value, bool) or default is None:
        return False
    return type(value) in (int, float, str) and value == default


def check_defaults(modules: dict[str, Module], defaults: dict[str, object]) -> list[Violation]:
    """A setting's default written outside config/ (see rule 6 above)."""
    out = []
    for module in modules.values():
        if module.room == CONFIG_MODULE:
            continue

        def flag(node: ast.AST, what: str, module: Module = module) -> None:
            out.append(Violation("defaults", module.at(node), what))

        def given(node: ast.AST | None, module: Module = module) -> bool:
            return _value(node, module, modules) is not NotImplemented

        for node in module.nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                args = node.args
                positional = args.posonlyargs + args.args
                pairs = list(
                    zip(
                        positional[len(positional) - len(args.defaults) :],
                        args.defaults,
                        strict=True,
                    )
                )
                pairs += [
                    (a, d)
                    for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                    if d is not None
                ]
                for arg, default in pairs:
                    if arg.arg in defaults and given(default):
                        flag(node, f"parameter {arg.arg} = {ast.unparse(default)}")
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                name = node.target.id
                if name in defaults and node.value is not None:
                    value = node.value
                    if isinstance(value, ast.Call) and (
                        ast.unparse(value.func).lower().endswith("field")
                    ):
                        keywords = {k.arg: k.value for k in value.keywords}
                        value = keywords.get("default", value.args[0] if value.args else None)
                    if given(value):
                        flag(node, f"field {name} = {ast.unparse(value)}")
                else:
                    _constant_named_after(node, name, node.value, module, modules, defaults, flag)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        _constant_named_after(
                            node, target.id, node.value, module, modules, defaults, flag
                        )
            elif isinstance(node, ast.Dict):
                keys = [_text(k, module) if k is not None else None for k in node.keys]
                if _settings_mapping(keys, defaults):
                    for key, value in zip(keys, node.values, strict=True):
                        if key in defaults and _same(_value(value, module, modules), defaults[key]):
                            flag(node, f"{{{key!r}: {ast.unparse(value)}}}")
            elif isinstance(node, ast.BoolOp | ast.IfExp):
                for setting in _fallback(node, module, defaults):
                    flag(node, f"fallback to the default of {setting}")
            elif isinstance(node, ast.Call):
                callee = _qualname(node.func, module.aliases)
                for keyword in node.keywords:  # dict(tolerance=0.05), partial(f, tolerance=0.05)
                    if keyword.arg in defaults and _same(
                        _value(keyword.value, module, modules), defaults[keyword.arg]
                    ):
                        flag(node, f"{callee}({keyword.arg}={ast.unparse(keyword.value)})")
                fallback = None
                if callee == "getattr" and len(node.args) == 3:
                    fallback = node.args[1], node.args[2]
                elif (
                    isinstance(node.func, ast.Attribute)
                    and node.func.attr in FALLBACK_METHODS
                    and len(node.args) == 2
                ):
                    fallback = node.args[0], node.args[1]
                if fallback and _text(fallback[0], module) in defaults and given(fallback[1]):
                    flag(node, f"fallback for {_text(fallback[0], module)!r}")
    return out


def _fallback(
    node: ast.BoolOp | ast.IfExp, module: Module, defaults: dict[str, object]
) -> list[str]:
    """Settings an expression falls back to their default for, as a literal:
    ``s.tolerance or 0.05``, ``t if t is not None else 0.05`` (``tolerance`` in ``t``'s
    place)."""
    modules = {module.name: module}
    if isinstance(node, ast.BoolOp):
        if not isinstance(node.op, ast.Or):
            return []
        named = [_names_setting(v, module, defaults) for v in node.values]
        values = [_value(v, module, modules) for v in node.values]
        return [
            setting
            for i, setting in enumerate(named)
            if setting and any(_same(v, defaults[setting]) for v in values[i + 1 :])
        ]
    out = []
    tested = {_names_setting(n, module, defaults) for n in ast.walk(node.test)}
    for branch, other in ((node.body, node.orelse), (node.orelse, node.body)):
        setting = _names_setting(branch, module, defaults)
        if (
            setting
            and setting in tested
            and _same(_value(other, module, modules), defaults[setting])
        ):
            out.append(setting)
    return out


def _names_setting(node: ast.AST, module: Module, defaults: dict[str, object]) -> str | None:
    """The setting an expression reads: ``tolerance``, ``s.tolerance``,
    ``s.get("tolerance")``, ``s["tolerance"]``."""
    name = None
    if isinstance(node, ast.Name):
        name = node.id
    elif isinstance(node, ast.Attribute):
        name = node.attr
    elif isinstance(node, ast.Subscript):
        name = _text(node.slice, module)
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in FALLBACK_METHODS
        and node.args
    ):
        name = _text(node.args[0], module)
    return name if name in defaults else None


def _settings_mapping(keys: list[str | None], defaults: dict[str, object]) -> bool:
    """A dict whose keys are mostly setting names: settings written as a mapping (a
    request body or a model's own table that shares one key is not)."""
    named = [k for k in keys if k in defaults]
    return bool(named) and 2 * len(named) >= len(keys)


def _constant_named_after(
    node: ast.AST,
    name: str,
    value: ast.AST | None,
    module: Module,
    modules: dict[str, Module],
    defaults: dict[str, object],
    flag: Callable[[ast.AST, str], None],
) -> None:
    literal = _value(value, module, modules)
    if literal is NotImplemented:
        return
    words = [w for w in name.lower().split("_") if w]
    plain = "_".join(w for w in words if w not in DEFAULT_WORDS)
    for setting, default in defaults.items():
        if (plain == setting and len(words) > len(plain.split("_"))) or (
            _named_after(name, setting) and _same(literal, default)
        ):
            flag(node, f"{name} = {ast.unparse(value)} (the default of {setting})")
            return


def check_environment(modules: dict[str, Module]) -> list[Violation]:
    out = []
    for module in modules.values():
        if module.room == CONFIG_MODULE:
            continue
        for node in module.nodes:
            if isinstance(node, ast.ClassDef):
                for base in node.bases:
                    dotted = _qualname(base, module.aliases) or ""
                    if dotted.split(".")[-1] in SETTINGS_BASES:
                        out.append(
                            Violation("environment", module.at(node), f"{node.name} is a {dotted}")
                        )
            if isinstance(node, ast.Attribute | ast.Name | ast.Call):
                dotted = _qualname(node, module.aliases)
                if dotted in ENVIRONMENT:
                    out.append(
                        Violation(
                            "environment", module.at(node), f"reads {dotted} (config/ only)"
                        )
                    )
    return _once(out)


def _once(violations: list[Violation]) -> list[Violation]:
    """One violation per place and rule (``os.environ.get`` is also ``os.environ``)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for v in violations:
        if (v.rule, v.where) not in seen:
            seen.add((v.rule, v.where))
            out.append(v)
    return out


# ---------------------------------------------------------------- rule 7


def _class_attributes(tree: ast.AST) -> set[str]:
    """The attribute names the classes of a syntax tree define: methods, class
    attributes, ``self.x = ...`` in their methods."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(item.name)
                if not item.args.args:
                    continue
                me = item.args.args[0].arg
                for sub in ast.walk(item):
                    targets = (
                        sub.targets
                        if isinstance(sub, ast.Assign)
                        else [sub.target]
                        if isinstance(sub, ast.AnnAssign | ast.AugAssign)
                        else []
                    )
                    for target in targets:
                        for t in ast.walk(target):
                            if (
                                isinstance(t, ast.Attribute)
                                and isinstance(t.value, ast.Name)
                                and t.value.id == me
                            ):
                                names.add(t.attr)
            elif isinstance(item, ast.Assign):
                names.update(t.id for t in item.targets if isinstance(t, ast.Name))
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                names.add(item.target.id)
    return names


def _defined_attributes(modules: dict[str, Module]) -> dict[str, set[str]]:
    """Room -> the attribute names its classes define."""
    out: dict[str, set[str]] = {}
    for module in modules.values():
        out.setdefault(module.room, set()).update(_class_attributes(module.tree))
    return out


@cache
def _library_attributes(dotted: str) -> frozenset[str]:
    """What the classes of an imported library module define, and those of the modules
    of the same library it imports (one step): ``getattr(llm, "info")`` on a Langroid
    model reads Langroid's attribute, whoever else has one of that name."""
    found = _source(dotted)
    if found is None:  # a name imported from a module: `from x.y import Class`
        found = _source(dotted.rpartition(".")[0]) if "." in dotted else None
    if found is None:
        return frozenset()
    tree, package = found
    names = _class_attributes(tree)
    top = dotted.split(".")[0]
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            source = _from(node, package)
            if source and source.split(".")[0] == top and (more := _source(source)):
                names |= _class_attributes(more[0])
    return frozenset(names)


def check_attributes(modules: dict[str, Module]) -> list[Violation]:
    defined = _defined_attributes(modules)
    common = _common_attributes()
    out = []
    for module in modules.values():
        mine = _rank(module.room)
        if mine is None:
            continue
        theirs: set[str] = set()
        for node in module.nodes:
            for _, name in _attribute_reads(node, module):
                if not name or name in common or name.startswith("__"):
                    continue
                owners = {r for r, names in defined.items() if name in names}
                reachable = {r for r in owners if r == module.room or (_rank(r) or 0) < mine}
                if not owners or reachable:
                    continue
                if not theirs:
                    theirs = set().union(*(_library_attributes(d) for d, _ in module.external))
                    theirs.add("")  # looked up once per module
                if name not in theirs:
                    out.append(
                        Violation(
                            "attributes",
                            module.at(node),
                            f"reaches {name!r} by name: it belongs to "
                            f"{', '.join(sorted(owners))}, not below {module.room}",
                        )
                    )
    return out


# ---------------------------------------------------------------- rule 8 and all


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
        + check_sql(modules)
        + check_database(modules)
        + check_pure(modules)
        + check_cli(modules)
        + check_defaults(modules, setting_defaults(modules))
        + check_environment(modules)
        + check_attributes(modules)
        + check_lengths(root)
    )


logging.getLogger("sqlglot").setLevel(logging.CRITICAL)  # its "falling back" warnings


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

CONFIG = """\
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    db: Path = Path("whichmodel.db")
    tolerance: float = Field(default=0.05, ge=0, le=1)
    max_tokens: int = 1024
    judge_samples: int = Field(1, ge=1)
    cache: bool = True
"""


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / PACKAGE
    for rel, text in {"__init__.py": "", "config.py": CONFIG, **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def _rules(root: Path) -> set[str]:
    return {v.rule for v in all_violations(root)}


CLEAN = {
    "config.py": CONFIG
    + """
import os


def api_token() -> str | None:
    return os.environ.get("WHICHMODEL_API_TOKEN") or None
""",
    "store/__init__.py": """\
        import sqlite3

        import sqlite_utils

        Q = 'select id from runs where status = ?'


        class Store:
            def __init__(self, path):
                self.db = sqlite_utils.Database(path)
                self.path = path

            def runs(self):
                try:
                    return list(self.db.query(Q, ["completed"]))
                except sqlite3.DatabaseError:
                    return []
        """,
    "refusal/__init__.py": """\
        from importlib.resources import files

        WEIGHTS = files("whichmodel") / "data" / "weights.json"
        """,
    "verdict/__init__.py": """\
        import json
        import math
        from pathlib import Path

        import numpy as np

        from whichmodel.config import Settings


        class Pair:
            quality = 0.0

            def spread(self):
                return getattr(self, "quality") - math.pi


        def decide(text: str, tolerance: float, where: Path) -> dict:
            rows = json.loads(text.replace("'", '"'))
            return {"rows": rows, "mean": float(np.mean([1.0])), "file": where.name,
                    "dump": json.dumps(rows), "q": getattr(Pair(), "quality", 0.0)}


        def defaults(settings: Settings) -> float:
            return settings.tolerance
        """,
    "results/__init__.py": """\
        from whichmodel.config import Settings
        from whichmodel.store import Store
        from whichmodel.verdict import Pair, decide

        PROSE = [
            "Select a run to compare.",
            "Select a run from the list",
            "Select one from many",
            "Delete from history",
            "Update available",
            "Create a run first: whichmodel eval",
            "Drop the judge",
            "Alter the settings",
            "With --resume: the run to finish (default: the latest).",
            "Insert into the history file the answers production gave",
            "Begin by importing your history",
            "replace",
            "commit",
            "select",
        ]


        def latest(store: Store, settings: Settings, n: int) -> str:
            text = f"Select {n} runs from the list."
            raw = b"x".decode("utf-8", errors="replace")
            return text + raw + str(store.path) + str(settings.db) + str(store.runs())


        def quality(pair: Pair) -> float:
            return getattr(pair, "quality", 0.0)


        def shown(run: dict, settings: Settings, pairwise: bool, t: float | None) -> str:
            samples = 1 if pairwise else settings.judge_samples
            tolerance = t if t is not None else settings.tolerance
            return f"{run.get('judge') or '-'} {samples} {tolerance} {settings.max_tokens or 1}"
        """,
    "portkey/__init__.py": """\
        import logging
        import socket

        from whichmodel.config import api_token

        log = logging.getLogger("whichmodel.cli")


        def body(model: str) -> dict:
            return {"model": model, "max_tokens": 1, "messages": [], "temperature": 0}


        def ping(host: str) -> None:
            with socket.create_connection((host, 80), timeout=1) as sock:
                sock.sendall((api_token() or "").encode())
        """,
    "local/__init__.py": """\
        DEFAULT_CACHE_RAM_MIB = 256
        TOLERANCE_NOTE = "a tolerance of 5% accepts 5% lower quality"
        """,
    "web/__init__.py": """\
        from whichmodel.config import Settings
        from whichmodel.store import Store


        def open_store(settings: Settings) -> Store:
            path = settings.db
            return Store(path)
        """,
    "cli.py": """\
        from typing import Annotated

        import typer

        app = typer.Typer()
        DbOption = Annotated[str | None, typer.Option("--db", envvar="WHICHMODEL_DB")]


        @app.command()
        def evaluate(
            tolerance: Annotated[float | None, typer.Option("--tolerance")] = None,
            db: DbOption = None,
            resume: Annotated[bool, typer.Option("--resume")] = False,
            output: str = typer.Option(None, "--output"),
            run_id: str = typer.Argument(...),
            quiet: bool = typer.Option(False, "--quiet"),
        ) -> None:
            from whichmodel.results import latest

            print(latest)
        """,
    "__init__.py": """\
        _LAZY = {"evaluate": ("whichmodel.api", "evaluate")}


        def __getattr__(name):
            import importlib

            module, attr = _LAZY[name]
            return getattr(importlib.import_module(module), attr)
        """,
}


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    """Tricky but legal: prose with SQL words, SQL in the store, json.loads in the
    verdict, settings.db paths, getattr on the own room's objects, the package's data
    files, a request body, options that default to None."""
    root = _tree(tmp_path, CLEAN)
    assert all_violations(root) == []


CLIMBS = [
    # rule 1: dynamic imports, whatever they are called
    ({"verdict/a.py": "import importlib\nimportlib.import_module('whichmodel.cli')\n"}, "layers"),
    (
        {"verdict/a.py": "from importlib import import_module\nimport_module('whichmodel.cli')\n"},
        "layers",
    ),
    (
        {"verdict/a.py": "import importlib as il\nil.import_module('whichmodel.' + 'cli')\n"},
        "layers",
    ),
    (
        {
            "verdict/a.py": "def f():\n    return __import__('whichmodel.tasks.evaluation')\n",
            "tasks/evaluation.py": "",
        },
        "layers",
    ),
    ({"verdict/a.py": "import builtins\nbuiltins.__import__('whichmodel.cli')\n"}, "layers"),
    (
        {"store/a.py": "import importlib.util\nimportlib.util.find_spec('whichmodel.web')\n"},
        "layers",
    ),
    ({"store/a.py": "from importlib import util\nutil.find_spec(f'whichmodel.web')\n"}, "layers"),
    (
        {
            "results/a.py": "import pkgutil\npkgutil.resolve_name('whichmodel.tasks:run')\n",
            "tasks/__init__.py": "run = 1\n",
        },
        "layers",
    ),
    (
        {
            "report/a.py": "from importlib.resources import files\nfiles('whichmodel.agents')\n",
            "agents/__init__.py": "",
        },
        "layers",
    ),
    ({"verdict/a.py": "import sys\ncli = sys.modules['whichmodel.cli']\n"}, "layers"),
    (
        {
            "verdict/a.py": "import importlib\nNAME = 'whichmodel.cli'\n"
            "importlib.import_module(NAME)\n"
        },
        "layers",
    ),
    (
        {"verdict/a.py": "import importlib\nimportlib.import_module('..cli', __package__)\n"},
        "layers",
    ),
    (
        {
            "verdict/a.py": "import importlib\nload = importlib.import_module\n"
            "load('whichmodel.cli')\n"
        },
        "layers",
    ),
    (
        {
            "verdict/a.py": """\
                class Lazy:
                    def get(self):
                        import importlib

                        def inner():
                            return importlib.import_module(".".join(["whichmodel", "cli"]))

                        return inner()
                """
        },
        "layers",
    ),
    ({"verdict/a.py": "import runpy\nrunpy.run_module('whichmodel.cli')\n"}, "layers"),
    (
        {
            "results/a.py": "import importlib\nimportlib.import_module('whichmodel.portkey')\n",
            "portkey/__init__.py": "",
        },
        "layers",
    ),
    (
        {
            "web/a.py": "from whichmodel.web.b import x\ny = 1\n",
            "web/b.py": "import importlib\nx = importlib.import_module('whichmodel.web.a')\n",
        },
        "circle",
    ),
    ({"verdict/a.py": "exec('import whichmodel.cli')\n"}, "layers"),
    (
        {
            "verdict/a.py": "import importlib\nLAZY = {'main': ('whichmodel.cli', 'main')}\n"
            "def load(name):\n    module, attr = LAZY[name]\n"
            "    return getattr(importlib.import_module(module), attr)\n"
        },
        "layers",
    ),
    ({"verdict/a.py": "def f():\n    eval(\"__import__('whichmodel.cli')\")\n"}, "layers"),
    (
        {"verdict/a.py": "import importlib\nimportlib.import_module(f\"whichmodel.{'cli'}\")\n"},
        "layers",
    ),
    (
        {"verdict/a.py": "import importlib\nimportlib.import_module('whichmodel.%s' % 'cli')\n"},
        "layers",
    ),
    (
        {
            "verdict/a.py": "import importlib\n"
            "importlib.import_module('whichmodel.{}'.format('cli'))\n"
        },
        "layers",
    ),
    (
        {
            "verdict/a.py": "import importlib\n"
            "getattr(importlib, 'import_module')('whichmodel.cli')\n"
        },
        "layers",
    ),
    (
        {"verdict/a.py": "import importlib\nimportlib.import_module(name='whichmodel.cli')\n"},
        "layers",
    ),
    ({"verdict/a.py": "import sys\ncli = sys.modules.get('whichmodel.cli')\n"}, "layers"),
    (
        {
            "verdict/a.py": "from importlib import import_module\n"
            "import_module('.cli', 'whichmodel')\n"
        },
        "layers",
    ),
]

SQL_CASES = [
    "WITH x AS (SELECT 1) SELECT * FROM x",
    "create unique index ix_runs on runs(started)",
    "drop table runs",
    "DROP INDEX IF EXISTS ix_runs",
    "replace into runs (id) values (?)",
    "alter table runs add column note text",
    "pragma journal_mode = wal",
    "PRAGMA foreign_keys",
    "-- the latest runs\nselect id from runs order by started desc",
    "/* count */ SELECT count(*) FROM responses",
    "INSERT OR IGNORE INTO prompts(id) VALUES (?)",
    "update runs set status = 'done' where id = ?",
    "delete from scores where run_id = :run",
    "delete from history",
    "BEGIN IMMEDIATE",
    "explain query plan select * from runs",
    "attach database 'other.db' as other",
    "create view recent as select * from runs",
    "Select * from runs",
    "select r.id, count(*) n from runs r join responses s on s.run_id = r.id group by r.id",
    "SELECT id FROM runs UNION SELECT id FROM prompts",
    "create table if not exists notes (id integer primary key, body text)",
]

SQL_SPELLINGS = [
    "ROWS = {sql!r}\n",
    "def f(store):\n    return store.run({sql!r})\n",
    "class A:\n    def m(self):\n        def inner():\n            return {sql!r}\n"
    "        return inner\n",
]

SQL_ASSEMBLED = [
    'def f(t):\n    sql = "select id "\n    sql += "from " + t\n'
    '    sql += " where x = ?"\n    return sql\n',
    'Q = b"delete from runs where id = ?"\n',
    'Q = "create trigger t after insert on runs begin select 1; end"\n',
    'Q = "select a from the_table"\n',
    'Q = "select * from runs a join scores b on a.id = b.run_id"\n',
    'Q = "select id from runs; delete from runs"\n',
    'Q = "insert into t values (1) on conflict (id) do update set x = excluded.x"\n',
    'Q = "with recursive c(x) as (select 1 union all select x + 1 from c) select x from c"\n',
    'Q = "SeLeCt * FrOm runs"\n',
    "def f(store):\n    exec(\"store.run('drop table runs')\")\n",
    'def f(cols):\n    return f"select {cols} from responses where run_id = ?"\n',
    'Q = "select * from {table} where id = ?".format(table="runs")\n',
    'Q = "select id from %s where x = 1" % "runs"\n',
    'Q = ("select id "\n     "from runs "\n     "where run_id = ?")\n',
    'def f(t):\n    return "select id " + "from " + t\n',
    'Q = " ".join(["delete", "from runs"])\n',
    'import textwrap\nQ = textwrap.dedent("""\n    SELECT r.id\n    FROM runs r\n""")\n',
    "Q = f\"insert into {'runs'} (id) values (?)\"\n",
]

DATABASE = [
    ({"web/a.py": "from whichmodel.store import Store\nconn = Store('p').db\n"}),
    ({"web/a.py": "def f(store):\n    return vars(store)['db']\n"}),
    ({"web/a.py": "def f(store):\n    return store.__dict__['conn']\n"}),
    ({"web/a.py": "import operator\nconnection_of = operator.attrgetter('db')\n"}),
    ({"web/a.py": "lite = __import__('sqlite3')\n"}),
    ({"web/a.py": "exec('import sqlite3')\n"}),
    ({"web/a.py": "def f(s):\n    handle = s.whichmodel_store\n    return handle.db.query('x')\n"}),
    ({"portkey/a.py": "import sqlite3\ndef f(p):\n    return sqlite3.connect(p)\n"}),
    ({"portkey/a.py": "from sqlite3 import connect\n"}),
    ({"portkey/a.py": "import sqlite3 as lite\n"}),
    ({"report/a.py": "import apsw\n"}),
    ({"report/a.py": "import duckdb\n"}),
    ({"report/a.py": "import psycopg2.extras\n"}),
    ({"report/a.py": "from sqlalchemy import create_engine\n"}),
    ({"report/a.py": "async def f():\n    import aiosqlite\n"}),
    ({"report/a.py": "import MySQLdb\n"}),
    ({"report/a.py": "from peewee import SqliteDatabase\n"}),
    ({"report/a.py": "import importlib\nimportlib.import_module('sqlite3')\n"}),
    ({"web/a.py": "def f(conn):\n    return conn.execute('x')\n"}),
    ({"web/a.py": "def f(cur):\n    return cur.fetchall()\n"}),
    ({"web/a.py": "def f(c):\n    c.commit()\n"}),
    ({"web/a.py": "def f(handle):\n    return handle.table_names()\n"}),
    ({"web/a.py": "def f(x, s):\n    x.executescript(s)\n"}),
    ({"web/a.py": "def f(store):\n    c = store.db\n    return c\n"}),
    ({"web/a.py": "class A:\n    def __init__(self, store):\n        self._x = store.db\n"}),
    ({"web/a.py": "def f(s: 'Store'):\n    return s.conn\n"}),
    ({"web/a.py": "from whichmodel.store import Store\ns = Store('p')\nrows = s.db['runs']\n"}),
    ({"web/a.py": "def f(store):\n    return getattr(store, 'db')\n"}),
    ({"web/a.py": "class A:\n    def f(self):\n        return self.whichmodel_store.db\n"}),
    (
        {
            "store/__init__.py": (
                "import sqlite_utils\nclass Store:\n    def __init__(self):\n"
                "        self.handle = sqlite_utils.Database(memory=True)\n"
            ),
            "web/a.py": "def f(store):\n    return store.handle\n",
        }
    ),
]

PURE = [
    "opener = open\ndef f(p):\n    return opener(p)\n",
    "def f(paths):\n    return list(map(open, paths))\n",
    "import asyncio\nasync def f():\n    return await asyncio.open_connection('h', 1)\n",
    "import builtins\ndef f(p):\n    return builtins.open(p)\n",
    "import codecs\ndef f(p):\n    return codecs.open(p)\n",
    "import builtins\ndef f(p):\n    return getattr(builtins, 'open')(p)\n",
    "def f(p):\n    exec('print(p)')\n",
    "def f(path):\n    return open(path).read()\n",
    "from pathlib import Path\ndef f(p):\n    return Path(p).read_text()\n",
    "def f(p):\n    return p.exists()\n",
    "def f(p, x):\n    p.write_text(x)\n",
    "def f(p):\n    return list(p.glob('*.json'))\n",
    "def f(p):\n    return p.open()\n",
    "import os\ndef f():\n    return os.getenv('X')\n",
    "from os import environ\n",
    "import os.path\ndef f(p):\n    return os.path.exists(p)\n",
    "import subprocess\n",
    "import socket\n",
    "import httpx\n",
    "from urllib.request import urlopen\n",
    "import requests\n",
    "import http.client\n",
    "import csv\n",
    "import json\ndef f(fh):\n    return json.load(fh)\n",
    "import json\ndef f(x, fh):\n    json.dump(x, fh)\n",
    "from json import load\ndef f(fh):\n    return load(fh)\n",
    "from importlib import resources\n",
    "import importlib.resources\n",
    "import numpy as np\ndef f(p):\n    return np.load(p)\n",
    "import numpy as np\ndef f(p, a):\n    np.save(p, a)\n",
    "import pickle\ndef f(b):\n    return pickle.loads(b)\n",
    "def f():\n    return input()\n",
    "def f(x):\n    print(x)\n",
    "import sys\ndef f(x):\n    sys.stdout.write(x)\n",
    "class A:\n    def m(self, p):\n        def inner():\n            return open(p, 'rb')\n"
    "        return inner\n",
]

CLI = [
    "import typer\napp = typer.Typer()\ndef ev(tolerance: float = 0.05):\n    pass\n"
    "app.command()(ev)\n",
    "import click\n@click.option('--tolerance', default=0.05)\ndef ev(tolerance):\n    pass\n",
    "import typer\nTOL = 0.05\ndef ev(tolerance: float = typer.Option(TOL)):\n    pass\n",
    "import typer\ndef ev(tolerance: float = typer.Option(0.05, '--tolerance')):\n    pass\n",
    "import typer\ndef ev(tolerance: float = typer.Option(default=0.05)):\n    pass\n",
    "from typing import Annotated\nimport typer\n"
    "def ev(tolerance: Annotated[float, typer.Option('--tolerance')] = 0.05):\n    pass\n",
    "from typer import Option\ndef ev(concurrency: int = Option(8, '--concurrency')):\n    pass\n",
    "import typer\napp = typer.Typer()\n"
    "@app.command()\ndef ev(tolerance: float = 0.05):\n    pass\n",
    "import typer\napp = typer.Typer()\n"
    "@app.command('eval')\ndef ev(fmt: str = 'auto'):\n    pass\n",
    "from typing import Annotated\nimport typer\n"
    "def ev(name: Annotated[str, typer.Argument()] = 'x'):\n    pass\n",
    "from typing import Annotated\nimport typer\n"
    "TolOption = Annotated[float, typer.Option('--tolerance')]\n"
    "def ev(t: TolOption = 0.05):\n    pass\n",
    "import typer\ndef ev(cache: bool = typer.Option(True, '--cache/--no-cache')):\n    pass\n",
    "import typer\ndef ev(t: float = typer.Option(default_factory=lambda: 0.05)):\n    pass\n",
    "import typer\napp = typer.Typer()\n"
    "class Commands:\n    @app.callback()\n    def main(self, port: int = 8080):\n        pass\n",
]

DEFAULTS = [
    (
        {
            "results/a.py": "import functools\ndef f(tolerance):\n    pass\n"
            "g = functools.partial(f, tolerance=0.05)\n"
        },
        "defaults",
    ),
    ({"results/a.py": "def f(s):\n    return s.tolerance or 0.05\n"}, "defaults"),
    (
        {
            "results/a.py": "def f(t=None):\n    tolerance = t\n"
            "    return tolerance if tolerance is not None else 0.05\n"
        },
        "defaults",
    ),
    ({"results/a.py": "def f(s):\n    return s.get('max_tokens') or 1024\n"}, "defaults"),
    (
        {
            "results/a.py": "from dataclasses import dataclass, field\n@dataclass\nclass A:\n"
            "    tolerance: float = field(default=0.05)\n"
        },
        "defaults",
    ),
    (
        {
            "results/a.py": "def f(settings):\n"
            "    return settings.model_copy(update={'tolerance': 0.05})\n"
        },
        "defaults",
    ),
    (
        {
            "portkey/a.py": "from pydantic_settings import BaseSettings\nclass Env(BaseSettings):\n"
            "    portkey_api_key: str = ''\n"
        },
        "environment",
    ),
    ({"portkey/a.py": "import sys\nURL = sys.modules['os'].environ['X']\n"}, "environment"),
    (
        {"portkey/a.py": "import importlib\nURL = importlib.import_module('os').environ['X']\n"},
        "environment",
    ),
    ({"portkey/a.py": "URL = __import__('os').getenv('X')\n"}, "environment"),
    ({"portkey/a.py": "from dotenv import load_dotenv\nload_dotenv()\n"}, "environment"),
    ({"portkey/a.py": "exec('import os; os.environ.get(\"X\")')\n"}, "environment"),
    ({"results/a.py": "DEFAULT_TOLERANCE = 0.05\n"}, "defaults"),
    ({"results/a.py": "DEFAULT_TOLERANCE = 0.03\n"}, "defaults"),
    (
        {"results/a.py": "TOL = 0.05\ndef decide(rows, tolerance=TOL):\n    return rows\n"},
        "defaults",
    ),
    ({"results/a.py": "class Rule:\n    TOLERANCE = 0.05\n"}, "defaults"),
    ({"results/a.py": "MAX_TOKENS_FALLBACK = 1024\n"}, "defaults"),
    (
        {
            "verdict/a.py": "TOL = 0.05\n",
            "results/a.py": "from whichmodel.verdict.a import TOL\n"
            "def f(tolerance=TOL):\n    pass\n",
        },
        "defaults",
    ),
    ({"results/a.py": "OVERRIDES = {'tolerance': 0.05}\n"}, "defaults"),
    ({"results/a.py": "OVERRIDES = dict(tolerance=0.05, max_tokens=1024)\n"}, "defaults"),
    ({"results/a.py": "def f(s):\n    return getattr(s, 'tolerance', 0.05)\n"}, "defaults"),
    ({"results/a.py": "def f(s):\n    return s.get('tolerance', 0.05)\n"}, "defaults"),
    ({"results/a.py": "def f(s):\n    return s.setdefault('max_tokens', 1024)\n"}, "defaults"),
    (
        {
            "results/a.py": "from pydantic import BaseModel, Field\nclass A(BaseModel):\n"
            "    tolerance: float = Field(default=0.05)\n"
        },
        "defaults",
    ),
    ({"results/a.py": "class A:\n    tolerance: float = 0.05\n"}, "defaults"),
    ({"results/a.py": "async def f(*, tolerance=0.05):\n    pass\n"}, "defaults"),
    ({"results/a.py": "f = lambda judge_samples=3: judge_samples\n"}, "defaults"),
    ({"results/a.py": "class A:\n    def m(self, max_tokens=-1):\n        pass\n"}, "defaults"),
    # the environment, read outside config.py
    ({"portkey/a.py": "import os\nURL = os.environ['PORTKEY_BASE_URL']\n"}, "environment"),
    ({"portkey/a.py": "import os\nURL = os.environ.get('PORTKEY_BASE_URL')\n"}, "environment"),
    ({"portkey/a.py": "import os\nURL = os.getenv('PORTKEY_BASE_URL')\n"}, "environment"),
    ({"portkey/a.py": "from os import environ\nURL = environ.get('X')\n"}, "environment"),
    ({"portkey/a.py": "from os import getenv as ge\nURL = ge('X')\n"}, "environment"),
    ({"local/a.py": "import os\ndef f():\n    return os.environ.copy()\n"}, "environment"),
    ({"local/a.py": "import os\nENV = dict(os.environ)\n"}, "environment"),
    ({"local/a.py": "import os\nENV = getattr(os, 'environ')\n"}, "environment"),
    ({"local/a.py": "import os\nos.putenv('X', '1')\n"}, "environment"),
    (
        {"web/a.py": "import os as o\nclass A:\n    def m(self):\n        return o.environ['X']\n"},
        "environment",
    ),
]

ATTRIBUTES = [
    {
        "tools/a.py": "def f(agent):\n    return vars(agent)['facts']\n",
        "agents/a.py": "class Advisor:\n    facts: dict = {}\n",
    },
    {
        "tools/a.py": "def f(agent):\n"
        "    return agent.__dict__.get('x') or agent.__dict__['facts']\n",
        "agents/a.py": "class Advisor:\n    facts: dict = {}\n",
    },
    {
        "tools/a.py": "import inspect\n"
        "def f(agent):\n    return inspect.getattr_static(agent, 'facts')\n",
        "agents/a.py": "class Advisor:\n    facts: dict = {}\n",
    },
    {
        "tools/a.py": "def f(agent):\n    return object.__getattribute__(agent, 'runs_cited')\n",
        "agents/a.py": "class Advisor:\n    def __init__(self):\n        self.runs_cited = []\n",
    },
    {
        "tools/a.py": "def f(agent):\n    return getattr(agent, 'run' + 's_cited')\n",
        "agents/a.py": "class Advisor:\n    def __init__(self):\n        self.runs_cited = []\n",
    },
    {
        "tools/a.py": "def f(agent):\n    return getattr(agent, 'runs_cited', None)\n",
        "agents/a.py": "class Advisor:\n    def __init__(self):\n        self.runs_cited = []\n",
    },
    {
        "tools/a.py": "def f(agent):\n    return hasattr(agent, 'facts')\n",
        "agents/a.py": "class Advisor:\n    facts: dict = {}\n",
    },
    {
        "tools/a.py": "def f(agent):\n    setattr(agent, 'whichmodel_store', None)\n",
        "agents/a.py": "class A:\n    def __init__(self, s):\n        self.whichmodel_store = s\n",
        "tasks/a.py": "class B:\n    def __init__(self, s):\n        self.whichmodel_store = s\n",
    },
    {
        "tools/a.py": "import operator\nFACTS = operator.attrgetter('facts')\n",
        "agents/a.py": "class Advisor:\n    def facts(self):\n        return {}\n",
    },
    {
        "results/a.py": "def f(client):\n    return getattr(client, 'trace_headers')()\n",
        "portkey/a.py": "class Wire:\n    def trace_headers(self):\n        return {}\n",
    },
    {
        "store/a.py": "class Q:\n    def f(self, rec):\n"
        "        return getattr(rec, 'html_chart', None)\n",
        "report/a.py": "class Page:\n    async def html_chart(self):\n        return ''\n",
    },
]


@pytest.mark.parametrize(("files", "rule"), CLIMBS)
def test_dynamic_imports_count(tmp_path: Path, files: dict[str, str], rule: str) -> None:
    files = {"cli.py": "", "web/__init__.py": "", **files}
    assert rule in _rules(_tree(tmp_path, files))


@pytest.mark.parametrize("sql", SQL_CASES)
@pytest.mark.parametrize("spelling", SQL_SPELLINGS)
def test_sql_outside_the_store_is_caught(tmp_path: Path, sql: str, spelling: str) -> None:
    source = spelling.format(sql=sql)
    assert "sql" in _rules(_tree(tmp_path, {"results/a.py": source})), source


@pytest.mark.parametrize("source", SQL_ASSEMBLED)
def test_sql_assembled_from_pieces_is_caught(tmp_path: Path, source: str) -> None:
    assert "sql" in _rules(_tree(tmp_path, {"results/a.py": source}))


@pytest.mark.parametrize(
    "prose",
    [
        "Select a run to compare.",
        "Select a run from the list",
        "Select the model",
        "Delete the run",
        "Delete from history",
        "Update available",
        "Create a run first: whichmodel eval",
        "Drop the judge",
        "Begin by importing",
        "replace",
        "commit",
        "select 1",
        "With the baseline from history, the verdict is kept.",
        "Insert into the history file",
    ],
)
def test_prose_is_not_sql(prose: str) -> None:
    assert not sql_in(prose)


@pytest.mark.parametrize("files", DATABASE)
def test_database_outside_the_store_is_caught(tmp_path: Path, files: dict[str, str]) -> None:
    assert "database" in _rules(_tree(tmp_path, files))


def test_any_db_api_module_is_a_driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A module on no list that declares the DB-API's paramstyle is a driver too."""
    site = tmp_path / "site"
    (site / "whichmodel_testdb").mkdir(parents=True)
    (site / "whichmodel_testdb" / "__init__.py").write_text("from ._api import *\n")
    (site / "whichmodel_testdb" / "_api.py").write_text(
        "apilevel = '2.0'\nparamstyle = 'qmark'\ndef connect(path):\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    root = _tree(tmp_path, {"report/a.py": "from whichmodel_testdb import connect\n"})
    assert "database" in _rules(root)


@pytest.mark.parametrize("source", PURE)
def test_io_in_the_verdict_is_caught(tmp_path: Path, source: str) -> None:
    assert "pure" in _rules(_tree(tmp_path, {"verdict/a.py": source}))


@pytest.mark.parametrize("source", CLI)
@pytest.mark.parametrize("where", ["cli.py", "cli/evaluate.py"])
def test_cli_defaults_are_caught(tmp_path: Path, source: str, where: str) -> None:
    files = {where: source} if where == "cli.py" else {"cli/__init__.py": "", where: source}
    assert "cli-default" in _rules(_tree(tmp_path, files))


@pytest.mark.parametrize(("files", "rule"), DEFAULTS)
def test_defaults_and_environment_outside_config_are_caught(
    tmp_path: Path, files: dict[str, str], rule: str
) -> None:
    assert rule in _rules(_tree(tmp_path, files))


@pytest.mark.parametrize("files", ATTRIBUTES)
def test_reading_an_upper_floors_attributes_is_caught(
    tmp_path: Path, files: dict[str, str]
) -> None:
    assert "attributes" in _rules(_tree(tmp_path, files))


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
            "sql",
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
        # the issue's six, on a small tree
        (
            {
                "verdict/__init__.py": "import importlib\n"
                "importlib.import_module('whichmodel.cli')\n",
                "cli.py": "",
            },
            "layers",
        ),
        (
            {
                "verdict/__init__.py": "__import__('whichmodel.tasks.evaluation')\n",
                "tasks/evaluation.py": "",
            },
            "layers",
        ),
        (
            {
                "results/__init__.py": "def f(db):\n"
                "    return db.execute('WITH x AS (SELECT 1) SELECT * FROM x')\n"
            },
            "sql",
        ),
        ({"portkey/__init__.py": "import sqlite3\nc = sqlite3.connect('x.db')\n"}, "database"),
        (
            {
                "cli.py": "import typer\n"
                "def ev(tolerance: float = typer.Option(0.05, '--tolerance')):\n    pass\n"
            },
            "cli-default",
        ),
        ({"verdict/__init__.py": "def f(path):\n    return open(path).read()\n"}, "pure"),
    ],
)
def test_each_kind_of_violation_is_caught(tmp_path: Path, files: dict[str, str], rule: str) -> None:
    assert rule in _rules(_tree(tmp_path, files))


@pytest.mark.parametrize(
    "rule",
    [
        "layers",
        "circle",
        "sql",
        "database",
        "pure",
        "cli-default",
        "defaults",
        "environment",
        "attributes",
    ],
)
def test_each_rule_holds_on_its_own_clean_tree(tmp_path: Path, rule: str) -> None:
    """The clean tree gives no violation of any rule (a rule that fires on everything
    would pass the tests above)."""
    assert rule not in _rules(_tree(tmp_path, CLEAN))


# ---------------------------------------------------------------- the real package

INJECTIONS = {
    "import_module": (
        "verdict/__init__.py",
        "\n\ndef _climb():\n    import importlib\n\n"
        '    return importlib.import_module("whichmodel.cli")\n',
        "layers",
    ),
    "__import__": (
        "verdict/__init__.py",
        '\n\ndef _climb():\n    return __import__("whichmodel.tasks.evaluation")\n',
        "layers",
    ),
    "sql": (
        "results/__init__.py",
        '\n\ndef _rows(db):\n    return db.execute("WITH x AS (SELECT 1) SELECT * FROM x")\n',
        "sql",
    ),
    "driver": (
        "portkey/__init__.py",
        "\n\ndef _connect(path):\n    import sqlite3\n\n    return sqlite3.connect(path)\n",
        "database",
    ),
    "cli_default": (
        "cli/common.py",
        "\n\ndef _tolerance(\n"
        '    tolerance: float = typer.Option(0.05, "--tolerance"),\n) -> None:\n'
        "    pass\n",
        "cli-default",
    ),
    "io": (
        "verdict/__init__.py",
        "\n\ndef _read(path):\n    return open(path).read()\n",
        "pure",
    ),
}


@pytest.fixture(scope="module")
def real_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    root = tmp_path_factory.mktemp("real") / PACKAGE
    shutil.copytree(ROOT, root, ignore=shutil.ignore_patterns("__pycache__", "data"))
    return root, {str(v) for v in all_violations(root)}


def test_a_copy_of_the_package_is_judged_as_the_package(
    real_copy: tuple[Path, set[str]],
) -> None:
    """The untouched copy has exactly the package's violations (none, once the house
    keeps its rules)."""
    _, untouched = real_copy
    assert untouched == {str(v) for v in all_violations(ROOT)}


@pytest.mark.parametrize("kind", sorted(INJECTIONS))
def test_the_real_package_fails_on_each_injected_violation(
    real_copy: tuple[Path, set[str]], kind: str
) -> None:
    root, untouched = real_copy
    rel, code, rule = INJECTIONS[kind]
    path = root / rel
    original = path.read_text()
    path.write_text(original + code)
    try:
        new = [v for v in all_violations(root) if str(v) not in untouched]
    finally:
        path.write_text(original)
    assert any(v.rule == rule and path.name in v.where for v in new), new
