//! Static data -> tables. Everything is parsed and validated first; tables are only replaced
//! when the whole set is valid, so a bad file never leaves the world half-loaded.

use crate::error::WkResult;
use crate::rules::{ActiveRules, ClassDef, RulesEngine};
use crate::tables::statics::{class_def, skill_def, ClassDefRow, SkillDefRow};
use crate::tables::world::{location_def, LocationDefRow};
use spacetimedb::{ReducerContext, Table};

/// Everything the active ruleset ships, parsed and cross-checked.
pub struct StaticSet {
    pub locations: Vec<crate::systems::travel::LocationDef>,
    pub classes: Vec<ClassDef>,
    pub skills: Vec<crate::rules::skills::SkillDef>,
}

/// Parse and validate every static file of the active ruleset (pure; tested natively).
pub fn parse_all() -> Result<StaticSet, crate::data::DataError> {
    ActiveRules::validate_static_data()?;
    Ok(StaticSet {
        locations: crate::systems::travel::shipped()?,
        classes: ActiveRules::classes()?,
        skills: ActiveRules::skills()?,
    })
}

/// Replace the static tables with the validated set.
pub fn load_into_tables(ctx: &ReducerContext) -> WkResult<(usize, usize, usize)> {
    let set = parse_all().map_err(crate::rules::static_data_error)?;
    // Diff instead of delete-all + insert-all: unchanged rows stay untouched, so subscribers see
    // only real changes.
    let classes: Vec<ClassDefRow> = set.classes.iter().map(class_row).collect();
    for old in ctx.db.class_def().iter().collect::<Vec<_>>() {
        if !classes.iter().any(|c| c.id == old.id) {
            ctx.db.class_def().id().delete(&old.id);
        }
    }
    for c in classes {
        match ctx.db.class_def().id().find(&c.id) {
            Some(old) if old == c => {}
            Some(_) => {
                ctx.db.class_def().id().update(c);
            }
            None => {
                ctx.db.class_def().insert(c);
            }
        }
    }
    let skills: Vec<SkillDefRow> =
        set.skills.iter().map(|s| SkillDefRow { id: s.id.clone(), name: s.name.clone(), ability: s.ability }).collect();
    for old in ctx.db.skill_def().iter().collect::<Vec<_>>() {
        if !skills.iter().any(|s| s.id == old.id) {
            ctx.db.skill_def().id().delete(&old.id);
        }
    }
    for s in skills {
        match ctx.db.skill_def().id().find(&s.id) {
            Some(old) if old == s => {}
            Some(_) => {
                ctx.db.skill_def().id().update(s);
            }
            None => {
                ctx.db.skill_def().insert(s);
            }
        }
    }
    let locations: Vec<LocationDefRow> = set
        .locations
        .iter()
        .map(|l| LocationDefRow {
            id: l.id.clone(),
            name: l.name.clone(),
            safe: l.safe,
            pvp: l.pvp,
            neighbours: l.neighbours.clone(),
            description: l.description.clone(),
        })
        .collect();
    for old in ctx.db.location_def().iter().collect::<Vec<_>>() {
        if !locations.iter().any(|l| l.id == old.id) {
            ctx.db.location_def().id().delete(&old.id);
        }
    }
    for l in locations {
        match ctx.db.location_def().id().find(&l.id) {
            Some(old) if old == l => {}
            Some(_) => {
                ctx.db.location_def().id().update(l);
            }
            None => {
                ctx.db.location_def().insert(l);
            }
        }
    }
    Ok((set.locations.len(), set.classes.len(), set.skills.len()))
}

/// Replace `item_def` with a validated catalog (diffed like the other static tables). Instances
/// whose definition disappears stay as they are; the invariant check reports them.
pub fn load_items(ctx: &ReducerContext, catalog: &crate::systems::items::ItemCatalog) -> usize {
    use crate::tables::items::{item_def, ItemDefRow};
    let rows: Vec<ItemDefRow> =
        catalog.defs().iter().map(|d| ItemDefRow { id: d.id.clone(), def: d.clone() }).collect();
    for old in ctx.db.item_def().iter().collect::<Vec<_>>() {
        if !rows.iter().any(|r| r.id == old.id) {
            ctx.db.item_def().id().delete(&old.id);
        }
    }
    for r in rows {
        match ctx.db.item_def().id().find(&r.id) {
            Some(old) if old == r => {}
            Some(_) => {
                ctx.db.item_def().id().update(r);
            }
            None => {
                ctx.db.item_def().insert(r);
            }
        }
    }
    catalog.len()
}

pub fn class_row(c: &ClassDef) -> ClassDefRow {
    ClassDefRow {
        id: c.id.clone(),
        name: c.name.clone(),
        hit_die: c.hit_die,
        saving_throws: c.saving_throws.clone(),
        primary_abilities: c.primary_abilities.clone(),
        skill_count: c.skill_count,
        skill_options: c.skill_options.clone(),
    }
}

pub fn class_from_row(r: &ClassDefRow) -> ClassDef {
    ClassDef {
        id: r.id.clone(),
        name: r.name.clone(),
        hit_die: r.hit_die,
        saving_throws: r.saving_throws.clone(),
        primary_abilities: r.primary_abilities.clone(),
        skill_count: r.skill_count,
        skill_options: r.skill_options.clone(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_shipped_file_of_the_active_ruleset_loads() {
        let set = super::parse_all().unwrap_or_else(|e| panic!("{e}"));
        assert!(!set.classes.is_empty());
        assert!(!set.skills.is_empty());
    }
}
