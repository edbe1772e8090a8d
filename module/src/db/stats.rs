//! The derived projections: the one writer of `character_stats` and `effective_stats`, and the
//! one place that gathers a character's modifier sources (sheet and ruleset, perk passives,
//! equipment by slot, active buffs by instance id) for the pure resolution
//! (`systems::stats::effective_stats`). Combat builds its combatants from [`effective_for`], so a
//! number a client sees is the number the rules use. Reads go through `rows`; nothing here calls
//! another `db` module.

use super::rows;
use crate::error::WkResult;
use crate::rules::{ActiveRules, CharacterSheet, DefenseRule, Defenses, DerivedStats, RulesEngine};
use crate::systems::buffs::modifiers::{KeyKind, ModifierKey, Stat};
use crate::systems::buffs::vocab::DamageSet;
use crate::systems::buffs::BuffDef;
use crate::systems::items::{equipment_effects, EquippedSource};
use crate::systems::stats::{effective_stats, BaseStats, Contribution, EffectiveStats, ModifierSource, SourceKind};
use crate::tables::buffs::{
    effective_stats as effective_stats_table, ActiveBuffRow, EffectiveStatsRow, StatContribution, StatLine,
};
use crate::tables::characters::{character_stats, Character, CharacterStats};
use spacetimedb::{ReducerContext, Table};

/// Walking speed the effective stats start from: the sheet has no speed yet (SRD default for
/// Medium creatures). Replace with the sheet's value when races/monsters carry one.
pub const BASE_SPEED_FT: i32 = 30;

fn damage_set(rules: &[DefenseRule]) -> DamageSet {
    let mut s = DamageSet::EMPTY;
    for r in rules {
        s.insert(r.damage_type);
    }
    s
}

/// The numbers before buffs: ability scores, the ruleset's derived AC, max HP, the sheet's damage
/// defenses. Attack, damage and save bonuses start at 0: they are what buffs add on top of the
/// ruleset's own bonuses.
pub fn base_stats(sheet: &CharacterSheet, derived: &DerivedStats) -> BaseStats {
    BaseStats {
        abilities: sheet.scores,
        armor_class: derived.ac,
        attack_bonus: 0,
        damage_bonus: 0,
        save_bonus: 0,
        speed: BASE_SPEED_FT,
        max_hp: sheet.vitals.max_hp,
        resistances: damage_set(&sheet.defenses.resistances),
        vulnerabilities: damage_set(&sheet.defenses.vulnerabilities),
        immunities: damage_set(&sheet.defenses.immunities),
    }
}

/// Active instances with their definitions, by instance id.
pub fn buff_sources(ctx: &ReducerContext, character_id: u64) -> Vec<(ActiveBuffRow, &'static BuffDef)> {
    let now = rows::now_micros(ctx);
    rows::buff_rows(ctx, character_id)
        .into_iter()
        .filter(|r| r.permanent || now < r.expires_at_micros)
        .filter_map(|r| rows::buff_def(&r.buff_id).map(|d| (r, d)))
        .collect()
}

/// The equipped items' modifier sources, in the fixed slot order (owned data).
pub fn equipment_sources(ctx: &ReducerContext, c: &Character) -> WkResult<Vec<EquippedSource>> {
    let l = rows::loadout(ctx, c.id);
    let catalog = rows::item_catalog()?;
    Ok(equipment_effects(catalog, &l, c.sheet.scores.str_)?.sources)
}

/// The ruleset's derived stats with the perk passives (Alert, Iron Will) on top.
pub fn derived_of(ctx: &ReducerContext, c: &Character) -> DerivedStats {
    let mut derived = ActiveRules::derive(&c.sheet);
    if rows::PERKS_ON {
        let owned = rows::owned_of(&rows::perk_rows(ctx, c.id));
        if !owned.is_empty() {
            crate::systems::perks::dispatch::adjust_derived(&owned, &mut derived);
        }
    }
    derived
}

/// The sheet's defenses plus what active buffs grant (periodic damage goes through these).
pub fn defenses_with_buffs(ctx: &ReducerContext, c: &Character) -> Defenses {
    let mut d = c.sheet.defenses.clone();
    for (_, def) in buff_sources(ctx, c.id) {
        for m in &def.modifiers {
            match m.key.kind() {
                KeyKind::Resistance(t) => d.resistances.push(DefenseRule::of(t)),
                KeyKind::Vulnerability(t) => d.vulnerabilities.push(DefenseRule::of(t)),
                KeyKind::Immunity(t) => d.immunities.push(DefenseRule::of(t)),
                KeyKind::Stat(_) | KeyKind::Flag(_) => {}
            }
        }
    }
    d
}

/// Every modifier source of a character in a fixed order: equipment by slot, then active buffs
/// by instance id.
fn all_sources<'a>(
    equipped: &'a [EquippedSource],
    held: &'a [(ActiveBuffRow, &'static BuffDef)],
) -> Vec<ModifierSource<'a>> {
    let mut v: Vec<ModifierSource> = equipped
        .iter()
        .map(|e| ModifierSource {
            kind: SourceKind::Equipment,
            id: e.uid,
            label: &e.label,
            stacks: 1,
            modifiers: &e.modifiers,
        })
        .collect();
    v.extend(held.iter().map(|(r, d)| ModifierSource {
        kind: SourceKind::Buff,
        id: r.id,
        label: &d.name,
        stacks: r.stacks,
        modifiers: &d.modifiers,
    }));
    v
}

/// Rewrite a character's derived projections (`character_stats`, `effective_stats`) from its
/// row and everything that modifies it. The only writer of both tables; `chars::save` calls it.
/// Each row is written only when it changed.
pub fn refresh(ctx: &ReducerContext, c: &Character) {
    let derived = derived_of(ctx, c);
    publish_effective(ctx, c, &derived);
    let row = CharacterStats { character_id: c.id, derived, updated_at: ctx.timestamp };
    match ctx.db.character_stats().character_id().find(c.id) {
        Some(old) if old.derived == row.derived => {}
        Some(_) => {
            ctx.db.character_stats().character_id().update(row);
        }
        None => {
            ctx.db.character_stats().insert(row);
        }
    }
}

fn publish_effective(ctx: &ReducerContext, c: &Character, derived: &DerivedStats) {
    let held = buff_sources(ctx, c.id);
    let equipped = equipment_sources(ctx, c).unwrap_or_default();
    let sources = all_sources(&equipped, &held);
    let eff = effective_stats(&base_stats(&c.sheet, derived), &sources);
    let contribution = |x: &Contribution| {
        let s = &sources[x.source as usize];
        StatContribution {
            source_kind: s.kind,
            source_id: s.id,
            label: s.label.to_string(),
            key: x.key,
            op: x.op,
            value: x.value,
            effective: x.effective,
        }
    };
    let stats = Stat::ALL
        .into_iter()
        .map(|stat| StatLine {
            stat,
            base: eff.base(stat),
            value: eff.get(stat),
            clamped: eff.was_clamped(stat),
            contributions: eff.contributions_to(stat.key()).map(contribution).collect(),
            explain: eff.explain(stat, &sources),
        })
        .collect();
    let other =
        eff.contributions.iter().filter(|x| !matches!(x.key.kind(), KeyKind::Stat(_))).map(contribution).collect();
    let flags =
        ModifierKey::all().into_iter().filter(|k| matches!(k.kind(), KeyKind::Flag(_)) && eff.has(*k)).collect();
    let mut row = EffectiveStatsRow {
        character_id: c.id,
        stats,
        resistances: eff.resistances,
        vulnerabilities: eff.vulnerabilities,
        immunities: eff.immunities,
        flags,
        other,
        updated_at: ctx.timestamp,
    };
    // Written only when something changed (`updated_at` is when the stats last changed): a refresh
    // that changes nothing (a buff's duration refreshed, a dagger swapped for a dagger) costs no
    // row write and sends subscribers nothing. The whole row is compared, the time aside.
    match ctx.db.effective_stats().character_id().find(c.id) {
        Some(old) => {
            row.updated_at = old.updated_at;
            if row != old {
                row.updated_at = ctx.timestamp;
                ctx.db.effective_stats().character_id().update(row);
            }
        }
        None => {
            ctx.db.effective_stats().insert(row);
        }
    }
}

/// A character's effective stats right now (derived stats + active buffs), e.g. for combat's
/// speed and condition flags.
pub fn effective_for(ctx: &ReducerContext, c: &Character) -> EffectiveStats {
    let derived = derived_of(ctx, c);
    let held = buff_sources(ctx, c.id);
    let equipped = equipment_sources(ctx, c).unwrap_or_default();
    let sources = all_sources(&equipped, &held);
    effective_stats(&base_stats(&c.sheet, &derived), &sources)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::AbilityScores;
    use crate::systems::buffs::modifiers::{ModOp, ModValue};

    #[test]
    fn base_stats_come_from_the_derived_sheet_and_buffs_add_on_top() {
        let classes = ActiveRules::classes().expect("classes load");
        let sheet =
            ActiveRules::new_character("Tess", &classes[0], AbilityScores::from_array([15, 14, 13, 12, 10, 8]), vec![]);
        let derived = ActiveRules::derive(&sheet);
        let base = base_stats(&sheet, &derived);
        assert_eq!(base.armor_class, derived.ac);
        assert_eq!(base.max_hp, sheet.vitals.max_hp);
        assert_eq!((base.attack_bonus, base.speed), (0, BASE_SPEED_FT));
        assert_eq!(base.get(Stat::Str), 15);

        // Any shipped buff that adds to AC raises the effective AC by exactly that, base untouched.
        let cat = crate::systems::buffs::load().expect("buffs load");
        let (def, add) = cat
            .defs()
            .iter()
            .find_map(|d| {
                d.modifiers.iter().find_map(|m| match (m.key, m.op, m.value) {
                    (ModifierKey::ArmorClass, ModOp::Add, ModValue::Int(v)) if v > 0 => Some((d, v)),
                    _ => None,
                })
            })
            .expect("a shipped AC buff");
        let src =
            [ModifierSource { kind: SourceKind::Buff, id: 7, label: &def.name, stacks: 1, modifiers: &def.modifiers }];
        let eff = effective_stats(&base, &src);
        assert_eq!(eff.get(Stat::ArmorClass), derived.ac + add);
        assert_eq!(eff.base(Stat::ArmorClass), derived.ac);
        assert!(eff.explain(Stat::ArmorClass, &src).contains(&def.name));
    }
}
