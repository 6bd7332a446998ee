"""Checking many hash chains at once (`audit verify`): every chain is walked whole, row by row,
in this process or, at a national register's size, spread over worker processes.

Each worker opens its own connection to the same database and sees what is committed (never
the caller's uncommitted rows). On PostgreSQL, once the caller has called one_snapshot, every
worker reads the caller's snapshot (exported, then imported): the heads the caller read and
the rows the workers walk are then one state of the database, even while writers go on. On
SQLite the caller's transaction holds the write lock (BEGIN IMMEDIATE), so nothing can be
committed while the workers read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

Progress = Callable[[str, Iterable], Iterable]
Check = Callable[[Session, Hashable], list[str]]

_worker: Session | None = None  # the session of a worker process


def check_chains(session: Session, label: str, chains: Sequence, check: Check, *,
                 progress: Progress | None = None, workers: int = 1,
                 pool: Executor | None = None,
                 meanwhile: Callable[[], list[str]] | None = None) -> list[str]:
    """check(session, chain) for every chain; the problems come back in the chains' order,
    then meanwhile's (work for the caller's own connection while the workers walk). check must
    be a module-level function and each chain a plain value (they are pickled). pool (from
    worker_pool) serves several calls; else workers > 1 starts one for this call."""
    steps = progress or (lambda _label, items: items)
    also = meanwhile or list
    if pool is None and min(workers, len(chains)) > 1:
        with worker_pool(session, min(workers, len(chains))) as own:
            return check_chains(session, label, chains, check, progress=progress, pool=own,
                                meanwhile=meanwhile)
    if pool is None:
        return [p for chain in steps(label, chains) for p in check(session, chain)] + also()
    snapshot = None
    if (session.get_bind().dialect.name == "postgresql"
            and session.scalar(text("SHOW transaction_isolation")) == "repeatable read"):
        snapshot = session.scalar(text("SELECT pg_export_snapshot()"))
    futures = [pool.submit(_run, check, chain, snapshot) for chain in chains]
    extra = also()
    return [p for future in steps(label, futures) for p in future.result()] + extra


@contextmanager
def worker_pool(session: Session, workers: int) -> Iterator[Executor | None]:
    """Worker processes for check_chains, each with its own connection to the session's
    database; None where there is nothing to share (one worker, an in-memory database)."""
    url = session.get_bind().url
    if workers <= 1 or url.database in (None, "", ":memory:"):
        yield None
        return
    context = get_context("spawn")  # a fresh interpreter: no connection inherited by fork
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_connect,
                             initargs=(url.render_as_string(hide_password=False),)) as pool:
        yield pool


def one_snapshot(session: Session) -> None:
    """Make the session's next transaction read one snapshot throughout (PostgreSQL's
    REPEATABLE READ), for check_chains' workers to share. Call it before the transaction
    begins; on SQLite there is nothing to do (see above)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _connect(url: str) -> None:
    global _worker
    _worker = Session(create_engine(url, poolclass=NullPool))


def _run(check: Check, chain: Hashable, snapshot: str | None) -> list[str]:
    assert _worker is not None
    try:
        if snapshot is not None:
            if not re.fullmatch(r"[0-9A-F-]+", snapshot):  # SET takes no bound parameter
                raise ValueError(f"unexpected snapshot id {snapshot!r}")
            _worker.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            _worker.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
        if _worker.get_bind().dialect.name == "postgresql":
            # compiling a chain's query costs more than it saves (a tenth of its time)
            _worker.execute(text("SET LOCAL jit = off"))
        return check(_worker, chain)
    finally:
        _worker.rollback()
