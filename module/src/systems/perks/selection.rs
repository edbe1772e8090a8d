//! Who may be offered what, and the weighted draw of a level-up offer. Data only: this file
//! never names a perk implementation.

use super::data::PerkDef;
use super::hooks::OwnedPerk;
use crate::error::{err, ErrorCode, WkResult};
use crate::rules::{CharacterSheet, DiceSource};

/// Eligible: level and ability minimum met, the required perk owned, and not owned already
/// unless stackable. In `defs` order (the CSV order), so the draw is deterministic.
pub fn eligible<'a>(defs: &'a [PerkDef], sheet: &CharacterSheet, owned: &[OwnedPerk]) -> Vec<&'a PerkDef> {
    defs.iter()
        .filter(|d| sheet.level >= d.min_level)
        .filter(|d| d.ability_min.is_none_or(|(a, v)| sheet.scores.get(a) >= v))
        .filter(|d| d.requires_perk.as_ref().is_none_or(|r| owned.iter().any(|o| &o.perk_id == r)))
        .filter(|d| d.stackable || !owned.iter().any(|o| o.perk_id == d.id))
        .collect()
}

/// Draw up to `n` distinct perks by weight, without replacement: one die of the remaining total
/// weight per pick. The same RNG gives the same offer.
pub fn draw_offer(
    defs: &[PerkDef],
    sheet: &CharacterSheet,
    owned: &[OwnedPerk],
    n: usize,
    rng: &mut impl DiceSource,
) -> Vec<String> {
    let mut pool: Vec<(&str, u32)> =
        eligible(defs, sheet, owned).into_iter().map(|d| (d.id.as_str(), d.weight)).collect();
    let mut out = Vec::new();
    while out.len() < n && !pool.is_empty() {
        let Some(id) = crate::systems::spawner::pick_weighted(&pool, rng).copied() else { break };
        pool.retain(|(p, _)| *p != id);
        out.push(id.to_string());
    }
    out
}

/// Check a choice against a stored offer: it must be one of the choices, the offer must still be
/// open, and the perk must still be eligible (a stackable perk may be picked again).
pub fn check_choice(
    defs: &[PerkDef],
    choices: &[String],
    chosen: Option<&str>,
    perk_id: &str,
    owned: &[OwnedPerk],
) -> WkResult<()> {
    if let Some(c) = chosen {
        return Err(err(
            ErrorCode::OfferAlreadyChosen,
            format!("this offer was already used to pick `{c}`; wait for your next level"),
        ));
    }
    if !choices.iter().any(|c| c == perk_id) {
        return Err(err(
            ErrorCode::PerkNotOffered,
            format!("`{perk_id}` is not in this offer; choose one of: {}", choices.join(", ")),
        ));
    }
    let Some(def) = defs.iter().find(|d| d.id == perk_id) else {
        return Err(err(
            ErrorCode::UnknownPerk,
            format!("`{perk_id}` is not a perk of this ruleset; see SELECT * FROM perk_def"),
        ));
    };
    if !def.stackable && owned.iter().any(|o| o.perk_id == perk_id) {
        return Err(err(ErrorCode::OfferAlreadyChosen, format!("you already have `{perk_id}` and it does not stack")));
    }
    Ok(())
}
