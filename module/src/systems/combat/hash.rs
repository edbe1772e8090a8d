//! A compact, deterministic state hash of a fight: FNV-1a (64 bit) over a fixed list
//! of fields, fed as little-endian integers. Floats go in as their bit patterns (never formatted),
//! vectors in their stored order (combatants by id, the initiative order as it stands), so the
//! same state gives the same hash on wasm and natively.
//!
//! Hashed: the fight's status, winner, round, turn index, turn sequence, RNG stream counter and
//! initiative order; per combatant its id, side, HP / max / temp HP, death saves, stable / dead /
//! concentrating, AC, position, initiative and place in the order, fled / connected / AI, the turn
//! economy, the action-queue budget and the condition / buff flags; the house rules in force (how
//! many stacks were applied, whether a swap waits, each profile's id and version: version 2).
//! Not hashed: names, texts, the
//! in-memory log, the reducer clock (`now_micros`, an input) and static creature data.
//!
//! Bump [`HASH_VERSION`] when the field list changes: logs written under another version cannot
//! be checked against this one (the replay tool says so).

use super::model::{ByRange, Combatant, Fight, FightStatus};

/// Version of the field list below (stored with every log entry's step).
pub const HASH_VERSION: u32 = 2;

/// FNV-1a, 64 bit.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn bytes(&mut self, b: &[u8]) {
        for x in b {
            self.0 ^= u64::from(*x);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    pub fn i64(&mut self, v: i64) {
        self.u64(v as u64);
    }
    pub fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }
    pub fn i32(&mut self, v: i32) {
        self.u32(v as u32);
    }
    pub fn bool(&mut self, v: bool) {
        self.bytes(&[u8::from(v)]);
    }
    pub fn f32(&mut self, v: f32) {
        self.u32(v.to_bits());
    }
    fn by_range(&mut self, r: &ByRange) {
        self.bool(r.any);
        self.bool(r.within_5ft);
        self.bool(r.beyond_5ft);
    }
    pub fn finish(self) -> u64 {
        self.0
    }
}

fn combatant(h: &mut Fnv, c: &Combatant) {
    h.u64(c.id);
    h.u32(c.side);
    let v = &c.creature.vitals;
    h.i32(v.hp);
    h.i32(v.max_hp);
    h.i32(v.temp_hp);
    h.bytes(&[v.death_save_successes, v.death_save_failures]);
    h.bool(v.stable);
    h.bool(v.dead);
    h.bool(v.concentrating);
    h.i32(c.creature.ac);
    h.f32(c.pos.x);
    h.f32(c.pos.y);
    h.i32(c.initiative);
    h.u32(c.turn_order);
    h.bool(c.fled);
    h.bool(c.connected);
    h.bool(c.is_ai);
    let e = &c.economy;
    h.bool(e.action_used);
    h.bool(e.bonus_used);
    h.bool(e.reaction_used);
    h.f32(e.movement_used_ft);
    h.f32(e.dash_ft);
    h.bool(e.dodging);
    let q = &c.cooldown;
    h.i64(q.window_start_micros);
    h.bool(q.action_used);
    h.bool(q.bonus_used);
    h.bool(q.reaction_used);
    h.f32(q.movement_used_ft);
    let f = &c.flags;
    h.bool(f.attack_advantage);
    h.bool(f.attack_disadvantage);
    h.by_range(&f.attackers_advantage);
    h.by_range(&f.attackers_disadvantage);
    h.bool(f.cannot_act);
}

/// The state hash of a fight (see the module docs for what goes in).
pub fn state_hash(f: &Fight) -> u64 {
    let mut h = Fnv::default();
    h.u32(HASH_VERSION);
    h.bytes(&[match f.status {
        FightStatus::Active => 0,
        FightStatus::Resolved => 1,
        FightStatus::Fled => 2,
    }]);
    match f.winner {
        Some(w) => {
            h.bool(true);
            h.u32(w);
        }
        None => h.bool(false),
    }
    h.u32(f.round);
    h.u32(f.turn_index);
    h.u64(f.turn_seq);
    h.u64(f.rng_streams);
    h.u32(f.order.len() as u32);
    for id in &f.order {
        h.u64(*id);
    }
    h.u32(f.combatants.len() as u32);
    for c in &f.combatants {
        combatant(&mut h, c);
    }
    h.u64(f.mods.applied);
    h.bool(f.mods.pending.is_some());
    h.u32(f.mods.stack.len() as u32);
    for p in &f.mods.stack {
        h.bytes(p.id.as_bytes());
        h.u32(p.version);
    }
    h.finish()
}

/// A hash as it is printed: 16 lowercase hex digits.
pub fn hash_hex(h: u64) -> String {
    format!("{h:016x}")
}
