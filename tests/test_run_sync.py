"""Running a coroutine from synchronous code (the CLI and ``whichmodel.evaluate``)."""

from __future__ import annotations

import asyncio

import pytest

from whichmodel.run_sync import run


async def double(value: int) -> int:
    await asyncio.sleep(0)
    return value * 2


def test_run_returns_the_coroutines_value() -> None:
    assert run(double(21)) == 42


def test_an_exception_reaches_the_caller_as_it_is() -> None:
    async def fail() -> None:
        await asyncio.sleep(0)
        raise KeyError("lost")

    with pytest.raises(KeyError, match="lost"):
        run(fail())


def test_each_call_runs_on_a_fresh_loop_closed_afterwards() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    async def remember() -> None:
        loops.append(asyncio.get_running_loop())

    run(remember())
    run(remember())
    assert loops[0] is not loops[1]
    assert all(loop.is_closed() for loop in loops)


def test_the_loop_is_uvloop_where_it_is_installed() -> None:
    """An evaluation spends much of its CPU in the event loop: uvloop is faster."""
    uvloop = pytest.importorskip("uvloop")

    async def loop_type() -> type:
        return type(asyncio.get_running_loop())

    assert issubclass(run(loop_type()), uvloop.Loop)


async def test_it_refuses_to_run_inside_a_running_loop() -> None:
    """Async callers await ``evaluate_async`` instead: a nested loop would block theirs."""
    coro = double(1)
    try:
        with pytest.raises(RuntimeError):
            run(coro)
    finally:
        coro.close()
