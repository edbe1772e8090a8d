//! Custom modifiers: a data-only DSL (no code execution). A [`CustomModifier`] is a small tree
//! of [`PrimitiveNode`]s stored flat (`nodes`, with `roots` and each node's `then` /
//! `otherwise` as indices), composed from a fixed catalog of 15 primitives ([`PrimitiveOp`]),
//! each with typed, bounded parameters (see [`check_node`]).
//!
//! Semantic validation ([`validate_custom`]), not only structural: every index in range, every
//! node used exactly once, children after their parent (no cycles), at most
//! [`MAX_PRIMITIVES`] nodes, nesting depth at most [`MAX_DEPTH`], parameters within bounds and
//! meaningful for the primitive, triggers only at the top level, trigger-only effects (current
//! HP, temp HP, counters) only inside a trigger and static-only effects (multiply, crit,
//! resistance, immunity, trait, aura, absorb, reflect) never inside one.
//!
//! Phases: static and passive primitives (outside triggers) are read by the effective-stat
//! resolution, with `conditional` evaluated against the current state each time it is
//! recomputed (turn boundaries, after movement); `on_turn_start`, `on_damaged` and `on_kill`
//! run their children when the fight reaches that phase (see `runtime`).

use spacetimedb::SpacetimeType;

pub const MAX_PRIMITIVES: usize = 50;
pub const MAX_DEPTH: usize = 3;
pub const MAX_COUNTER_LEN: usize = 24;

/// The primitive catalog.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrimitiveOp {
    /// Set counter `counter` to `amount` (0..=1000); when the modifier is applied, or when fired.
    SeedAttribute,
    /// Add `amount` (-100..=100) to `attr`. Static: MaxHp / Speed / AttackBonus / Ac. In a
    /// trigger also Hp (heal or lose HP), TempHp and Counter (a lasting bonus for the stats).
    AddToAttribute,
    /// Multiply `attr` (MaxHp or Speed) by `amount` percent (10..=300). Static only.
    MultiplyAttribute,
    /// Incoming damage is absorbed by counter `counter`: one point stops `amount` (1..=100) HP.
    AbsorbDamageWithAttribute,
    /// When damaged by an attack, the attacker loses `amount` percent (1..=100) of it.
    ReflectDamage,
    /// Everyone within `radius_ft` (5..=120) of the bearer — allies (`text` = "allies") or
    /// enemies ("enemies") — gets `amount` (-20..=20) to `attr` (MaxHp, Speed, AttackBonus, Ac).
    AddAura,
    /// Run `then` at the start of the bearer's turn.
    OnTurnStart,
    /// Run `then` when the bearer takes damage from an attack.
    OnDamaged,
    /// Run `then` when an attack of the bearer drops its target.
    OnKill,
    /// `cond` true: `then`, else `otherwise`.
    Conditional,
    /// `amount` feet of speed (-60..=60).
    ModifyMovement,
    /// Critical hits from natural `amount` (2..=20).
    OverrideCritRange,
    /// `amount` percent (1..=100) resistance to damage type `text`.
    GrantResistance,
    /// Immunity to condition `text`.
    GrantConditionImmunity,
    /// Trait flag `text` (unkillable, incapacitated, reckless, elusive).
    SetTrait,
}

impl PrimitiveOp {
    pub const ALL: [PrimitiveOp; 15] = [
        PrimitiveOp::SeedAttribute,
        PrimitiveOp::AddToAttribute,
        PrimitiveOp::MultiplyAttribute,
        PrimitiveOp::AbsorbDamageWithAttribute,
        PrimitiveOp::ReflectDamage,
        PrimitiveOp::AddAura,
        PrimitiveOp::OnTurnStart,
        PrimitiveOp::OnDamaged,
        PrimitiveOp::OnKill,
        PrimitiveOp::Conditional,
        PrimitiveOp::ModifyMovement,
        PrimitiveOp::OverrideCritRange,
        PrimitiveOp::GrantResistance,
        PrimitiveOp::GrantConditionImmunity,
        PrimitiveOp::SetTrait,
    ];
    pub fn is_trigger(self) -> bool {
        matches!(self, PrimitiveOp::OnTurnStart | PrimitiveOp::OnDamaged | PrimitiveOp::OnKill)
    }
    pub fn has_children(self) -> bool {
        self.is_trigger() || self == PrimitiveOp::Conditional
    }
}

/// The attribute a primitive reads or changes.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatAttr {
    #[default]
    None,
    MaxHp,
    Hp,
    TempHp,
    Speed,
    AttackBonus,
    Ac,
    /// The counter named by the node's `counter`.
    Counter,
}

/// What a `conditional` tests.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CondKind {
    #[default]
    None,
    /// Current HP below `amount` percent (1..=100) of max HP.
    HpBelowPercent,
    /// Counter `counter` at least `amount`.
    CounterAtLeast,
    /// Round number at least `amount` (1..=100).
    RoundAtLeast,
    /// A standing enemy within `radius_ft` (5..=120).
    EnemyWithin,
}

/// One primitive. Fields a primitive does not use must stay at their defaults.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq, Default)]
pub struct PrimitiveNode {
    pub op: Option<PrimitiveOp>,
    pub attr: StatAttr,
    pub counter: String,
    pub amount: i32,
    pub radius_ft: u32,
    pub text: String,
    pub cond: CondKind,
    pub then: Vec<u32>,
    pub otherwise: Vec<u32>,
}

impl PrimitiveNode {
    pub fn new(op: PrimitiveOp) -> PrimitiveNode {
        PrimitiveNode { op: Some(op), ..Default::default() }
    }
    pub fn op(&self) -> PrimitiveOp {
        self.op.unwrap_or(PrimitiveOp::SeedAttribute)
    }
}

/// A custom modifier descriptor (`type: data`; a scripted form is not offered).
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomModifier {
    pub id: String,
    pub version: u32,
    pub label: String,
    pub nodes: Vec<PrimitiveNode>,
    pub roots: Vec<u32>,
}

/// A DSL problem: (stable code, message).
pub type DslError = (crate::error::ErrorCode, String);

fn in_range(what: &str, v: i64, min: i64, max: i64) -> Result<(), String> {
    if v < min || v > max {
        return Err(format!("{what} {v} is outside {min}..={max}"));
    }
    Ok(())
}

fn counter_ok(c: &str) -> Result<(), String> {
    if c.is_empty()
        || c.len() > MAX_COUNTER_LEN
        || !c.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
    {
        return Err(format!("counter `{c}` must be 1..={MAX_COUNTER_LEN} chars of a-z, 0-9, _"));
    }
    Ok(())
}

/// The typed parameter schema of each primitive. `in_trigger`: the node runs when a trigger
/// fires (changes that only make sense at a moment, like healing, are allowed there only).
pub fn check_node(n: &PrimitiveNode, in_trigger: bool) -> Result<(), String> {
    let Some(op) = n.op else { return Err("a primitive needs an `op` from the catalog".into()) };
    let unused = |ok_counter: bool, ok_text: bool, ok_radius: bool, ok_attr: bool| -> Result<(), String> {
        if (!ok_counter && !n.counter.is_empty())
            || (!ok_text && !n.text.is_empty())
            || (!ok_radius && n.radius_ft != 0)
            || (!ok_attr && n.attr != StatAttr::None)
            || (op != PrimitiveOp::Conditional && n.cond != CondKind::None)
            || (!op.has_children() && (!n.then.is_empty() || !n.otherwise.is_empty()))
            || (op.is_trigger() && !n.otherwise.is_empty())
        {
            return Err(format!("{op:?} got a parameter it does not take"));
        }
        Ok(())
    };
    let static_only = || -> Result<(), String> {
        if in_trigger {
            return Err(format!("{op:?} is a standing effect and cannot run inside a trigger"));
        }
        Ok(())
    };
    match op {
        PrimitiveOp::SeedAttribute => {
            unused(true, false, false, false)?;
            counter_ok(&n.counter)?;
            in_range("seed value", n.amount.into(), 0, 1000)
        }
        PrimitiveOp::AddToAttribute => {
            unused(n.attr == StatAttr::Counter, false, false, true)?;
            in_range("amount", n.amount.into(), -100, 100)?;
            match n.attr {
                StatAttr::MaxHp | StatAttr::Speed | StatAttr::AttackBonus | StatAttr::Ac => Ok(()),
                StatAttr::Hp | StatAttr::TempHp if in_trigger => Ok(()),
                StatAttr::Counter if in_trigger => counter_ok(&n.counter),
                StatAttr::None => Err("AddToAttribute needs an `attr`".into()),
                a => Err(format!("AddToAttribute on {a:?} only makes sense inside a trigger")),
            }
        }
        PrimitiveOp::MultiplyAttribute => {
            static_only()?;
            unused(false, false, false, true)?;
            if !matches!(n.attr, StatAttr::MaxHp | StatAttr::Speed) {
                return Err("MultiplyAttribute works on MaxHp or Speed".into());
            }
            in_range("percent", n.amount.into(), 10, 300)
        }
        PrimitiveOp::AbsorbDamageWithAttribute => {
            static_only()?;
            unused(true, false, false, false)?;
            counter_ok(&n.counter)?;
            in_range("HP per point", n.amount.into(), 1, 100)
        }
        PrimitiveOp::ReflectDamage => {
            static_only()?;
            unused(false, false, false, false)?;
            in_range("percent", n.amount.into(), 1, 100)
        }
        PrimitiveOp::AddAura => {
            static_only()?;
            unused(false, true, true, true)?;
            if !matches!(n.attr, StatAttr::MaxHp | StatAttr::Speed | StatAttr::AttackBonus | StatAttr::Ac) {
                return Err("AddAura works on MaxHp, Speed, AttackBonus or Ac".into());
            }
            if n.text != "allies" && n.text != "enemies" {
                return Err("AddAura `text` must be `allies` or `enemies`".into());
            }
            in_range("radius_ft", n.radius_ft.into(), 5, 120)?;
            in_range("amount", n.amount.into(), -20, 20)
        }
        PrimitiveOp::OnTurnStart | PrimitiveOp::OnDamaged | PrimitiveOp::OnKill => {
            unused(false, false, false, false)?;
            if n.amount != 0 {
                return Err(format!("{op:?} takes no amount"));
            }
            if n.then.is_empty() {
                return Err(format!("{op:?} needs at least one primitive in `then`"));
            }
            Ok(())
        }
        PrimitiveOp::Conditional => {
            let (uses_counter, uses_radius) = (n.cond == CondKind::CounterAtLeast, n.cond == CondKind::EnemyWithin);
            unused(uses_counter, false, uses_radius, false)?;
            if n.then.is_empty() && n.otherwise.is_empty() {
                return Err("Conditional needs primitives in `then` or `otherwise`".into());
            }
            match n.cond {
                CondKind::None => Err("Conditional needs a `cond`".into()),
                CondKind::HpBelowPercent => in_range("percent", n.amount.into(), 1, 100),
                CondKind::CounterAtLeast => {
                    counter_ok(&n.counter)?;
                    in_range("amount", n.amount.into(), 0, 1000)
                }
                CondKind::RoundAtLeast => in_range("round", n.amount.into(), 1, 100),
                CondKind::EnemyWithin => {
                    if n.amount != 0 {
                        return Err("EnemyWithin uses radius_ft, not amount".into());
                    }
                    in_range("radius_ft", n.radius_ft.into(), 5, 120)
                }
            }
        }
        PrimitiveOp::ModifyMovement => {
            unused(false, false, false, false)?;
            in_range("feet", n.amount.into(), -60, 60)
        }
        PrimitiveOp::OverrideCritRange => {
            static_only()?;
            unused(false, false, false, false)?;
            in_range("natural", n.amount.into(), 2, 20)
        }
        PrimitiveOp::GrantResistance => {
            static_only()?;
            unused(false, true, false, false)?;
            if crate::rules::DamageType::parse(&n.text).is_none() {
                return Err(format!("`{}` is not a damage type", n.text));
            }
            in_range("percent", n.amount.into(), 1, 100)
        }
        PrimitiveOp::GrantConditionImmunity => {
            static_only()?;
            unused(false, true, false, false)?;
            if n.amount != 0 || crate::rules::Condition::parse(&n.text).is_none() {
                return Err(format!("`{}` is not a condition (and no amount is taken)", n.text));
            }
            Ok(())
        }
        PrimitiveOp::SetTrait => {
            static_only()?;
            unused(false, true, false, false)?;
            if n.amount != 0 || super::traits::parse(&n.text).is_none() {
                return Err(format!("`{}` is not a trait (and no amount is taken)", n.text));
            }
            Ok(())
        }
    }
}

/// Validate a descriptor; the first problem found, with its code.
pub fn validate_custom(d: &CustomModifier) -> Result<(), DslError> {
    use crate::error::ErrorCode as C;
    let who = format!("custom modifier `{}`", d.id);
    if d.id.is_empty() || d.id.len() > 64 || d.label.len() > 64 || d.version == 0 {
        return Err((C::CustomStructure, format!("{who}: id 1..=64 chars, label ≤ 64, version ≥ 1")));
    }
    if d.nodes.len() > MAX_PRIMITIVES {
        return Err((C::CustomSize, format!("{who} has {} primitives; at most {MAX_PRIMITIVES}", d.nodes.len())));
    }
    if d.roots.is_empty() {
        return Err((C::CustomStructure, format!("{who} has no root primitive")));
    }
    // Every node used exactly once, children strictly after their parent (so no cycles).
    let mut used = vec![false; d.nodes.len()];
    let mut mark = |i: u32, parent: Option<usize>| -> Result<(), DslError> {
        let k = i as usize;
        if k >= d.nodes.len() || parent.is_some_and(|p| k <= p) || used[k] {
            return Err((
                C::CustomStructure,
                format!("{who}: node index {i} is out of range, used twice, or not after its parent"),
            ));
        }
        used[k] = true;
        Ok(())
    };
    for r in &d.roots {
        mark(*r, None)?;
    }
    for (p, n) in d.nodes.iter().enumerate() {
        for c in n.then.iter().chain(n.otherwise.iter()) {
            mark(*c, Some(p))?;
        }
    }
    if let Some(k) = used.iter().position(|u| !u) {
        return Err((C::CustomStructure, format!("{who}: node {k} is not reachable from a root")));
    }
    // Depth, trigger placement and parameters.
    fn walk(d: &CustomModifier, i: usize, depth: usize, in_trigger: bool, who: &str) -> Result<(), DslError> {
        use crate::error::ErrorCode as C;
        if depth > MAX_DEPTH {
            return Err((C::CustomDepth, format!("{who} nests deeper than {MAX_DEPTH} levels")));
        }
        let n = &d.nodes[i];
        if n.op.is_some_and(|o| o.is_trigger()) && depth != 1 {
            return Err((C::CustomStructure, format!("{who}: triggers go at the top level only (node {i})")));
        }
        check_node(n, in_trigger).map_err(|m| (C::CustomParam, format!("{who}, node {i}: {m}")))?;
        let inside = in_trigger || n.op.is_some_and(|o| o.is_trigger());
        for c in n.then.iter().chain(n.otherwise.iter()) {
            walk(d, *c as usize, depth + 1, inside, who)?;
        }
        Ok(())
    }
    for r in &d.roots {
        walk(d, *r as usize, 1, false, &who)?;
    }
    Ok(())
}

/// What `conditional` reads.
#[derive(Debug, Clone, Default)]
pub struct EvalCtx {
    pub hp: i32,
    pub max_hp: i32,
    pub round: u32,
    pub counters: Vec<(String, i32)>,
    /// Distance to the nearest standing enemy (f32::MAX when none).
    pub nearest_enemy_ft: f32,
}

impl EvalCtx {
    pub fn counter(&self, name: &str) -> i32 {
        self.counters.iter().find(|(n, _)| n == name).map(|(_, v)| *v).unwrap_or(0)
    }
    fn holds(&self, n: &PrimitiveNode) -> bool {
        match n.cond {
            CondKind::None => false,
            CondKind::HpBelowPercent => i64::from(self.hp) * 100 < i64::from(n.amount) * i64::from(self.max_hp.max(1)),
            CondKind::CounterAtLeast => self.counter(&n.counter) >= n.amount,
            CondKind::RoundAtLeast => self.round as i64 >= i64::from(n.amount),
            CondKind::EnemyWithin => self.nearest_enemy_ft <= n.radius_ft as f32 + 0.01,
        }
    }
}

/// Which part of a descriptor to walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Standing and passive effects (outside triggers).
    Standing,
    TurnStart,
    Damaged,
    Kill,
}

/// The effect primitives active in `phase`, with conditionals decided by `ctx` (a malformed
/// descriptor yields nothing rather than panicking; the validator rejects those first).
pub fn active<'a>(d: &'a CustomModifier, phase: Phase, ctx: &EvalCtx) -> Vec<&'a PrimitiveNode> {
    fn expand<'a>(d: &'a CustomModifier, idx: &[u32], ctx: &EvalCtx, depth: usize, out: &mut Vec<&'a PrimitiveNode>) {
        if depth > MAX_DEPTH {
            return;
        }
        for i in idx {
            let Some(n) = d.nodes.get(*i as usize) else { continue };
            match n.op {
                Some(PrimitiveOp::Conditional) => {
                    let branch = if ctx.holds(n) { &n.then } else { &n.otherwise };
                    expand(d, branch, ctx, depth + 1, out);
                }
                Some(o) if o.is_trigger() => {}
                Some(_) => out.push(n),
                None => {}
            }
        }
    }
    let mut out = Vec::new();
    match phase {
        Phase::Standing => expand(d, &d.roots, ctx, 1, &mut out),
        _ => {
            let want = match phase {
                Phase::TurnStart => PrimitiveOp::OnTurnStart,
                Phase::Damaged => PrimitiveOp::OnDamaged,
                _ => PrimitiveOp::OnKill,
            };
            for r in &d.roots {
                if let Some(n) = d.nodes.get(*r as usize).filter(|n| n.op == Some(want)) {
                    expand(d, &n.then, ctx, 2, &mut out);
                }
            }
        }
    }
    out
}

/// The resolved attribute a standing primitive sets (the 16-attribute limit counts these).
pub fn node_fact(n: &PrimitiveNode) -> Option<String> {
    Some(match n.op? {
        PrimitiveOp::AddToAttribute | PrimitiveOp::MultiplyAttribute => format!("{:?}", n.attr).to_ascii_lowercase(),
        PrimitiveOp::ModifyMovement => "speed".into(),
        PrimitiveOp::OverrideCritRange => "crit_range".into(),
        PrimitiveOp::GrantResistance => format!("resist:{}", n.text.to_ascii_lowercase()),
        PrimitiveOp::GrantConditionImmunity => format!("immune:{}", n.text.to_ascii_lowercase()),
        PrimitiveOp::SetTrait => format!("trait:{}", n.text),
        PrimitiveOp::AddAura => format!("aura:{:?}", n.attr).to_ascii_lowercase(),
        PrimitiveOp::AbsorbDamageWithAttribute => format!("absorb:{}", n.counter),
        PrimitiveOp::ReflectDamage => "reflect".into(),
        PrimitiveOp::SeedAttribute => format!("counter:{}", n.counter),
        _ => return None,
    })
}
