//! The effective-stats benchmark's fixture, shared by the native criterion bench
//! (`benches/core.rs`) and the in-module timing reducer (`admin_bench_effective_stats`), so the
//! wasm ÷ native ratio compares the same work: one base and ten sources of five modifiers each
//! (every numeric operation, flags and damage sets; 50 modifiers).

use crate::rules::AbilityScores;
use crate::systems::buffs::modifiers::{parse_modifiers, Modifier};
use crate::systems::buffs::vocab::DamageSet;
use crate::systems::stats::{BaseStats, ModifierSource, SourceKind};

pub fn base() -> BaseStats {
    BaseStats {
        abilities: AbilityScores::from_array([15, 14, 13, 12, 10, 8]),
        armor_class: 16,
        attack_bonus: 5,
        damage_bonus: 3,
        save_bonus: 0,
        speed: 30,
        max_hp: 24,
        resistances: DamageSet::EMPTY,
        vulnerabilities: DamageSet::EMPTY,
        immunities: DamageSet::EMPTY,
    }
}

const CELLS: [&str; 10] = [
    "armor_class:add:2;attack_bonus:add:1;save_bonus:add:1;speed:add:10;max_hp:add:5",
    "speed:multiply:2;max_hp:multiply:1.5;str:upgrade:19;dex:add:1;con:add:1",
    "armor_class:upgrade:16;damage_bonus:add:2;resistance:fire;advantage:attack;int:add:1",
    "speed:downgrade:50;wis:add:1;cha:add:-1;resistance:cold;disadvantage:check",
    "attack_bonus:add:-2;save_bonus:add:-2;armor_class:add:1;speed:add:5;max_hp:add:3",
    "str:add:1;dex:add:1;con:add:1;int:add:1;wis:add:1",
    "resistance:bludgeoning;resistance:piercing;resistance:slashing;damage_bonus:add:1;cha:add:1",
    "max_hp:add:10;armor_class:add:1;speed:multiply:0.5;attack_bonus:add:1;save_bonus:add:1",
    "unseen;advantage:attack;attackers_disadvantage;speed:add:5;armor_class:add:1",
    "speed:override:25;str:downgrade:18;damage_bonus:add:1;max_hp:add:2;attack_bonus:add:1",
];

/// Ten sources of five modifiers each (50 in all). The cells are valid by construction; the
/// native test below proves it.
pub fn fifty_modifiers() -> Vec<Vec<Modifier>> {
    CELLS.iter().map(|c| parse_modifiers(c).unwrap_or_default()).collect()
}

/// The labels of the ten sources ("Buff 0" ...).
pub fn labels() -> Vec<String> {
    (0..CELLS.len()).map(|i| format!("Buff {i}")).collect()
}

/// The sources over `mods` and `labels`: the first two as equipment, the rest as buffs.
pub fn sources<'a>(mods: &'a [Vec<Modifier>], labels: &'a [String]) -> Vec<ModifierSource<'a>> {
    mods.iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (m, label))| ModifierSource {
            kind: if i < 2 { SourceKind::Equipment } else { SourceKind::Buff },
            id: i as u64 + 1,
            label,
            stacks: 1,
            modifiers: m,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_has_exactly_fifty_valid_modifiers() {
        for c in CELLS {
            assert!(parse_modifiers(c).is_ok(), "{c}");
        }
        assert_eq!(fifty_modifiers().iter().map(Vec::len).sum::<usize>(), 50);
        let (m, l) = (fifty_modifiers(), labels());
        let s = sources(&m, &l);
        let eff = crate::systems::stats::effective_stats(&base(), &s);
        assert_ne!(eff.get(crate::systems::buffs::modifiers::Stat::ArmorClass), 16, "the modifiers change AC");
    }
}
