//! Perk rows <-> the pure perk core (`systems::perks`): loading `perks.csv`, the phase call
//! sites the world tick, combat, XP and rests use, and the derived-stat / combat snapshots.
//!
//! Runtime behaviour with the system off: compiled out (no `perks` cargo feature) every entry
//! point here is a no-op except buff upkeep, which always runs as the first effects step. Switched
//! off at runtime (`admin_set_feature_enabled perks false`): `choose_perk` / `use_perk` answer
//! `E_FEATURE_DISABLED` and no new offers are made; perks already owned keep working.

use super::chars;
use crate::error::{err, ErrorCode, WkResult};
use crate::events;
use crate::gate::{self, Feature};
use crate::rules::{Creature, RestKind, XpOutcome};
use crate::systems::perks::combat::CombatPerk;
use crate::systems::perks::data::{self, PerkDef};
use crate::systems::perks::manifest::{self, PERK_HOOKS_IN_ORDER};
use crate::systems::perks::{dispatch, selection, OwnedPerk, OFFER_SIZE};
use crate::tables::characters::Character;
use crate::tables::events::EventKind;
use crate::tables::perks::{character_perk, perk_def, perk_offer, CharacterPerk, PerkDefRow, PerkOffer};
use spacetimedb::{ReducerContext, Table};

const ON: bool = super::rows::PERKS_ON;

/// Validate `perks.csv` against the manifest, then replace `perk_def`. Returns the row count.
pub fn load_defs(ctx: &ReducerContext) -> WkResult<usize> {
    let defs = data::load().map_err(crate::rules::static_data_error)?;
    for r in ctx.db.perk_def().iter().collect::<Vec<_>>() {
        ctx.db.perk_def().id().delete(r.id);
    }
    for d in &defs {
        let order = PERK_HOOKS_IN_ORDER.iter().position(|h| h.id == d.id).unwrap_or(usize::MAX) as u32;
        ctx.db.perk_def().insert(PerkDefRow {
            id: d.id.clone(),
            name: d.name.clone(),
            description: d.description.clone(),
            stackable: d.stackable,
            min_level: d.min_level,
            ability_min: d.ability_min.map(|(a, v)| format!("{} {v}", a.code())).unwrap_or_default(),
            requires_perk: d.requires_perk.clone().unwrap_or_default(),
            weight: d.weight,
            modes: d.modes,
            dispatch_order: order,
        });
    }
    Ok(defs.len())
}

pub use super::rows::{owned_of, perk_rows as rows_of};

/// Write back perk states that changed.
pub(super) fn write_states(ctx: &ReducerContext, rows: &[CharacterPerk], owned: &[OwnedPerk]) {
    for (r, o) in rows.iter().zip(owned) {
        if r.state != o.state {
            let mut r = r.clone();
            r.state = o.state;
            ctx.db.character_perk().id().update(r);
        }
    }
}

/// The combatant's perk snapshot (combat-relevant perks with their allowed modes).
pub fn combat_snapshot(ctx: &ReducerContext, character_id: u64, creature: &mut Creature) {
    if !ON {
        return;
    }
    for r in rows_of(ctx, character_id) {
        let Some(h) = manifest::hooks_for(&r.perk_id) else { continue };
        if !h.in_combat() {
            continue;
        }
        let modes = ctx.db.perk_def().id().find(r.perk_id.clone()).map(|d| d.modes).unwrap_or(0);
        creature.perks.push(CombatPerk { perk_id: r.perk_id.clone(), stacks: r.state.stacks, modes });
    }
}

/// After `award_xp`: level-up hooks of owned perks (Tough), then one offer per level gained.
/// The caller saves the character.
pub fn after_xp(ctx: &ReducerContext, c: &mut Character, o: &XpOutcome) {
    if !ON || o.level_after <= o.level_before {
        return;
    }
    let rows = rows_of(ctx, c.id);
    let owned = owned_of(&rows);
    dispatch::level_up(&owned, &mut c.sheet, o.level_after - o.level_before);
    if gate::require(ctx, Feature::Perks).is_err() {
        return;
    }
    let defs = data::table();
    let mut rng = ctx.rng();
    for level in o.level_before + 1..=o.level_after {
        let choices = selection::draw_offer(&defs, &c.sheet, &owned, OFFER_SIZE, &mut rng);
        if choices.is_empty() {
            continue;
        }
        let offer = ctx.db.perk_offer().insert(PerkOffer {
            id: 0,
            character_id: c.id,
            level,
            choices: choices.clone(),
            chosen: None,
            created_at: ctx.timestamp,
        });
        events::record(
            ctx,
            EventKind::PerkOffered,
            vec![c.id],
            format!("{} reaches level {level} and may choose a perk: {}", c.name, choices.join(", ")),
            format!("offer={};level={level};choices={}", offer.id, choices.join("|")),
        );
    }
}

/// The character an offer belongs to (`E_UNKNOWN_OFFER`).
pub fn offer_character(ctx: &ReducerContext, offer_id: u64) -> WkResult<u64> {
    ctx.db
        .perk_offer()
        .id()
        .find(offer_id)
        .map(|o| o.character_id)
        .ok_or_else(|| err(ErrorCode::UnknownOffer, format!("no perk offer {offer_id}; see SELECT * FROM perk_offer")))
}

/// `choose_perk` after auth and gate: validate against the offer, apply, record.
pub fn choose(ctx: &ReducerContext, mut c: Character, offer_id: u64, perk_id: &str) -> WkResult<()> {
    let Some(mut offer) = ctx.db.perk_offer().id().find(offer_id) else {
        return Err(err(ErrorCode::UnknownOffer, format!("no perk offer {offer_id}; see SELECT * FROM perk_offer")));
    };
    if offer.character_id != c.id {
        return Err(err(
            ErrorCode::UnknownOffer,
            format!("offer {offer_id} belongs to another character; use one of {}'s offers", c.name),
        ));
    }
    let defs = data::table();
    let rows = rows_of(ctx, c.id);
    let owned = owned_of(&rows);
    selection::check_choice(&defs, &offer.choices, offer.chosen.as_deref(), perk_id, &owned)?;
    let hooks = manifest::hooks_for(perk_id)
        .ok_or_else(|| err(ErrorCode::UnknownPerk, format!("`{perk_id}` has no implementation in this module")))?;
    let existing = rows.iter().find(|r| r.perk_id == perk_id).cloned();
    let state = dispatch::pick(hooks, &mut c.sheet, existing.as_ref().map(|r| r.state));
    match existing {
        Some(mut r) => {
            r.state = state;
            ctx.db.character_perk().id().update(r);
        }
        None => {
            ctx.db.character_perk().insert(CharacterPerk {
                id: 0,
                character_id: c.id,
                perk_id: perk_id.to_string(),
                state,
                picked_at: ctx.timestamp,
            });
        }
    }
    offer.chosen = Some(perk_id.to_string());
    ctx.db.perk_offer().id().update(offer);
    let name = defs.iter().find(|d| d.id == perk_id).map(|d: &PerkDef| d.name.clone()).unwrap_or_default();
    let c = chars::save(ctx, c);
    events::record(
        ctx,
        EventKind::PerkChosen,
        vec![c.id],
        format!("{} takes the {name} perk", c.name),
        format!("offer={offer_id};perk={perk_id};stacks={}", state.stacks),
    );
    Ok(())
}

/// `use_perk` after auth and gate.
pub fn use_perk(ctx: &ReducerContext, mut c: Character, perk_id: &str) -> WkResult<()> {
    if chars::in_combat(ctx, c.id) {
        return Err(err(
            ErrorCode::InCombat,
            format!("{} is in a fight; perks with an action are used outside combat (the fight owns HP)", c.name),
        ));
    }
    let rows = rows_of(ctx, c.id);
    let mut owned = owned_of(&rows);
    let mut rng = ctx.rng();
    let text = dispatch::use_perk(&mut owned, perk_id, &mut c.sheet, &mut rng)?;
    write_states(ctx, &rows, &owned);
    let c = chars::save(ctx, c);
    events::record(ctx, EventKind::PerkUsed, vec![c.id], text, format!("perk={perk_id}"));
    Ok(())
}

/// Admin/GM: grant a perk directly (no offer), running its on-pick hook.
pub fn grant(ctx: &ReducerContext, mut c: Character, perk_id: &str) -> WkResult<()> {
    let defs = data::table();
    let Some(def) = defs.iter().find(|d| d.id == perk_id) else {
        return Err(err(
            ErrorCode::UnknownPerk,
            format!("`{perk_id}` is not a perk of this ruleset; see SELECT * FROM perk_def"),
        ));
    };
    let hooks = manifest::hooks_for(perk_id)
        .ok_or_else(|| err(ErrorCode::UnknownPerk, format!("`{perk_id}` has no implementation in this module")))?;
    let existing = rows_of(ctx, c.id).into_iter().find(|r| r.perk_id == perk_id);
    if existing.is_some() && !def.stackable {
        return Err(err(
            ErrorCode::OfferAlreadyChosen,
            format!("{} already has `{perk_id}` and it does not stack", c.name),
        ));
    }
    let state = dispatch::pick(hooks, &mut c.sheet, existing.as_ref().map(|r| r.state));
    match existing {
        Some(mut r) => {
            r.state = state;
            ctx.db.character_perk().id().update(r);
        }
        None => {
            ctx.db.character_perk().insert(CharacterPerk {
                id: 0,
                character_id: c.id,
                perk_id: perk_id.to_string(),
                state,
                picked_at: ctx.timestamp,
            });
        }
    }
    let c = chars::save(ctx, c);
    events::record(
        ctx,
        EventKind::PerkChosen,
        vec![c.id],
        format!("an admin grants {} the {} perk", c.name, def.name),
        format!("offer=0;perk={perk_id};stacks={}", state.stacks),
    );
    Ok(())
}

/// The death hook: `c` went from alive to dead in this transaction. Returns true when a perk
/// prevented it (the sheet is changed; the caller saves the character).
pub fn on_death(ctx: &ReducerContext, c: &mut Character) -> bool {
    if !ON || !c.sheet.vitals.dead {
        return false;
    }
    let rows = rows_of(ctx, c.id);
    if rows.is_empty() {
        return false;
    }
    let mut owned = owned_of(&rows);
    let Some((perk, text)) = dispatch::death(&manifest::death_hooks(), &mut owned, &mut c.sheet) else {
        return false;
    };
    write_states(ctx, &rows, &owned);
    events::record(ctx, EventKind::PerkTriggered, vec![c.id], text, format!("perk={perk};phase=death"));
    true
}

/// A rest completed: per-rest charges come back.
pub fn on_rest_completed(ctx: &ReducerContext, character_id: u64, kind: RestKind) {
    if !ON {
        return;
    }
    let rows = rows_of(ctx, character_id);
    let mut owned = owned_of(&rows);
    dispatch::rest(&mut owned, kind);
    write_states(ctx, &rows, &owned);
}

/// Remove a character's perks and offers (character deletion).
pub fn purge_character(ctx: &ReducerContext, character_id: u64) {
    for r in ctx.db.character_perk().character_id().filter(character_id).collect::<Vec<_>>() {
        ctx.db.character_perk().id().delete(r.id);
    }
    for o in ctx.db.perk_offer().character_id().filter(character_id).collect::<Vec<_>>() {
        ctx.db.perk_offer().id().delete(o.id);
    }
}
