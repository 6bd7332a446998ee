"""Small helpers for driving the sync door like a phone."""

from __future__ import annotations

import uuid
from typing import Any


def bearer(world, user="inspector") -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[user]}"}


class Phone:
    """A phone of one user: mints op ids and sequence numbers, pushes and pulls."""

    def __init__(self, client, world, user="inspector"):
        self.client, self.world, self.user = client, world, user
        self.seq = 0
        self.last_seq: dict[str, int] = {}  # record id -> seq of this phone's last op on it
        self.cursor: str | None = None
        self.crates: dict[str, dict[str, Any]] = {}

    def op(self, entity_id, action, set_, base=None, base_version=None, entity="crate",
           **extra) -> dict[str, Any]:
        self.seq += 1
        op = {"op_id": str(uuid.uuid4()), "entity": entity, "entity_id": entity_id,
              "action": action, "seq": self.seq, "prev_seq": self.last_seq.get(entity_id),
              "base_version": base_version, "base": base or {}, "set": set_, **extra}
        self.last_seq[entity_id] = self.seq
        return op

    def push(self, ops, batch_id=None, **kw):
        body = {"batch_id": batch_id or str(uuid.uuid4()), "ops": ops}
        if self.cursor:
            body["cursor"] = self.cursor
        r = self.client.post("/api/v1/sync/push", json=body,
                             headers=bearer(self.world, self.user), **kw)
        assert r.status_code == 200, r.get_json()
        if r.json.get("cursor"):
            self.cursor = r.json["cursor"]
        for res in r.json["results"] + r.json["released"]:
            if res.get("record"):
                self.crates[res["record"]["id"]] = res["record"]
        return r.json

    def pull_all(self, limit=50):
        pages = 0
        while True:
            url = f"/api/v1/sync/pull?limit={limit}" + (
                f"&cursor={self.cursor}" if self.cursor else "")
            r = self.client.get(url, headers=bearer(self.world, self.user))
            assert r.status_code == 200, r.get_json()
            for crate in r.json["crates"]:
                if crate.get("deleted"):
                    self.crates.pop(crate["id"], None)
                else:
                    self.crates[crate["id"]] = crate
            self.cursor = r.json["cursor"]
            pages += 1
            if not r.json["more"]:
                return r.json, pages
