#!/usr/bin/env python3
"""World Kernel reliability and security suite. Standard library only.

Talks to a live server over plain HTTP (127.0.0.1 only): reducer calls are
`POST /v1/database/<db>/call/<reducer>` with a JSON array, reads are `POST .../sql` as the
database owner (who can read private tables), the schema is `GET .../schema?version=9`.
Reducers are enumerated from that schema, so a new reducer is fuzzed automatically and fails the
authorization matrix until it has an entry in the reducer catalogue (docs/reducers.md).

    reliability.py [--url URL] [--db DB] [--admin-token T] [--server-log FILE] COMMAND ...
      invariants                      the world invariant checker once
      fuzz  [--calls N] [--seconds S] every reducer with generated (also type-incorrect) args
      authz                           reducer x caller matrix (scheduled reducers from the schema's
                                      schedules, another player's ids as arguments); private tables
                                      vs non-owners; public columns named like secrets
      crash --kills N --restart-script FILE --pid-file FILE [--agents-bin BIN] [--agents N]
      load  --agents N --duration S --agents-bin BIN --pid-file FILE
      private-tables                  print the private tables (for the SDK subscription check)
      page --record FILE --out PAGE   write the results page of a run recorded with WK_REL_RECORD=FILE

Each test prints `PASS name (...)` or `FAIL name: why` (counted by scripts/test.sh and soak.sh)
and the process exits non-zero if any failed.
"""

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
I64_MAX = 2**63 - 1
ECODE = re.compile(r"^E_[A-Z0-9_]+:")
# Codes an authorization check answers with (auth.rs).
DENY_CODES = {"E_NOT_OWNER", "E_NOT_ADMIN", "E_SCHEDULER_ONLY"}
# Server-log lines that mean a reducer panicked or the wasm instance trapped.
PANIC_RE = re.compile(r"panicked at|wasm trap|RuntimeError|unreachable executed|instance.*(fatal|poison)", re.I)

# ---------------------------------------------------------------------------------------------
# The authorization matrix: every reducer the module exports -> who may call it, read from the
# reducer catalogue (docs/reducers.md, rendered from module/src/catalogue.rs, whose native tests keep
# it complete and current), so the matrix tests what the catalogue promises:
#   public    any identity, even a fresh anonymous one ("anyone", "any player")
#   owner     the owner of the character in the first parameter (`character_id` / `actor_id`), or an
#             admin (auth::owned_character); another player or an anonymous identity -> E_NOT_OWNER
#   admin     admins only; everyone else -> E_NOT_ADMIN
#   scheduler the world's scheduler only; every client, the admin too -> E_SCHEDULER_ONLY
#   lifecycle init / client_connected / client_disconnected: the host refuses client calls
# An owner check through something else than a character (choose_perk's offer) counts as public
# here: the matrix cannot make an offer; the perks scenario tests another player's offer.
# A reducer of the schema missing from the catalogue fails the `authz_matrix_complete` test.
def read_catalogue():
    """reducer -> (who line, set of E_ codes) for each `### name` section of docs/reducers.md."""
    out, cur = {}, None
    for line in open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "reducers.md"),
                     encoding="utf-8"):
        m = re.match(r"^### (\w+)\s*$", line)
        if m:
            cur = m.group(1)
            out[cur] = ("", set())
            continue
        if line.startswith("## "):
            cur = None
        if not cur:
            continue
        if line.startswith("**Who:**"):
            out[cur] = (line[len("**Who:**"):].strip(), out[cur][1])
        m = re.match(r"^\| `(E_[A-Z0-9_]+)` \|", line)
        if m:
            out[cur][1].add(m.group(1))
    return out


CATALOGUE = read_catalogue()


def auth_class(name, who):
    if who.startswith("admins only"):
        return "admin"
    if who.startswith("the world's scheduler"):
        return "scheduler"
    if who.startswith("the host"):
        return "lifecycle"
    if re.match(r"the owner of `(character_id|actor_id)`", who):
        return "owner"
    if who.startswith(("anyone", "any player", "the owner of")):
        return "public"
    raise ValueError(f"docs/reducers.md: unknown caller {who!r} for {name}")


AUTH = {name: auth_class(name, who) for name, (who, _) in CATALOGUE.items()}

results = {"passed": 0, "failed": 0}
# WK_REL_RECORD=FILE: every PASS/FAIL line and every figure logged is also appended to FILE as one
# JSON object per line; `reliability.py page` renders that file as the results page (test.sh and
# soak.sh do), so the page holds exactly what the run printed.
RECORD = {"file": os.environ.get("WK_REL_RECORD"), "cmd": ""}


def record(kind, **kw):
    if not RECORD["file"]:
        return
    with open(RECORD["file"], "a", encoding="utf-8") as f:
        f.write(json.dumps({"t": time.time(), "pid": os.getpid(), "cmd": RECORD["cmd"], "kind": kind, **kw}) + "\n")


def report(name, ok, detail):
    if ok:
        results["passed"] += 1
        print(f"PASS {name} ({detail})", flush=True)
    else:
        results["failed"] += 1
        print(f"FAIL {name}: {detail}", flush=True)
    record("test", name=name, ok=bool(ok), detail=str(detail))


def log(msg):
    print(f"[reliability] {msg}", flush=True)
    record("figure", text=str(msg))


# ---------------------------------------------------------------------------------------------
# HTTP client (one keep-alive connection per thread)


class Api:
    def __init__(self, url, db, admin_token):
        u = urllib.parse.urlparse(url)
        if u.hostname not in ("127.0.0.1", "localhost"):
            raise SystemExit(f"refusing non-local server {url}: all traffic stays on 127.0.0.1")
        self.host, self.port, self.db = u.hostname, u.port or 80, db
        self.admin = admin_token
        self.local = threading.local()
        self._schema = None

    def _conn(self):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection(self.host, self.port, timeout=30)
            self.local.conn = c
        return c

    def request(self, method, path, body=None, token=None, ctype="application/json"):
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            headers["Content-Type"] = ctype
            if isinstance(body, str):
                body = body.encode()
        for attempt in range(2):
            c = self._conn()
            try:
                c.request(method, path, body=body, headers=headers)
                r = c.getresponse()
                return r.status, r.read().decode("utf-8", "replace")
            except (http.client.HTTPException, OSError):
                c.close()
                self.local.conn = None
                if attempt == 1:
                    raise
        raise RuntimeError("unreachable")

    def call(self, reducer, args, token, raw=None):
        body = raw if raw is not None else json.dumps(args, allow_nan=False)
        return self.request("POST", f"/v1/database/{self.db}/call/{reducer}", body, token)

    def ping(self):
        try:
            return self.request("GET", "/v1/ping")[0] == 200
        except OSError:
            return False

    def new_identity(self):
        s, t = self.request("POST", "/v1/identity")
        if s != 200:
            raise RuntimeError(f"POST /v1/identity: {s} {t}")
        j = json.loads(t)
        return "0x" + j["identity"], j["token"]

    def schema(self):
        if self._schema is None:
            s, t = self.request("GET", f"/v1/database/{self.db}/schema?version=9")
            if s != 200:
                raise RuntimeError(f"schema: {s} {t[:200]}")
            self._schema = json.loads(t)
        return self._schema

    def sql_raw(self, q, token):
        return self.request("POST", f"/v1/database/{self.db}/sql", q, token, ctype="text/plain")

    def sql(self, q, token=None):
        s, t = self.sql_raw(q, token or self.admin)
        if s != 200:
            raise RuntimeError(f"sql `{q}`: {s} {t[:300]}")
        out = []
        for res in json.loads(t):
            ty = {"Product": res["schema"]}
            out.extend(self.decode(ty, row) for row in res["rows"])
        return out

    # SATS JSON as the SQL endpoint writes it: products are arrays, sums are [tag, value].
    def resolve(self, ty):
        while "Ref" in ty:
            ty = self.schema()["typespace"]["types"][ty["Ref"]]
        return ty

    def decode(self, ty, v):
        ty = self.resolve(ty)
        if "Product" in ty:
            els = ty["Product"]["elements"]
            names = [e["name"].get("some", str(i)) for i, e in enumerate(els)]
            if len(names) == 1 and names[0].startswith("__"):
                return v[0]
            return {n: self.decode(e["algebraic_type"], x) for n, e, x in zip(names, els, v)}
        if "Sum" in ty:
            vs = ty["Sum"]["variants"]
            tag, val = v[0], v[1]
            names = [x["name"].get("some") for x in vs]
            if names == ["some", "none"]:
                return None if tag == 1 else self.decode(vs[0]["algebraic_type"], val)
            inner = self.resolve(vs[tag]["algebraic_type"])
            if inner.get("Product", {}).get("elements") == []:
                return names[tag]
            return {names[tag]: self.decode(inner, val)}
        if "Array" in ty:
            return [self.decode(ty["Array"], x) for x in v]
        return v


def tables(api, access=None):
    out = []
    for t in api.schema()["tables"]:
        acc = next(iter(t["table_access"]))
        if access is None or acc == access:
            out.append(t["name"])
    return out


def reducers(api):
    return [r for r in api.schema()["reducers"]]


# ---------------------------------------------------------------------------------------------
# The invariant checker (one for every test here)

TIME_TOL_US = 2_000_000  # a buff may be seen up to 2 s past its expiry (timer + one world tick)
TURN_TOL_US = 1_000_000  # no fight may sit past its turn deadline by more than 1 s
EVENT_SLACK = 5_000  # events written between two prunes (event_prune_ms) on top of the limit


def snapshot_violations(api):
    now = int(time.time() * 1e6)
    bad = []
    defs = {d["id"]: d["def"]["stack_limit"] for d in api.sql("SELECT * FROM item_def")}
    chars = {c["id"]: c for c in api.sql("SELECT * FROM character")}
    players = {p["identity"] for p in api.sql("SELECT * FROM player")}
    slots = {}
    for i in api.sql("SELECT * FROM item_instance"):
        lim = defs.get(i["def_id"])
        if lim is None:
            bad.append(f"item {i['uid']} has unknown def {i['def_id']}")
            continue
        if not 1 <= i["quantity"] <= max(lim, 1):
            bad.append(f"item {i['uid']} quantity {i['quantity']} outside 1..={lim}")
        place, cid, slot = i["place"], i["character_id"], i["slot"]
        neutral_ground = i["location_id"] == "" and i["expires_at_micros"] == I64_MAX
        if place == "Ground":
            ok = i["location_id"] != "" and cid == 0 and slot is None and i["expires_at_micros"] < I64_MAX
        elif place == "RunStash":
            ok = cid in chars and slot is None and neutral_ground
        elif place == "Loadout":
            ok = cid in chars and slot is not None and neutral_ground
        elif place == "MasterStash":
            ok = cid == 0 and slot is None and neutral_ground and i["owner"] != "0x" + "0" * 64
        else:
            ok = False
        if not ok:
            bad.append(f"item {i['uid']} not in exactly one well-formed place ({place}, char {cid}, slot {slot})")
        if place == "Loadout" and slot is not None:
            key = (cid, str(slot))
            if key in slots:
                bad.append(f"items {slots[key]} and {i['uid']} share slot {slot} of {cid}")
            slots[key] = i["uid"]
    for c in chars.values():
        v = c["sheet"]["vitals"]
        if not 0 <= v["hp"] <= v["max_hp"]:
            bad.append(f"character {c['id']} HP {v['hp']} outside [0, {v['max_hp']}]")
        if not c["is_ai"] and c["owner"] not in players:
            bad.append(f"character {c['id']} owned by {c['owner']}, not a player")
    for m in api.sql("SELECT * FROM monster_instance"):
        if not 0 <= m["hp"] <= m["max_hp"]:
            bad.append(f"monster {m['id']} HP {m['hp']} outside [0, {m['max_hp']}]")
    for b in api.sql("SELECT * FROM active_buff"):
        if not b["permanent"] and b["expires_at_micros"] < now - TIME_TOL_US:
            bad.append(f"buff {b['id']} ({b['buff_id']}) {(now - b['expires_at_micros']) / 1e6:.1f} s past expiry")
    states = {s["combat_id"] for s in api.sql("SELECT * FROM combat_state")}
    fights = api.sql("SELECT * FROM combat_instance")
    fight_ids = {f["id"] for f in fights}
    for f in fights:
        if f["status"] == "Active":
            if f["id"] not in states:
                bad.append(f"active combat {f['id']} has no combat_state")
            d = f["turn_deadline_micros"]
            if d != I64_MAX and now - d > TURN_TOL_US:
                bad.append(f"combat {f['id']} {(now - d) / 1e6:.1f} s past its turn deadline")
        elif f["id"] in states:
            bad.append(f"finished combat {f['id']} still has its combat_state (it is kept only while active)")
    for s in states - fight_ids:
        bad.append(f"combat_state {s} has no combat_instance")
    for cb in api.sql("SELECT * FROM combatant"):
        if cb["combat_id"] not in fight_ids:
            bad.append(f"combatant {cb['key']} of missing combat {cb['combat_id']}")
    cfg = api.sql("SELECT * FROM config")
    cfg = cfg[0] if cfg else {}
    sizes = table_sizes(api)
    n = sizes.get("world_event", 0)
    active = sum(1 for f in fights if f["status"] == "Active")
    world = {"characters": chars, "players": players, "active_fights": active, "finished_fights": len(fights) - active}
    for table, count in sorted(sizes.items()):
        bound = size_bound(table, sizes, cfg, world)
        if bound is None:
            bad.append(f"table {table} has no size bound in reliability.py SIZE_BOUNDS (add one)")
        elif count > bound[0]:
            bad.append(f"table {table} has {count} rows, bound {bound[0]} ({bound[1]})")
    LAST_SIZES.clear()
    LAST_SIZES.update(sizes)
    stats = (f"{len(chars)} characters, {len(slots)} equipped, {len(fights)} fights, {n} events, "
             f"{len(sizes)} tables within their size bounds")
    return bad, stats


# ---------------------------------------------------------------------------------------------
# Size bounds: every table of the schema has one, derived from the config row and the world the
# checker just read (bounded storage, issue 18 item 4). A table the schema has and this list
# lacks is a violation, so a new table forces a decision. Slack covers what lands between two
# pruner runs (storage_prune_ms, event_prune_ms) and between the checker's reads.

SIZE_SLACK = 1_000
# The tables the results page tracks over the load test (those that grow with play).
SIZE_COLUMNS = ("player", "characterless_player", "character", "item_instance", "active_buff", "world_event",
                "combat_instance", "combatant", "combat_action_log", "combat_state", "profile_validation",
                "profile_proposal")
STATIC_MAX = 10_000  # static definitions (CSV rows compiled into the module)
LOG_ROWS_PER_FIGHT = 20_000  # a running fight's log: bounded by its length (queue_idle_secs for idle queues)
LAST_SIZES = {}  # the sizes the last check read (the load test records them)


def table_sizes(api):
    """Row count of every table of the schema (as the owner: private tables too)."""
    out = {}
    for t in tables(api):
        try:
            rows = api.sql(f"SELECT COUNT(*) AS n FROM {t}")
            out[t] = int(rows[0]["n"]) if rows else 0
        except (RuntimeError, KeyError, ValueError, TypeError):
            out[t] = len(api.sql(f"SELECT * FROM {t}"))
    return out


def size_bound(table, sizes, cfg, world):
    """(bound, why) for `table`, or None when the checker has no bound for it."""
    chars = len(world["characters"])
    humans = sum(1 for c in world["characters"].values() if not c["is_ai"])
    players = len(world["players"])
    fights = world["active_fights"] + world["finished_fights"]
    monsters = sizes.get("monster_instance", 0)
    locs = sizes.get("location_def", 0)
    g = lambda k, d: int(cfg.get(k, d))  # noqa: E731
    per_char = chars + SIZE_SLACK
    b = {
        # static definitions and single rows
        **{t: (STATIC_MAX, "static data") for t in
           ("item_def", "buff_def", "perk_def", "class_def", "skill_def", "location_def")},
        **{t: (1, "one row") for t in
           ("config", "world_state", "combat_config", "profile_config", "dice_secret", "schema_meta",
            "snapshot_import_state", "world_clock", "event_prune_timer", "storage_prune_timer")},
        "feature_gate": (32, "one row per system"),
        "admin": (1_000, "admins added by admins"),
        # players and their characters
        "player": (humans + g("max_characterless_players", 10_000) + SIZE_SLACK,
                   "players with characters + max_characterless_players + slack"),
        "characterless_player": (g("max_characterless_players", 10_000) + SIZE_SLACK,
                                 "max_characterless_players + slack"),
        "character": (players * g("max_characters_per_player", 8) + (chars - humans) + SIZE_SLACK,
                      "players x max_characters_per_player + world-owned AI characters"),
        **{t: (per_char, "at most one per character") for t in
           ("character_stats", "effective_stats", "stats_input", "rest_state", "travel_state", "travel_timer",
            "run_state", "pvp_opt_in")},
        "effective_stat": (chars * 14 + SIZE_SLACK, "14 stat lines per character"),
        "master_stash": (players + SIZE_SLACK, "one per player"),
        "character_perk": (chars * max(1, sizes.get("perk_def", 1)) + SIZE_SLACK, "characters x perks"),
        "perk_offer": (chars * 20 + SIZE_SLACK, "characters x levels"),
        "active_buff": ((chars + monsters) * max(1, sizes.get("buff_def", 1)) + SIZE_SLACK,
                        "bearers x buff definitions"),
        "buff_expiry_timer": (sizes.get("active_buff", 0) + SIZE_SLACK, "one per active buff"),
        "buff_tick_timer": (sizes.get("active_buff", 0) + SIZE_SLACK, "one per active buff"),
        "item_instance": ((chars + players) * 200 + locs * g("max_ground_items_per_location", 3)
                          + world["finished_fights"] * 20 + SIZE_SLACK,
                          "200 per character and stash + ground items + loot of kept fights"),
        "item_despawn_timer": (sizes.get("item_instance", 0) + SIZE_SLACK, "one per ground item"),
        "loot_origin": (sizes.get("item_instance", 0) + SIZE_SLACK, "one per loot item"),
        "monster_instance": (locs * g("max_monsters_per_location", 2) + 10 * SIZE_SLACK,
                             "spawner cap + admin spawns"),
        # the event log and fights (the storage pruner)
        "world_event": (g("event_log_limit", 1000) + EVENT_SLACK, "event_log_limit + prune slack"),
        "combat_instance": (g("max_finished_fights", 2000) + world["active_fights"] + SIZE_SLACK,
                            "max_finished_fights + running fights + slack"),
        "combatant": ((g("max_finished_fights", 2000) + world["active_fights"] + SIZE_SLACK) * 65,
                      "fights x 65 combatants"),
        "combat_action_log": ((g("max_finished_fights", 2000) + world["active_fights"]) * LOG_ROWS_PER_FIGHT,
                              f"kept fights x {LOG_ROWS_PER_FIGHT} steps"),
        "combat_state": (world["active_fights"] + SIZE_SLACK, "one per running fight"),
        "combat_seed": (world["active_fights"] + SIZE_SLACK, "one per running fight"),
        "turn_timer": (world["active_fights"] + SIZE_SLACK, "one per running fight"),
        "action_cooldown": ((world["active_fights"] + SIZE_SLACK) * 65, "running fights x 65 combatants"),
        "fight_inbox": (SIZE_SLACK, "drained in the transaction that posts"),
        "combat_invite": ((world["active_fights"] + SIZE_SLACK) * 16, "16 per running fight"),
        "pvp_challenge": (players * 5 + SIZE_SLACK, "5 open per identity"),
        # forgotten once full again (the event pruner): only identities that called lately
        "rate_bucket": (players + g("max_characterless_players", 10_000) + SIZE_SLACK,
                        "one per identity that called lately (players + characterless ones)"),
        "pvp_challenge_timer": (players * 5 + SIZE_SLACK, "one per challenge"),
        "profile_stack": (fights + SIZE_SLACK, "one per fight"),
        "profile_effect": ((fights + SIZE_SLACK) * 65, "fights x combatants"),
        "profile_validation": ((fights + SIZE_SLACK) * 100, "fights x 100 requests"),
        "profile_proposal": ((fights + SIZE_SLACK) * 100, "fights x 100 proposals"),
        "profile_consent_timer": (sizes.get("profile_proposal", 0) + SIZE_SLACK, "one per proposal"),
    }
    return b.get(table)


def check_invariants(api, retries=1):
    """Violations seen in two snapshots 0.5 s apart (each SQL statement is its own transaction,
    so a change landing between two reads of one snapshot could look like a broken invariant)."""
    bad, stats = snapshot_violations(api)
    for _ in range(retries):
        if not bad:
            break
        time.sleep(0.5)
        bad2, stats = snapshot_violations(api)
        # compare without the measured lateness ("3.2 s past ..."), which moves between snapshots
        def key(v):
            return re.sub(r"-?\d+\.\d+ s", "", v)
        again = {key(v) for v in bad2}
        bad = [v for v in bad if key(v) in again]
    return bad, stats


def invariant_test(api, name):
    try:
        bad, stats = check_invariants(api)
    except Exception as e:  # noqa: BLE001 - any failure to read is a failure of the test
        report(name, False, f"checker could not read the world: {e}")
        return False
    report(name, not bad, stats if not bad else "; ".join(bad[:8]))
    return not bad


# ---------------------------------------------------------------------------------------------
# Fixtures: players with characters


SCORES = [15, 14, 13, 12, 10, 8]


class Player:
    def __init__(self, api, label):
        self.api, self.label = api, label
        self.identity, self.token = api.new_identity()
        # Register as a player (the HTTP path runs no client_connected): ping as this identity.
        api.call("ping", [], self.token)

    def characters(self):
        return [c for c in self.api.sql("SELECT * FROM character") if c["owner"] == self.identity]

    def ensure_character(self, name):
        cs = self.characters()
        if cs:
            return cs[0]["id"]
        s, t = self.api.call("create_character", [f"{name}{random.randint(0, 10**6)}", class_ids(self.api)[0], SCORES, []], self.token)
        if s != 200:
            raise RuntimeError(f"create_character as {self.label}: {s} {t}")
        cs = self.characters()
        if not cs:
            raise RuntimeError(f"{self.label} has no character after create_character")
        return cs[0]["id"]


def class_ids(api):
    try:
        return [c["id"] for c in api.sql("SELECT * FROM class_def")] or ["fighter"]
    except RuntimeError:
        return ["fighter"]


# ---------------------------------------------------------------------------------------------
# Argument generation from the schema

INT_RANGES = {
    "U8": (0, 255), "U16": (0, 2**16 - 1), "U32": (0, 2**32 - 1), "U64": (0, 2**64 - 1),
    "U128": (0, 2**128 - 1), "U256": (0, 2**256 - 1),
    "I8": (-128, 127), "I16": (-(2**15), 2**15 - 1), "I32": (-(2**31), 2**31 - 1), "I64": (-(2**63), 2**63 - 1),
    "I128": (-(2**127), 2**127 - 1), "I256": (-(2**255), 2**255 - 1),
}
ACTOR_PARAMS = {"character_id", "actor_id"}


class Gen:
    """Type-correct argument values, biased to edges and to ids that exist."""

    def __init__(self, api, rng):
        self.api, self.rng = api, rng
        self.ids = []  # ids that exist (characters, monsters, items, fights, combatants, buffs)
        self.actor_ids = []  # character ids for the actor position (own + other players')
        self.strings = ["crossroads", "fighter", "dagger", "rat", "athletics", "world_tick_ms"]
        self.identities = []

    def refresh(self, own_ids, other_ids, extra_identities=(), target_ids=()):
        """`other_ids` (another player's characters) only go in the actor position, where they must be
        refused; `target_ids` are characters any argument may name."""
        a = self.api
        ids = set(own_ids) | set(target_ids)
        for q, col in (("monster_instance", "id"), ("item_instance", "uid"), ("combat_instance", "id"),
                       ("combatant", "combatant_id"), ("active_buff", "id")):
            ids |= {r[col] for r in a.sql(f"SELECT * FROM {q}")}
        self.ids = sorted(ids) or [1]
        self.actor_ids = list(own_ids) + list(other_ids)
        strs = set(self.strings)
        for q, col in (("location_def", "id"), ("item_def", "id"), ("class_def", "id"), ("skill_def", "id"),
                       ("buff_def", "id"), ("feature_gate", "feature")):
            try:
                strs |= {r[col] for r in a.sql(f"SELECT * FROM {q}")}
            except (RuntimeError, KeyError):
                pass
        self.strings = sorted(strs)
        self.identities = list(extra_identities)

    def value(self, ty, pname="", depth=0, plausible=False):
        r, ty = self.rng, self.api.resolve(ty)
        kind = next(iter(ty))
        if plausible and (kind in INT_RANGES or kind in ("String", "F32", "F64")):
            return self.plausible_value(kind, pname)
        if kind in INT_RANGES:
            lo, hi = INT_RANGES[kind]
            idish = pname.endswith("_id") or pname.endswith("uid") or pname.endswith("_ids") or pname == "id"
            if idish and r.random() < 0.75:
                pool = self.actor_ids if pname in ACTOR_PARAMS and self.actor_ids else self.ids
                v = r.choice(pool)
                if lo <= v <= hi:
                    return v
            return r.choice([0, 1, hi, lo, max(lo, -1), r.randint(lo, hi), r.randint(max(lo, -50), min(hi, 50))])
        if kind == "Bool":
            return r.random() < 0.5
        if kind in ("F32", "F64"):
            big = 3.4e38 if kind == "F32" else 1.7e308
            return r.choice([0.0, -0.0, 1.0, -1.0, big, -big, 1e-300 if kind == "F64" else 1e-40, r.uniform(-1e4, 1e4),
                             r.uniform(0, 100)])
        if kind == "String":
            if r.random() < 0.5:
                return r.choice(self.strings)  # a real id half the time, so calls get past lookups
            return r.choice([
                "", " ", "x" * r.choice([65, 1000, 100_000 if depth == 0 else 300]), r.choice(self.strings),
                r.choice(self.strings),
                r.choice(self.strings).upper(), "ünï\u00e7ødé 😀", "\u0000\u202e", "'; DROP TABLE character; --",
                "../../etc/passwd", "-1", "NaN", str(r.randint(-10, 10**6)),
            ])
        if kind == "Array":
            elem = ty["Array"]
            n = r.choice([0, 1, 1, 2, 3]) if plausible else \
                r.choice([0, 0, 1, 2, 3, 100 if depth else 1000, 10_000 if depth == 0 else 10])
            if n > 50:
                # huge list of one small value (bodies stay under ~1 MB: the host's limits are not ours)
                one = self.value(elem, pname, depth + 1, plausible)
                n = min(n, max(1, 1_000_000 // len(json.dumps(one))))
                return [one] * n  # huge list of one value: cheap to build, as hostile as any
            return [self.value(elem, pname, depth + 1, plausible) for _ in range(n)]
        if kind == "Product":
            els = ty["Product"]["elements"]
            if len(els) == 1 and els[0]["name"].get("some") == "__identity__":
                pool = self.identities + ["0x" + "%064x" % r.getrandbits(256), "0x" + "0" * 64]
                return {"__identity__": r.choice(pool)}
            if len(els) == 1 and els[0]["name"].get("some", "").startswith("__"):
                return {els[0]["name"]["some"]: self.value(els[0]["algebraic_type"], pname, depth + 1, plausible)}
            return [self.value(e["algebraic_type"], e["name"].get("some", ""), depth + 1, plausible) for e in els]
        if kind == "Sum":
            vs = ty["Sum"]["variants"]
            v = r.choice(vs)
            return {v["name"]["some"]: self.value(v["algebraic_type"], pname, depth + 1, plausible)}
        return None

    def plausible_value(self, kind, pname):
        """Values a real client would send (known ids, small numbers), so calls reach deep paths."""
        r = self.rng
        if kind == "String":
            return r.choice(self.strings)
        if kind in ("F32", "F64"):
            return float(r.randint(0, 60))
        lo, hi = INT_RANGES[kind]
        if pname.endswith("_id") or pname.endswith("uid") or pname.endswith("_ids") or pname == "id":
            pool = self.actor_ids if pname in ACTOR_PARAMS and self.actor_ids else self.ids
            v = r.choice(pool)
            if lo <= v <= hi:
                return v
        return r.randint(max(lo, 0), min(hi, 10))

    def args(self, red, plausible=False):
        return [self.value(e["algebraic_type"], e["name"].get("some", ""), 0, plausible)
                for e in red["params"]["elements"]]

    def bad_args(self, red):
        """Arguments the host must refuse before the module sees them (type or arity wrong)."""
        r = self.rng
        good = self.args(red)
        choice = r.randrange(5)
        if choice == 0:
            return json.dumps(good + [r.randint(0, 9)])
        if choice == 1 and good:
            return json.dumps(good[:-1])
        if choice == 2:
            return json.dumps([{"nope": [1, 2]} for _ in good] or [{"x": 1}])
        if choice == 3:
            return json.dumps(["not a number" if isinstance(g, (int, float)) else 12345 for g in good] or [1])
        return r.choice(["[", "{\"a\":", "nul", "[1e99999]", "[NaN]", "\u00ff\u00fe"])


# Largest request body the fuzzer sends (the host refuses bigger ones with 413 before the module).
MAX_BODY = 900_000


def classify(status, body, typed):
    if status == 200:
        return "accepted"
    if status == 530 and ECODE.match(body):
        return "rejected:" + body.split(":", 1)[0]
    if status == 400 and ("invalid arguments" in body or "trailing" in body):
        return "host_type_error" if not typed else "UNEXPECTED host_type_error on typed args"
    return f"UNEXPECTED {status}: {body[:160]}"


def panics_in_log(path):
    if not path or not os.path.exists(path):
        return None
    n = 0
    with open(path, "r", errors="replace") as f:
        for line in f:
            if PANIC_RE.search(line):
                n += 1
    return n


def panics_in_module_log(api):
    """Panic lines in the database's own log (`GET /v1/database/<db>/logs`, owner only)."""
    s, t = api.request("GET", f"/v1/database/{api.db}/logs?num_lines=1000000", None, api.admin)
    if s != 200:
        return None
    n = 0
    for line in t.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("level") == "Panic" or PANIC_RE.search(str(rec.get("message", ""))):
            n += 1
    return n


# ---------------------------------------------------------------------------------------------
# fuzz


def float_reducers_covered_by_sdk():
    """NaN and infinities cannot be written in JSON, so the SDK scenario `reliability_nan_inf`
    sends them (BSATN); it lists the reducers it covers in FLOAT_REDUCERS."""
    src = os.path.join(ROOT, "client-sdk-tests/src/scenarios/reliability.rs")
    try:
        text = open(src).read()
    except OSError:
        return set()
    m = re.search(r"FLOAT_REDUCERS: &\[&str\] = &\[(.*?)\];", text, re.S)
    return set(re.findall(r'"([a-z0-9_]+)"', m.group(1))) if m else set()


def scrub(v, cid):
    """`v` with every occurrence of the id `cid` (at any depth) replaced by 0."""
    if isinstance(v, list):
        return [scrub(x, cid) for x in v]
    if isinstance(v, dict):
        return {k: scrub(x, cid) for k, x in v.items()}
    return 0 if v == cid and isinstance(v, int) and not isinstance(v, bool) else v


def json_diff(a, b, path=""):
    """Paths whose values differ between two decoded JSON values."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += json_diff(a.get(k), b.get(k), f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += json_diff(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path}: {json.dumps(a)[:80]} -> {json.dumps(b)[:80]}"]


def snapshot_control(api, ctrl):
    cid = ctrl["char"]
    rows = {
        "character": [c for c in api.sql("SELECT * FROM character") if c["id"] == cid],
        "items": sorted((i for i in api.sql("SELECT * FROM item_instance")
                         if i["character_id"] == cid or i["owner"] == ctrl["p"].identity), key=lambda i: i["uid"]),
        "buffs": [b for b in api.sql("SELECT * FROM active_buff") if b["target_id"] == cid],
        "player": [p for p in api.sql("SELECT * FROM player") if p["identity"] == ctrl["p"].identity],
    }
    return json.dumps(rows, sort_keys=True)


def cmd_fuzz(api, a):
    rng = random.Random(a.seed)
    log(f"fuzz: seed {a.seed}, {a.calls} calls, at most {a.seconds} s")
    panics0 = panics_in_log(a.server_log)
    mpanics0 = panics_in_module_log(api)
    fuzzer, control = Player(api, "fuzzer"), Player(api, "control")
    anon_id, anon_tok = api.new_identity()
    own = [fuzzer.ensure_character("Fz")]
    s, t = api.call("create_character", [f"Fy{rng.randint(0, 10**6)}", class_ids(api)[0], SCORES, []], fuzzer.token)
    own = [c["id"] for c in fuzzer.characters()]
    ctrl = {"p": control, "char": control.ensure_character("Ctl")}
    bystander = Player(api, "bystander")  # another player's character as a target (contests, gifts, PvP)
    victim = [bystander.ensure_character("By")]
    before = snapshot_control(api, ctrl)
    gen = Gen(api, rng)
    gen.refresh(own, [ctrl["char"]], target_ids=victim)
    reds = [r for r in reducers(api) if "some" not in r["lifecycle"]]
    # Type-correct float reducers need NaN/inf too, which only the SDK can send.
    floats = {r["name"] for r in reds if re.search(r'"F(32|64)"', json.dumps(r["params"]))}
    missing = floats - float_reducers_covered_by_sdk()
    report("fuzz_nan_inf_coverage", not missing,
           f"{len(floats)} float-taking reducers covered by the SDK scenario" if not missing
           else f"reducers taking floats not in FLOAT_REDUCERS of scenarios/reliability.rs: {sorted(missing)}")

    counts, unexpected = {}, []
    lock = threading.Lock()

    def one(i):
        red = reds[i % len(reds)] if i < len(reds) * 4 else rng.choice(reds)
        who = rng.random()
        if who < 0.12:
            tok = api.admin
        elif who < 0.22:
            tok = anon_tok
        else:
            tok = fuzzer.token
        typed = rng.random() >= 0.1
        try:
            if typed:
                args = gen.args(red, plausible=rng.random() < 0.5)
                # Nested lists multiply (a list of profiles of entries of lists): keep the whole
                # body under the host's request limit, which is the host's to enforce, not ours.
                for _ in range(5):
                    if len(json.dumps(args)) <= MAX_BODY:
                        break
                    args = gen.args(red, plausible=rng.random() < 0.5)
                else:
                    args = gen.args(red, plausible=True)
                # The control character may appear only as a non-admin caller's actor (which must
                # be refused). Anywhere else a number equal to its id (ids are small integers, and
                # any player may, say, start a fight with another player's character) is replaced.
                names = [e["name"].get("some", "") for e in red["params"]["elements"]]
                args = [x if n in ACTOR_PARAMS and tok != api.admin else scrub(x, ctrl["char"])
                        for n, x in zip(names, args)]
                s, t = api.call(red["name"], args, tok)
            else:
                s, t = api.call(red["name"], None, tok, raw=gen.bad_args(red))
        except Exception as e:  # noqa: BLE001
            s, t = -1, f"transport error: {e}"
        c = classify(s, t, typed)
        with lock:
            counts[c] = counts.get(c, 0) + 1
            if c.startswith("UNEXPECTED") and len(unexpected) < 10:
                unexpected.append(f"{red['name']}: {c}")
            if c.startswith("rejected:"):
                seen_codes.setdefault(red["name"], {}).setdefault(c.split(":", 1)[1], t[:140])

    seen_codes = {}  # reducer -> {code: first message}: checked against docs/reducers.md

    # Phase 1: duplicate and out-of-order turns: a fight, then a concurrent burst of turn actions.
    # The fuzzer holds a websocket session, so its turns are its own (timed), not the AI's.
    ws = hold_connection(api, fuzzer.token)
    me = own[0]
    loc = next(c["location_id"] for c in api.sql("SELECT * FROM character") if c["id"] == me)
    api.call("admin_spawn_monster", ["rat", loc], api.admin)
    mons = [m["id"] for m in api.sql("SELECT * FROM monster_instance") if m.get("location_id") == loc]
    s, t = api.call("start_combat", [me, [], mons[-1:]], fuzzer.token)
    # The burst means something only inside a running fight with the fuzzer's character in it.
    fights = {f["id"]: f for f in api.sql("SELECT * FROM combat_instance")}
    mine = [c for c in api.sql("SELECT * FROM combatant") if c["character_id"] == me and c["active"]]
    fid = mine[0]["combat_id"] if mine else None
    started = s == 200 and fid is not None and fights.get(fid, {}).get("status") == "Active"
    report("fuzz_turn_burst_fight_started", started,
           f"fight {fid} active with the fuzzer's character in it" if started
           else f"start_combat answered {s} {t[:160]!r}; the fuzzer's active combatant rows: {mine}")
    cbs = [c["combatant_id"] for c in api.sql("SELECT * FROM combatant") if c["combat_id"] == fid]
    timer_red = next(r for r in reds if r["name"] == "turn_timeout")
    burst = []
    for _ in range(120):
        burst.append(rng.choice([("end_turn", [me]), ("end_turn", [me]), ("attack", [me, rng.choice(cbs or [0]), 0]),
                                 ("dodge", [me]), ("dash", [me]), ("move_in_combat", [me, 1.0, 1.0]),
                                 ("end_turn", [me]), ("turn_timeout", gen.args(timer_red))]))
    with ThreadPoolExecutor(8) as ex:
        outs = list(ex.map(lambda c: (c[0], api.call(c[0], c[1], fuzzer.token)), burst))
    burst_ok = 0
    for name, (s, t) in outs:
        c = classify(s, t, True)
        counts[c] = counts.get(c, 0) + 1
        burst_ok += c == "accepted"
        if c.startswith("UNEXPECTED"):
            unexpected.append(f"{name} (turn burst): {c}")
    log(f"fuzz: turn burst of {len(burst)} calls in fight {fid}: {burst_ok} accepted")
    ws.close()
    invariant_test(api, "fuzz_turn_burst_invariants")

    # Phase 2: every reducer, generated arguments, 8 concurrent callers. The fuzzer's player would
    # spend most of its calls on E_RATE_LIMITED (20 calls/s) and reach few deep paths: a bigger
    # burst while it runs (the limiter has its own live scenario, client-sdk-tests `limits`).
    cfg0 = api.sql("SELECT * FROM config")[0]
    api.call("admin_set_config", ["rate_limit_burst", "100000"], api.admin)
    started = time.time()
    done = 0
    with ThreadPoolExecutor(8) as ex:
        while done < a.calls and time.time() - started < a.seconds:
            batch = min(400, a.calls - done)
            list(ex.map(one, range(done, done + batch)))
            done += batch
            # Keep the world fuzzable: two live characters, every feature on (the admin's fuzz
            # calls delete characters and switch features off, which would leave only shallow paths).
            own = [c["id"] for c in fuzzer.characters()]
            for _ in range(2 - len(own)):
                api.call("create_character", [f"Fz{rng.randint(0, 10**6)}", class_ids(api)[0], SCORES, []],
                         fuzzer.token)
            for g in api.sql("SELECT * FROM feature_gate"):
                if not g.get("enabled", True):
                    api.call("admin_set_feature_enabled", [g["feature"], True], api.admin)
            own = [c["id"] for c in fuzzer.characters()]
            gen.refresh(own, [ctrl["char"]], target_ids=victim)
    secs = time.time() - started
    api.call("admin_set_config", ["rate_limit_burst", str(cfg0.get("rate_limit_burst", 60))], api.admin)
    total = sum(counts.values())
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])[:12])
    log(f"fuzz: {total} calls in {secs:.0f} s: {summary}")
    codes_ok = not unexpected
    report("fuzz_calls_answer_e_codes", codes_ok and total >= a.calls,
           f"{total} calls in {secs:.0f} s, {counts.get('accepted', 0)} accepted, "
           f"{sum(v for k, v in counts.items() if k.startswith('rejected'))} rejected with an E_ code, "
           f"{counts.get('host_type_error', 0)} type errors from the host"
           if codes_ok and total >= a.calls else
           (f"only {total} of {a.calls} calls within {a.seconds} s" if codes_ok else "; ".join(unexpected)))
    # Every code a reducer answered is one its catalogue entry declares (docs/reducers.md, rendered
    # from module/src/catalogue.rs): the catalogue agents read is checked against real answers.
    declared = {name: codes for name, (_, codes) in CATALOGUE.items()}
    undeclared = [f"{r} answered {code} ({msg!r})" for r, got in sorted(seen_codes.items())
                  for code, msg in sorted(got.items()) if code not in declared.get(r, set())]
    report("fuzz_codes_declared_in_catalogue", not undeclared,
           f"{sum(len(v) for v in seen_codes.values())} (reducer, code) pairs seen, all declared in docs/reducers.md"
           if not undeclared else f"{len(undeclared)} undeclared: " + " | ".join(undeclared[:8]))
    p1, m1 = panics_in_log(a.server_log), panics_in_module_log(api)
    if p1 is None or m1 is None or mpanics0 is None:
        report("fuzz_no_panics", False, "cannot read the server log (--server-log) or the module log")
    else:
        n = (p1 - panics0) + (m1 - mpanics0)
        report("fuzz_no_panics", n == 0, f"{n} panic/trap lines in the server and module logs"
               if n else "0 panic or trap lines in the server and module logs")
    invariant_test(api, "fuzz_invariants")
    after = snapshot_control(api, ctrl)
    report("fuzz_untouched_rows_unchanged", before == after,
           "control player's character, items, buffs and player row identical" if before == after
           else "control rows changed: " + "; ".join(json_diff(json.loads(before), json.loads(after))[:10]))


# ---------------------------------------------------------------------------------------------
# authz


def scheduled_reducers(api):
    """reducer -> its timer table, from the schema's schedules (tables with a `schedule`)."""
    out = {}
    for t in api.schema()["tables"]:
        s = t.get("schedule")
        if isinstance(s, dict) and "some" in s:
            s = s["some"]
        if isinstance(s, dict) and s.get("reducer_name"):
            out[s["reducer_name"]] = t["name"]
    return out


# Public columns whose name says secret. A match fails `authz_secret_columns` unless listed in
# PUBLIC_BY_DESIGN with the rule its value must follow.
SECRET_COLUMN = re.compile(r"(^|_)(seed|secret|token|nonce|password|passwd|private|entropy|key_material|jwt)($|_)")
PUBLIC_BY_DESIGN = {
    ("combat_instance", "seed_commitment"): "a SHA-256 commitment, public from the start (docs/security.md)",
    ("combat_instance", "revealed_seed"): "none while the fight runs; published at its end",
    ("combat_instance", "seed_nonce"): "empty while the fight runs; published at its end",
}


def secret_column_violations(api, tok):
    """Public columns named like secrets (unless public by design), and revealed-at-the-end
    columns that hold a value while their fight still runs, read as a stranger would (`tok`)."""
    bad, checked = [], 0
    types = api.schema()["typespace"]["types"]
    for t in api.schema()["tables"]:
        if next(iter(t["table_access"])) != "Public":
            continue
        ty = types[t["product_type_ref"]]
        for e in ty.get("Product", {}).get("elements", []):
            col = e["name"].get("some", "")
            checked += 1
            if SECRET_COLUMN.search(col) and (t["name"], col) not in PUBLIC_BY_DESIGN:
                bad.append(f"public column {t['name']}.{col} is named like a secret")
    s, body = api.sql_raw("SELECT * FROM combat_instance", tok)
    if s != 200:
        bad.append(f"a stranger cannot read the public combat_instance: {s}")
    else:
        api_rows = []
        for res in json.loads(body):
            api_rows.extend(api.decode({"Product": res["schema"]}, r) for r in res["rows"])
        for f in api_rows:
            if f.get("status") == "Active" and (f.get("revealed_seed") is not None or f.get("seed_nonce")):
                bad.append(f"running fight {f['id']} shows its seed or nonce")
    return bad, checked


def foreign_resources(api, other, helper):
    """Resources of `other` (another player) the matrix passes as arguments: an item uid, a
    running fight and its combatant, a perk offer and a pending house-rule proposal."""
    res = {}
    theirs = other.ensure_character("Oth")
    cfg = api.sql("SELECT * FROM config")[0]
    sturdy = "orc" if cfg["ruleset"] == "lite" else "zombie"
    # An item: whatever the character carries, else one picked up where it stands.
    items = [i for i in api.sql("SELECT * FROM item_instance") if i["owner"] == other.identity]
    if not items:
        c = next(c for c in api.sql("SELECT * FROM character") if c["id"] == theirs)
        defs = [d["id"] for d in api.sql("SELECT * FROM item_def")]
        api.call("admin_spawn_world_item", [defs[0], 1, c["location_id"], c["x"], c["y"], 5.0, 600.0], api.admin)
        api.call("pick_up", [theirs], other.token)
        items = [i for i in api.sql("SELECT * FROM item_instance") if i["owner"] == other.identity]
    if items:
        res["item"] = items[0]["uid"]
    # A perk offer: XP for a level or two.
    api.call("admin_grant_xp", [theirs, 1000], api.admin)
    offers = [o for o in api.sql("SELECT * FROM perk_offer") if o["character_id"] == theirs]
    if offers:
        res["offer"] = offers[0]["id"]
    # A fight of a second character against a sturdy monster, a helper invited to its side, and a
    # proposal the helper must answer.
    s, t = api.call("create_character", [f"Oth2{random.randint(0, 10**6)}", class_ids(api)[0], SCORES, []], other.token)
    second = max(c["id"] for c in other.characters())
    loc = next(c["location_id"] for c in api.sql("SELECT * FROM character") if c["id"] == second)
    api.call("admin_spawn_monster", [sturdy, loc], api.admin)
    mons = [m["id"] for m in api.sql("SELECT * FROM monster_instance") if m["location_id"] == loc and m["combat_id"] == 0]
    if mons:
        api.call("start_combat", [second, [], [mons[-1]]], other.token)
    mine = [c for c in api.sql("SELECT * FROM combatant") if c["character_id"] == second and c["active"]]
    if mine:
        res["fight"], res["combatant"] = mine[0]["combat_id"], mine[0]["combatant_id"]
        h = helper.ensure_character("Hlp")
        api.call("invite_to_combat", [second, h], other.token)
        api.call("join_combat", [h, res["fight"], mine[0]["side"]], helper.token)
        stack = [{"id": "p", "name": "p", "version": 1, "layout": {"none": []},
                  "per_type": [{"target": "*", "modifiers": [{"kind": "hp_bonus", "amount": 1, "key": "", "list": []}]}],
                  "per_instance": [], "customs": []}]
        api.call("propose_profiles", [res["fight"], stack], other.token)
        props = [p for p in api.sql("SELECT * FROM profile_proposal")
                 if p["combat_id"] == res["fight"] and p["status"] == "Pending"]
        if props:
            res["proposal"] = props[0]["id"]
    return res


# Argument names that carry one of another player's resources, and which.
FOREIGN_PARAMS = {"item_uid": "item", "from_uid": "item", "into_uid": "item", "combat_id": "fight",
                  "target_combatant_id": "combatant", "offer_id": "offer", "proposal_id": "proposal"}


def cmd_authz(api, a):
    names = {r["name"]: r for r in reducers(api)}
    missing = sorted(set(names) - set(AUTH))
    stale = sorted(set(AUTH) - set(names))
    report("authz_matrix_complete", not missing and not stale,
           f"{len(names)} reducers, each in the catalogue" if not missing and not stale
           else f"no catalogue entry (docs/reducers.md) for {missing}; entries for unknown reducers {stale}")
    # Scheduled reducers come from the schema's schedules, not only from the catalogue: a timer
    # the catalogue calls public would be a reducer anyone can fire.
    sched = scheduled_reducers(api)
    cat_sched = {n for n, c in AUTH.items() if c == "scheduler"}
    ok = bool(sched) and set(sched) == cat_sched
    report("authz_schedules_from_schema", ok,
           f"{len(sched)} scheduled reducers in the schema, each a scheduler-only entry of the catalogue"
           if ok else f"schema schedules {sorted(sched)} vs catalogue scheduler entries {sorted(cat_sched)}")
    owner, other, helper = Player(api, "owner"), Player(api, "other"), Player(api, "helper")
    anon_id, anon_tok = api.new_identity()
    rng = random.Random(7)
    gen = Gen(api, rng)
    callers = [("owner", owner.token), ("other", other.token), ("anonymous", anon_tok), ("admin", api.admin)]
    # The matrix tests authorization, not the rate limit: a bigger burst while it runs.
    cfg0 = api.sql("SELECT * FROM config")[0]
    api.call("admin_set_config", ["rate_limit_burst", "100000"], api.admin)
    foreign = foreign_resources(api, other, helper)
    log(f"authz: another player's resources passed as arguments: {foreign}")
    wrong = []
    cells = foreign_cells = 0
    for name in sorted(names):
        cls = "scheduler" if name in sched else AUTH.get(name)
        if cls is None:
            continue
        red = names[name]
        declared = CATALOGUE.get(name, ("", set()))[1]
        for who, tok in callers:
            mine = owner.ensure_character("Own")
            theirs = other.ensure_character("Oth")
            gen.refresh([mine], [], [])
            gen.ids = [mine, theirs]
            args, used_foreign = [], False
            for k, e in enumerate(red["params"]["elements"]):
                pname = e["name"].get("some", "")
                ty = api.resolve(e["algebraic_type"])
                if k == 0 and cls == "owner":
                    args.append(mine)
                elif "U64" in ty and FOREIGN_PARAMS.get(pname) in foreign:
                    args.append(foreign[FOREIGN_PARAMS[pname]])
                    used_foreign = True
                elif "U64" in ty and pname.endswith("_id"):
                    args.append(theirs)
                elif pname == "decision" and used_foreign:
                    # A stranger's answer to another player's proposal: the rejection (it would
                    # end the proposal; an approval is also refused by the tally).
                    args.append({"Reject": []})
                elif "Product" in ty and ty["Product"]["elements"][:1] and \
                        ty["Product"]["elements"][0]["name"].get("some") == "__identity__":
                    args.append({"__identity__": "0x" + "%064x" % rng.getrandbits(256)})
                else:
                    # well-formed and harmless: no huge values for the allowed calls
                    for _ in range(20):
                        v = gen.value(e["algebraic_type"], pname, 1)
                        if len(json.dumps(v)) < 200:
                            break
                    args.append(v)
            s, t = api.call(name, args, tok)
            code = t.split(":", 1)[0] if s == 530 else None
            cells += 1
            if cls == "lifecycle":
                ok = s == 400 and "lifecycle" in t
                want = "refused by the host"
            elif cls == "scheduler":
                ok, want = code == "E_SCHEDULER_ONLY", "E_SCHEDULER_ONLY"
            elif cls == "admin" and who != "admin":
                ok, want = code == "E_NOT_ADMIN", "E_NOT_ADMIN"
            elif cls == "owner" and who in ("other", "anonymous"):
                ok, want = code == "E_NOT_OWNER", "E_NOT_OWNER"
            elif used_foreign and who in ("owner", "anonymous"):
                # Another player's item, fight, offer or proposal: refused, with a code the
                # catalogue lists for this reducer.
                foreign_cells += 1
                ok = s == 530 and code in declared and code != "E_RATE_LIMITED"
                want = "refused with a code docs/reducers.md lists for it (another player's resource)"
            else:
                ok = s == 200 or (s == 530 and ECODE.match(t) and code in declared and code not in DENY_CODES
                                  and code != "E_RATE_LIMITED")
                want = "allowed (committed, or a non-authorization code docs/reducers.md lists for it)"
            if not ok:
                wrong.append(f"{name}({json.dumps(args)[:80]}) as {who}: got {s} {t[:100]!r}, want {want}")
        # The admin's cell may have switched a system off (admin_set_feature_enabled with generated
        # arguments): every gate open again, so the next reducer's cells test its authorization,
        # not the gate that comes first.
        for g in api.sql("SELECT * FROM feature_gate"):
            if not g.get("enabled", True):
                api.call("admin_set_feature_enabled", [g["feature"], True], api.admin)
        # ...and the same for the rate limit (a generated admin_set_config may have changed it).
        api.call("admin_set_config", ["rate_limit_burst", "100000"], api.admin)
        api.call("admin_set_config", ["rate_limit_per_sec", str(cfg0.get("rate_limit_per_sec", 20))], api.admin)
    api.call("admin_set_config", ["rate_limit_burst", str(cfg0.get("rate_limit_burst", 60))], api.admin)
    api.call("admin_set_config", ["rate_limit_per_sec", str(cfg0.get("rate_limit_per_sec", 20))], api.admin)
    report("authz_matrix", not wrong and len(foreign) == 5,
           f"{cells} reducer x caller cells as expected, {foreign_cells} of them with another player's "
           f"{', '.join(sorted(foreign))} ids" if not wrong and len(foreign) == 5
           else (f"{len(wrong)} wrong: " + " | ".join(wrong[:10]) if wrong
                 else f"setup: only {sorted(foreign)} of item, offer, fight, combatant, proposal were made"))
    # Private tables: the owner (admin token) reads them; nobody else through SQL.
    priv = tables(api, "Private")
    leaks = []
    for t in priv:
        s, body = api.sql_raw(f"SELECT * FROM {t}", api.admin)
        if s != 200:
            leaks.append(f"owner cannot read {t}: {s}")
        for who, tok in callers[:3]:
            s, body = api.sql_raw(f"SELECT * FROM {t}", tok)
            if s == 200 and any(res.get("rows") for res in json.loads(body)):
                leaks.append(f"{who} read private {t} over SQL")
            elif s == 200:
                leaks.append(f"{who}: SQL on private {t} answered 200 (empty) instead of refusing")
    report("authz_private_tables_sql", not leaks, f"{len(priv)} private tables refused to non-owners"
           if not leaks else "; ".join(leaks[:8]))
    bad, checked = secret_column_violations(api, anon_tok)
    report("authz_secret_columns", not bad and checked > 0,
           f"{checked} columns of {len(tables(api, 'Public'))} public tables: none named like a secret but "
           f"{len(PUBLIC_BY_DESIGN)} public by design (commitment; seed and nonce empty while a fight runs)"
           if not bad and checked else "; ".join(bad[:8]) or "no public columns read")
    invariant_test(api, "authz_invariants")


# ---------------------------------------------------------------------------------------------
# crash: SIGKILL under agent load, restart on the same data dir


def read_pid(path):
    with open(path) as f:
        return int(f.read().strip())


def start_agents(a, n, duration=0):
    if not a.agents_bin:
        return None
    return subprocess.Popen([a.agents_bin, "--agents", str(n), "--duration", str(duration), "--url", a.url,
                             "--db", a.db], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def stop_proc(p):
    if p and p.poll() is None:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()


def quiet_location(api):
    """A location where no online player's character stands and no journey ends (see cmd_crash)."""
    online = {p["identity"] for p in api.sql("SELECT * FROM player") if p["online"]}
    here = {}
    for c in api.sql("SELECT * FROM character"):
        if c["owner"] in online:
            here[c["location_id"]] = here.get(c["location_id"], 0) + 1
    headed = {t["to"] for t in api.sql("SELECT * FROM travel_state")}
    ids = sorted(x["id"] for x in api.sql("SELECT * FROM location_def"))
    return min(ids, key=lambda x: (x in headed or here.get(x, 0) > 0, here.get(x, 0), x))


def hold_connection(api, token):
    """A bare websocket session for `token` (the module's client_connected runs; nothing is read):
    a human with an open connection gets timed turns instead of the AI acting for it."""
    import base64
    s = socket.create_connection((api.host, api.port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /v1/database/{api.db}/subscribe HTTP/1.1\r\nHost: {api.host}:{api.port}\r\n"
               f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v1.json.spacetimedb\r\n"
               f"Authorization: Bearer {token}\r\n\r\n").encode())
    head = s.recv(4096)
    if not head.startswith(b"HTTP/1.1 101"):
        raise RuntimeError(f"websocket upgrade refused: {head[:120]!r}")
    return s


def events_matching(api, pred):
    return [e for e in api.sql("SELECT * FROM world_event") if pred(e)]


def cmd_crash(api, a):
    rng = random.Random(a.seed)
    failures, worst_up, worst_fire = [], 0.0, 0.0
    log(f"crash: {a.kills} SIGKILLs under {a.agents} agents")
    defs = [b["id"] for b in api.sql("SELECT * FROM buff_def")]
    buff_def = "bless" if "bless" in defs else defs[0]
    # Human turns time out after 3 s, so a turn timer falls due while the server is down.
    cfg = api.sql("SELECT * FROM combat_config")[0]["modes"]
    cfg["relaxed_turn_secs"] = cfg["classic_turn_secs"] = 3
    modes = [v if not isinstance(v, dict) else list(v.values()) for v in cfg.values()]
    s, t = api.call("admin_set_combat_config", [modes], api.admin)
    if s != 200:
        failures.append(f"admin_set_combat_config: {s} {t[:120]}")
    # Consent proposals time out after 2 s, so one falls due while the server is down.
    has_profiles = any(r["name"] == "admin_set_profile_consent_timeout" for r in reducers(api))
    if has_profiles:
        s, t = api.call("admin_set_profile_consent_timeout", [2], api.admin)
        if s != 200:
            failures.append(f"admin_set_profile_consent_timeout: {s} {t[:120]}")
    down = 4.0
    for k in range(a.kills):
        agents = start_agents(a, a.agents)
        time.sleep(rng.uniform(1.0, 4.0))  # a random moment under load
        # Timers that fall due while the server is down: a 2 s buff, a 2 s ground item, a 3 s turn.
        p = Player(api, f"crash{k}")
        me = p.ensure_character("Crash")
        ws = hold_connection(api, p.token)
        loc = next(c["location_id"] for c in api.sql("SELECT * FROM character") if c["id"] == me)
        mons0 = {m["id"] for m in api.sql("SELECT * FROM monster_instance")}
        api.call("admin_spawn_monster", ["rat", loc], api.admin)
        rat = [m["id"] for m in api.sql("SELECT * FROM monster_instance") if m["id"] not in mons0]
        s0, t0_ = api.call("start_combat", [me, [], rat[:1]], p.token)
        s1, t1 = api.call("admin_apply_buff", [me, buff_def, 0, {"some": 2}], api.admin)
        items0 = {i["uid"] for i in api.sql("SELECT * FROM item_instance")}
        # The ground item goes where no running agent can take it before the kill: agents step to
        # ground items at their location and pick them up, and since joining another player's fight
        # needs an invitation they no longer spend this window fighting. Characters of players who
        # are offline (the load test's, whose agents stopped) take nothing, so only the online
        # players' characters and every journey's destination make a place busy; failing a free
        # one, the place with the fewest online characters.
        item_loc = quiet_location(api)
        s2, t2 = api.call("admin_spawn_world_item", ["dagger", 1, item_loc, 50.0, 50.0, 5.0, 2.0], api.admin)
        mine = [b for b in api.sql("SELECT * FROM active_buff") if b["target_id"] == me and not b["permanent"]]
        buffs = [b["id"] for b in mine]
        items = [i["uid"] for i in api.sql("SELECT * FROM item_instance") if i["uid"] not in items0]
        fight = next((f for f in api.sql("SELECT * FROM combat_instance")
                      if f["status"] == "Active" and f["turn_deadline_micros"] < I64_MAX
                      and any(c["combat_id"] == f["id"] and c["character_id"] == me
                              for c in api.sql("SELECT * FROM combatant"))), None)
        if s0 != 200 or s1 != 200 or s2 != 200 or not buffs or not items or fight is None:
            failures.append(f"kill {k}: timer setup failed: {t0_[:80]} / {t1[:80]} / {t2[:80]}")
        # A house-rules proposal between two players' characters (two human sides), pending when
        # the server dies: its consent timer must reject it once after the restart.
        proposal, held = None, []
        if has_profiles:
            pp, pq = Player(api, f"crashp{k}"), Player(api, f"crashq{k}")
            mine2, theirs2 = pp.ensure_character("Prop"), pq.ensure_character("Foe")
            # Connected players: their combatants are humans, not handed to the AI.
            held += [hold_connection(api, pp.token), hold_connection(api, pq.token)]
            # Another player's character is fought by consent: a challenge it accepts.
            s3, t3 = api.call("challenge", [mine2, theirs2], pp.token)
            chal = next((x["id"] for x in api.sql("SELECT * FROM pvp_challenge")
                         if x["challenger_id"] == mine2 and x["target_id"] == theirs2), None)
            if s3 == 200:
                s3, t3 = api.call("accept_challenge", [theirs2, chal or 0], pq.token)
            cid = next((c["combat_id"] for c in api.sql("SELECT * FROM combatant")
                        if c["character_id"] == mine2 and c["active"]), None)
            prof = {"id": "crash", "name": "crash", "version": 1, "layout": {"none": []},
                    "per_type": [{"target": "*", "modifiers": [{"kind": "attack_bonus", "amount": 1, "key": "", "list": []}]}],
                    "per_instance": [], "customs": []}
            s4, t4 = api.call("propose_profiles", [cid or 0, [prof]], pp.token)
            proposal = next((x for x in api.sql("SELECT * FROM profile_proposal") if x["combat_id"] == cid), None)
            if s3 != 200 or s4 != 200 or proposal is None:
                failures.append(f"kill {k}: consent setup failed: {t3[:80]} / {t4[:80]}")
        # SpacetimeDB 1.2 acknowledges a commit before it is on disk (the commitlog is flushed and
        # fsynced every 500 ms), so a SIGKILL may take the last ~500 ms with it. Let the setup reach
        # the disk first: this test is about the timers, not that window.
        time.sleep(0.7)
        # The item must still lie on the ground now, or this kill tests nothing about its timer.
        taken = [i for i in api.sql("SELECT * FROM item_instance") if i["uid"] in items and i["place"] != "Ground"]
        pid = read_pid(a.pid_file)
        os.kill(pid, signal.SIGKILL)
        killed_at = time.time()
        stop_proc(agents)
        ws.close()
        for h in held:
            h.close()
        time.sleep(max(0.0, down - (time.time() - killed_at)))
        t0 = time.time()
        if taken:
            failures.append(f"kill {k}: setup: the 2 s ground item was taken before the kill "
                            "(" + ", ".join(f"uid {i['uid']} -> character {i['character_id']}" for i in taken) + f" at {item_loc})")
        if any(not killed_at * 1e6 < x["expires_at_micros"] < t0 * 1e6 for x in mine):
            failures.append(f"kill {k}: the test buff did not fall due while the server was down")
        r = subprocess.run([a.restart_script, "0"], capture_output=True, text=True)
        if r.returncode != 0:
            failures.append(f"kill {k}: restart script failed: {r.stderr[-200:]}")
            break
        while time.time() - t0 < 15:
            try:
                api.sql("SELECT * FROM config")
                break
            except Exception:  # noqa: BLE001
                time.sleep(0.05)
        serving = time.time()
        up = serving - t0
        worst_up = max(worst_up, up)
        if up > 10:
            failures.append(f"kill {k}: serving again after {up:.1f} s (> 10 s)")
        # Timers due while down fire within 2 s of serving again, and exactly once in effect.
        deadline = serving + 2.0
        while True:
            live_b = {b["id"] for b in api.sql("SELECT * FROM active_buff")} & set(buffs)
            live_i = {i["uid"] for i in api.sql("SELECT * FROM item_instance")} & set(items)
            f_now = next((f for f in api.sql("SELECT * FROM combat_instance") if fight and f["id"] == fight["id"]), None)
            stuck = fight is not None and f_now is not None and f_now["status"] == "Active" \
                and f_now["turn_seq"] == fight["turn_seq"]
            me_online = [x for x in api.sql("SELECT * FROM player") if x["identity"] == p.identity and x["online"]]
            pending = proposal is not None and any(
                x["id"] == proposal["id"] and x["status"] != "TimedOut" for x in api.sql("SELECT * FROM profile_proposal"))
            if not live_b and not live_i and not stuck and not me_online and not pending:
                break
            if time.time() > deadline:
                failures.append(f"kill {k}: 2 s after serving again: buffs {sorted(live_b)}, items {sorted(live_i)}"
                                f"{', the timed-out turn' if stuck else ''}"
                                f"{', the consent proposal (not timed out)' if pending else ''} still there"
                                f"{'; its player still online though its connection died with the server' if me_online else ''}")
                break
            time.sleep(0.05)
        fired = time.time() - serving
        worst_fire = max(worst_fire, fired)
        evs = api.sql("SELECT * FROM world_event")
        for bid in buffs:
            n = sum(1 for e in evs if e["kind"] == "BuffExpired" and e["detail"].startswith(f"instance={bid};"))
            if n != 1:
                failures.append(f"kill {k}: buff {bid} expired {n} times (want exactly 1)")
        for uid in items:
            n = sum(1 for e in evs if e["kind"] == "ItemDespawned" and e["detail"].startswith(f"uid={uid};"))
            if n != 1:
                failures.append(f"kill {k}: item {uid} despawned {n} times (want exactly 1)")
        if proposal is not None:
            n = sum(1 for e in evs if e["kind"] == "HouseRules"
                    and f"action=timeout;proposal={proposal['id']}" in e["detail"])
            if n != 1:
                failures.append(f"kill {k}: proposal {proposal['id']} timed out {n} times (want exactly 1)")
        bad, stats = check_invariants(api)
        if bad:
            failures.append(f"kill {k}: invariants after restart: {'; '.join(bad[:4])}")
        log(f"crash {k + 1}/{a.kills}: down {t0 - killed_at:.1f} s, serving after {up:.1f} s, "
            f"overdue timers done {fired:.1f} s later (test item at {item_loc}); {stats}")
    report("crash_restart", not failures,
           f"{a.kills} SIGKILLs under load, serving again within {worst_up:.1f} s, timers due while down (buff, item, turn, consent) "
           f"fired within {worst_fire:.1f} s and once each, invariants held after each" if not failures
           else " | ".join(failures[:6]))


# ---------------------------------------------------------------------------------------------
# load: N agents for S seconds; latency, disconnects, error codes, server RSS


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def pct(xs, q):
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def cmd_probe(api, a):
    """Call `ping` over HTTP every 50 ms for `a.seconds`; one line per call: start (epoch s),
    round trip (ms), HTTP status (-1: no answer). Run by `load` as its own process."""
    tok = api.new_identity()[1]
    end = time.time() + a.seconds
    with open(a.out, "w") as f:
        while time.time() < end:
            t = time.time()
            try:
                st, _ = api.call("ping", [], tok)
            except OSError:
                st = -1
            f.write(f"{t:.6f}\t{(time.time() - t) * 1000:.3f}\t{st}\n")
            f.flush()
            time.sleep(0.05)


def cmd_load(api, a):
    stats = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"wk-load-{os.getpid()}.tsv")
    log(f"load: {a.agents} agents for {a.duration} s; samples in {stats}")
    # The agents are the load generator: on a shared 2-core box their one client process (50 SDK
    # caches) competes with the server for the CPU, and on a deployment clients run elsewhere.
    # They run at a lower priority (nice 10) so the server's own latency is what is judged.
    pause = ["--pause-ms", str(a.pause_ms)] if a.pause_ms is not None else []
    # Load players (wk-agents' load.rs): players acting at a fixed pace with narrow subscriptions,
    # the bulk of the soak's calls; each stays below the module's per-identity rate limit.
    env = dict(os.environ)
    if a.load_players:
        env.update(WK_LOAD_PLAYERS=str(a.load_players), WK_LOAD_RATE=str(a.load_rate), WK_ADMIN_TOKEN=a.admin_token or "")
        log(f"load: {a.load_players} load players at {a.load_rate:g} calls/s each ({a.load_players * a.load_rate:.0f} calls/s offered)")
    proc = subprocess.Popen(["nice", "-n", "10", a.agents_bin, "--agents", str(a.agents), "--duration", str(a.duration), "--url", a.url,
                             "--db", a.db, "--stats", stats] + pause, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True, env=env)
    pid = read_pid(a.pid_file)
    rss = []
    t0 = time.time()
    seen_bad, checks, next_check = [], 0, t0 + 10
    # An independent probe: a reducer call over HTTP every 50 ms, from its own process (`probe`
    # subcommand). It goes through the same database (reducers run one at a time) but neither
    # through the agents' process, whose 50 SDK caches apply every row update on a shared 2-core
    # box, nor through this one, whose invariant checks decode whole tables while holding
    # Python's GIL (a probe thread here measured that decoding, up to 130 ms, as server latency).
    probe_file = stats + ".probe"
    prober = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--url", a.url, "--db", a.db,
                               "--admin-token", a.admin_token, "probe", "--out", probe_file,
                               "--seconds", str(a.duration + 5)], start_new_session=True)
    # The invariant checks below read whole tables by SQL; a read transaction holds the database,
    # so a reducer call that waits behind one measures the checker, not the load. Their windows
    # are recorded and probes overlapping one are left out of the judgement (and counted).
    checking = []
    while proc.poll() is None:
        v = rss_kb(pid)
        if v:
            rss.append((time.time() - t0, v))
        if time.time() >= next_check:  # the invariants hold while the load runs, not only after it
            c0 = time.time()
            bad, _ = check_invariants(api)
            checking.append((c0 - t0, time.time() - t0))
            if LAST_SIZES:
                record("sizes", at=round(c0 - t0), sizes=dict(LAST_SIZES))
            checks += 1
            seen_bad += [f"at {time.time() - t0:.0f} s: {b}" for b in bad[:3]]
            next_check = time.time() + 10
        time.sleep(1)
        if time.time() - t0 > a.duration + 120:
            stop_proc(proc)
            break
    stop_proc(prober)
    probe = []
    try:
        with open(probe_file) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 3:  # the last line may be cut short by the stop
                    probe.append((float(parts[0]) - t0, float(parts[1]), int(parts[2])))
        if not os.environ.get("WK_KEEP_PROBE"):  # set it to keep the samples for a look at the spikes
            os.unlink(probe_file)
    except (OSError, ValueError) as e:
        log(f"load: probe file {probe_file}: {e}")
    def overlaps(t, ms):
        return any(c0 - 0.05 <= t + ms / 1000 and t <= c1 + 0.05 for c0, c1 in checking)
    held = sum(1 for t, ms, _ in probe if overlaps(t, ms))
    probe = [p for p in probe if not overlaps(p[0], p[1])]
    out = proc.stdout.read() if proc.stdout else ""
    summary = [ln for ln in out.splitlines() if ln.startswith("wk-agents:")]
    for ln in summary:
        log(ln)
    samples = []
    try:
        with open(stats) as f:
            for line in f:
                t, ms, code = line.rstrip("\n").split("\t")
                samples.append((float(t), float(ms), code))
        os.unlink(stats)
    except (OSError, ValueError) as e:
        report("load_ran", False, f"no latency samples from wk-agents --stats: {e}; output: {out[-400:]}")
        return
    disc = re.search(r"disconnected by the server: (\d+)", out)
    ndisc = int(disc.group(1)) if disc else -1
    # Warm-up: the agents connect 150 ms apart and subscribe; the first window starts after it.
    warm = min(a.duration / 6, 10 + 0.15 * a.agents + 0.03 * a.load_players)
    window = min(60.0, (a.duration - warm) / 2.5)
    first = [ms for t, ms, _ in samples if warm <= t <= warm + window]
    last = [ms for t, ms, _ in samples if t >= a.duration - window]
    p1, p2 = pct(first, 0.99), pct(last, 0.99)
    pf = [ms for t, ms, st in probe if warm <= t <= warm + window]
    pl = [ms for t, ms, st in probe if t >= a.duration - window]
    log(f"load: HTTP probe (ping reducer) p99 {pct(pf, 0.99):.1f} ms -> {pct(pl, 0.99):.1f} ms, "
        f"p50 {pct(pf, 0.5):.1f} -> {pct(pl, 0.5):.1f} ms; {sum(1 for p in probe if p[2] != 200)} failed probes; "
        f"{held} probes overlapped one of the {len(checking)} invariant checks "
        f"({sum(c1 - c0 for c0, c1 in checking):.1f} s in all) and are left out")
    # The server's latency is the probe's: one HTTP call every 50 ms from its own process. The
    # agents' own round trips also carry their client process (50 connections on a shared 2-core box,
    # each applying every update of a world that grows during the run), which slows down with the
    # world whatever the server does: they are reported, not judged. A small absolute floor keeps a
    # 2 ms -> 4 ms jitter on an idle box from failing the ratio.
    q1, q2 = pct(pf, 0.99), pct(pl, 0.99)
    lat_ok = q2 <= max(1.5 * q1, q1 + 10.0)
    unexpected = {}
    for _, _, code in samples:
        # E_RATE_LIMITED: the load is designed to stay under the per-identity limit, so a call it
        # turned away is a fault of the test (or of the limiter), not an expected rejection.
        if code != "ok" and not re.match(r"^E_[A-Z0-9_]+$", code) or code in ("E_CLIENT", "E_RATE_LIMITED"):
            unexpected[code] = unexpected.get(code, 0) + 1
    # Load: calls/s after the warm-up (every answered call: ok or an E_ rejection), beside the
    # capacity the bench measured when given (--capacity) and judged against --share of it.
    span = max(1e-9, a.duration - warm)
    steady = [code for t, _, code in samples if t >= warm]
    rate = len(steady) / span
    ok_rate = sum(1 for c in steady if c == "ok") / span
    log(f"load: {rate:.0f} calls/s after the warm-up ({ok_rate:.0f} ok/s, {len(steady)} calls in {span:.0f} s) from "
        f"{a.agents} agents" + (f", pause {a.pause_ms} ms" if a.pause_ms is not None else "")
        + (f", and {a.load_players} load players at {a.load_rate:g} calls/s each" if a.load_players else "")
        + (f"; capacity {a.capacity:.0f} calls/s ({a.capacity_source}), {rate / a.capacity * 100:.0f} % of it"
           if a.capacity else ""))
    if a.capacity:
        want = a.share * a.capacity
        report("load_share_of_capacity", rate >= want,
               f"{rate:.0f} calls/s ({ok_rate:.0f} ok/s) = {rate / a.capacity * 100:.0f} % of the capacity "
               f"{a.capacity:.0f} calls/s ({a.capacity_source}); target >= {a.share * 100:.0f} % ({want:.0f} calls/s)")
    report("load_no_unexpected_errors", not unexpected and len(samples) > 0,
           f"{len(samples)} calls, every rejection an E_ code" if not unexpected and samples
           else f"unexpected outcomes {unexpected} of {len(samples)} calls")
    report("load_no_server_disconnects", ndisc == 0, "0 clients disconnected by the server" if ndisc == 0
           else f"disconnected by the server: {ndisc} (-1: wk-agents did not report)")
    # The load's calls/s in the same two windows, beside the latencies they were measured under.
    r1, r2 = len(first) / max(window, 1e-9), len(last) / max(window, 1e-9)
    report("load_p99_latency_stable", lat_ok and len(pf) > 20 and len(pl) > 20,
           f"server (HTTP probe) p99 {warm:.0f}-{warm + window:.0f} s {q1:.1f} ms ({len(pf)} calls), of the last "
           f"{window:.0f} s {q2:.1f} ms ({len(pl)}), under {r1:.0f} and {r2:.0f} calls/s of load; the load's own round "
           f"trips p99 {p1:.1f} -> {p2:.1f} ms, p50 {pct(first, 0.5):.1f} -> {pct(last, 0.5):.1f} ms ({len(first)} / {len(last)} calls)")
    warm = [v for t, v in rss if t >= a.duration * 0.25]
    if len(warm) < 4:
        report("load_memory_flat", False, f"only {len(warm)} RSS samples of pid {pid}")
        return
    q = max(1, len(warm) // 4)
    early, late = sorted(warm[:q])[q // 2], sorted(warm[-q:])[q // 2]
    mem_ok = late <= early * 1.2 + 32 * 1024
    report("load_memory_flat", mem_ok, f"server RSS after warm-up {early / 1024:.0f} MB -> {late / 1024:.0f} MB "
           f"(max {max(v for _, v in rss) / 1024:.0f} MB; allowed +20 % + 32 MB)")
    report("load_invariants_during", not seen_bad, f"{checks} checks while the agents played (table sizes within "
           "their bounds at each)" if not seen_bad else "; ".join(seen_bad[:6]))
    invariant_test(api, "load_invariants")
    if LAST_SIZES:
        record("sizes", at=round(time.time() - t0), sizes=dict(LAST_SIZES))


# ---------------------------------------------------------------------------------------------


# Options whose values are secrets or throwaway paths/names: left out of the page's headings.
UNSHOWN = {"--url", "--db", "--admin-token", "--server-log", "--pid-file", "--restart-script", "--agents-bin", "--seed",
           "--capacity-source", "--out"}


def page_cmd(argv):
    out, skip = [], False
    for x in argv:
        if skip:
            skip = False
        elif x in UNSHOWN:
            skip = True
        elif not x.split("=")[0] in UNSHOWN:
            out.append(x)
    return " ".join(out)


def write_page(a):
    """The results page of one run from its record file: every test as PASS or MISS with the figures
    it printed, then every other figure the run logged, under the commit, machine and load."""
    import datetime
    import platform

    runs = []  # [(cmd, start, end, [records])] in the order they ran
    try:
        with open(a.record, encoding="utf-8") as f:
            recs = [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError) as e:
        raise SystemExit(f"page: cannot read {a.record}: {e} (run the suite with WK_REL_RECORD={a.record})")
    # One section per process (a command may start helpers, such as the load's probe, that record
    # in between), in the order they started; helpers that printed nothing are left out.
    by_proc = {}
    for r in recs:
        key = (r.get("pid"), r["cmd"])
        if key not in by_proc:
            by_proc[key] = [r["cmd"], r["t"], r["t"], []]
            runs.append(by_proc[key])
        run = by_proc[key]
        run[2] = r["t"]
        if r["kind"] in ("test", "figure", "sizes"):
            run[3].append(r)
    runs = [run for run in runs if run[3]]

    def sh(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"

    # The run's date is its first record's; the commit and load are read when the page is written
    # (the scripts write it right after the run).
    first = min((r["t"] for r in recs), default=time.time())
    when = datetime.datetime.fromtimestamp(first, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    dirty = sh("git", "status", "--porcelain", "--untracked-files=no") not in ("", "unknown")
    commit = sh("git", "rev-parse", "--short", "HEAD") + ("+changes" if dirty else "")
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    tests = [r for run in runs for r in run[3] if r["kind"] == "test"]
    npass = sum(1 for r in tests if r["ok"])

    def cell(t):
        return t.replace("|", "\\|").replace("\n", " ")

    md = [f"# {a.title}", "",
          f"Written by `scripts/reliability.py page` from the record of one run (do not edit by hand; what the",
          "tests check: [reliability.md](reliability.md)). A test that failed reads MISS.", "",
          f"Run: {when} UTC on commit `{commit}`, "
          f"{platform.machine()}, {os.cpu_count()} cores, load average {load} (1 / 5 / 15 min) when the page was written, "
          "SpacetimeDB 1.2.0 standalone, server and clients on the same machine." + (f" {a.run}" if a.run else ""), "",
          f"**{npass} of {len(tests)} targets met.**", ""]
    for cmd, t0, t1, rs in runs:
        md += [f"## `reliability.py {cell(cmd)}` ({t1 - t0:.0f} s)", "", "| test | result | measured |", "|---|---|---|"]
        md += [f"| `{r['name']}` | {'PASS' if r['ok'] else 'MISS'} | {cell(r['detail'])} |" for r in rs if r["kind"] == "test"]
        figs = [r["text"] for r in rs if r["kind"] == "figure"]
        if figs:
            md += ["", "Figures printed during the run:", ""] + [f"- {cell(x)}" for x in figs]
        sizes = [r for r in rs if r["kind"] == "sizes"]
        if sizes:
            # The tables that grow with play, by the seconds into the run the checker read them.
            grown = [t for t in SIZE_COLUMNS if any(r["sizes"].get(t) for r in sizes)]
            md += ["", "Table rows while the load ran (read by each invariant check; bounds: "
                   "[reliability.md](reliability.md#bounded-storage)):", "",
                   "| s | " + " | ".join(f"`{t}`" for t in grown) + " |",
                   "|---|" + "---|" * len(grown)]
            md += [f"| {r['at']} | " + " | ".join(str(r["sizes"].get(t, 0)) for t in grown) + " |" for r in sizes]
        md.append("")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("\n".join(md))
    print(f"[reliability] wrote {a.out}: {npass} of {len(tests)} targets met", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default=os.environ.get("WK_URL", "http://127.0.0.1:3000"))
    ap.add_argument("--db", default=os.environ.get("WK_DB", "world-kernel"))
    ap.add_argument("--admin-token", default=os.environ.get("WK_ADMIN_TOKEN"))
    ap.add_argument("--server-log", default=os.environ.get("WK_SERVER_LOG"))
    ap.add_argument("--seed", type=int, default=int(os.environ.get("WK_SEED", random.randrange(1 << 30))))
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("invariants")
    sub.add_parser("private-tables")
    f = sub.add_parser("fuzz")
    f.add_argument("--calls", type=int, default=10_000)
    f.add_argument("--seconds", type=float, default=180)
    sub.add_parser("authz")
    c = sub.add_parser("crash")
    c.add_argument("--kills", type=int, default=3)
    c.add_argument("--restart-script", default=os.environ.get("WK_RESTART_SCRIPT"))
    c.add_argument("--pid-file", required=True)
    c.add_argument("--agents-bin")
    c.add_argument("--agents", type=int, default=5)
    ld = sub.add_parser("load")
    ld.add_argument("--agents", type=int, default=50)
    ld.add_argument("--duration", type=int, default=60)
    ld.add_argument("--agents-bin", required=True)
    ld.add_argument("--pid-file", required=True)
    ld.add_argument("--pause-ms", type=int, default=None, help="wk-agents' pause between steps (default: its own)")
    ld.add_argument("--capacity", type=float, default=0.0, help="calls/s the bench measured; judged when > 0")
    ld.add_argument("--capacity-source", default="given", help="where --capacity came from (for the report)")
    ld.add_argument("--share", type=float, default=0.5, help="the share of --capacity the load must reach")
    ld.add_argument("--load-players", type=int, default=0, help="load players beside the agents (wk-agents WK_LOAD_PLAYERS)")
    ld.add_argument("--load-rate", type=float, default=10.0, help="each load player's calls/s (WK_LOAD_RATE)")
    pg = sub.add_parser("page")
    pg.add_argument("--record", required=True, help="the WK_REL_RECORD file of the run")
    pg.add_argument("--out", required=True, help="the Markdown page to write")
    pg.add_argument("--title", default="Reliability results")
    pg.add_argument("--run", default="", help="what ran (script, versions, ruleset), one line")
    pr = sub.add_parser("probe")
    pr.add_argument("--out", required=True)
    pr.add_argument("--seconds", type=float, default=60)
    a = ap.parse_args()
    if a.cmd == "page":
        write_page(a)
        return
    RECORD["cmd"] = page_cmd(sys.argv[1:])
    record("start")
    if not a.admin_token and a.cmd != "private-tables":
        raise SystemExit("--admin-token / WK_ADMIN_TOKEN is required (the database owner reads private tables)")
    api = Api(a.url, a.db, a.admin_token)
    if a.cmd == "private-tables":
        print(",".join(tables(api, "Private")))
        return
    if a.cmd == "invariants":
        invariant_test(api, "invariants")
    elif a.cmd == "fuzz":
        cmd_fuzz(api, a)
    elif a.cmd == "authz":
        cmd_authz(api, a)
    elif a.cmd == "crash":
        if not a.restart_script:
            raise SystemExit("crash needs --restart-script or WK_RESTART_SCRIPT")
        cmd_crash(api, a)
    elif a.cmd == "load":
        cmd_load(api, a)
    elif a.cmd == "probe":
        cmd_probe(api, a)
        return
    print(f"reliability {a.cmd}: {results['passed']} passed, {results['failed']} failed", flush=True)
    record("end", passed=results["passed"], failed=results["failed"])
    sys.exit(0 if results["failed"] == 0 else 1)


if __name__ == "__main__":
    main()
