"""Tests mirror the rooms: every room of ``whichmodel/`` (a subpackage or a top-level
module) has tests of its own, in ``tests/<room>/`` or ``tests/test_<room>.py``. A room
added without tests fails here."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).parent
PACKAGE = TESTS.parent / "whichmodel"
"""The package next to these tests (not whichever copy is installed)."""
NOT_ROOMS = {"__init__", "__main__", "data"}
"""``data/`` holds files, not code."""


def rooms(package: Path) -> list[str]:
    """The subpackages and top-level modules of ``package``."""
    found = [p.name for p in package.iterdir() if p.is_dir() and (p / "__init__.py").is_file()]
    found += [p.stem for p in package.glob("*.py")]
    return sorted(set(found) - NOT_ROOMS)


def has_tests(room: str, tests: Path) -> bool:
    folder = tests / room
    return any(folder.glob("test_*.py")) or (tests / f"test_{room}.py").is_file()


def rooms_without_tests(package: Path, tests: Path) -> list[str]:
    return [room for room in rooms(package) if not has_tests(room, tests)]


def test_every_room_has_tests_of_its_own() -> None:
    assert rooms_without_tests(PACKAGE, TESTS) == []


def test_the_rooms_are_the_subpackages_and_top_level_modules() -> None:
    found = rooms(PACKAGE)
    for room in ("config", "records", "report", "verdict", "api", "errors", "run_sync"):
        assert room in found, room
    assert "data" not in found and "__init__" not in found
    assert "py" not in found  # py.typed is no module


def test_a_room_added_without_tests_is_caught(tmp_path: Path) -> None:
    package, tests = tmp_path / "pkg", tmp_path / "tests"
    for folder in (package / "old", package / "new", package / "data", tests / "old"):
        folder.mkdir(parents=True)
    for init in ("__init__.py", "old/__init__.py", "new/__init__.py"):
        (package / init).write_text("")
    (package / "solo.py").write_text("")
    (package / "data" / "table.json").write_text("{}")
    (tests / "old" / "__init__.py").write_text("")
    assert rooms_without_tests(package, tests) == ["new", "old", "solo"]  # old: no test file
    (tests / "old" / "test_old.py").write_text("")
    (tests / "test_solo.py").write_text("")
    assert rooms_without_tests(package, tests) == ["new"]
    (tests / "new").mkdir()
    (tests / "new" / "test_new.py").write_text("")
    assert rooms_without_tests(package, tests) == []
