//! The fight's profile state (`Fight::mods`) and the hooks the combat core calls:
//! [`turn_boundary`] (queued swap, joiners, auras, `on_turn_start` triggers), [`after_move`]
//! (auras) and [`resolve_attack`] (the ruleset's one attack pipeline, perk hooks included, with
//! the house rules as its hooks: crit range, percent resistances, absorb, unkillable; then
//! reflect, `on_damaged` and `on_kill` triggers). When the fight ends,
//! [`vitals_without_house_rules`] takes what the house rules did to a combatant's HP back out.
//!
//! Reconciliation is retract-then-reapply: every target keeps its base (profile-free) stats;
//! applying a stack writes `base + resolved` back into the combatant, so applying the same stack
//! twice changes nothing, and removing one restores the base. Current HP is always
//! `min(current, new max)`: a bonus raises the ceiling only and removing one never heals (the
//! HP a lowered maximum held back are kept in [`HpLedger`] and returned when the fight ends).
//! A swap resets what the old stack's custom modifiers built up (counters are seeded again,
//! trigger-earned bonuses dropped).

use super::conditions::HeldSource;
use super::dsl::{self, EvalCtx, Phase, PrimitiveOp, StatAttr};
use super::registry::Registry;
use super::resolve::{resolve_target, Resolved, TargetInfo};
use super::validate::{validate_stack, Encounter, Issue, Member, Report};
use super::{traits, Profile};
use crate::error::WkResult;
use crate::rules::attack::AttackHooks;
use crate::rules::{
    Advantage, AttackOutcome, AttackRoll, Condition, Creature, Damage, DamageOutcome, DiceLog, DiceSource, RulesEngine,
    Vitals,
};
use crate::systems::combat::{ActionKind, CombatFlags, Combatant, CombatantKind, Fight, FightStatus};
use spacetimedb::SpacetimeType;

/// A target's stats before any profile.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Default)]
pub struct BaseStats {
    pub max_hp: i32,
    pub speed_ft: f32,
    pub to_hit: Vec<i32>,
    pub ac: i32,
    pub condition_immunities: Vec<Condition>,
    pub flags: CombatFlags,
}

/// Flat stat bonuses (auras, trigger-earned).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatBonus {
    pub max_hp: i32,
    pub speed_ft: i32,
    pub attack: i32,
    pub ac: i32,
}

impl StatBonus {
    fn add(&mut self, attr: StatAttr, v: i32) {
        match attr {
            StatAttr::MaxHp => self.max_hp = self.max_hp.saturating_add(v),
            StatAttr::Speed => self.speed_ft = self.speed_ft.saturating_add(v),
            StatAttr::AttackBonus => self.attack = self.attack.saturating_add(v),
            StatAttr::Ac => self.ac = self.ac.saturating_add(v),
            _ => {}
        }
    }
}

#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub name: String,
    pub value: i32,
}

/// What the glue knows of a combatant and the fight does not: extra type keys (`class:<id>` of
/// characters) and, for a combatant under a condition, its own modifier sources tagged by
/// condition, so house-rule condition immunity can take a condition's effects out of the fight
/// (see [`super::conditions`]).
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct TypeTag {
    pub combatant_id: u64,
    pub tags: Vec<String>,
    /// Its own sources in resolution order (empty: it holds no condition).
    pub sources: Vec<HeldSource>,
    /// The speed those sources start from.
    pub base_speed_ft: i32,
}

/// What the house rules did to a combatant's HP that is not the fight's play, so the fight's end
/// can take it back out (see [`vitals_without_house_rules`]).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HpLedger {
    pub combatant_id: u64,
    /// HP a lowered maximum took away (current HP clamped to a house-rule max below it).
    pub held_back_hp: i32,
    /// Temporary HP before the first grant by a house-rule trigger (`None`: never granted).
    pub temp_hp_before_grant: Option<i32>,
}

/// One combatant under the stack.
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct ModTarget {
    pub combatant_id: u64,
    pub slot: String,
    pub base: BaseStats,
    pub resolved: Resolved,
    /// Aura contributions, recomputed after movement and at turn boundaries.
    pub aura: StatBonus,
    /// Bonuses earned by triggers (e.g. +1 to hit on each kill).
    pub earned: StatBonus,
    pub counters: Vec<Counter>,
}

/// A queued swap that was applied or rejected at a turn boundary (drained by the glue).
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct SwapOutcome {
    pub request: u64,
    pub applied: bool,
    pub issues: Vec<Issue>,
}

/// The profile state a fight carries. Empty (`stack` empty, no targets) for a fight without
/// profiles: every hook is then a no-op and combat behaves exactly as before.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Default)]
pub struct FightMods {
    pub stack: Vec<Profile>,
    /// A swap waiting for the next turn boundary (last write wins) and its request id.
    pub pending: Option<Vec<Profile>>,
    pub pending_request: u64,
    /// The encounter layout id (the location of the fight).
    pub layout: String,
    pub tags: Vec<TypeTag>,
    pub targets: Vec<ModTarget>,
    /// Stacks applied so far (a version number for clients).
    pub applied: u64,
    pub outcomes: Vec<SwapOutcome>,
    /// Per combatant, what the house rules did to its HP (kept across swaps, read at the end).
    pub ledger: Vec<HpLedger>,
}

impl FightMods {
    pub fn active(&self) -> bool {
        !self.targets.is_empty()
    }
    pub fn target(&self, id: u64) -> Option<&ModTarget> {
        self.targets.iter().find(|t| t.combatant_id == id)
    }
    fn target_mut(&mut self, id: u64) -> Option<&mut ModTarget> {
        self.targets.iter_mut().find(|t| t.combatant_id == id)
    }
    fn ledger_mut(&mut self, id: u64) -> &mut HpLedger {
        let k = match self.ledger.iter().position(|l| l.combatant_id == id) {
            Some(k) => k,
            None => {
                self.ledger.push(HpLedger { combatant_id: id, ..Default::default() });
                self.ledger.len() - 1
            }
        };
        &mut self.ledger[k]
    }
    fn hold_back(&mut self, id: u64, hp: i32) {
        if hp > 0 {
            let l = self.ledger_mut(id);
            l.held_back_hp = l.held_back_hp.saturating_add(hp);
        }
    }
    /// The combatant's own flags and speed without the conditions it is immune to (`None`: as
    /// it entered the fight).
    fn own_view(&self, id: u64, immune: &[Condition]) -> Option<(CombatFlags, f32)> {
        let tag = self.tags.iter().find(|t| t.combatant_id == id)?;
        super::conditions::own_view(tag.base_speed_ft, &tag.sources, immune)
    }
}

/// A combatant's slot name: its fight name lower-cased, spaces as `-` (`goblin-2`).
pub fn slot_of(c: &Combatant) -> String {
    c.creature.name.trim().to_lowercase().split_whitespace().collect::<Vec<_>>().join("-")
}

pub fn info_of(fight: &Fight, c: &Combatant) -> TargetInfo {
    let mut types = match &c.kind {
        CombatantKind::Monster { monster_id } => vec![format!("monster:{monster_id}"), "monster".into()],
        CombatantKind::Character { .. } => vec!["character".into()],
    };
    types.push(format!("side:{}", c.side));
    if let Some(t) = fight.mods.tags.iter().find(|t| t.combatant_id == c.id) {
        types.extend(t.tags.iter().cloned());
    }
    TargetInfo { slot: slot_of(c), types, side: c.side }
}

fn eval_of(fight: &Fight, c: &Combatant, counters: &[Counter]) -> EvalCtx {
    let nearest = fight
        .combatants
        .iter()
        .filter(|o| o.side != c.side && o.is_standing())
        .map(|o| o.pos.dist(c.pos))
        .fold(f32::MAX, f32::min);
    EvalCtx {
        hp: c.creature.vitals.hp,
        max_hp: c.creature.vitals.max_hp,
        round: fight.round,
        counters: counters.iter().map(|k| (k.name.clone(), k.value)).collect(),
        nearest_enemy_ft: nearest,
    }
}

/// The encounter the validator checks a stack against (base stats: what the fight would be
/// without any profile).
pub fn encounter(fight: &Fight) -> Encounter {
    let members = fight
        .combatants
        .iter()
        .map(|c| {
            let base_flags = fight.mods.target(c.id).map(|t| t.base.flags).unwrap_or(c.flags);
            let counters = fight.mods.target(c.id).map(|t| t.counters.clone()).unwrap_or_default();
            let (sources, base_speed_ft) = fight
                .mods
                .tags
                .iter()
                .find(|t| t.combatant_id == c.id)
                .map(|t| (t.sources.clone(), t.base_speed_ft))
                .unwrap_or_default();
            Member {
                info: info_of(fight, c),
                standing: c.is_standing(),
                cannot_act: base_flags.cannot_act,
                sources,
                base_speed_ft,
                eval: eval_of(fight, c, &counters),
            }
        })
        .collect();
    Encounter { layout: fight.mods.layout.clone(), members }
}

fn base_of(c: &Combatant) -> BaseStats {
    BaseStats {
        max_hp: c.creature.vitals.max_hp,
        speed_ft: c.speed_ft,
        to_hit: c.creature.attacks.iter().map(|a| a.to_hit).collect(),
        ac: c.creature.ac,
        condition_immunities: c.creature.defenses.condition_immunities.clone(),
        flags: c.flags,
    }
}

/// Write `base + resolved + aura + earned` into the combatant (current HP clamped, never raised).
/// `own`: its own flags and speed without the conditions the house rules make it immune to
/// (`None`: the base ones). Each summed bonus (resolved + aura + earned) stays inside its stack
/// bound ([`super::STACK_BOUNDS`]). Returns the HP a lowered maximum took away.
fn write_effective(c: &mut Combatant, t: &ModTarget, own: Option<(CombatFlags, f32)>) -> i32 {
    let r = &t.resolved;
    let (b, a, e) = (&t.base, t.aura, t.earned);
    let (own_flags, own_speed) = own.unwrap_or((b.flags, b.speed_ft));
    let hp_bonus = super::bounded("max_hp", i64::from(r.hp_bonus) + i64::from(a.max_hp) + i64::from(e.max_hp));
    let raw_max = i64::from(b.max_hp) + hp_bonus;
    let max = (raw_max * i64::from(r.hp_percent) / 100).clamp(1, 1_000_000) as i32;
    let v = &mut c.creature.vitals;
    v.max_hp = max;
    // Only HP within the base maximum are the combatant's own; HP above it were the house rules'.
    let held_back = (v.hp.min(b.max_hp) - max).max(0);
    v.hp = v.hp.min(max);
    let (lo, hi) = (super::kinds::movement_bonus::MIN_FT, super::kinds::movement_bonus::MAX_FT);
    let bonus = (r.movement_bonus_ft + a.speed_ft + e.speed_ft).clamp(lo, hi) as f32;
    c.speed_ft = ((own_speed + bonus) * r.speed_percent as f32 / 100.0).max(0.0);
    let hit = super::bounded("attack_bonus", i64::from(r.attack_bonus) + i64::from(a.attack) + i64::from(e.attack));
    for (k, atk) in c.creature.attacks.iter_mut().enumerate() {
        atk.to_hit = b.to_hit.get(k).copied().unwrap_or(atk.to_hit) + hit as i32;
    }
    c.creature.ac = b.ac + super::bounded("ac", i64::from(r.ac_bonus) + i64::from(a.ac) + i64::from(e.ac)) as i32;
    let mut imm = b.condition_immunities.clone();
    for x in &r.condition_immunities {
        if !imm.contains(x) {
            imm.push(*x);
        }
    }
    c.creature.defenses.condition_immunities = imm;
    let mut f = own_flags;
    let incapacitated_immune = r.condition_immunities.contains(&Condition::Incapacitated);
    f.cannot_act |= r.has_trait(traits::INCAPACITATED) && !incapacitated_immune;
    f.attack_advantage |= r.has_trait(traits::RECKLESS);
    f.attackers_disadvantage.any |= r.has_trait(traits::ELUSIVE);
    c.flags = f;
    held_back
}

/// Restore the base stats (retract), current HP clamped (HP above the base maximum were the
/// house rules', so nothing is held back).
fn write_base(c: &mut Combatant, b: &BaseStats) {
    c.creature.vitals.max_hp = b.max_hp;
    c.creature.vitals.hp = c.creature.vitals.hp.min(b.max_hp);
    c.speed_ft = b.speed_ft;
    for (k, atk) in c.creature.attacks.iter_mut().enumerate() {
        if let Some(h) = b.to_hit.get(k) {
            atk.to_hit = *h;
        }
    }
    c.creature.ac = b.ac;
    c.creature.defenses.condition_immunities = b.condition_immunities.clone();
    c.flags = b.flags;
}

/// A combatant's vitals with what the house rules did to its HP taken back out: its maximum
/// before any profile, the HP a lowered maximum held back returned (when it is still up: a
/// combatant that went down or died keeps that outcome), temporary HP a house-rule trigger
/// granted dropped (down to what it had before the first grant). Damage, healing and death saves
/// of the fight stay: they are the fight's play. Without house rules: its vitals as they are.
pub fn vitals_without_house_rules(fight: &Fight, c: &Combatant) -> crate::rules::Vitals {
    let mut v = c.creature.vitals.clone();
    if let Some(t) = fight.mods.target(c.id) {
        v.max_hp = t.base.max_hp;
    }
    if let Some(l) = fight.mods.ledger.iter().find(|l| l.combatant_id == c.id) {
        if v.hp > 0 && !v.dead {
            v.hp = v.hp.saturating_add(l.held_back_hp);
        }
        if let Some(before) = l.temp_hp_before_grant {
            v.temp_hp = v.temp_hp.min(before);
        }
    }
    v
}

/// Recompute auras and every target's resolution, then write the effective stats.
pub fn recompute(fight: &mut Fight) {
    if !fight.mods.active() {
        return;
    }
    let registry = Registry::builtin();
    let stack = fight.mods.stack.clone();
    let customs: Vec<super::CustomModifier> = super::resolve::customs_of(&stack).into_iter().cloned().collect();
    // Resolve each target (conditionals read the current state).
    for k in 0..fight.mods.targets.len() {
        let id = fight.mods.targets[k].combatant_id;
        let Some(c) = fight.get(id) else { continue };
        let info = info_of(fight, c);
        let ctx = eval_of(fight, c, &fight.mods.targets[k].counters);
        fight.mods.targets[k].resolved = resolve_target(&stack, &registry, &info, &fight.mods.layout, &ctx);
    }
    // Auras: every standing source's AddAura reaches the allies / enemies within its radius.
    let mut auras: Vec<(u64, StatBonus)> =
        fight.mods.targets.iter().map(|t| (t.combatant_id, StatBonus::default())).collect();
    for src in &fight.mods.targets {
        let Some(s) = fight.get(src.combatant_id).filter(|s| s.is_standing()) else { continue };
        let ctx = eval_of(fight, s, &src.counters);
        for id in &src.resolved.customs {
            let Some(d) = customs.iter().find(|d| &d.id == id) else { continue };
            for n in dsl::active(d, Phase::Standing, &ctx).into_iter().filter(|n| n.op == Some(PrimitiveOp::AddAura)) {
                let allies = n.text == "allies";
                for (tid, bonus) in auras.iter_mut() {
                    let Some(o) = fight.get(*tid) else { continue };
                    if o.id == s.id || (o.side == s.side) != allies {
                        continue;
                    }
                    if o.pos.dist(s.pos) <= n.radius_ft as f32 + crate::systems::combat::FEET_EPSILON {
                        bonus.add(n.attr, n.amount);
                    }
                }
            }
        }
    }
    for (id, bonus) in auras {
        if let Some(t) = fight.mods.target_mut(id) {
            t.aura = bonus;
        }
    }
    for k in 0..fight.mods.targets.len() {
        let t = fight.mods.targets[k].clone();
        let own = fight.mods.own_view(t.combatant_id, &t.resolved.condition_immunities);
        let Some(c) = fight.get_mut(t.combatant_id) else { continue };
        let held_back = write_effective(c, &t, own);
        fight.mods.hold_back(t.combatant_id, held_back);
    }
}

fn seed_counters(stack: &[Profile], resolved: &Resolved) -> Vec<Counter> {
    let customs = super::resolve::customs_of(stack);
    let mut out: Vec<Counter> = Vec::new();
    for id in &resolved.customs {
        let Some(d) = customs.iter().find(|d| &d.id == id) else { continue };
        for n in d.nodes.iter().filter(|n| n.op == Some(PrimitiveOp::SeedAttribute)) {
            // Seeds inside triggers run when fired; top-level ones seed at apply time.
            if d.roots.iter().any(|r| d.nodes.get(*r as usize) == Some(n)) {
                match out.iter_mut().find(|c| c.name == n.counter) {
                    Some(c) => c.value = n.amount,
                    None => out.push(Counter { name: n.counter.clone(), value: n.amount }),
                }
            }
        }
    }
    out
}

/// Validate `stack` against the fight and, if it has no errors, reconcile it now: retract the
/// old stack (base stats back), then apply the new one from the base. Idempotent. An empty stack
/// removes every profile. Returns the report (warnings on success; errors and no change on
/// failure).
pub fn apply_stack(fight: &mut Fight, stack: Vec<Profile>) -> Report {
    let registry = Registry::builtin();
    let report = validate_stack(&stack, &registry, &encounter(fight));
    if !report.ok() {
        return report;
    }
    // Retract.
    let old = std::mem::take(&mut fight.mods.targets);
    for t in &old {
        if let Some(c) = fight.get_mut(t.combatant_id) {
            write_base(c, &t.base);
        }
    }
    fight.mods.stack = stack;
    fight.mods.applied += 1;
    if fight.mods.stack.is_empty() {
        return report;
    }
    // Reapply: one target per combatant, base from before any profile.
    for c in fight.combatants.clone() {
        let base = old.iter().find(|t| t.combatant_id == c.id).map(|t| t.base.clone()).unwrap_or_else(|| base_of(&c));
        fight.mods.targets.push(ModTarget {
            combatant_id: c.id,
            slot: slot_of(&c),
            base,
            resolved: Resolved::default(),
            aura: StatBonus::default(),
            earned: StatBonus::default(),
            counters: Vec::new(),
        });
    }
    recompute(fight);
    for k in 0..fight.mods.targets.len() {
        let seeded = seed_counters(&fight.mods.stack, &fight.mods.targets[k].resolved);
        fight.mods.targets[k].counters = seeded;
    }
    recompute(fight);
    report
}

/// Queue a swap for the next turn boundary (last write wins).
pub fn queue(fight: &mut Fight, stack: Vec<Profile>, request: u64) {
    if let Some(_old) = fight.mods.pending.replace(stack) {
        let old_request = fight.mods.pending_request;
        if old_request != 0 {
            fight.mods.outcomes.push(SwapOutcome { request: old_request, applied: false, issues: vec![superseded()] });
        }
    }
    fight.mods.pending_request = request;
}

fn superseded() -> Issue {
    Issue {
        code: "SUPERSEDED".into(),
        severity: super::Severity::Warning,
        subject: "swap".into(),
        message: "a later swap replaced this one before the turn boundary (last write wins)".into(),
    }
}

/// Apply a queued swap now (the glue calls it for modes without turns).
pub fn flush_pending(fight: &mut Fight) {
    let Some(stack) = fight.mods.pending.take() else { return };
    let request = std::mem::take(&mut fight.mods.pending_request);
    let report = apply_stack(fight, stack);
    let applied = report.ok();
    let text = if applied {
        format!("House rules change at the turn boundary: {} profile(s) now in force", fight.mods.stack.len())
    } else {
        format!("The queued house-rule swap is rejected at the turn boundary: {}", report.error_text())
    };
    fight.push(ActionKind::Modifier, 0, None, vec![], text);
    fight.mods.outcomes.push(SwapOutcome { request, applied, issues: report.issues });
}

/// Called by the combat core when combatant `id` starts its turn (it is standing): apply a
/// queued swap, pick up combatants who joined, recompute auras and conditionals, fire
/// `on_turn_start`. Returns whether the combatant is still standing.
pub fn turn_boundary(fight: &mut Fight, id: u64) -> bool {
    flush_pending(fight);
    if !fight.mods.active() {
        return true;
    }
    let missing: Vec<Combatant> =
        fight.combatants.iter().filter(|c| fight.mods.target(c.id).is_none()).cloned().collect();
    for c in missing {
        fight.mods.targets.push(ModTarget {
            combatant_id: c.id,
            slot: slot_of(&c),
            base: base_of(&c),
            resolved: Resolved::default(),
            aura: StatBonus::default(),
            earned: StatBonus::default(),
            counters: Vec::new(),
        });
    }
    recompute(fight);
    fire(fight, id, Phase::TurnStart, None);
    fight.get(id).is_some_and(|c| c.is_standing())
}

/// Called by the combat core after a combatant moved: auras follow.
pub fn after_move(fight: &mut Fight) {
    recompute(fight);
}

/// Lose `amount` HP outside the ruleset's damage pipeline (reflect, triggers): not below 1 when
/// unkillable; a creature that dies at 0 dies.
fn lose_hp(c: &mut Combatant, amount: i32, unkillable: bool) -> i32 {
    let v = &mut c.creature.vitals;
    if v.dead || amount <= 0 {
        return 0;
    }
    let floor = if unkillable { 1.min(v.hp) } else { 0 };
    let lost = amount.min((v.hp - floor).max(0));
    v.hp -= lost;
    if v.hp <= 0 && v.dies_at_zero {
        v.dead = true;
    }
    lost
}

/// Run the primitives of `phase` of every custom modifier on combatant `id`. `other`: the
/// attacker (on damaged) or the victim (on kill), for the log. Triggers do not chain: effects
/// run here never fire further triggers.
pub fn fire(fight: &mut Fight, id: u64, phase: Phase, other: Option<u64>) {
    let Some(t) = fight.mods.target(id).cloned() else { return };
    let Some(c) = fight.get(id) else { return };
    if c.is_dead() || c.fled {
        return;
    }
    let customs: Vec<super::CustomModifier> =
        super::resolve::customs_of(&fight.mods.stack).into_iter().cloned().collect();
    let ctx = eval_of(fight, c, &t.counters);
    let mut texts = Vec::new();
    for cid in &t.resolved.customs {
        let Some(d) = customs.iter().find(|d| &d.id == cid) else { continue };
        let nodes: Vec<dsl::PrimitiveNode> = dsl::active(d, phase, &ctx).into_iter().cloned().collect();
        for n in nodes {
            let unkillable = t.resolved.has_trait(traits::UNKILLABLE);
            let Some(c) = fight.get_mut(id) else { return };
            let name = c.name().to_string();
            match (n.op, n.attr) {
                (Some(PrimitiveOp::AddToAttribute), StatAttr::Hp) if n.amount > 0 => {
                    let v = &mut c.creature.vitals;
                    if !v.dead {
                        let _ = crate::rules::damage::heal(v, n.amount, &name);
                        texts.push(format!("{name} regains up to {} HP ({})", n.amount, d.id));
                    }
                }
                (Some(PrimitiveOp::AddToAttribute), StatAttr::Hp) => {
                    let lost = lose_hp(c, -n.amount, unkillable);
                    texts.push(format!("{name} loses {lost} HP ({})", d.id));
                }
                (Some(PrimitiveOp::AddToAttribute), StatAttr::TempHp) => {
                    let before = c.creature.vitals.temp_hp;
                    crate::rules::damage::grant_temp_hp(&mut c.creature.vitals, n.amount);
                    texts.push(format!("{name} gains {} temporary HP ({})", n.amount, d.id));
                    let l = fight.mods.ledger_mut(id);
                    l.temp_hp_before_grant.get_or_insert(before);
                }
                (Some(PrimitiveOp::AddToAttribute), StatAttr::Counter) | (Some(PrimitiveOp::SeedAttribute), _) => {
                    let seed = n.op == Some(PrimitiveOp::SeedAttribute);
                    if let Some(tm) = fight.mods.target_mut(id) {
                        let v = match tm.counters.iter_mut().find(|k| k.name == n.counter) {
                            Some(k) => {
                                k.value = if seed { n.amount } else { k.value.saturating_add(n.amount) };
                                k.value
                            }
                            None => {
                                tm.counters.push(Counter { name: n.counter.clone(), value: n.amount });
                                n.amount
                            }
                        };
                        texts.push(format!("{name}'s {} is now {v} ({})", n.counter, d.id));
                    }
                }
                (Some(PrimitiveOp::AddToAttribute), attr) => {
                    if let Some(tm) = fight.mods.target_mut(id) {
                        tm.earned.add(attr, n.amount);
                    }
                    texts.push(format!("{name} gains {:+} {:?} ({})", n.amount, attr, d.id));
                }
                (Some(PrimitiveOp::ModifyMovement), _) => {
                    if let Some(tm) = fight.mods.target_mut(id) {
                        tm.earned.add(StatAttr::Speed, n.amount);
                    }
                    texts.push(format!("{name} gains {:+} ft speed ({})", n.amount, d.id));
                }
                _ => {}
            }
        }
    }
    if texts.is_empty() {
        return;
    }
    let label = match phase {
        Phase::TurnStart => "turn start",
        Phase::Damaged => "on damaged",
        Phase::Kill => "on kill",
        Phase::Standing => "standing",
    };
    recompute(fight);
    fight.push(ActionKind::Modifier, id, other, vec![], format!("Trigger ({label}): {}", texts.join("; ")));
    fight.check_end();
}

/// The house rules around one attack: the [`AttackHooks`] the one attack pipeline
/// (`RulesEngine::resolve_attack_with`) calls, so perk hooks (Lucky, Great Weapon Fighting,
/// Savage Attacks) run under house rules exactly as without them. Owns copies of what it reads;
/// the absorb counters it spends are written back by [`resolve_attack`].
struct HouseRules {
    /// The attacker's crit range.
    crit_min: Option<u8>,
    /// The target's profile state (resistances, customs, counters).
    target: Option<ModTarget>,
    customs: Vec<super::CustomModifier>,
    /// The target's state for conditionals.
    ctx: EvalCtx,
    unkillable: bool,
    /// The target is helpless and the attacker within 5 ft (the ruleset's critical).
    helpless: bool,
}

impl HouseRules {
    fn of(fight: &Fight, a: usize, t: usize) -> HouseRules {
        let (aid, tid) = (fight.combatants[a].id, fight.combatants[t].id);
        let target = fight.mods.target(tid).cloned();
        let counters = target.as_ref().map(|x| x.counters.clone()).unwrap_or_default();
        HouseRules {
            crit_min: fight.mods.target(aid).and_then(|x| x.resolved.crit_min),
            unkillable: target.as_ref().is_some_and(|x| x.resolved.has_trait(traits::UNKILLABLE)),
            target,
            customs: super::resolve::customs_of(&fight.mods.stack).into_iter().cloned().collect(),
            ctx: eval_of(fight, &fight.combatants[t], &counters),
            helpless: false,
        }
    }
}

impl AttackHooks for HouseRules {
    fn helpless_within_5ft(&self) -> bool {
        self.helpless
    }

    /// A wider critical range: a hit from the house rule's natural up (lite has no crit damage,
    /// the roll still hits).
    fn after_roll(&mut self, roll: &mut AttackRoll) {
        if let Some(m) = self.crit_min {
            if !roll.crit && roll.natural >= i32::from(m) && roll.natural < 20 {
                roll.crit = true;
                roll.hit = true;
                roll.text.push_str(&format!(" (critical on {m}–20 by house rule)"));
            }
        }
    }

    /// Percent resistances (the reduction rounded down), then absorb-with-counter, on the rolled
    /// damage, before the target's own immunity / resistance / vulnerability (SRD 5.1 applies
    /// those after every other modifier to damage).
    fn before_defenses(&mut self, dmg: &mut [Damage]) -> Option<String> {
        let target = self.target.as_mut()?;
        for d in dmg.iter_mut() {
            let p = target.resolved.resist_permille(d.damage_type) as i64;
            if p > 0 && d.amount > 0 {
                d.amount -= (i64::from(d.amount) * p / 1000) as i32;
            }
        }
        for id in &target.resolved.customs {
            let Some(desc) = self.customs.iter().find(|d| &d.id == id) else { continue };
            for n in dsl::active(desc, Phase::Standing, &self.ctx) {
                if n.op != Some(PrimitiveOp::AbsorbDamageWithAttribute) {
                    continue;
                }
                let have = target.counters.iter().find(|k| k.name == n.counter).map(|k| k.value).unwrap_or(0).max(0);
                let total: i32 = dmg.iter().map(|d| d.amount.max(0)).sum();
                let per = n.amount.max(1);
                let used = have.min((total + per - 1) / per);
                let mut absorbed = (used * per).min(total);
                let stopped = absorbed;
                for d in dmg.iter_mut() {
                    let x = absorbed.min(d.amount.max(0));
                    d.amount -= x;
                    absorbed -= x;
                }
                if used == 0 {
                    return None;
                }
                if let Some(k) = target.counters.iter_mut().find(|k| k.name == n.counter) {
                    k.value -= used;
                }
                return Some(format!("{stopped} damage absorbed by {used} {}", n.counter));
            }
        }
        None
    }

    /// Unkillable: damage never takes it below 1 HP (and it does not die).
    fn after_damage(&mut self, tgt: &mut Creature, before: &Vitals, outcome: &mut DamageOutcome) -> Option<String> {
        if !self.unkillable || (tgt.vitals.hp > 0 && !tgt.vitals.dead) {
            return None;
        }
        tgt.vitals.hp = 1;
        tgt.vitals.dead = false;
        tgt.vitals.stable = false;
        tgt.vitals.death_save_failures = before.death_save_failures;
        outcome.hp_after = 1;
        outcome.dropped_to_zero = false;
        outcome.death_save_failures_added = 0;
        outcome.instant_death = false;
        outcome.died = false;
        Some(format!("{} refuses to fall (unkillable)", tgt.name))
    }
}

/// One attack of combatant `a` on `t` with attack `k`: the ruleset's one attack pipeline
/// (`RulesEngine::resolve_attack_with`, perk hooks included) with the house rules as its hooks
/// (crit range, percent resistances, absorb, unkillable), then reflect and the `on_damaged` /
/// `on_kill` triggers. Without profiles it is exactly `R::resolve_attack`.
pub fn resolve_attack<R: RulesEngine>(
    fight: &mut Fight,
    a: usize,
    t: usize,
    k: usize,
    adv: Advantage,
    rng: &mut impl DiceSource,
    log: &mut DiceLog,
) -> WkResult<AttackOutcome> {
    let no_attack = || crate::error::err(crate::error::ErrorCode::InvalidArgument, "no such attack");
    let helpless = fight.helpless_within_5ft(a, t);
    if !fight.mods.active() {
        let (att, tgt) = two(&mut fight.combatants, a, t);
        let atk = att.creature.attacks.get(k).ok_or_else(no_attack)?;
        let mut situation = crate::rules::attack::Situation { helpless_within_5ft: helpless };
        return R::resolve_attack_with(&att.creature, atk, &mut tgt.creature, adv, &mut situation, rng, log);
    }
    let (aid, tid) = (fight.combatants[a].id, fight.combatants[t].id);
    let mut rules = HouseRules::of(fight, a, t);
    rules.helpless = helpless;
    let was_standing = fight.combatants[t].is_standing();
    let (att, tgt) = two(&mut fight.combatants, a, t);
    let atk = att.creature.attacks.get(k).ok_or_else(no_attack)?;
    let mut out = R::resolve_attack_with(&att.creature, atk, &mut tgt.creature, adv, &mut rules, rng, log)?;
    // The absorb counters the hooks spent.
    if let (Some(spent), Some(tm)) = (rules.target, fight.mods.target_mut(tid)) {
        tm.counters = spent.counters;
    }
    let took = out.damage.as_ref().map(|d| d.hp_lost + d.absorbed_by_temp_hp).unwrap_or(0);
    // Reflect.
    if took > 0 {
        let customs = super::resolve::customs_of(&fight.mods.stack);
        if let Some(tm) = fight.mods.target(tid).cloned() {
            let ctx = eval_of(fight, &fight.combatants[t], &tm.counters);
            let pct: i32 = tm
                .resolved
                .customs
                .iter()
                .filter_map(|id| customs.iter().find(|d| &d.id == id))
                .flat_map(|d| dsl::active(d, Phase::Standing, &ctx))
                .filter(|n| n.op == Some(PrimitiveOp::ReflectDamage))
                .map(|n| n.amount)
                .sum::<i32>()
                .min(100);
            let back = took * pct / 100;
            if back > 0 {
                let a_unkillable = fight.mods.target(aid).is_some_and(|x| x.resolved.has_trait(traits::UNKILLABLE));
                let lost = lose_hp(&mut fight.combatants[a], back, a_unkillable);
                out.text.push_str(&format!("; {lost} damage is reflected back"));
            }
        }
    }
    if took > 0 {
        fire(fight, tid, Phase::Damaged, Some(aid));
    }
    let dropped = was_standing && !fight.combatants[t].is_standing();
    if dropped && fight.status == FightStatus::Active {
        fire(fight, aid, Phase::Kill, Some(tid));
    }
    Ok(out)
}

fn two<T>(v: &mut [T], a: usize, b: usize) -> (&T, &mut T) {
    if a < b {
        let (l, r) = v.split_at_mut(b);
        (&l[a], &mut r[0])
    } else {
        let (l, r) = v.split_at_mut(a);
        (&r[0], &mut l[b])
    }
}

/// The report as `(ok, issues)` for a result row.
pub fn report_parts(r: &Report) -> (bool, Vec<Issue>) {
    (r.ok(), r.issues.clone())
}

/// Whether a new stack applies at once (the first stack of a fight, or a fight without turns)
/// rather than waiting for the next turn boundary.
pub fn applies_now(fight: &Fight) -> bool {
    fight.mods.applied == 0 && fight.mods.pending.is_none() || !fight.mode.is_turn_based()
}

/// Apply a validated stack now or queue it for the next turn boundary (see [`applies_now`]); the
/// outcome of an immediate apply is recorded for the request.
pub fn apply_or_queue(fight: &mut Fight, stack: Vec<Profile>, request: u64) {
    if applies_now(fight) {
        let r = apply_stack(fight, stack);
        // Validated just before against the same fight: cannot fail here; report it if it does.
        fight.mods.outcomes.push(SwapOutcome { request, applied: r.ok(), issues: r.issues });
    } else {
        queue(fight, stack, request);
    }
}

/// A combatant's profile-free numbers changed from outside the fight (`Fight::refresh`): take
/// them as its new base (and `sources`, its condition-tagged sources, for condition immunity)
/// and apply the house rules in force over them again.
pub fn rebase(fight: &mut Fight, id: u64, sources: &[super::conditions::HeldSource]) {
    let Some(base) = fight.get(id).map(base_of) else { return };
    if let Some(tag) = fight.mods.tags.iter_mut().find(|t| t.combatant_id == id) {
        tag.sources = sources.to_vec();
    }
    let Some(t) = fight.mods.target_mut(id) else { return };
    t.base = base;
    let t = t.clone();
    let own = fight.mods.own_view(id, &t.resolved.condition_immunities);
    let Some(c) = fight.get_mut(id) else { return };
    let held_back = write_effective(c, &t, own);
    fight.mods.hold_back(id, held_back);
}
