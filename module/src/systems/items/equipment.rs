//! Equipment -> stats: what the equipped items contribute, in the shapes the rules engine and
//! `effective_stats` take.
//!
//! - Modifier sources: one per equipped item with modifiers, kind `Equipment`, label = item
//!   name, id = instance uid, in the fixed slot order main hand, off hand, body, accessory.
//!   Belt items contribute nothing while carried (their effect is on use).
//! - Heavy armor whose STR minimum the wearer does not meet: an extra source labelled
//!   `"<armor> (needs STR n)"` with `speed:add:-10` (SRD 5.1).
//! - Armor facts for `CharacterSheet::armor` (`ArmorWorn`): body armor base AC and DEX cap, the
//!   shield in the off hand. Stealth disadvantage is reported for the skill-check layer (the
//!   modifier-key language has no per-skill key).
//! - Weapons for `creature_from_sheet`: the main-hand weapon first (its versatile damage when
//!   the off hand is empty), then a light off-hand weapon. Ranged (ammunition) weapons use DEX,
//!   others STR, finesse the better of both. No weapon: the rules use an unarmed strike.
//!
//! Note: `attack_bonus` / `damage_bonus` from a magic weapon are global stats in the modifier
//! language, so a +1 off-hand dagger also raises main-hand attacks. Documented limitation.

use super::defs::{ItemCatalog, ItemDef};
use super::instances::LoadoutSlot;
use super::loadout::Loadout;
use crate::error::WkResult;
use crate::rules::{Ability, ArmorWorn, DiceExpr, WeaponDef};
use crate::systems::buffs::modifiers::{ModOp, Modifier, ModifierKey};
use crate::systems::stats::{ModifierSource, SourceKind};

/// SRD: heavy armor without the STR it needs costs 10 feet of speed.
pub const HEAVY_ARMOR_SPEED_PENALTY_FT: i32 = 10;

/// One equipped contributor (owned, so the caller can keep it while building sources).
#[derive(Debug, Clone, PartialEq)]
pub struct EquippedSource {
    pub uid: u64,
    pub slot: LoadoutSlot,
    pub label: String,
    pub modifiers: Vec<Modifier>,
}

/// Everything the equipped items mean for the character's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct EquipmentEffects {
    pub sources: Vec<EquippedSource>,
    pub armor: ArmorWorn,
    pub stealth_disadvantage: bool,
    pub weapons: Vec<WeaponDef>,
}

impl EquipmentEffects {
    /// The sources in the form `effective_stats` takes (callers put profiles before and buffs
    /// after them).
    pub fn modifier_sources(&self) -> Vec<ModifierSource<'_>> {
        self.sources
            .iter()
            .map(|s| ModifierSource {
                kind: SourceKind::Equipment,
                id: s.uid,
                label: &s.label,
                stacks: 1,
                modifiers: &s.modifiers,
            })
            .collect()
    }
}

const STAT_SLOTS: [LoadoutSlot; 4] =
    [LoadoutSlot::MainHand, LoadoutSlot::OffHand, LoadoutSlot::Body, LoadoutSlot::Accessory];

fn weapon_def(def: &ItemDef, two_hands_free: bool) -> Option<WeaponDef> {
    let w = def.weapon.as_ref()?;
    let one_handed = w.damage?;
    let damage_type = w.damage_type?;
    let dice = match (two_hands_free, w.versatile_damage) {
        (true, Some(v)) => v,
        _ => one_handed,
    };
    Some(WeaponDef {
        id: def.id.clone(),
        name: def.name.clone(),
        ability: if w.properties.is_ranged() { Ability::Dex } else { Ability::Str },
        finesse: w.properties.finesse,
        damage: DiceExpr::from(dice),
        damage_type,
        magical: def.magical,
    })
}

/// Derive the equipment effects of a loadout. `str_score`: the wearer's STR for heavy-armor
/// requirements (the base score, or the effective one from a first `effective_stats` pass —
/// STR never depends on the speed penalty, so two passes are exact).
pub fn equipment_effects(catalog: &ItemCatalog, loadout: &Loadout, str_score: u8) -> WkResult<EquipmentEffects> {
    let mut out = EquipmentEffects {
        sources: Vec::new(),
        armor: ArmorWorn::NONE,
        stealth_disadvantage: false,
        weapons: Vec::new(),
    };
    for slot in STAT_SLOTS {
        let Some(item) = loadout.get(slot) else { continue };
        let def = catalog.get(&item.def_id)?;
        if !def.modifiers.is_empty() {
            out.sources.push(EquippedSource {
                uid: item.uid,
                slot,
                label: def.name.clone(),
                modifiers: def.modifiers.clone(),
            });
        }
        if let Some(a) = &def.armor {
            if slot == LoadoutSlot::OffHand {
                out.armor.shield = true;
            } else if slot == LoadoutSlot::Body {
                out.armor.base_ac = a.base_ac;
                out.armor.dex_cap = a.dex_cap;
                out.stealth_disadvantage |= a.stealth_disadvantage;
                if a.str_min > 0 && str_score < a.str_min {
                    out.sources.push(EquippedSource {
                        uid: item.uid,
                        slot,
                        label: format!("{} (needs STR {})", def.name, a.str_min),
                        modifiers: vec![Modifier::int(ModifierKey::Speed, ModOp::Add, -HEAVY_ARMOR_SPEED_PENALTY_FT)],
                    });
                }
            }
        }
    }
    let off_empty = loadout.get(LoadoutSlot::OffHand).is_none();
    if let Some(main) = loadout.get(LoadoutSlot::MainHand) {
        if let Some(w) = weapon_def(catalog.get(&main.def_id)?, off_empty) {
            out.weapons.push(w);
        }
    }
    if let Some(off) = loadout.get(LoadoutSlot::OffHand) {
        let def = catalog.get(&off.def_id)?;
        if def.weapon.as_ref().is_some_and(|w| w.properties.light) {
            if let Some(w) = weapon_def(def, false) {
                out.weapons.push(w);
            }
        }
    }
    Ok(out)
}
