//! The validator: runs on every apply and every swap. Errors reject the whole stack atomically;
//! warnings are reported and the stack still applies. Stable codes (also in `error.rs`):
//! - `E_PROFILE_UNKNOWN_KIND` — an entry names no registered kind, or `custom` names a
//!   descriptor the stack does not embed;
//! - `E_PROFILE_BAD_VALUE` — an entry's value breaks its kind's schema, a per-type target key
//!   is malformed, a document bound is exceeded, or one custom id carries two different bodies;
//! - `E_CUSTOM_STRUCTURE` / `E_CUSTOM_PARAM` / `E_CUSTOM_DEPTH` / `E_CUSTOM_SIZE` — a custom
//!   descriptor fails semantic validation (see `dsl`);
//! - `E_PROFILE_ATTR_LIMIT` — more than 16 resolved attributes on one target;
//! - `E_PROFILE_STACK_LIMIT` — the summed value of one attribute on one target over the whole
//!   stack leaves its bound ([`super::STACK_BOUNDS`]: max HP ±500, attack and AC ±20, max HP and
//!   speed multiplied to 10..=300 %): three `hp_bonus` 500 entries for one target are refused;
//! - `E_PROFILE_UNKILLABLE_SIDE` — every standing member of a side is unkillable (trait or
//!   100 % resistance to every damage type): the side could never be defeated;
//! - `E_PROFILE_DEADLOCK` — the stack leaves no standing member of a side able to act (its own
//!   conditions the stack does not make it immune to, or the `incapacitated` trait): the side
//!   would have no legal action. A side its own conditions already stop is not the stack's doing;
//! - `E_PROFILE_ORPHAN_INSTANCE` (warning) — a per-instance key names no slot of the
//!   encounter, or the profile is bound to another layout: the entry is dropped.

use super::conditions::{own_view, HeldSource};
use super::dsl::{self, EvalCtx};
use super::registry::Registry;
use super::resolve::{customs_of, instances_apply, resolve_target, Resolved, TargetInfo};
use super::{
    stack_bound, stack_totals, traits, Profile, MAX_ATTRIBUTES_PER_TARGET, MAX_ENTRIES_PER_PROFILE, MAX_PROFILES,
};
use crate::error::ErrorCode;
use crate::rules::{Condition, DamageType};
use spacetimedb::SpacetimeType;

#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One finding: stable code, severity, the target or entry concerned, and a message naming the fix.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub code: String,
    pub severity: Severity,
    pub subject: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    pub issues: Vec<Issue>,
}

impl Report {
    fn push(&mut self, code: ErrorCode, severity: Severity, subject: impl Into<String>, message: impl Into<String>) {
        self.issues.push(Issue {
            code: code.as_str().to_string(),
            severity,
            subject: subject.into(),
            message: message.into(),
        });
    }
    fn error(&mut self, code: ErrorCode, subject: impl Into<String>, message: impl Into<String>) {
        self.push(code, Severity::Error, subject, message);
    }
    pub fn errors(&self) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(|i| i.severity == Severity::Error)
    }
    pub fn warnings(&self) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(|i| i.severity == Severity::Warning)
    }
    pub fn ok(&self) -> bool {
        self.errors().next().is_none()
    }
    pub fn has(&self, code: ErrorCode) -> bool {
        self.issues.iter().any(|i| i.code == code.as_str())
    }
    /// `E_CODE: message; E_CODE2: ...` of the errors (the reducer's `Err`), first error's code first.
    pub fn error_text(&self) -> String {
        self.errors().map(|i| format!("{}: {} ({})", i.code, i.message, i.subject)).collect::<Vec<_>>().join("; ")
    }
}

/// One combatant as the validator sees it.
#[derive(Debug, Clone, Default)]
pub struct Member {
    pub info: TargetInfo,
    /// Conscious and present (only they count for the side checks).
    pub standing: bool,
    /// Already unable to act without the profile (conditions).
    pub cannot_act: bool,
    /// Its own modifier sources tagged by condition (empty: unknown or none; see
    /// `super::conditions`), and the speed they start from.
    pub sources: Vec<HeldSource>,
    pub base_speed_ft: i32,
    pub eval: EvalCtx,
}

impl Member {
    /// Unable to act under a resolution: its own `cannot_act` unless the resolution makes it
    /// immune to the conditions behind it, or the `incapacitated` trait unless immune to that.
    fn stuck(&self, res: &Resolved) -> bool {
        let immune = &res.condition_immunities;
        let own = match own_view(self.base_speed_ft, &self.sources, immune) {
            Some((flags, _)) => flags.cannot_act,
            None => self.cannot_act,
        };
        own || (res.has_trait(traits::INCAPACITATED) && !immune.contains(&Condition::Incapacitated))
    }
}

/// The encounter: its layout id and members.
#[derive(Debug, Clone, Default)]
pub struct Encounter {
    pub layout: String,
    pub members: Vec<Member>,
}

fn target_key_ok(k: &str) -> bool {
    let named =
        |p: &str| k.strip_prefix(p).is_some_and(|r| !r.is_empty() && r.len() <= 64 && !r.contains(char::is_whitespace));
    k == "*"
        || k == "monster"
        || k == "character"
        || named("monster:")
        || named("class:")
        || k.strip_prefix("side:").is_some_and(|n| n.parse::<u32>().is_ok())
}

/// Validate a whole stack against an encounter.
pub fn validate_stack(stack: &[Profile], registry: &Registry, enc: &Encounter) -> Report {
    let mut r = Report::default();
    if stack.len() > MAX_PROFILES {
        r.error(ErrorCode::ProfileBadValue, "stack", format!("{} profiles; at most {MAX_PROFILES}", stack.len()));
        return r;
    }
    // Document shape, entries and kinds.
    for (pi, p) in stack.iter().enumerate() {
        let subj = format!("profile `{}`", p.id);
        if p.id.is_empty() || p.id.len() > 64 || p.name.len() > 64 || p.version == 0 {
            r.error(ErrorCode::ProfileBadValue, &subj, "id 1..=64 chars, name ≤ 64 chars, version ≥ 1");
        }
        if stack[..pi].iter().any(|q| q.id == p.id) {
            r.error(ErrorCode::ProfileBadValue, &subj, "the same profile id appears twice in the stack");
        }
        let n: usize = p.per_type.iter().map(|t| t.modifiers.len()).sum::<usize>()
            + p.per_instance.iter().map(|t| t.modifiers.len()).sum::<usize>();
        if n > MAX_ENTRIES_PER_PROFILE || p.customs.len() > 16 {
            r.error(
                ErrorCode::ProfileBadValue,
                &subj,
                format!("at most {MAX_ENTRIES_PER_PROFILE} entries and 16 customs"),
            );
            continue;
        }
        for c in &p.customs {
            if let Err((code, m)) = dsl::validate_custom(c) {
                r.error(code, &subj, m);
            }
        }
        for t in &p.per_type {
            if !target_key_ok(&t.target) {
                r.error(
                    ErrorCode::ProfileBadValue,
                    &subj,
                    format!(
                        "per-type target `{}`: use *, monster, character, monster:<id>, class:<id> or side:<n>",
                        t.target
                    ),
                );
            }
        }
        let all = p.per_type.iter().map(|t| &t.modifiers).chain(p.per_instance.iter().map(|t| &t.modifiers));
        for e in all.flatten() {
            match registry.get(&e.kind) {
                None => r.error(
                    ErrorCode::ProfileUnknownKind,
                    &subj,
                    format!("no modifier kind `{}`; registered: {}", e.kind, registry.ids()),
                ),
                Some(k) => {
                    if let Err(m) = (k.check)(e) {
                        r.error(
                            ErrorCode::ProfileBadValue,
                            &subj,
                            format!("{}: {m} (schema: {})", k.id, k.value_schema),
                        );
                    } else if k.id == "custom" && !stack.iter().any(|q| q.customs.iter().any(|c| c.id == e.key)) {
                        r.error(
                            ErrorCode::ProfileUnknownKind,
                            &subj,
                            format!("custom modifier `{}` is not embedded in any profile of the stack", e.key),
                        );
                    }
                }
            }
        }
    }
    for (i, a) in stack.iter().flat_map(|p| p.customs.iter()).enumerate() {
        if stack.iter().flat_map(|p| p.customs.iter()).take(i).any(|b| b.id == a.id && b != a) {
            r.error(
                ErrorCode::ProfileBadValue,
                format!("custom `{}`", a.id),
                "two different descriptors share this id; bump the id",
            );
        }
    }
    // Orphans: warnings, the entries are dropped.
    let slots: Vec<&str> = enc.members.iter().map(|m| m.info.slot.as_str()).collect();
    for p in stack {
        for e in &p.per_instance {
            if !instances_apply(p, &enc.layout) {
                r.push(
                    ErrorCode::ProfileOrphanInstance,
                    Severity::Warning,
                    format!("profile `{}` slot `{}`", p.id, e.slot),
                    format!(
                        "the profile is bound to layout `{}`, this encounter is `{}`; entry dropped",
                        p.layout.as_deref().unwrap_or(""),
                        enc.layout
                    ),
                );
            } else if !slots.contains(&e.slot.as_str()) {
                r.push(
                    ErrorCode::ProfileOrphanInstance,
                    Severity::Warning,
                    format!("profile `{}` slot `{}`", p.id, e.slot),
                    format!("no slot `{}` in this encounter (slots: {}); entry dropped", e.slot, slots.join(", ")),
                );
            }
        }
    }
    if !r.ok() {
        return r; // the resolution below assumes well-formed entries
    }
    // Per target and per side.
    let _ = customs_of(stack);
    // (side, all unkillable, all stuck, all stuck without any house rule)
    let mut sides: Vec<(u32, bool, bool, bool)> = Vec::new();
    for m in &enc.members {
        let res = resolve_target(stack, registry, &m.info, &enc.layout, &m.eval);
        if res.attributes as usize > MAX_ATTRIBUTES_PER_TARGET {
            r.error(
                ErrorCode::ProfileAttrLimit,
                format!("slot `{}`", m.info.slot),
                format!("{} resolved attributes; at most {MAX_ATTRIBUTES_PER_TARGET} per target", res.attributes),
            );
        }
        for (attr, total) in stack_totals(&res) {
            let (lo, hi) = stack_bound(attr);
            if total < lo || total > hi {
                r.error(
                    ErrorCode::ProfileStackLimit,
                    format!("slot `{}`", m.info.slot),
                    format!(
                        "the stack sums {attr} to {total} on this target; the total over every profile must stay \
                         within {lo}..={hi}: lower or drop entries"
                    ),
                );
            }
        }
        if !m.standing {
            continue;
        }
        let unkillable =
            res.has_trait(traits::UNKILLABLE) || DamageType::ALL.iter().all(|t| res.resist_permille(*t) >= 1000);
        let stuck = m.stuck(&res);
        let stuck_already = m.stuck(&Resolved::default());
        match sides.iter_mut().find(|s| s.0 == m.info.side) {
            Some(s) => {
                s.1 &= unkillable;
                s.2 &= stuck;
                s.3 &= stuck_already;
            }
            None => sides.push((m.info.side, unkillable, stuck, stuck_already)),
        }
    }
    for (side, unkillable, stuck, stuck_already) in sides {
        if unkillable {
            r.error(
                ErrorCode::ProfileUnkillableSide,
                format!("side {side}"),
                "every standing member would be unkillable, so the fight could never end; leave one killable",
            );
        }
        // A side its own conditions already stop is not the stack's doing (and removing house rules
        // must stay possible then).
        if stuck && !stuck_already {
            r.error(
                ErrorCode::ProfileDeadlock,
                format!("side {side}"),
                "no standing member of this side could act; leave one able to act",
            );
        }
    }
    r
}
