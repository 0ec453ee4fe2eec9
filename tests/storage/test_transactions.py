"""Contract: transactions commit or vanish whole; a savepoint undoes only its own writes."""

from __future__ import annotations

import pytest

from bot.storage.repos import Store
from tests.storage.conftest import CARER_PHONE, NOW


class Boom(Exception):
    """A failure inside a block."""


async def stored(store: Store) -> list[str]:
    async with store.reading() as repos:
        return [r.external_id for r in await repos.inbox.unhandled()]


async def test_a_transaction_that_raises_leaves_nothing(store: Store) -> None:
    with pytest.raises(Boom):
        async with store.transaction() as repos:
            await repos.inbox.store("sms", "SM1", CARER_PHONE, {}, NOW)
            raise Boom
    assert await stored(store) == []
    assert not store.is_failure(Boom())


async def test_a_savepoint_rolled_back_keeps_the_outer_transaction(store: Store) -> None:
    async with store.transaction() as repos:
        await repos.inbox.store("sms", "before", CARER_PHONE, {}, NOW)
        with pytest.raises(Boom):
            async with repos.savepoint():
                await repos.inbox.store("sms", "inside", CARER_PHONE, {}, NOW)
                raise Boom
        await repos.inbox.store("sms", "after", CARER_PHONE, {}, NOW)
    assert await stored(store) == ["before", "after"]


async def test_savepoints_nest_and_a_released_one_commits_with_the_transaction(
    store: Store,
) -> None:
    async with store.transaction() as repos:
        async with repos.savepoint():
            await repos.inbox.store("sms", "outer", CARER_PHONE, {}, NOW)
            with pytest.raises(Boom):
                async with repos.savepoint():
                    await repos.inbox.store("sms", "inner", CARER_PHONE, {}, NOW)
                    raise Boom
            async with repos.savepoint():
                await repos.inbox.store("sms", "second", CARER_PHONE, {}, NOW)
    assert await stored(store) == ["outer", "second"]


async def test_a_savepoint_is_undone_with_its_transaction(store: Store) -> None:
    with pytest.raises(Boom):
        async with store.transaction() as repos:
            async with repos.savepoint():
                await repos.inbox.store("sms", "SM1", CARER_PHONE, {}, NOW)
            raise Boom
    assert await stored(store) == []


async def test_the_snapshot_reads_what_was_committed(store: Store) -> None:
    async with store.transaction() as repos:
        await repos.inbox.store("sms", "SM1", CARER_PHONE, {}, NOW)
    snapshot = await store.snapshot()
    assert await snapshot.inbox.oldest_unhandled() == NOW
