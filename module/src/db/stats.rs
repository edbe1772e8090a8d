//! The derived projections: the one writer of `character_stats` and `effective_stats`, and the
//! one place that gathers a character's modifier sources (sheet and ruleset, perk passives,
//! equipment by slot, active buffs by instance id) for the pure resolution
//! (`systems::stats::effective_stats`). Combat builds its combatants from [`effective_for`], so a
//! number a client sees is the number the rules use. Reads go through `rows`; nothing here calls
//! another `db` module.

use super::rows;
use crate::error::WkResult;
use crate::rules::{ActiveRules, Creature, Defenses, DerivedStats, DiceLog, MonsterDef, RulesEngine, Scripted};
use crate::systems::buffs::modifiers::{KeyKind, ModifierKey, Stat};
use crate::systems::buffs::BuffDef;
use crate::systems::items::{equipment_effects, EquippedSource};
use crate::systems::perks::hooks::OwnedPerk;
use crate::systems::profiles::conditions::{condition_of, HeldSource};
use crate::systems::stats::{Contribution, EffectiveStats, ModifierSource, SourceKind};
use crate::systems::view::{self, View};
use crate::tables::buffs::{
    effective_stat as effective_stat_table, effective_stats as effective_stats_table, stat_row_id, stats_input,
    ActiveBuffRow, EffectiveStat, EffectiveStatsRow, StatContribution, StatsInput,
};
use crate::tables::characters::{character_stats, Character, CharacterStats};
use crate::tables::combat::MonsterInstance;
use spacetimedb::{ReducerContext, Table};

pub use crate::systems::view::{base_stats, BASE_SPEED_FT};

/// Active instances with their definitions, by instance id.
pub fn buff_sources(ctx: &ReducerContext, target_id: u64) -> Vec<(ActiveBuffRow, &'static BuffDef)> {
    let now = rows::now_micros(ctx);
    rows::buff_rows(ctx, target_id)
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

/// Perk passives on derived stats (Alert, Iron Will) of a character's owned perks.
fn perk_adjust(owned: Vec<OwnedPerk>) -> impl Fn(&mut DerivedStats) {
    move |d: &mut DerivedStats| {
        if !owned.is_empty() {
            crate::systems::perks::dispatch::adjust_derived(&owned, d);
        }
    }
}

/// A character's own modifier sources tagged by condition, in the order its effective stats
/// resolve them (equipment by slot, then buffs by instance id); empty when it holds no condition
/// (then nothing for house-rule condition immunity to take out). See
/// `systems::profiles::conditions`.
pub fn condition_sources(ctx: &ReducerContext, ch: &Character) -> Vec<HeldSource> {
    let held = buff_sources(ctx, ch.id);
    if !held.iter().any(|(_, d)| d.flags.condition) {
        return Vec::new();
    }
    let equipped = equipment_sources(ctx, ch).unwrap_or_default();
    let gear = equipped.into_iter().map(|e| HeldSource { condition: None, stacks: 1, modifiers: e.modifiers });
    let buffs = held.iter().map(|(r, d)| HeldSource {
        condition: condition_of(&d.id, d.exclusive_group.as_deref(), d.flags.condition),
        stacks: r.stacks,
        modifiers: d.modifiers.clone(),
    });
    gear.chain(buffs).collect()
}

/// A monster instance's own modifier sources tagged by condition (its active buffs; monsters
/// wear no equipment), as [`condition_sources`] for a character.
pub fn monster_condition_sources(ctx: &ReducerContext, target_id: u64) -> Vec<HeldSource> {
    let held = buff_sources(ctx, target_id);
    if !held.iter().any(|(_, d)| d.flags.condition) {
        return Vec::new();
    }
    held.iter()
        .map(|(r, d)| HeldSource {
            condition: condition_of(&d.id, d.exclusive_group.as_deref(), d.flags.condition),
            stacks: r.stacks,
            modifiers: d.modifiers.clone(),
        })
        .collect()
}

/// A monster instance's resolved view: the creature it fights with (its stat block's, with every
/// active buff and condition applied by `systems::view::monster_creature`; HP from its row) and
/// its effective stats (speed, flags). `E_UNKNOWN_MONSTER` when its definition is gone.
pub fn monster_view(ctx: &ReducerContext, m: &MonsterInstance) -> WkResult<(MonsterDef, Creature, EffectiveStats)> {
    let def = ActiveRules::monster(&m.def_id)?;
    // Average HP draws nothing, so an empty script is a safe dice source here.
    let base = ActiveRules::creature_from_monster(&def, false, &mut Scripted::new(&[]), &mut DiceLog::new());
    let held = buff_sources(ctx, crate::systems::buffs::monster_target(m.id));
    let sources = all_sources(&[], &held);
    let eff = view::monster_effective(&def, &base, &sources);
    let mut c = view::monster_creature(&base, &eff);
    c.vitals.hp = m.hp.clamp(0, c.vitals.max_hp);
    Ok((def, c, eff))
}

/// The character's resolved view (`systems::view::resolve`) from its rows: what every roll reads.
pub fn view_of(ctx: &ReducerContext, c: &Character) -> View {
    let held = buff_sources(ctx, c.id);
    let equipped = equipment_sources(ctx, c).unwrap_or_default();
    let sources = all_sources(&equipped, &held);
    view::resolve::<ActiveRules>(&c.sheet, &sources, &perk_adjust(owned_perks(ctx, c.id)))
}

/// A character's owned perks (none when the perk system is compiled out).
fn owned_perks(ctx: &ReducerContext, character_id: u64) -> Vec<OwnedPerk> {
    if rows::PERKS_ON {
        rows::owned_of(&rows::perk_rows(ctx, character_id))
    } else {
        Vec::new()
    }
}

/// The sheet's defenses plus what equipment and active buffs grant (periodic damage goes
/// through these, as attacks in a fight do).
pub fn defenses(ctx: &ReducerContext, c: &Character) -> Defenses {
    view::defenses(&c.sheet.defenses, &view_of(ctx, c).eff)
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

/// The bytes a character's derived projections are computed from: its sheet, its equipped
/// sources (uid, slot, label, modifiers), its active buffs (instance id, definition, stacks,
/// strength: a definition's modifiers are static data) and its owned perks, each in BSATN.
fn inputs_of(
    c: &Character,
    equipped: &[EquippedSource],
    held: &[(ActiveBuffRow, &'static BuffDef)],
    perks: &[OwnedPerk],
) -> Vec<u8> {
    use spacetimedb::sats::bsatn::to_writer;
    // BSATN strings and vectors carry their length, and each list is preceded by its count, so
    // equal bytes mean equal inputs. Encoding these types cannot fail.
    let mut key = Vec::with_capacity(512);
    let _ = to_writer(&mut key, &c.sheet);
    let _ = to_writer(&mut key, &(equipped.len() as u32));
    for e in equipped {
        let _ = to_writer(&mut key, &e.uid);
        let _ = to_writer(&mut key, &e.slot);
        let _ = to_writer(&mut key, &e.label);
        let _ = to_writer(&mut key, &e.modifiers);
    }
    let _ = to_writer(&mut key, &(held.len() as u32));
    for (r, _) in held {
        let _ = to_writer(&mut key, &r.id);
        let _ = to_writer(&mut key, &r.buff_id);
        let _ = to_writer(&mut key, &r.stacks);
        let _ = to_writer(&mut key, &r.strength);
    }
    let _ = to_writer(&mut key, &(perks.len() as u32));
    for p in perks {
        let _ = to_writer(&mut key, &p.perk_id);
        let _ = to_writer(&mut key, &p.state);
    }
    key
}

/// A BSATN writer that hashes the bytes it is given (FNV-1a) instead of keeping them.
struct HashWriter(crate::systems::combat::hash::Fnv);

impl HashWriter {
    fn new() -> Self {
        HashWriter(crate::systems::combat::hash::Fnv::default())
    }
    /// Add a value's BSATN. Encoding these types cannot fail.
    fn add<T: spacetimedb::sats::ser::Serialize + ?Sized>(&mut self, v: &T) -> &mut Self {
        let _ = spacetimedb::sats::bsatn::to_writer(self, v);
        self
    }
}

impl spacetimedb::sats::buffer::BufWriter for HashWriter {
    fn put_slice(&mut self, slice: &[u8]) {
        self.0.bytes(slice)
    }
}

/// FNV-1a of a value's BSATN: what a refresh remembers of the rows it wrote.
fn hash_of<T: spacetimedb::sats::ser::Serialize>(v: &T) -> u64 {
    HashWriter::new().add(v).0.finish()
}

/// The BSATN of the `StatContribution` that `x` becomes (see `refresh_with`), into `w`.
fn contribution_into(w: &mut HashWriter, x: &Contribution, sources: &[ModifierSource]) {
    let s = &sources[x.source as usize];
    w.add(&s.kind).add(&s.id).add(s.label).add(&x.key).add(&x.op).add(&x.value).add(&x.effective);
}

/// The public form of one contribution to a resolved view.
fn stat_contribution(x: &Contribution, sources: &[ModifierSource]) -> StatContribution {
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
}

/// The flag keys a resolved view has in force.
fn flags_in_force(eff: &EffectiveStats) -> Vec<ModifierKey> {
    ModifierKey::all().into_iter().filter(|k| matches!(k.kind(), KeyKind::Flag(_)) && eff.has(*k)).collect()
}

/// The contributions an `effective_stats` row lists: those to flag and damage keys.
fn other_contributions(eff: &EffectiveStats) -> impl Iterator<Item = &Contribution> + Clone {
    eff.contributions.iter().filter(|x| !matches!(x.key.kind(), KeyKind::Stat(_)))
}

/// A character's `effective_stats` row from its resolved view.
fn view_row(
    character_id: u64,
    eff: &EffectiveStats,
    flags: Vec<ModifierKey>,
    sources: &[ModifierSource],
    updated_at: spacetimedb::Timestamp,
) -> EffectiveStatsRow {
    EffectiveStatsRow {
        character_id,
        resistances: eff.resistances,
        vulnerabilities: eff.vulnerabilities,
        immunities: eff.immunities,
        flags,
        other: other_contributions(eff).map(|x| stat_contribution(x, sources)).collect(),
        updated_at,
    }
}

/// `hash_of` the `effective_stats` row [`view_row`] builds at time zero, streamed from the view
/// without building it (as [`line_hash`]).
fn view_row_hash(character_id: u64, eff: &EffectiveStats, flags: &[ModifierKey], sources: &[ModifierSource]) -> u64 {
    let mut w = HashWriter::new();
    w.add(&character_id).add(&eff.resistances).add(&eff.vulnerabilities).add(&eff.immunities).add(flags);
    w.add(&(other_contributions(eff).count() as u32));
    for x in other_contributions(eff) {
        contribution_into(&mut w, x, sources);
    }
    w.add(&spacetimedb::Timestamp::UNIX_EPOCH);
    w.0.finish()
}

/// `hash_of` the `effective_stat` line of `stat` with no explanation and time zero (how a refresh
/// compares lines), streamed from the view without building the row: a refresh hashes every
/// line, and builds and writes only those whose hash changed. The bytes are the row's BSATN field
/// by field (a test holds the two equal).
fn line_hash(character_id: u64, stat: Stat, eff: &EffectiveStats, sources: &[ModifierSource]) -> u64 {
    let mut w = HashWriter::new();
    w.add(&stat_row_id(character_id, stat)).add(&character_id).add(&stat);
    w.add(&eff.base(stat)).add(&eff.get(stat)).add(&eff.was_clamped(stat));
    w.add(&(eff.contributions_to(stat.key()).count() as u32));
    for x in eff.contributions_to(stat.key()) {
        contribution_into(&mut w, x, sources);
    }
    w.add("").add(&spacetimedb::Timestamp::UNIX_EPOCH);
    w.0.finish()
}

/// Rewrite a character's derived projections (`character_stats`, `effective_stats`) from its
/// row and everything that modifies it. The only writer of both tables; `chars::save` calls it.
/// Nothing is resolved or written when its inputs are the bytes of the last refresh (so a second
/// refresh in one transaction costs only the reads); otherwise each row is written only when it
/// changed.
pub fn refresh(ctx: &ReducerContext, c: &Character) {
    let equipped = equipment_sources(ctx, c).unwrap_or_default();
    refresh_with(ctx, c, equipped);
}

/// [`refresh`] with the equipped sources the caller has just computed from the loadout rows as
/// they are now (`items::refresh_gear`), so they are not read twice.
pub fn refresh_with(ctx: &ReducerContext, c: &Character, equipped: Vec<EquippedSource>) {
    let _span = crate::timing::span("stats/refresh");
    let held = buff_sources(ctx, c.id);
    let owned = owned_perks(ctx, c.id);
    let inputs = inputs_of(c, &equipped, &held, &owned);
    let last = ctx.db.stats_input().character_id().find(c.id);
    if last.as_ref().is_some_and(|l| l.inputs == inputs) {
        return;
    }
    let sources = all_sources(&equipped, &held);
    let View { derived, eff } = view::resolve::<ActiveRules>(&c.sheet, &sources, &perk_adjust(owned));
    let (old_derived, old_view) = last.as_ref().map(|l| (l.derived_hash, l.view_hash)).unwrap_or((0, 0));
    let derived_hash = hash_of(&derived);
    let mut changed = false;
    if derived_hash != old_derived {
        changed = true;
        let row = CharacterStats { character_id: c.id, derived, updated_at: ctx.timestamp };
        ctx.db.character_stats().character_id().delete(c.id);
        ctx.db.character_stats().insert(row);
    }
    // One row per stat line, rewritten only when its numbers or sources changed: a buff on AC
    // writes the AC line and nothing else. Each line is compared by hash, its time aside.
    let old_lines = last.as_ref().map(|l| l.line_hashes.as_slice()).unwrap_or(&[]);
    let mut line_hashes = Vec::with_capacity(Stat::COUNT);
    for (i, stat) in Stat::ALL.into_iter().enumerate() {
        // Hashed without its explanation, which is written from the line's own numbers and
        // contributions (`EffectiveStats::explain`), and without its time.
        let h = line_hash(c.id, stat, &eff, &sources);
        line_hashes.push(h);
        let old = old_lines.get(i);
        if old == Some(&h) {
            continue;
        }
        changed = true;
        let line = EffectiveStat {
            id: stat_row_id(c.id, stat),
            character_id: c.id,
            stat,
            base: eff.base(stat),
            value: eff.get(stat),
            clamped: eff.was_clamped(stat),
            contributions: eff.contributions_to(stat.key()).map(|x| stat_contribution(x, &sources)).collect(),
            explain: eff.explain(stat, &sources),
            updated_at: ctx.timestamp,
        };
        if old.is_some() {
            ctx.db.effective_stat().id().update(line);
        } else {
            ctx.db.effective_stat().id().delete(line.id);
            ctx.db.effective_stat().insert(line);
        }
    }
    let flags = flags_in_force(&eff);
    // Written only when something changed (`updated_at` is when it last changed): a refresh that
    // changes nothing (a dagger swapped for a dagger) costs no row write and sends subscribers
    // nothing. The whole row is compared (by hash), the time aside.
    let view_hash = view_row_hash(c.id, &eff, &flags, &sources);
    if view_hash != old_view {
        changed = true;
        ctx.db.effective_stats().character_id().delete(c.id);
        ctx.db.effective_stats().insert(view_row(c.id, &eff, flags.clone(), &sources, ctx.timestamp));
    }
    let standing = StatsInput {
        character_id: c.id,
        inputs,
        flags,
        speed: eff.get(Stat::Speed),
        derived_hash,
        view_hash,
        line_hashes,
    };
    match last {
        Some(_) => {
            ctx.db.stats_input().character_id().update(standing);
        }
        None => {
            ctx.db.stats_input().insert(standing);
        }
    }
    // A fighting character's numbers changed outside the fight: its combatant follows at once.
    if changed {
        super::inbox::post_view(ctx, c.id, "its numbers change");
    }
}

/// A character's effective stats right now (the view's numbers, flags and defenses).
pub fn effective_for(ctx: &ReducerContext, c: &Character) -> EffectiveStats {
    view_of(ctx, c).eff
}

/// The flag keys in force and the speed of a character, from its last refresh (`None` before
/// its first): what a condition check reads.
pub fn standing_of(ctx: &ReducerContext, character_id: u64) -> Option<(Vec<ModifierKey>, i32)> {
    ctx.db.stats_input().character_id().find(character_id).map(|r| (r.flags, r.speed))
}

/// A character leaves the world: its refresh record and its published stats go with it.
pub fn forget(ctx: &ReducerContext, character_id: u64) {
    ctx.db.stats_input().character_id().delete(character_id);
    ctx.db.character_stats().character_id().delete(character_id);
    ctx.db.effective_stats().character_id().delete(character_id);
    for stat in Stat::ALL {
        ctx.db.effective_stat().id().delete(stat_row_id(character_id, stat));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::systems::stats::effective_stats;
    use crate::systems::stats_fixture as fixture;

    /// A refresh compares each line and the view row by a hash streamed from the view; it must be
    /// `hash_of` the row the refresh would write (explanation and time aside), or a changed line
    /// could keep its old row. Fails when a field is left out of the stream or out of order.
    #[test]
    fn a_streamed_hash_is_the_hash_of_the_row_it_stands_for() {
        let (mods, labels) = (fixture::fifty_modifiers(), fixture::labels());
        let sources = fixture::sources(&mods, &labels);
        let eff = effective_stats(&fixture::base(), &sources);
        let epoch = spacetimedb::Timestamp::UNIX_EPOCH;
        let mut with_contributions = 0;
        for stat in Stat::ALL {
            let contributions: Vec<StatContribution> =
                eff.contributions_to(stat.key()).map(|x| stat_contribution(x, &sources)).collect();
            with_contributions += usize::from(!contributions.is_empty());
            let row = EffectiveStat {
                id: stat_row_id(7, stat),
                character_id: 7,
                stat,
                base: eff.base(stat),
                value: eff.get(stat),
                clamped: eff.was_clamped(stat),
                contributions,
                explain: String::new(),
                updated_at: epoch,
            };
            assert_eq!(line_hash(7, stat, &eff, &sources), hash_of(&row), "{stat:?}");
        }
        assert!(with_contributions >= 5, "the fixture should touch several lines: {with_contributions}");
        let flags = flags_in_force(&eff);
        let row = view_row(7, &eff, flags.clone(), &sources, epoch);
        assert!(!row.other.is_empty() && !row.flags.is_empty(), "the fixture sets flags and damage keys");
        assert_eq!(view_row_hash(7, &eff, &flags, &sources), hash_of(&row));
        // Another character's line and row hash differently (the ids are in the bytes).
        assert_ne!(line_hash(8, Stat::ArmorClass, &eff, &sources), line_hash(7, Stat::ArmorClass, &eff, &sources));
    }
}
