//! Resolution: the stack of profiles (plus custom descriptors and auras) → the modifiers of one
//! target, combined with each kind's stacking rule.

use super::dsl::{self, EvalCtx, Phase, PrimitiveOp, StatAttr};
use super::registry::Registry;
use super::{CustomModifier, Precedence, Profile};
use crate::rules::{Condition, DamageType};
use spacetimedb::SpacetimeType;
use std::collections::BTreeSet;

/// Who a target is for matching: its slot name, its type keys and its side.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TargetInfo {
    pub slot: String,
    /// `monster:<id>` / `class:<id>`, `monster` / `character`, `side:<n>`.
    pub types: Vec<String>,
    pub side: u32,
}

/// Where an entry came from: its precedence and the index of its profile in the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub precedence: Precedence,
    pub profile: usize,
}

/// The accumulator kinds fold into (`KindDescriptor::apply`).
#[derive(Debug, Clone, Default)]
pub struct Acc {
    pub hp_bonus: i32,
    pub movement_bonus_ft: i32,
    pub attack_bonus: i32,
    pub ac_bonus: i32,
    /// Products of MultiplyAttribute percentages (1.0 = unchanged).
    pub hp_factor: Option<f64>,
    pub speed_factor: Option<f64>,
    /// Per damage type, the fraction of damage that still gets through: ∏(1 − rᵢ).
    pub resist_keep: Vec<(DamageType, f64)>,
    pub condition_immunities: Vec<Condition>,
    pub traits: u32,
    /// ((precedence, profile index), lowest crit natural).
    pub crit: Option<((Precedence, usize), u8)>,
    pub customs: Vec<String>,
    custom_sources: Vec<Source>,
    pub facts: BTreeSet<String>,
}

/// A damage type and the share of it resisted, in permille.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResistShare {
    pub damage_type: DamageType,
    pub permille: u32,
}

/// The modifiers of one target after stacking (auras and trigger-earned bonuses are kept apart,
/// in `runtime::ModTarget`).
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq, Default)]
pub struct Resolved {
    pub hp_bonus: i32,
    /// Clamped to the movement kind's documented range.
    pub movement_bonus_ft: i32,
    pub attack_bonus: i32,
    pub ac_bonus: i32,
    /// Percent (100 = unchanged).
    pub hp_percent: u32,
    pub speed_percent: u32,
    pub resistances: Vec<ResistShare>,
    pub condition_immunities: Vec<Condition>,
    pub traits: u32,
    pub crit_min: Option<u8>,
    /// Custom descriptors attached to this target.
    pub customs: Vec<String>,
    /// Distinct resolved attributes (the validator's limit is 16).
    pub attributes: u32,
}

impl Resolved {
    pub fn resist_permille(&self, t: DamageType) -> u32 {
        self.resistances.iter().find(|r| r.damage_type == t).map(|r| r.permille).unwrap_or(0)
    }
    pub fn has_trait(&self, bit: u32) -> bool {
        self.traits & bit != 0
    }
}

/// Does a per-type target key match? `*` is the preset layer.
pub fn type_matches(key: &str, info: &TargetInfo) -> Option<Precedence> {
    if key == "*" {
        Some(Precedence::Preset)
    } else if info.types.iter().any(|t| t == key) {
        Some(Precedence::Type)
    } else {
        None
    }
}

/// Per-instance entries of `p` apply in an encounter with this layout id.
pub fn instances_apply(p: &Profile, layout: &str) -> bool {
    p.layout.as_deref().is_none_or(|l| l == layout)
}

/// Every custom descriptor embedded in the stack (the encounter's registry), first one of an id.
pub fn customs_of(stack: &[Profile]) -> Vec<&CustomModifier> {
    let mut out: Vec<&CustomModifier> = Vec::new();
    for p in stack {
        for c in &p.customs {
            if !out.iter().any(|o| o.id == c.id) {
                out.push(c);
            }
        }
    }
    out
}

/// Fold the standing primitives of a custom descriptor into `acc`.
fn apply_custom(acc: &mut Acc, d: &CustomModifier, src: Source, ctx: &EvalCtx) {
    for n in dsl::active(d, Phase::Standing, ctx) {
        if let Some(f) = dsl::node_fact(n) {
            acc.facts.insert(f);
        }
        match n.op {
            Some(PrimitiveOp::AddToAttribute) => match n.attr {
                StatAttr::MaxHp => acc.hp_bonus = acc.hp_bonus.saturating_add(n.amount),
                StatAttr::Speed => acc.movement_bonus_ft = acc.movement_bonus_ft.saturating_add(n.amount),
                StatAttr::AttackBonus => acc.attack_bonus = acc.attack_bonus.saturating_add(n.amount),
                StatAttr::Ac => acc.ac_bonus = acc.ac_bonus.saturating_add(n.amount),
                _ => {}
            },
            Some(PrimitiveOp::MultiplyAttribute) => {
                let f = f64::from(n.amount) / 100.0;
                let slot = if n.attr == StatAttr::MaxHp { &mut acc.hp_factor } else { &mut acc.speed_factor };
                *slot = Some(slot.unwrap_or(1.0) * f);
            }
            Some(PrimitiveOp::ModifyMovement) => {
                acc.movement_bonus_ft = acc.movement_bonus_ft.saturating_add(n.amount);
            }
            Some(PrimitiveOp::OverrideCritRange) => {
                let rank = (src.precedence, src.profile);
                if acc.crit.is_none_or(|(r, _)| rank >= r) {
                    acc.crit = Some((rank, n.amount.clamp(2, 20) as u8));
                }
            }
            Some(PrimitiveOp::GrantResistance) => {
                let e = super::ModifierEntry::keyed("resistance", &n.text, n.amount);
                (super::kinds::resistance::DESCRIPTOR.apply)(acc, &e, src);
            }
            Some(PrimitiveOp::GrantConditionImmunity) => {
                if let Some(c) = Condition::parse(&n.text) {
                    if !acc.condition_immunities.contains(&c) {
                        acc.condition_immunities.push(c);
                    }
                }
            }
            Some(PrimitiveOp::SetTrait) => acc.traits |= super::traits::parse(&n.text).unwrap_or(0),
            _ => {}
        }
    }
}

/// Resolve one target against the stack. Unknown kinds and bad values are skipped here (the
/// validator rejects them before a stack is ever applied).
pub fn resolve_target(
    stack: &[Profile],
    registry: &Registry,
    info: &TargetInfo,
    layout: &str,
    ctx: &EvalCtx,
) -> Resolved {
    let mut acc = Acc::default();
    for (pi, p) in stack.iter().enumerate() {
        let typed = p.per_type.iter().filter_map(|t| type_matches(&t.target, info).map(|prec| (prec, &t.modifiers)));
        let inst = p
            .per_instance
            .iter()
            .filter(|e| instances_apply(p, layout) && e.slot == info.slot)
            .map(|e| (Precedence::Instance, &e.modifiers));
        for (prec, mods) in typed.chain(inst) {
            let src = Source { precedence: prec, profile: pi };
            for e in mods {
                let Some(k) = registry.get(&e.kind) else { continue };
                if (k.check)(e).is_err() {
                    continue;
                }
                for f in (k.facts)(e) {
                    acc.facts.insert(f);
                }
                let before = acc.customs.len();
                (k.apply)(&mut acc, e, src);
                if acc.customs.len() > before {
                    acc.custom_sources.push(src);
                }
            }
        }
    }
    let customs = customs_of(stack);
    for (id, src) in acc.customs.clone().iter().zip(acc.custom_sources.clone()) {
        if let Some(d) = customs.iter().find(|d| &d.id == id) {
            apply_custom(&mut acc, d, src, ctx);
        }
    }
    finish(acc)
}

fn finish(acc: Acc) -> Resolved {
    let mv = super::kinds::movement_bonus::DESCRIPTOR.stacking;
    let movement = match mv {
        super::StackingRule::AdditiveClamped { min, max } => acc.movement_bonus_ft.clamp(min, max),
        _ => acc.movement_bonus_ft,
    };
    let pct = |f: Option<f64>| f.map(|f| (f * 100.0).round().clamp(0.0, 10_000.0) as u32).unwrap_or(100);
    let mut resistances: Vec<ResistShare> = acc
        .resist_keep
        .iter()
        .map(|(t, keep)| ResistShare {
            damage_type: *t,
            permille: ((1.0 - keep) * 1000.0).round().clamp(0.0, 1000.0) as u32,
        })
        .collect();
    resistances.sort_by_key(|r| r.damage_type);
    Resolved {
        hp_bonus: acc.hp_bonus,
        movement_bonus_ft: movement,
        attack_bonus: acc.attack_bonus,
        ac_bonus: acc.ac_bonus,
        hp_percent: pct(acc.hp_factor),
        speed_percent: pct(acc.speed_factor),
        resistances,
        condition_immunities: acc.condition_immunities,
        traits: acc.traits,
        crit_min: acc.crit.map(|(_, v)| v),
        customs: acc.customs,
        attributes: acc.facts.len() as u32,
    }
}
