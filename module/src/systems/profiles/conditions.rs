//! House-rule condition immunity in a fight (`condition_immunity`, `GrantConditionImmunity`).
//!
//! A combatant enters a fight with condition flags and a speed derived from its own modifier
//! sources (equipment, buffs; `CombatFlags::from_effective`). The flags are a union, so the fight
//! alone cannot tell which condition set `cannot_act`. The glue therefore hands the runtime the
//! combatant's own sources, each tagged with the SRD condition it is ([`HeldSource`], carried in
//! the fight's `TypeTag`), and [`own_view`] resolves them again without the conditions the house
//! rules make it immune to: a stunned character immune to `stunned` acts, moves and is attacked
//! without advantage for as long as the house rule holds. The condition itself (the buff row)
//! stays on the character: house rules never leave their fight.
//!
//! The profile trait `incapacitated` is a condition too: immunity to `incapacitated` blocks it.

use crate::rules::{AbilityScores, Condition};
use crate::systems::buffs::modifiers::{Modifier, Stat};
use crate::systems::buffs::vocab::DamageSet;
use crate::systems::combat::CombatFlags;
use crate::systems::stats::{effective_stats, BaseStats, ModifierSource, SourceKind};
use spacetimedb::SpacetimeType;

/// One of a combatant's own modifier sources (an equipped item, an active buff), tagged with the
/// SRD condition it is (`None`: not a condition).
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct HeldSource {
    pub condition: Option<Condition>,
    pub stacks: u8,
    pub modifiers: Vec<Modifier>,
}

/// Does any of the sources carry a condition in `immune`?
pub fn blocks_any(sources: &[HeldSource], immune: &[Condition]) -> bool {
    sources.iter().any(|s| s.condition.is_some_and(|c| immune.contains(&c)))
}

/// The combatant's own condition flags and speed resolved again without the sources of the
/// conditions in `immune` (`base_speed_ft`: the speed its sources start from). `None` when none
/// of its conditions is blocked: the numbers it entered the fight with stand.
pub fn own_view(base_speed_ft: i32, sources: &[HeldSource], immune: &[Condition]) -> Option<(CombatFlags, f32)> {
    blocks_any(sources, immune).then(|| flags_and_speed(base_speed_ft, sources, immune))
}

/// Condition flags and speed from `sources` minus those of the conditions in `immune`, resolved
/// as the effective stats resolve them (`systems::stats::effective_stats`, `CombatFlags::from_effective`).
pub fn flags_and_speed(base_speed_ft: i32, sources: &[HeldSource], immune: &[Condition]) -> (CombatFlags, f32) {
    // Only flags and speed are read back; the other base numbers do not take part.
    let base = BaseStats {
        abilities: AbilityScores::from_array([10; 6]),
        armor_class: 0,
        attack_bonus: 0,
        damage_bonus: 0,
        save_bonus: 0,
        speed: base_speed_ft,
        max_hp: 1,
        resistances: DamageSet::EMPTY,
        vulnerabilities: DamageSet::EMPTY,
        immunities: DamageSet::EMPTY,
    };
    let kept: Vec<ModifierSource> = sources
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.condition.is_some_and(|c| immune.contains(&c)))
        .map(|(i, s)| ModifierSource {
            kind: SourceKind::Buff,
            id: i as u64,
            label: "",
            stacks: s.stacks.max(1),
            modifiers: &s.modifiers,
        })
        .collect();
    let eff = effective_stats(&base, &kept);
    (CombatFlags::from_effective(&eff), eff.get(Stat::Speed).max(0) as f32)
}

/// The condition a buff definition is, when it is one: its id (`stunned`) or its exclusive
/// group (`exhaustion` for `exhaustion_3`).
pub fn condition_of(buff_id: &str, group: Option<&str>, is_condition: bool) -> Option<Condition> {
    if !is_condition {
        return None;
    }
    Condition::parse(buff_id).or_else(|| group.and_then(Condition::parse))
}
