//! The world side of the MCP server: the player's SDK connection (held for the whole run, so the
//! player's characters stay under its control between tool calls), an optional admin connection,
//! reducer calls by name, and the compact views the observation tools and resources return.

use crate::schema::{row, Schema};
use serde_json::{json, Value};
use spacetimedb_sdk::{DbContext, Identity, Table};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wk_client::module_bindings::*;

pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// One identity's connection, subscribed to every public table.
pub struct Session {
    pub conn: DbConnection,
    pub identity: Identity,
    outcomes: wk_client::Outcomes,
    /// One call at a time per identity: outcomes are matched to calls in order.
    lock: Mutex<()>,
}

impl Session {
    pub fn open(url: &str, db: &str, token: Option<String>) -> Result<(Session, String), String> {
        let mut outcomes = None;
        let c = wk_client::connect(
            url,
            db,
            token,
            CONNECT_TIMEOUT,
            |b| b,
            |conn| {
                outcomes = Some(wk_client::Outcomes::listen(conn));
            },
        )?;
        wk_client::subscribe(&c.conn, None, CONNECT_TIMEOUT)?;
        let outcomes = outcomes.ok_or("outcome listener not registered")?;
        Ok((Session { conn: c.conn, identity: c.identity, outcomes, lock: Mutex::new(()) }, c.token))
    }

    /// Open as the player whose token is in `file`; a new player (token written to `file`) when
    /// the file does not exist yet.
    pub fn open_with_token_file(url: &str, db: &str, file: &Path) -> Result<Session, String> {
        let token = std::fs::read_to_string(file).ok().map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        let had = token.is_some();
        let (s, token) = Session::open(url, db, token).map_err(|e| {
            if had {
                format!(
                    "{e} (the token in {} may belong to another server: move the file away to start as a new player)",
                    file.display()
                )
            } else {
                e
            }
        })?;
        if !had {
            if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
            }
            std::fs::write(file, &token).map_err(|e| format!("write token file {}: {e}", file.display()))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600));
            }
        }
        Ok(s)
    }

    /// Call `reducer` with SATS-JSON arguments and wait for its outcome.
    pub fn call(&self, reducer: &str, args: &[Value]) -> Result<wk_client::Outcome, String> {
        let _g = self.lock.lock().map_err(|_| "poisoned")?;
        match wk_client::call_json(&self.conn.reducers, reducer, args) {
            None => return Err(format!("the client bindings have no reducer `{reducer}` (regenerate them)")),
            Some(Err(e)) => return Err(e),
            Some(Ok(())) => {}
        }
        self.outcomes
            .wait(reducer, CALL_TIMEOUT)
            .ok_or_else(|| format!("no result for `{reducer}` within {CALL_TIMEOUT:?}"))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.conn.disconnect();
    }
}

pub struct World {
    pub player: Session,
    pub admin: Option<Session>,
    pub schema: Schema,
}

fn now_micros() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

fn secs_left(at_micros: i64) -> f64 {
    ((at_micros - now_micros()).max(0) as f64 / 1e6 * 10.0).round() / 10.0
}

impl World {
    fn db(&self) -> &RemoteTables {
        &self.player.conn.db
    }

    /// A character's `effective_stat` lines in `Stat::ALL` order (their ids follow it).
    fn stat_lines(&self, id: u64) -> Vec<EffectiveStat> {
        let mut lines: Vec<_> = self.db().effective_stat().iter().filter(|l| l.character_id == id).collect();
        lines.sort_by_key(|l| l.id);
        lines
    }

    pub fn my_character_ids(&self) -> BTreeSet<u64> {
        self.db().character().iter().filter(|c| c.owner == self.player.identity).map(|c| c.id).collect()
    }

    pub fn my_characters(&self) -> Value {
        let list: Vec<Value> = self
            .db()
            .character()
            .iter()
            .filter(|c| c.owner == self.player.identity)
            .map(|c| {
                json!({"id": c.id, "name": c.name, "class": c.sheet.class_id, "level": c.sheet.level,
                       "hp": c.sheet.vitals.hp, "max_hp": c.sheet.vitals.max_hp, "location": c.location_id,
                       "dead": c.sheet.vitals.dead})
            })
            .collect();
        json!({"you": self.player.identity.to_hex().to_string(), "characters": list})
    }

    /// The fight character `id` is in now (an active one), with its combatant id.
    fn active_fight(&self, id: u64) -> Option<(CombatInstance, CombatantRow)> {
        let db = self.db();
        let mut rows: Vec<CombatantRow> = db.combatant().iter().filter(|r| r.character_id == id).collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.combat_id));
        rows.into_iter().find_map(|r| {
            let f = db.combat_instance().id().find(&r.combat_id)?;
            (f.status == FightStatus::Active).then_some((f, r))
        })
    }

    /// `observe(character)`: where it stands, who and what is near, its stats with their sources,
    /// buffs with time left, loadout and stash, and the fight it is in.
    pub fn observe(&self, id: u64) -> Result<Value, String> {
        let db = self.db();
        let c = db
            .character()
            .id()
            .find(&id)
            .ok_or_else(|| format!("E_UNKNOWN_CHARACTER: no character {id}; call my_characters for yours"))?;
        let loc = db.location_def().id().find(&c.location_id);
        let here = &c.location_id;
        let characters: Vec<Value> = db
            .character()
            .iter()
            .filter(|o| &o.location_id == here && o.id != id)
            .take(20)
            .map(|o| {
                json!({"id": o.id, "name": o.name, "is_ai": o.is_ai, "yours": o.owner == self.player.identity,
                             "hp": o.sheet.vitals.hp, "max_hp": o.sheet.vitals.max_hp, "dead": o.sheet.vitals.dead})
            })
            .collect();
        let monsters: Vec<Value> = db
            .monster_instance()
            .iter()
            .filter(|m| &m.location_id == here && m.hp > 0)
            .take(20)
            .map(|m| {
                json!({"monster_id": m.id, "name": m.name, "kind": m.def_id, "hp": m.hp, "max_hp": m.max_hp,
                             "in_fight": m.combat_id != 0})
            })
            .collect();
        let item_name = |def: &str| db.item_def().id().find(&def.to_string()).map(|d| d.def.name).unwrap_or_default();
        let ground: Vec<Value> = db
            .item_instance()
            .iter()
            .filter(|i| i.place == PlaceKind::Ground && &i.location_id == here)
            .take(20)
            .map(|i| {
                json!({"item_uid": i.uid, "item": i.def_id, "name": item_name(&i.def_id), "quantity": i.quantity,
                             "x": i.x, "y": i.y})
            })
            .collect();
        let mine: Vec<ItemInstanceRow> = db.item_instance().iter().filter(|i| i.character_id == id).collect();
        let item = |i: &ItemInstanceRow| {
            json!({"item_uid": i.uid, "item": i.def_id, "name": item_name(&i.def_id), "quantity": i.quantity,
                   "slot": i.slot.as_ref().map(|s| format!("{s:?}"))})
        };
        let loadout: Vec<Value> = mine.iter().filter(|i| i.place == PlaceKind::Loadout).map(item).collect();
        let run_stash: Vec<Value> = mine.iter().filter(|i| i.place == PlaceKind::RunStash).map(item).collect();
        let master: Vec<Value> = db
            .item_instance()
            .iter()
            .filter(|i| i.place == PlaceKind::MasterStash && i.owner == c.owner)
            .take(30)
            .map(|i| item(&i))
            .collect();
        let buffs: Vec<Value> = db
            .active_buff()
            .iter()
            .filter(|b| b.target_id == id)
            .map(|b| {
                json!({"buff_instance_id": b.id, "buff": b.buff_id, "stacks": b.stacks, "strength": b.strength,
                       "source_character_id": b.source_id,
                       "seconds_left": if b.permanent { Value::Null } else { json!(secs_left(b.expires_at_micros)) },
                       "permanent": b.permanent})
            })
            .collect();
        let lines: Vec<Value> = self
            .stat_lines(id)
            .iter()
            .map(|l| {
                let sources: Vec<Value> = l.contributions.iter().map(row).collect();
                json!({"stat": format!("{:?}", l.stat), "base": l.base, "value": l.value, "sources": sources,
                       "explain": l.explain})
            })
            .collect();
        let stats = db.effective_stats().character_id().find(&id).map(|s| {
            json!({"lines": lines, "flags": s.flags.iter().map(|f| format!("{f:?}")).collect::<Vec<_>>(),
                   "resistances": row(&s.resistances), "immunities": row(&s.immunities)})
        });
        let travel = db
            .travel_state()
            .character_id()
            .find(&id)
            .map(|t| json!({"from": t.from, "to": t.to, "arrives_in_secs": secs_left(t.arrives_at_micros)}));
        let rest = db.rest_state().character_id().find(&id).map(|r| row(&r));
        let stash_cp = db.master_stash().owner().find(&c.owner).map(|m| m.currency_cp);
        let v = &c.sheet.vitals;
        Ok(json!({
            "character": {"id": c.id, "name": c.name, "class": c.sheet.class_id, "level": c.sheet.level, "xp": c.sheet.xp,
                           "hp": v.hp, "max_hp": v.max_hp, "temp_hp": v.temp_hp, "dead": v.dead, "stable": v.stable,
                           "is_ai": c.is_ai, "yours": c.owner == self.player.identity,
                           "x": c.x, "y": c.y},
            "location": loc.map(|l| json!({"id": l.id, "name": l.name, "safe": l.safe, "description": l.description,
                                            "neighbours": l.neighbours.iter().map(|e| json!({"to": e.to, "travel_secs": e.travel_secs})).collect::<Vec<_>>()})),
            "travelling": travel,
            "resting": rest,
            "near": {"characters": characters, "monsters": monsters, "items_on_ground": ground},
            "effective_stats": stats,
            "buffs": buffs,
            "loadout": loadout,
            "run_stash": run_stash,
            "master_stash": {"items": master, "currency_cp": stash_cp},
            "fight": self.fight_view(id),
        }))
    }

    fn fight_view(&self, id: u64) -> Value {
        let Some((f, me)) = self.active_fight(id) else {
            return Value::Null;
        };
        let db = self.db();
        let rows: Vec<CombatantRow> = db.combatant().iter().filter(|r| r.combat_id == f.id).collect();
        let dist = |r: &CombatantRow| (((r.x - me.x).powi(2) + (r.y - me.y).powi(2)).sqrt() * 10.0).round() / 10.0;
        let combatants: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({"combatant_id": r.combatant_id, "name": r.name, "side": r.side, "hp": r.hp, "max_hp": r.max_hp,
                       "ac": r.ac, "x": r.x, "y": r.y, "distance_ft": dist(r), "down": r.down, "dead": r.dead,
                       "fled": r.fled, "is_you": r.combatant_id == me.combatant_id,
                       "enemy": r.side != me.side})
            })
            .collect();
        let current = f.current_combatant;
        let whose = current.and_then(|c| rows.iter().find(|r| r.combatant_id == c)).map(|r| r.name.clone());
        let my_turn = current == Some(me.combatant_id);
        let mut may = Vec::new();
        if my_turn {
            // The turn economy is public on the combatant row.
            let left = me.movement_left_ft;
            if !me.action_used {
                may.push(json!({"tool": "attack", "args": {"character_id": id, "target_combatant_id": "an enemy's combatant_id", "attack_index": 0},
                                "note": "melee reach is 5 ft: move next to the target first"}));
                may.push(json!({"tool": "dodge", "args": {"character_id": id}}));
                may.push(json!({"tool": "dash", "args": {"character_id": id}}));
            }
            if left > 0.0 {
                may.push(json!({"tool": "move_in_combat", "args": {"character_id": id, "x": "feet", "y": "feet"},
                                "note": format!("{left} ft of movement left this turn")}));
            }
            may.push(json!({"tool": "flee", "args": {"character_id": id}}));
            may.push(json!({"tool": "end_turn", "args": {"character_id": id}}));
        }
        json!({
            "combat_id": f.id, "mode": format!("{:?}", f.mode), "round": f.round,
            "your_combatant_id": me.combatant_id,
            "whose_turn": whose, "your_turn": my_turn,
            "turn_ends_in_secs": if f.turn_deadline_micros > 0 { json!(secs_left(f.turn_deadline_micros)) } else { Value::Null },
            "combatants": combatants,
            "you_may_now": if my_turn { json!(may) } else { json!("not your turn: observe again (the others act on their own)") },
        })
    }

    /// World events after `cursor` that concern the player's characters (or `character` only).
    pub fn events_since(&self, cursor: u64, character: Option<u64>, limit: usize) -> Value {
        let mine = match character {
            Some(c) => BTreeSet::from([c]),
            None => self.my_character_ids(),
        };
        let me = self.player.identity;
        let mut evs: Vec<WorldEvent> = self
            .db()
            .world_event()
            .iter()
            .filter(|e| {
                e.id > cursor
                    && (e.actors.iter().any(|a| mine.contains(a)) || (character.is_none() && e.caused_by == me))
            })
            .collect();
        evs.sort_by_key(|e| e.id);
        let more = evs.len() > limit;
        evs.truncate(limit);
        let next = evs.last().map(|e| e.id).unwrap_or(cursor);
        let list: Vec<Value> = evs
            .iter()
            .map(|e| {
                json!({"id": e.id, "kind": format!("{:?}", e.kind), "text": e.text, "actors": e.actors,
                            "detail": e.detail, "at_micros": e.at_micros})
            })
            .collect();
        json!({"events": list, "next_cursor": next, "more": more})
    }

    pub fn sheet(&self, id: u64) -> Option<Value> {
        let db = self.db();
        let c = db.character().id().find(&id)?;
        let lines: Vec<Value> = self.stat_lines(id).iter().map(row).collect();
        Some(json!({
            "character": row(&c),
            "effective_stats": db.effective_stats().character_id().find(&id).map(|s| row(&s)),
            "effective_stat": lines,
            "derived": db.character_stats().character_id().find(&id).map(|s| row(&s.derived)),
        }))
    }

    pub fn locations(&self) -> Value {
        let mut locs: Vec<Value> = self
            .db()
            .location_def()
            .iter()
            .map(|l| json!({"id": l.id, "name": l.name, "safe": l.safe,
                             "neighbours": l.neighbours.iter().map(|e| json!({"to": e.to, "travel_secs": e.travel_secs})).collect::<Vec<_>>()}))
            .collect();
        locs.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        json!({"locations": locs})
    }
}
