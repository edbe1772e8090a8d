//! Plain combat state: positions and reach, combatants, the fight, what actions return.

use super::cooldown::{Cooldown, FEET_EPSILON};
use super::mode::CombatMode;
use crate::rules::{AttackDef, Creature, DiceLogEntry};
use crate::systems::buffs::modifiers::ModifierKey;
use crate::systems::buffs::vocab::{AttackRange, Roll};
use crate::systems::items::{ItemCatalog, WeaponProperties};
use crate::systems::stats::EffectiveStats;
use spacetimedb::SpacetimeType;

/// SRD melee reach without the `reach` property.
pub const MELEE_REACH_FT: f32 = 5.0;

/// A point on the encounter map, in feet. Creatures are points: distances are measured centre to
/// centre and nobody blocks anybody (no occupancy rules yet).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Default)]
pub struct Pos {
    pub x: f32,
    pub y: f32,
}

impl Pos {
    pub const fn new(x: f32, y: f32) -> Pos {
        Pos { x, y }
    }
    pub fn dist(self, o: Pos) -> f32 {
        ((self.x - o.x).powi(2) + (self.y - o.y).powi(2)).sqrt()
    }
    pub fn is_finite(self) -> bool {
        self.x.is_finite() && self.y.is_finite()
    }
    /// The point `step` feet from here towards `to` (not past it).
    pub fn toward(self, to: Pos, step: f32) -> Pos {
        let d = self.dist(to);
        if d <= step || d <= f32::EPSILON {
            return to;
        }
        let k = step / d;
        Pos { x: self.x + (to.x - self.x) * k, y: self.y + (to.y - self.y) * k }
    }
}

/// Where an attack reaches. `melee_ft` 0: no melee use; `long_ft` 0: no ranged use. A thrown
/// weapon has both (melee within reach, thrown beyond).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq)]
pub struct Reach {
    pub melee_ft: f32,
    pub normal_ft: f32,
    pub long_ft: f32,
}

/// How far away the target is for this attack.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeBand {
    Melee,
    /// Ranged, within normal range.
    Normal,
    /// Ranged, beyond normal range: disadvantage.
    Long,
}

/// SRD ranges of weapons monsters carry, used when the item catalog has no weapon with the
/// attack's id (the lite catalog names its weapons differently). (id, melee reach, normal, long).
const SRD_ATTACK_RANGES: [(&str, f32, f32, f32); 14] = [
    ("shortbow", 0.0, 80.0, 320.0),
    ("longbow", 0.0, 150.0, 600.0),
    ("light_crossbow", 0.0, 80.0, 320.0),
    ("heavy_crossbow", 0.0, 100.0, 400.0),
    ("hand_crossbow", 0.0, 30.0, 120.0),
    ("sling", 0.0, 30.0, 120.0),
    ("blowgun", 0.0, 25.0, 100.0),
    ("dart", 0.0, 20.0, 60.0),
    ("javelin", 5.0, 30.0, 120.0),
    ("dagger", 5.0, 20.0, 60.0),
    ("spear", 5.0, 20.0, 60.0),
    ("handaxe", 5.0, 20.0, 60.0),
    ("light_hammer", 5.0, 20.0, 60.0),
    ("trident", 5.0, 20.0, 60.0),
];

impl Reach {
    pub const MELEE: Reach = Reach { melee_ft: MELEE_REACH_FT, normal_ft: 0.0, long_ft: 0.0 };

    pub fn ranged(normal_ft: f32, long_ft: f32) -> Reach {
        Reach { melee_ft: 0.0, normal_ft, long_ft }
    }
    pub fn thrown(normal_ft: f32, long_ft: f32) -> Reach {
        Reach { melee_ft: MELEE_REACH_FT, normal_ft, long_ft }
    }

    /// The band a target at `dist` feet falls in; `None` beyond long range.
    pub fn band(&self, dist: f32) -> Option<RangeBand> {
        if self.melee_ft > 0.0 && dist <= self.melee_ft + FEET_EPSILON {
            Some(RangeBand::Melee)
        } else if self.long_ft > 0.0 && dist <= self.normal_ft + FEET_EPSILON {
            Some(RangeBand::Normal)
        } else if self.long_ft > 0.0 && dist <= self.long_ft + FEET_EPSILON {
            Some(RangeBand::Long)
        } else {
            None
        }
    }

    /// The farthest this attack reaches at all.
    pub fn max_ft(&self) -> f32 {
        self.melee_ft.max(self.long_ft)
    }

    /// The farthest it reaches without disadvantage from range.
    pub fn best_ft(&self) -> f32 {
        self.melee_ft.max(self.normal_ft)
    }

    /// From item-catalog weapon properties: ammunition → ranged only; thrown → melee and thrown;
    /// `reach` → 10 ft melee.
    pub fn from_weapon(p: &WeaponProperties) -> Reach {
        let melee = if p.reach { 2.0 * MELEE_REACH_FT } else { MELEE_REACH_FT };
        let (n, l) = (f32::from(p.range_normal_ft), f32::from(p.range_long_ft));
        if p.ammunition && l > 0.0 {
            Reach::ranged(n, l)
        } else if p.thrown && l > 0.0 {
            Reach { melee_ft: melee, normal_ft: n, long_ft: l }
        } else {
            Reach { melee_ft: melee, normal_ft: 0.0, long_ft: 0.0 }
        }
    }

    /// The reach of an attack by its id: the catalog's weapon of that id if there is one, else
    /// the SRD range of a known ranged / thrown weapon id, else 5 ft melee (bites, claws, ...).
    pub fn for_attack(attack: &AttackDef, catalog: Option<&ItemCatalog>) -> Reach {
        if let Some(w) = catalog.and_then(|c| c.get(&attack.id).ok()).and_then(|d| d.weapon.as_ref()) {
            return Reach::from_weapon(&w.properties);
        }
        SRD_ATTACK_RANGES
            .iter()
            .find(|(id, ..)| *id == attack.id)
            .map(|&(_, m, n, l)| Reach { melee_ft: m, normal_ft: n, long_ft: l })
            .unwrap_or(Reach::MELEE)
    }
}

/// A flag per attack range band: from anywhere / within 5 ft / beyond 5 ft (index 0, 1, 2).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ByRange {
    pub any: bool,
    pub within_5ft: bool,
    pub beyond_5ft: bool,
}

impl ByRange {
    pub fn get(&self, i: usize) -> bool {
        match i {
            0 => self.any,
            1 => self.within_5ft,
            _ => self.beyond_5ft,
        }
    }

    pub fn set(&mut self, i: usize, v: bool) {
        match i {
            0 => self.any = v,
            1 => self.within_5ft = v,
            _ => self.beyond_5ft = v,
        }
    }

    pub fn from_fn(f: impl Fn(usize) -> bool) -> ByRange {
        ByRange { any: f(0), within_5ft: f(1), beyond_5ft: f(2) }
    }
}

/// Condition and buff effects combat needs, as plain flags (the reducer derives them from the
/// combatant's effective stats with [`CombatFlags::from_effective`]).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CombatFlags {
    pub attack_advantage: bool,
    pub attack_disadvantage: bool,
    /// Attacks against this combatant have advantage: from anywhere / within 5 ft / beyond.
    pub attackers_advantage: ByRange,
    /// Attacks against this combatant have disadvantage: from anywhere / within 5 ft / beyond.
    pub attackers_disadvantage: ByRange,
    /// Incapacitated (stunned, paralyzed, ...): no actions, bonus actions or reactions.
    pub cannot_act: bool,
    /// One more action on each of its turns (Haste).
    pub extra_action: bool,
    /// A hit on it from within 5 ft is a critical hit (paralyzed, unconscious).
    pub crit_within_5ft: bool,
}

impl CombatFlags {
    pub fn from_effective(e: &EffectiveStats) -> CombatFlags {
        let ranges = [AttackRange::Any, AttackRange::Within5ft, AttackRange::Beyond5ft];
        CombatFlags {
            attack_advantage: e.has(ModifierKey::Advantage(Roll::Attack)),
            attack_disadvantage: e.has(ModifierKey::Disadvantage(Roll::Attack)),
            attackers_advantage: ByRange::from_fn(|i| e.has(ModifierKey::AttackersAdvantage(ranges[i]))),
            attackers_disadvantage: ByRange::from_fn(|i| e.has(ModifierKey::AttackersDisadvantage(ranges[i]))),
            cannot_act: e.has(ModifierKey::CannotAct),
            extra_action: e.has(ModifierKey::ExtraAction),
            crit_within_5ft: e.has(ModifierKey::CritWithin5ft),
        }
    }

    /// (advantage, disadvantage) that attacks against the bearer from `dist` feet get.
    pub fn against(&self, dist: f32) -> (bool, bool) {
        let near = dist <= MELEE_REACH_FT + FEET_EPSILON;
        let i = if near { 1 } else { 2 };
        (
            self.attackers_advantage.get(0) || self.attackers_advantage.get(i),
            self.attackers_disadvantage.get(0) || self.attackers_disadvantage.get(i),
        )
    }
}

/// Who a combatant is outside the fight.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub enum CombatantKind {
    Character {
        character_id: u64,
    },
    /// A monster instance; `monster_id` is its definition in monsters.csv.
    Monster {
        monster_id: String,
    },
}

/// What a combatant has used of its turn (reset at the start of each of its turns).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Default)]
pub struct TurnEconomy {
    pub action_used: bool,
    pub bonus_used: bool,
    pub reaction_used: bool,
    pub movement_used_ft: f32,
    /// Extra movement from the Dash action this turn.
    pub dash_ft: f32,
    /// Took the Dodge action: attacks against it have disadvantage until its next turn starts
    /// (ActionQueues: until its budget window rolls over).
    pub dodging: bool,
    /// The extra action of `CombatFlags::extra_action` (Haste) is used this turn.
    pub extra_action_used: bool,
}

/// One participant, character or monster. Plain data; the reducer maps it to a `combatant` row.
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct Combatant {
    /// Unique in the fight; also the last initiative tie-break (lower first).
    pub id: u64,
    /// Team number; combatants with the same side are allies.
    pub side: u32,
    pub kind: CombatantKind,
    /// Played by the AI always (monsters, NPCs).
    pub is_ai: bool,
    /// For humans: is the player in control? Cleared when a turn ran out while the player was
    /// offline (never at a mere disconnect); the AI plays the combatant until they return.
    pub connected: bool,
    /// Stats and vitals. `creature.name` is the display name in logs, made unique in the fight
    /// (numbered when several share it: "Goblin 2").
    pub creature: Creature,
    /// The unnumbered name ("Goblin") the narrative summary groups by.
    pub base_name: String,
    /// Parallel to `creature.attacks` (missing entries: 5 ft melee).
    pub reaches: Vec<Reach>,
    pub pos: Pos,
    /// Walking speed in feet (effective: buffs and conditions already applied).
    pub speed_ft: f32,
    pub initiative: i32,
    /// Place in the initiative order, 0 first.
    pub turn_order: u32,
    pub economy: TurnEconomy,
    /// ActionQueues budgets.
    pub cooldown: Cooldown,
    pub flags: CombatFlags,
    pub fled: bool,
    /// Combatants it cannot attack: the sources of its `cannot_harm_source` buffs (charmed).
    pub cannot_harm: Vec<u64>,
    /// Combatants it cannot move closer to: the sources of its `cannot_approach_source` buffs
    /// (frightened).
    pub cannot_approach: Vec<u64>,
}

impl Combatant {
    /// A combatant with reach looked up for each attack (see [`Reach::for_attack`]).
    pub fn new(
        id: u64,
        side: u32,
        kind: CombatantKind,
        creature: Creature,
        speed_ft: f32,
        catalog: Option<&ItemCatalog>,
    ) -> Combatant {
        let reaches = creature.attacks.iter().map(|a| Reach::for_attack(a, catalog)).collect();
        let is_ai = matches!(kind, CombatantKind::Monster { .. });
        let base_name = creature.name.clone();
        Combatant {
            base_name,
            id,
            side,
            kind,
            is_ai,
            connected: !is_ai,
            creature,
            reaches,
            pos: Pos::default(),
            speed_ft,
            initiative: 0,
            turn_order: 0,
            economy: TurnEconomy::default(),
            cooldown: Cooldown::default(),
            flags: CombatFlags::default(),
            fled: false,
            cannot_harm: Vec::new(),
            cannot_approach: Vec::new(),
        }
    }

    pub fn at(mut self, x: f32, y: f32) -> Combatant {
        self.pos = Pos::new(x, y);
        self
    }

    pub fn name(&self) -> &str {
        &self.creature.name
    }
    pub fn is_monster(&self) -> bool {
        matches!(self.kind, CombatantKind::Monster { .. })
    }
    pub fn is_dead(&self) -> bool {
        self.creature.vitals.dead
    }
    /// At 0 HP, alive.
    pub fn is_down(&self) -> bool {
        self.creature.vitals.is_down()
    }
    /// Conscious and still in the fight: what keeps a side in the fight.
    pub fn is_standing(&self) -> bool {
        !self.fled && self.creature.vitals.can_act()
    }
    /// Alive and has not fled (may be down).
    pub fn is_present(&self) -> bool {
        !self.fled && !self.creature.vitals.dead
    }
    /// Does the AI play this combatant now?
    pub fn ai_controlled(&self) -> bool {
        self.is_ai || !self.connected
    }
    pub fn reach(&self, attack_index: usize) -> Reach {
        self.reaches.get(attack_index).copied().unwrap_or(Reach::MELEE)
    }
    pub fn hp_pct(&self) -> i32 {
        let v = &self.creature.vitals;
        if v.max_hp <= 0 {
            return 0;
        }
        v.hp.max(0) * 100 / v.max_hp
    }
}

/// Where a fight stands.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FightStatus {
    Active,
    /// One side is left standing (`Fight::winner`).
    Resolved,
    /// The losing side(s) left by fleeing, or the round limit made both sides disengage
    /// (`winner` is `None` then).
    Fled,
}

/// What kind of entry a fight log line is.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    Initiative,
    Join,
    TurnStart,
    DeathSave,
    Attack,
    Move,
    Dash,
    Dodge,
    UseItem,
    Flee,
    EndTurn,
    End,
    /// House rules: a profile swap at a turn boundary or a custom-modifier trigger.
    Modifier,
    /// The world reached in: a buff or potion changed the combatant's numbers, or outside damage
    /// or healing (a buff's periodic damage) landed (`Fight::refresh`).
    Effect,
}

/// One thing that happened: what a reducer writes as a world event.
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct ActionResult {
    pub round: u32,
    pub kind: ActionKind,
    /// Combatant id (0 for fight-level entries such as initiative).
    pub actor: u64,
    pub target: Option<u64>,
    pub dice: Vec<DiceLogEntry>,
    pub text: String,
}

/// One fight, all in memory. See the module docs for what the tables keep of it.
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct Fight {
    /// Every random draw of the fight derives from this (see [`Fight::next_rng`]).
    pub seed: u64,
    /// How many RNG streams have been handed out.
    pub rng_streams: u64,
    pub mode: CombatMode,
    pub status: FightStatus,
    pub winner: Option<u32>,
    /// Starts at 1.
    pub round: u32,
    /// Index into `order` of the current combatant (turn modes).
    pub turn_index: u32,
    /// Incremented at every turn start; a turn timer carries the value it was armed with, so a
    /// stale timer is recognised.
    pub turn_seq: u64,
    /// Combatant ids in initiative order.
    pub order: Vec<u64>,
    /// Sorted by id.
    pub combatants: Vec<Combatant>,
    /// The reducer's clock (micros) for ActionQueues budgets; set before each call.
    pub now_micros: i64,
    pub queue_window_micros: i64,
    pub log: Vec<ActionResult>,
    /// Steps the fight's action log holds (the next step's `seq`): kept here so an append costs
    /// the same at step 10,000 as at step 1. Not part of the state hash (storage, not game state).
    pub log_steps: u32,
    /// When a human last acted (reducer clock, micros; the start for a new fight). Action-queue
    /// fights end when it is older than `config.queue_idle_secs` ([`Fight::end_idle`]). Set by
    /// the live code around the steps (not part of the state hash: a replay never reads it).
    pub last_human_micros: i64,
    /// The fight ended because no human acted ([`Fight::end_idle`]): the summary and the
    /// `CombatEnded` event say `reason=idle`.
    pub ended_idle: bool,
    /// Modifier profiles in force and their runtime state (empty: no house rules).
    pub mods: crate::systems::profiles::FightMods,
}
