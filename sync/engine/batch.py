"""The state of one push while it runs (Batch): what it loaded, the device's sequence state,
and the rows it writes in bulk once its ops are decided."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from server.models import Crate, HeldOp
from sync.access.principal import Principal
from sync.engine import crates as wire
from sync.journal.trail import Actor
from sync.stock.counts import CountBook
from sync.stock.rows import CrateRow


@dataclass
class Answer:
    """The stored answer to an op: its payload hash and result."""

    payload_hash: str
    result: dict


@dataclass
class Batch:
    """What one push knows while it runs: loaded rows, the device's sequence state, and the
    rows to write in bulk when the ops have been decided."""

    session: Session
    principal: Principal
    now: datetime
    batch_id: str
    safe: bool = False  # a savepoint around every op (the retry after a failed bulk write)
    stored: dict[str, Answer] = field(default_factory=dict)
    held: dict[str, HeldOp] = field(default_factory=dict)
    waiting: dict[int, list[HeldOp]] = field(default_factory=lambda: defaultdict(list))
    arrived: set[int] = field(default_factory=set)  # device seqs already answered
    # CrateRows read for the batch (and the ORM crates it creates); `stale`: rows that may no
    # longer be what the database holds (a refused write, an op that changed crates itself)
    crates: dict[str, Crate | CrateRow] = field(default_factory=dict)
    stale: set[str] = field(default_factory=set)
    locations: wire.Locations | None = None
    counts: CountBook | None = None
    new_answers: list[dict] = field(default_factory=list)
    new_changes: list[tuple[str, int, int]] = field(default_factory=list)
    staged: dict[str, dict] = field(default_factory=dict)  # crate id -> changed columns

    @property
    def actor(self) -> Actor:
        return Actor.of(self.principal)

    def crate(self, crate_id: str) -> Crate | CrateRow | None:
        """The batch's crate, read again first if its row may be stale."""
        if self.stale:
            stale, self.stale = sorted(self.stale), set()
            for gone in stale:
                self.crates.pop(gone, None)
            self.crates.update(wire.read_rows(self.session, stale, self.locations, lock=False))
        return self.crates.get(crate_id)

    def mark_stale(self, crate_ids) -> None:
        """These crates may have changed in the database otherwise than in memory: a row is
        read again when next asked for, an ORM crate expired."""
        for crate_id in crate_ids:
            crate = self.crates.get(crate_id)
            if isinstance(crate, CrateRow):
                self.stale.add(crate_id)
            elif crate is not None:
                self.session.expire(crate)

    def stage(self, crate_id: str, columns: dict) -> None:
        """A crate's changed columns, written with the batch's others (write_staged)."""
        self.staged.setdefault(crate_id, {}).update(columns)

    def write_staged(self) -> None:
        """Write the staged crate rows and count events now: at the end of the batch; before
        an op that writes or reads rows of its own, or a check that reads crates back; and
        after each op in safe mode, inside its savepoint. Should the database refuse them, the
        crates they were set on are read again as the database has them (mark_stale)."""
        staged, crate_ids = self.staged, list(self.staged)
        try:
            wire.write_staged(self.session, staged)
            if self.counts is not None:
                self.counts.write_events(self.session)
        except (IntegrityError, DataError):
            self.mark_stale(crate_ids)
            staged.clear()
            if self.safe:
                raise  # inside the op's savepoint: that op is rejected alone
            raise StagedWriteFailed from None  # not one op's fault: the batch runs again, safe
        self.expire_orm_copies(crate_ids)

    def expire_orm_copies(self, crate_ids: list[str]) -> None:
        """An ORM crate the session loaded besides (a magazine check, a voucher, the caller)
        for a crate the batch holds as a row is behind the row just written: it is expired,
        so that the crates in the session say what the database holds."""
        if not crate_ids:
            return
        loaded = {o.id: o for o in self.session.identity_map.values() if isinstance(o, Crate)}
        if not loaded:
            return
        dirty = self.session.dirty  # its own changes not flushed yet: kept, not discarded
        for crate_id in crate_ids:
            orm = loaded.get(crate_id)
            if orm is not None and orm is not self.crates.get(crate_id) and orm not in dirty:
                self.session.expire(orm)


class StagedWriteFailed(Exception):
    """The database refused a bulk write of the batch's staged rows (fast mode)."""
