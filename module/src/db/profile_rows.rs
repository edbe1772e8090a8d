//! The public projections of a fight's house rules (`profile_stack`, `profile_effect`, the
//! outcome of queued swaps on `profile_validation`), rewritten by the combat glue on every commit.
//! Below `combat` (which calls [`sync`]) and `profiles` (the request workflow, which calls
//! `combat`), so the two never call each other in a circle.

use crate::systems::combat::Fight;
use crate::systems::profiles::Issue;
use crate::tables::profiles::{profile_effect, profile_stack, profile_validation, ProfileEffect, ProfileStack};
use spacetimedb::{ReducerContext, Table};

pub(super) fn set_status(ctx: &ReducerContext, request: u64, status: &str, ok: bool, issues: Option<Vec<Issue>>) {
    if let Some(mut row) = ctx.db.profile_validation().id().find(request) {
        row.status = status.into();
        row.ok = ok;
        if let Some(i) = issues {
            row.issues = i;
        }
        ctx.db.profile_validation().id().update(row);
    }
}

/// Called by the combat glue on every commit: outcomes of queued swaps onto their request rows,
/// then the public projections.
pub fn sync(ctx: &ReducerContext, combat_id: u64, fight: &mut Fight) {
    for o in std::mem::take(&mut fight.mods.outcomes) {
        let superseded = o.issues.iter().any(|i| i.code == "SUPERSEDED");
        let status = if o.applied {
            "applied"
        } else if superseded {
            "superseded"
        } else {
            "rejected"
        };
        let issues = if superseded { None } else { Some(o.issues) };
        set_status(ctx, o.request, status, o.applied || superseded, issues);
    }
    if fight.mods.applied == 0 && fight.mods.pending.is_none() {
        return; // no house rules on this fight
    }
    let row = ProfileStack {
        combat_id,
        profiles: fight.mods.stack.clone(),
        swap_pending: fight.mods.pending.is_some(),
        applied: fight.mods.applied,
    };
    match ctx.db.profile_stack().combat_id().find(combat_id) {
        Some(old)
            if old.profiles == row.profiles && old.swap_pending == row.swap_pending && old.applied == row.applied => {}
        Some(_) => {
            ctx.db.profile_stack().combat_id().update(row);
        }
        None => {
            ctx.db.profile_stack().insert(row);
        }
    }
    let existing: Vec<ProfileEffect> = ctx.db.profile_effect().combat_id().filter(combat_id).collect();
    for t in &fight.mods.targets {
        let Some(c) = fight.get(t.combatant_id) else { continue };
        let row = ProfileEffect {
            key: 0,
            combat_id,
            combatant_id: t.combatant_id,
            slot: t.slot.clone(),
            resolved: t.resolved.clone(),
            aura: t.aura,
            earned: t.earned,
            speed_ft: c.speed_ft,
            max_hp: c.creature.vitals.max_hp,
        };
        match existing.iter().find(|r| r.combatant_id == t.combatant_id) {
            Some(old) => {
                let row = ProfileEffect { key: old.key, ..row };
                if *old != row {
                    ctx.db.profile_effect().key().update(row);
                }
            }
            None => {
                ctx.db.profile_effect().insert(row);
            }
        }
    }
    for old in existing {
        if fight.mods.target(old.combatant_id).is_none() {
            ctx.db.profile_effect().key().delete(old.key);
        }
    }
}
