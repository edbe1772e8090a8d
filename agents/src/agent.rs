//! One agent: a character and a small goal-driven policy over the public tables, acting only
//! through reducers. Each step picks the first goal that applies:
//! 1. no living character -> create one;  unconscious (0 HP), on the road or resting -> wait;
//! 2. in a fight -> on its turn (or any time in action queues): heal from the belt when hurt, close
//!    in, attack, end the turn;
//! 3. hurt -> drink from the belt; else long rest at a safe place; else travel towards one;
//! 4. no run -> begin one (so pickups are the active stash);
//! 5. better gear in the stash -> equip it (weapon by average damage, armour by AC, belt potions);
//! 6. another player's character here -> join its fight (when it invited us: fighters invite the
//!    other players' characters at their location once per fight), contest it (deception / persuasion vs
//!    insight), or give it a spare item;
//! 7. an item on the ground -> step to it and pick it up;
//! 8. a monster here -> start a fight;
//! 9. otherwise travel to a random neighbour (after lingering a few steps).
//!
//! Rejections: the `E_` code decides. Turn/timing codes (`E_NOT_YOUR_TURN`, `E_TRAVELING`...) mean
//! wait; anything else puts that exact action on a cool-down so the next step chooses another one.
//! A call is never repeated blindly and an error never ends the agent.

use crate::conn::{code, Conn};
use crate::module_bindings::*;
use spacetimedb_sdk::{Identity, Table};
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub struct Agent {
    pub name: String,
    pub c: std::rc::Rc<Conn>,
    pub verbose: bool,
    generation: u32,
    avoid: HashMap<String, Instant>,
    rng: u64,
    idle_steps: u32,
    pub actions: u64,
    pub rejections: u64,
}

struct Me {
    id: u64,
    loc: String,
    x: f64,
    y: f64,
    hp: i32,
    max_hp: i32,
    dead: bool,
}

const NAMES: [&str; 8] = ["Ayla", "Bren", "Cato", "Dara", "Esk", "Fenn", "Gala", "Hale"];

impl Agent {
    pub fn new(idx: usize, c: Conn, verbose: bool) -> Agent {
        let seed = (idx as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(7);
        Agent {
            name: format!("{}-{}", NAMES[idx % NAMES.len()], idx),
            c: std::rc::Rc::new(c),
            verbose,
            generation: 0,
            avoid: HashMap::new(),
            rng: seed | 1,
            idle_steps: 0,
            actions: 0,
            rejections: 0,
        }
    }

    fn rand(&mut self, n: u64) -> u64 {
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }

    fn avoided(&self, key: &str) -> bool {
        self.avoid.get(key).is_some_and(|t| Instant::now() < *t)
    }

    fn cool(&mut self, key: &str, secs: u64) {
        self.avoid.insert(key.to_string(), Instant::now() + Duration::from_secs(secs));
    }

    /// Do one call; log the decision; on rejection cool the action down by its code.
    fn act(
        &mut self,
        key: &str,
        what: String,
        reducer: &str,
        send: impl FnOnce(&RemoteReducers) -> Result<(), spacetimedb_sdk::Error>,
    ) -> bool {
        self.actions += 1;
        let res = self.c.call(reducer, send);
        match &res {
            Ok(()) => {
                if self.verbose {
                    println!("[{}] {what}", self.name);
                }
                true
            }
            Err(m) => {
                self.rejections += 1;
                let secs = match code(m) {
                    "E_NOT_YOUR_TURN" | "E_TRAVELING" | "E_IN_COMBAT" | "E_CLIENT" => 2,
                    "E_NOTHING_IN_REACH" | "E_OUT_OF_RANGE" | "E_TOO_FAR" => 3,
                    _ => 20,
                };
                self.cool(key, secs);
                if self.verbose {
                    println!("[{}] {what} -> rejected {m} (choosing something else)", self.name);
                }
                false
            }
        }
    }

    fn me(&self) -> Option<Me> {
        let conn = self.c.clone();
        let db = &conn.conn.db;
        db.character().iter().filter(|c| c.owner == self.c.identity && !c.sheet.vitals.dead).max_by_key(|c| c.id).map(
            |c| Me {
                id: c.id,
                loc: c.location_id.clone(),
                x: c.x,
                y: c.y,
                hp: c.sheet.vitals.hp,
                max_hp: c.sheet.vitals.max_hp,
                dead: c.sheet.vitals.dead,
            },
        )
    }

    /// One decision. Returns after at most a few calls.
    pub fn step(&mut self) {
        let Some(me) = self.me() else {
            self.create();
            return;
        };
        if me.dead || me.hp <= 0 {
            // unconscious: nothing to do but wait for death saves / recovery (or a friend's potion)
            return;
        }
        let conn = self.c.clone();
        let db = &conn.conn.db;
        if db.travel_state().iter().any(|t| t.character_id == me.id) {
            return;
        }
        if let Some(cb) = db.combatant().iter().find(|r| r.character_id == me.id && r.active) {
            if db.combat_instance().iter().any(|i| i.id == cb.combat_id && i.status == FightStatus::Active) {
                self.fight(&me, cb);
                return;
            }
        }
        if db.rest_state().iter().any(|r| r.character_id == me.id) {
            return;
        }
        if me.hp * 2 < me.max_hp && self.heal_or_rest(&me) {
            return;
        }
        if !db.run_state().iter().any(|r| r.character_id == me.id && r.active) && !self.avoided("begin_run") {
            let id = me.id;
            self.act("begin_run", "begins a run".into(), "begin_run", |r| r.begin_run(id));
            return;
        }
        if self.equip_better(&me) || self.social(&me) || self.loot(&me) || self.hunt(&me) {
            self.idle_steps = 0;
            return;
        }
        self.idle_steps += 1;
        if self.idle_steps >= 4 {
            self.idle_steps = 0;
            self.travel(&me, false);
        }
    }

    fn create(&mut self) {
        if self.avoided("create") {
            return;
        }
        let classes: Vec<String> = self.c.conn.db.class_def().iter().map(|c| c.id).collect();
        let class = ["fighter", "warrior", "rogue", "scout"]
            .iter()
            .find(|c| classes.iter().any(|x| x == *c))
            .map(|c| c.to_string())
            .or_else(|| classes.first().cloned())
            .unwrap_or_else(|| "fighter".into());
        let name = if self.generation == 0 { self.name.clone() } else { format!("{}{}", self.name, self.generation) };
        self.generation += 1;
        let scores = AbilityScores { str: 15, dex: 14, con: 13, int: 8, wis: 12, cha: 10 };
        let what = format!("creates {name} the {class}");
        self.act("create", what, "create_character", |r| r.create_character(name, class, scores, vec![]));
    }

    fn belt_item(&self, me: &Me) -> Option<LoadoutSlot> {
        self.c
            .conn
            .db
            .item_instance()
            .iter()
            .filter(|i| i.character_id == me.id && i.place == PlaceKind::Loadout)
            .filter_map(|i| i.slot)
            .find(|s| matches!(s, LoadoutSlot::Belt1 | LoadoutSlot::Belt2))
    }

    fn heal_or_rest(&mut self, me: &Me) -> bool {
        let id = me.id;
        if let Some(slot) = self.belt_item(me) {
            let key = format!("use:{slot:?}");
            if !self.avoided(&key) {
                let what = format!("is hurt ({}/{} HP): uses the {slot:?} consumable", me.hp, me.max_hp);
                return self.act(&key, what, "use_consumable", move |r| r.use_consumable(id, slot));
            }
        }
        let safe = self.c.conn.db.location_def().iter().find(|l| l.id == me.loc).map(|l| l.safe).unwrap_or(false);
        if safe {
            if !self.avoided("rest") {
                let what = format!("is hurt ({}/{} HP): long rest at {}", me.hp, me.max_hp, me.loc);
                return self.act("rest", what, "rest", move |r| r.rest(id, RestKind::Long, 0));
            }
            return false;
        }
        self.travel(me, true)
    }

    fn travel(&mut self, me: &Me, to_safety: bool) -> bool {
        let conn = self.c.clone();
        let db = &conn.conn.db;
        let Some(here) = db.location_def().iter().find(|l| l.id == me.loc) else { return false };
        let safe_ids: Vec<String> = db.location_def().iter().filter(|l| l.safe).map(|l| l.id).collect();
        let mut options: Vec<String> = here
            .neighbours
            .iter()
            .map(|e| e.to.clone())
            .filter(|to| !to_safety || safe_ids.contains(to))
            .filter(|to| !self.avoided(&format!("move:{to}")))
            .collect();
        if options.is_empty() {
            options = here.neighbours.iter().map(|e| e.to.clone()).collect();
        }
        if options.is_empty() {
            return false;
        }
        let to = options[self.rand(options.len() as u64) as usize].clone();
        let id = me.id;
        let why = if to_safety { "heads for safety" } else { "travels" };
        let what = format!("{why}: {} -> {to}", me.loc);
        self.act(&format!("move:{to}"), what, "move_to", move |r| r.move_to(id, to))
    }

    fn equip_better(&mut self, me: &Me) -> bool {
        let conn = self.c.clone();
        let db = &conn.conn.db;
        let defs: HashMap<String, ItemDef> = db.item_def().iter().map(|d| (d.id, d.def)).collect();
        let mine: Vec<ItemInstanceRow> = db.item_instance().iter().filter(|i| i.character_id == me.id).collect();
        let equipped = |slot: LoadoutSlot| {
            mine.iter()
                .find(|i| i.place == PlaceKind::Loadout && i.slot == Some(slot))
                .and_then(|i| defs.get(&i.def_id))
        };
        let weapon_score = |d: &ItemDef| {
            d.weapon
                .as_ref()
                .and_then(|w| w.damage.as_ref())
                .map(|x| x.count as i32 * (x.sides as i32 + 1) + 2 * x.modifier)
                .unwrap_or(0)
        };
        let armor_score = |d: &ItemDef| d.armor.as_ref().map(|a| a.base_ac as i32).unwrap_or(0);
        let cur_weapon = equipped(LoadoutSlot::MainHand).map(weapon_score).unwrap_or(0);
        let cur_armor = equipped(LoadoutSlot::Body).map(armor_score).unwrap_or(0);
        let belt_free = [LoadoutSlot::Belt1, LoadoutSlot::Belt2].into_iter().find(|s| equipped(*s).is_none());
        for it in mine.iter().filter(|i| i.place == PlaceKind::RunStash) {
            let Some(d) = defs.get(&it.def_id) else { continue };
            let slot = match (&d.item_type, &d.slot) {
                (ItemType::Weapon, EquipSlot::MainHand | EquipSlot::EitherHand) if weapon_score(d) > cur_weapon => {
                    Some(LoadoutSlot::MainHand)
                }
                (ItemType::Armor, EquipSlot::Body) if armor_score(d) > cur_armor => Some(LoadoutSlot::Body),
                (ItemType::Consumable, _) if matches!(d.effect, Some(ConsumableEffect::Heal(_))) => belt_free,
                _ => None,
            };
            let Some(slot) = slot else { continue };
            let key = format!("equip:{}", it.uid);
            if self.avoided(&key) {
                continue;
            }
            let (id, uid) = (me.id, it.uid);
            let what = format!("equips {} in {slot:?}", it.def_id);
            // a class or ability restriction rejects: cooled down, the next item is tried next step
            return self.act(&key, what, "equip", move |r| r.equip(id, uid, slot));
        }
        false
    }

    fn social(&mut self, me: &Me) -> bool {
        let conn = self.c.clone();
        let db = &conn.conn.db;
        let travelling: Vec<u64> = db.travel_state().iter().map(|t| t.character_id).collect();
        let others: Vec<(u64, String)> = db
            .character()
            .iter()
            .filter(|c| {
                c.location_id == me.loc
                    && c.owner != self.c.identity
                    && c.owner != Identity::ZERO
                    && !c.is_ai
                    && !c.sheet.vitals.dead
                    && c.sheet.vitals.hp > 0
                    && !travelling.contains(&c.id)
            })
            .map(|c| (c.id, c.name))
            .collect();
        if others.is_empty() {
            return false;
        }
        // join another agent's fight here (on its side), when healthy
        if me.hp * 3 >= me.max_hp * 2 {
            for (oid, oname) in &others {
                let Some(cb) = db.combatant().iter().find(|r| r.character_id == *oid && r.active) else { continue };
                if !db.combat_instance().iter().any(|i| i.id == cb.combat_id && i.status == FightStatus::Active) {
                    continue;
                }
                let key = format!("join:{}", cb.combat_id);
                if self.avoided(&key) {
                    continue;
                }
                let (id, combat, side) = (me.id, cb.combat_id, cb.side);
                let what = format!("joins {oname}'s fight {combat} on side {side}");
                return self.act(&key, what, "join_combat", move |r| r.join_combat(id, combat, side));
            }
        }
        let (oid, oname) = others[self.rand(others.len() as u64) as usize].clone();
        // give a spare item (not equipped) now and then
        let gift_key = format!("give:{oid}");
        if !self.avoided(&gift_key) {
            let spare = db
                .item_instance()
                .iter()
                .filter(|i| i.character_id == me.id && i.place == PlaceKind::RunStash)
                .min_by_key(|i| i.uid);
            if let Some(it) = spare {
                {
                    self.cool(&gift_key, 15);
                    let (id, uid) = (me.id, it.uid);
                    let what = format!("gives {} x{} to {oname}", it.def_id, it.quantity);
                    return self.act(&gift_key, what, "give_item", move |r| r.give_item(id, uid, oid));
                }
            }
        }
        let contest_key = format!("contest:{oid}");
        if !self.avoided(&contest_key) {
            self.cool(&contest_key, 10);
            let dnd = db.config().iter().next().map(|c| c.ruleset == "dnd5e").unwrap_or(true);
            let (a, t, label) = match (dnd, self.rand(2)) {
                (true, 0) => (CheckKind::Skill("deception".into()), CheckKind::Skill("insight".into()), "deceive"),
                (true, _) => (CheckKind::Skill("persuasion".into()), CheckKind::Skill("insight".into()), "persuade"),
                (false, _) => (CheckKind::Ability(Ability::Cha), CheckKind::Ability(Ability::Wis), "sway"),
            };
            let id = me.id;
            let what = format!("tries to {label} {oname}");
            return self.act(&contest_key, what, "contest", move |r| r.contest(id, oid, a, t));
        }
        false
    }

    fn loot(&mut self, me: &Me) -> bool {
        let conn = self.c.clone();
        let db = &conn.conn.db;
        let mut ground: Vec<ItemInstanceRow> =
            db.item_instance().iter().filter(|i| i.place == PlaceKind::Ground && i.location_id == me.loc).collect();
        ground.retain(|i| !self.avoided(&format!("item:{}", i.uid)));
        let dist = |i: &ItemInstanceRow| ((i.x - me.x).powi(2) + (i.y - me.y).powi(2)).sqrt();
        ground.sort_by(|a, b| dist(a).total_cmp(&dist(b)));
        let Some(it) = ground.first().cloned() else { return false };
        let id = me.id;
        let key = format!("item:{}", it.uid);
        if dist(&it) <= it.contact_radius_ft * 0.9 {
            let what = format!("picks up at ({:.0}, {:.0}) ({} in reach)", me.x, me.y, it.def_id);
            return self.act(&key, what, "pick_up", move |r| r.pick_up(id));
        }
        let (x, y) = (it.x, it.y);
        let what = format!("steps to {} at ({x:.0}, {y:.0})", it.def_id);
        self.act(&key, what, "step_to", move |r| r.step_to(id, x, y))
    }

    fn hunt(&mut self, me: &Me) -> bool {
        if me.hp * 3 < me.max_hp * 2 {
            return false;
        }
        let conn = self.c.clone();
        let db = &conn.conn.db;
        let Some(m) = db
            .monster_instance()
            .iter()
            .filter(|m| m.location_id == me.loc && m.combat_id == 0 && !self.avoided(&format!("fight:{}", m.id)))
            .min_by_key(|m| m.max_hp)
        else {
            return false;
        };
        let (id, mid) = (me.id, m.id);
        let what = format!("attacks the {} (monster {mid}) at {}", m.name, me.loc);
        self.act(&format!("fight:{mid}"), what, "start_combat", move |r| r.start_combat(id, vec![], vec![mid]))
    }

    fn fight(&mut self, me: &Me, mine: CombatantRow) {
        let conn = self.c.clone();
        let db = &conn.conn.db;
        let Some(inst) = db.combat_instance().iter().find(|i| i.id == mine.combat_id) else { return };
        let turns = matches!(inst.mode, CombatMode::RelaxedTurns | CombatMode::ClassicTurns);
        if turns && inst.current_combatant != Some(mine.combatant_id) {
            return; // not our turn: wait for turn_changed
        }
        if mine.down || mine.dead {
            return;
        }
        let id = me.id;
        // Joining a fight with other players' characters needs an invitation from one of them:
        // invite up to two other players' characters here, once per fight.
        let guests: Vec<(u64, String)> = db
            .character()
            .iter()
            .filter(|c| {
                c.location_id == me.loc
                    && c.owner != self.c.identity
                    && c.owner != Identity::ZERO
                    && !c.is_ai
                    && !c.sheet.vitals.dead
                    && c.sheet.vitals.hp > 0
            })
            .map(|c| (c.id, c.name))
            .take(2)
            .collect();
        for (gid, gname) in guests {
            let key = format!("invite:{}:{gid}", inst.id);
            if !self.avoided(&key) {
                self.cool(&key, 600);
                self.act(&key, format!("invites {gname} to fight {}", inst.id), "invite_to_combat", move |r| {
                    r.invite_to_combat(id, gid)
                });
            }
        }
        // one round of decisions per turn (turn modes) or per 6 s window (action queues)
        let round = if turns {
            inst.turn_seq
        } else {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() / 6).unwrap_or(0)
        };
        if me.hp * 2 < me.max_hp {
            if let Some(slot) = self.belt_item(me) {
                let key = format!("fightuse:{}:{round}", inst.id);
                if !self.avoided(&key) {
                    self.cool(&key, 60);
                    self.act(&key, format!("drinks from {slot:?} mid-fight"), "use_consumable", move |r| {
                        r.use_consumable(id, slot)
                    });
                }
            }
        }
        let enemies: Vec<CombatantRow> = db
            .combatant()
            .iter()
            .filter(|r| r.combat_id == inst.id && r.side != mine.side && r.active && !r.dead && !r.down && !r.fled)
            .collect();
        let d = |r: &CombatantRow| ((r.x - mine.x).powi(2) + (r.y - mine.y).powi(2)).sqrt();
        let Some(target) = enemies.iter().min_by(|a, b| d(a).total_cmp(&d(b))).cloned() else { return };
        let turn_key = format!("turn:{}:{round}", inst.id);
        if self.avoided(&turn_key) {
            return;
        }
        let dist = d(&target);
        if dist > 5.0 {
            // close to 5 ft, at most 30 ft this turn
            let step = (dist - 4.5).min(30.0);
            let (x, y) = (mine.x + (target.x - mine.x) / dist * step, mine.y + (target.y - mine.y) / dist * step);
            let key = format!("cmove:{}:{round}", inst.id);
            if !self.avoided(&key) {
                self.cool(&key, 60);
                self.act(&key, format!("closes in on {} ({dist:.0} ft)", target.name), "move_in_combat", move |r| {
                    r.move_in_combat(id, x, y)
                });
            }
        }
        let tid = target.combatant_id;
        let key = format!("attack:{}:{round}", inst.id);
        if !self.avoided(&key) {
            self.cool(&key, 60);
            self.act(&key, format!("attacks {}", target.name), "attack", move |r| r.attack(id, tid, 0));
        }
        // the attack may have ended the fight: then there is no turn to end
        let still = self.c.conn.db.combat_instance().iter().any(|i| i.id == inst.id && i.status == FightStatus::Active);
        if turns && still {
            self.cool(&turn_key, 60);
            self.act(&turn_key, "ends the turn".into(), "end_turn", move |r| r.end_turn(id));
        }
    }
}
