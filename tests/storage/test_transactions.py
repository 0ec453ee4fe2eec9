"""Contract: transactions commit or vanish whole; a savepoint undoes only its own writes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.storage.repos import Repos, Store
from tests.storage.conftest import NOW


class Boom(Exception):
    """A failure inside a block."""


WRITES = ("SM1", "before", "inside", "after", "outer", "inner", "second")


async def write(repos: Repos, name: str) -> None:
    """One row in the main store: an audit entry named `name`."""
    await repos.audit.record(None, "test", name, None, {}, NOW)


async def stored(store: Store) -> list[str]:
    """The names written and committed, in the order of WRITES."""
    async with store.reading() as repos:
        since = NOW - timedelta(days=1)
        return [n for n in WRITES if await repos.audit.count_since("test", n, since)]


async def test_a_transaction_that_raises_leaves_nothing(store: Store) -> None:
    with pytest.raises(Boom):
        async with store.transaction() as repos:
            await write(repos, "SM1")
            raise Boom
    assert await stored(store) == []
    assert not store.is_failure(Boom())


async def test_a_savepoint_rolled_back_keeps_the_outer_transaction(store: Store) -> None:
    async with store.transaction() as repos:
        await write(repos, "before")
        with pytest.raises(Boom):
            async with repos.savepoint():
                await write(repos, "inside")
                raise Boom
        await write(repos, "after")
    assert await stored(store) == ["before", "after"]


async def test_savepoints_nest_and_a_released_one_commits_with_the_transaction(
    store: Store,
) -> None:
    async with store.transaction() as repos:
        async with repos.savepoint():
            await write(repos, "outer")
            with pytest.raises(Boom):
                async with repos.savepoint():
                    await write(repos, "inner")
                    raise Boom
            async with repos.savepoint():
                await write(repos, "second")
    assert await stored(store) == ["outer", "second"]


async def test_a_savepoint_is_undone_with_its_transaction(store: Store) -> None:
    with pytest.raises(Boom):
        async with store.transaction() as repos:
            async with repos.savepoint():
                await write(repos, "SM1")
            raise Boom
    assert await stored(store) == []


async def test_the_snapshot_reads_what_was_committed(store: Store) -> None:
    async with store.transaction() as repos:
        await write(repos, "SM1")
    snapshot = await store.snapshot()
    assert await snapshot.audit.count_since("test", "SM1", NOW - timedelta(days=1)) == 1
