//! Combat rows <-> the pure fight. Reducers, the turn timer, the world tick and the
//! connection hooks all go through here. Each call: load the `Fight` from `combat_state`, take
//! the fight's next RNG stream, run the pure action, let AI combatants act, write every new log
//! line as a world event (with its dice), then store the fight and rewrite the projections.

use super::{chars, combat_log};
use crate::error::{err, ErrorCode, WkResult};
use crate::events;
use crate::rules::{ActiveRules, RulesEngine};
use crate::systems::combat::replay::{self, ConnectionArgs, LoggedStep, ReplayAction, StartArgs};
use crate::systems::combat::{
    monster_combatant, select_mode, ActionResult, CombatFlags, CombatMode, Combatant, CombatantKind, CombatantView,
    Fight, FightStatus, ModeConfig, Pos, RefreshArgs,
};
use crate::tables::characters::{character, rest_state, Character};
use crate::tables::combat::{
    action_cooldown, combat_config, combat_instance, combat_state, combatant, fight_inbox, loot_origin,
    monster_instance, turn_timer, ActionCooldown, CombatConfig, CombatInstance, CombatState, CombatantRow, FightInbox,
    LootOrigin, MonsterInstance, TurnTimer,
};
use crate::tables::combat_log::CombatLogSource;
use crate::tables::events::EventKind;
use crate::tables::world::player;
use spacetimedb::{ReducerContext, ScheduleAt, Table, Timestamp};

/// Monster combatant ids are offset so they never collide with character ids (buff targets use
/// the same ids: `systems::buffs::target`).
pub use crate::systems::buffs::MONSTER_ID_BASE;
/// Side of the combatant who starts a fight; everyone they attack is on side 2.
pub const STARTER_SIDE: u32 = 1;
pub const DEFENDER_SIDE: u32 = 2;
/// Dropped loot: contact radius and time on the ground.
const LOOT_RADIUS_FT: f64 = 5.0;
const LOOT_TTL_MICROS: i64 = 600 * 1_000_000;

fn now(ctx: &ReducerContext) -> i64 {
    ctx.timestamp.to_micros_since_unix_epoch()
}

pub fn mode_config(ctx: &ReducerContext) -> ModeConfig {
    ctx.db.combat_config().id().find(0).map(|c| c.modes).unwrap_or_default()
}

pub fn seed_config(ctx: &ReducerContext) {
    if ctx.db.combat_config().id().find(0).is_none() {
        ctx.db.combat_config().insert(CombatConfig { id: 0, modes: ModeConfig::default() });
    }
}

pub use super::rows::{active_combat_of, in_combat};

/// The character id of a combatant of `fight` that is a character (its combatant id), for an
/// event's actors; `None` for monsters and fight-level lines.
fn character_of(fight: &Fight, combatant_id: u64) -> Option<u64> {
    fight.get(combatant_id).and_then(|c| match c.kind {
        CombatantKind::Character { character_id } => Some(character_id),
        CombatantKind::Monster { .. } => None,
    })
}

/// The combat view of a character: the ruleset's creature built from the character's resolved
/// view (`stats::view_of`: AC, attack and damage bonuses, saves, max HP, defenses, speed and
/// condition flags from sheet, equipment, buffs and perks), controlled by the AI when the
/// character is an AI one.
pub fn character_combatant(ctx: &ReducerContext, c: &Character, side: u32) -> Combatant {
    let view = super::stats::view_of(ctx, c);
    let speed = view.get(crate::systems::buffs::modifiers::Stat::Speed).max(0) as f32;
    let (weapons, catalog) = crate::db::items::combat_gear(ctx, c);
    let mut creature = crate::systems::view::creature::<ActiveRules>(&c.sheet, &view, &weapons);
    creature.name = c.name.clone();
    let mut cb = Combatant::new(c.id, side, CombatantKind::Character { character_id: c.id }, creature, speed, catalog);
    cb.base_name = c.name.clone();
    cb.is_ai = c.is_ai;
    // A human starts every fight in control, online or not: a player (an HTTP agent between two
    // calls is offline) is handed to the AI only when one of their turns runs out while they are
    // offline (`timeout`), never at a disconnect.
    cb.connected = true;
    cb.flags = CombatFlags::from_effective(&view.eff);
    (cb.cannot_harm, cb.cannot_approach) = source_rules(ctx, c.id);
    crate::db::perks::combat_snapshot(ctx, c.id, &mut cb.creature); // perk hot-path snapshot
    cb
}

/// The sources of a bearer's charm (`cannot_harm_source`) and fear (`cannot_approach_source`)
/// buffs: the combatants it may not attack, or move closer to. A character or a monster
/// (`target_id`: its combatant id), so a frightened wolf keeps away from its source too.
fn source_rules(ctx: &ReducerContext, target_id: u64) -> (Vec<u64>, Vec<u64>) {
    use crate::systems::buffs::modifiers::ModifierKey;
    let (mut harm, mut approach) = (Vec::new(), Vec::new());
    for (row, def) in super::stats::buff_sources(ctx, target_id) {
        if row.source_id == 0 {
            continue;
        }
        for m in &def.modifiers {
            let list = match m.key {
                ModifierKey::CannotHarmSource => &mut harm,
                ModifierKey::CannotApproachSource => &mut approach,
                _ => continue,
            };
            if !list.contains(&row.source_id) {
                list.push(row.source_id);
            }
        }
    }
    (harm, approach)
}

/// The combat view of a monster instance: its stat block's creature with its active buffs and
/// conditions applied (`stats::monster_view`: AC, attacks, saves, defenses, speed and condition
/// flags, as a character's; charm and fear sources), its HP from its row. A poisoned goblin
/// attacks with disadvantage.
pub fn monster_for(ctx: &ReducerContext, m: &MonsterInstance, side: u32) -> WkResult<Combatant> {
    let (def, creature, eff) = super::stats::monster_view(ctx, m)?;
    let speed = eff.get(crate::systems::buffs::modifiers::Stat::Speed).max(0) as f32;
    let kind = CombatantKind::Monster { monster_id: def.id };
    let id = MONSTER_ID_BASE + m.id;
    let mut cb = Combatant::new(id, side, kind, creature, speed, None);
    cb.flags = CombatFlags::from_effective(&eff);
    (cb.cannot_harm, cb.cannot_approach) = source_rules(ctx, id);
    Ok(cb)
}

/// Who may be pulled into a fight: present at the location, alive, not already fighting, not on
/// the road.
pub(crate) fn check_fighter(ctx: &ReducerContext, c: &Character, location: &str) -> WkResult<()> {
    if c.sheet.vitals.dead {
        return Err(err(ErrorCode::InvalidTarget, format!("{} is dead; pick a living target", c.name)));
    }
    if c.location_id != location {
        return Err(err(
            ErrorCode::NotSameLocation,
            format!("{} is not at {location}; fight where you both are", c.name),
        ));
    }
    if chars::is_traveling(ctx, c.id) {
        return Err(err(ErrorCode::Traveling, format!("{} is on the road", c.name)));
    }
    if in_combat(ctx, c.id) {
        return Err(err(ErrorCode::AlreadyInCombat, format!("{} is already in a fight", c.name)));
    }
    Ok(())
}

fn check_monster(m: &MonsterInstance, location: &str) -> WkResult<()> {
    if m.location_id != location {
        return Err(err(ErrorCode::NotSameLocation, format!("{} #{} is not at {location}", m.name, m.id)));
    }
    if m.combat_id != 0 {
        return Err(err(ErrorCode::AlreadyInCombat, format!("{} #{} is already in a fight", m.name, m.id)));
    }
    if m.hp <= 0 {
        return Err(err(ErrorCode::InvalidTarget, format!("{} #{} is dead", m.name, m.id)));
    }
    Ok(())
}

/// What static data says about a place (unknown: neither safe nor PvP).
pub(crate) fn place(ctx: &ReducerContext, location_id: &str) -> crate::systems::pvp::Place {
    use crate::tables::world::location_def;
    let l = ctx.db.location_def().id().find(location_id.to_string());
    crate::systems::pvp::Place { safe: l.as_ref().is_some_and(|l| l.safe), pvp: l.as_ref().is_some_and(|l| l.pvp) }
}

/// A character of another player: not the same owner, and not the world's own (AI characters
/// an admin made without an owner belong to the module identity).
fn other_players(ctx: &ReducerContext, mine: &Character, other: &Character) -> bool {
    other.owner != mine.owner && other.owner != ctx.identity()
}

fn opted_in(ctx: &ReducerContext, character_id: u64) -> bool {
    use crate::tables::pvp::pvp_opt_in;
    ctx.db.pvp_opt_in().character_id().find(character_id).is_some()
}

/// Start a fight: `starter` (and its side) against the target characters and monsters, all at
/// the starter's location. The mode follows who is fighting; an AI-only fight resolves at once.
/// Another player's character is a target only with its player's consent (
/// `systems::pvp::may_attack`): here, a PvP location where both opted in.
pub fn start(
    ctx: &ReducerContext,
    starter: &Character,
    target_chars: &[u64],
    target_monsters: &[u64],
) -> WkResult<u64> {
    start_consented(ctx, starter, target_chars, target_monsters, &[])
}

/// `start`, where the players of the characters in `accepted` accepted a challenge for it.
pub fn start_consented(
    ctx: &ReducerContext,
    starter: &Character,
    target_chars: &[u64],
    target_monsters: &[u64],
    accepted: &[u64],
) -> WkResult<u64> {
    if target_chars.is_empty() && target_monsters.is_empty() {
        return Err(err(ErrorCode::InvalidTarget, "name at least one character or monster to fight"));
    }
    if target_chars.len() + target_monsters.len() > 64 {
        return Err(err(ErrorCode::InvalidArgument, "at most 64 targets in one fight"));
    }
    ActiveRules::can_act(&starter.sheet)?;
    let loc = starter.location_id.clone();
    check_fighter(ctx, starter, &loc)?;
    let mut fighters: Vec<Combatant> = vec![character_combatant(ctx, starter, STARTER_SIDE)];
    let mut chars_in: Vec<Character> = vec![starter.clone()];
    for (i, id) in target_chars.iter().enumerate() {
        if *id == starter.id || target_chars[..i].contains(id) {
            return Err(err(
                ErrorCode::InvalidTarget,
                format!("character {id} named twice (or yourself); name each target once"),
            ));
        }
        let c = ctx
            .db
            .character()
            .id()
            .find(*id)
            .ok_or_else(|| err(ErrorCode::UnknownCharacter, format!("no character {id}")))?;
        check_fighter(ctx, &c, &loc)?;
        crate::systems::pvp::check_not_down(c.sheet.vitals.hp, c.sheet.vitals.dead, &c.name)?;
        let both_opted_in = opted_in(ctx, starter.id) && opted_in(ctx, c.id);
        crate::systems::pvp::may_attack(
            !other_players(ctx, starter, &c),
            place(ctx, &loc),
            accepted.contains(&c.id),
            both_opted_in,
            &c.name,
        )?;
        fighters.push(character_combatant(ctx, &c, DEFENDER_SIDE));
        chars_in.push(c);
    }
    let mut monsters_in: Vec<MonsterInstance> = Vec::new();
    for (i, id) in target_monsters.iter().enumerate() {
        if target_monsters[..i].contains(id) {
            return Err(err(ErrorCode::InvalidTarget, format!("monster {id} named twice")));
        }
        let m = ctx.db.monster_instance().id().find(*id).ok_or_else(|| {
            err(ErrorCode::UnknownMonster, format!("no monster instance {id}; see SELECT * FROM monster_instance"))
        })?;
        check_monster(&m, &loc)?;
        fighters.push(monster_for(ctx, &m, DEFENDER_SIDE)?);
        monsters_in.push(m);
    }
    begin(ctx, &loc, fighters, &chars_in, monsters_in)
}

/// Start a fight from prepared combatants at `loc` (the caller has validated them: present,
/// alive, not in another fight; sides 1 and 2 set on each combatant). Places the two lines,
/// picks the mode, stores the fight, marks the monsters as fighting, and plays it: an AI-only
/// fight (InstantResolution) is resolved here, in the same transaction. `start` uses it after its
/// checks; the admin bench reducer `admin_skirmish` (and a later spawner) use it for
/// monster-vs-monster fights. Returns the combat id.
pub fn begin(
    ctx: &ReducerContext,
    loc: &str,
    mut fighters: Vec<Combatant>,
    chars_in: &[Character],
    monsters_in: Vec<MonsterInstance>,
) -> WkResult<u64> {
    let loc = loc.to_string();
    // Lines 30 ft apart: side 1 at x = 0, side 2 at x = 30, 5 ft between neighbours.
    let (mut n1, mut n2) = (0.0f32, 0.0f32);
    for f in fighters.iter_mut() {
        let (x, n) = if f.side == STARTER_SIDE { (0.0, &mut n1) } else { (30.0, &mut n2) };
        f.pos = Pos { x, y: *n * 5.0 };
        *n += 1.0;
    }
    let cfg = mode_config(ctx);
    let humans = fighters.iter().filter(|f| !f.is_ai).count() as u32;
    let mode = select_mode(humans, fighters.len() as u32, &cfg);
    // The seed comes from the database's private dice secret, never from `ctx.rng()` (seeded
    // from the public timestamp); the public row carries only its commitment until the end.
    let dice = crate::db::dice::new_fight(ctx);
    let seed = dice.seed;
    let start_step = LoggedStep::new(
        now(ctx),
        &cfg,
        ReplayAction::Start(StartArgs { ruleset: ActiveRules::ID.into(), seed, mode, combatants: fighters }),
    );
    let (mut fight, started) = replay::start::<ActiveRules>(&start_step)?;
    let inst = ctx.db.combat_instance().insert(CombatInstance {
        id: 0,
        location_id: loc.clone(),
        mode,
        status: FightStatus::Active,
        winner: None,
        round: fight.round,
        current_combatant: None,
        turn_seq: fight.turn_seq,
        turn_deadline_micros: i64::MAX,
        seed_commitment: crate::systems::fair_dice::commitment(dice.seed, &dice.nonce),
        revealed_seed: None,
        seed_nonce: String::new(),
        started_at: ctx.timestamp,
        summary: String::new(),
        ended_at_micros: i64::MAX,
    });
    let id = inst.id;
    // The private `combat_state` row is written by `commit` below (once: an instant fight that is
    // over by then never gets one).
    crate::db::dice::store(ctx, id, &dice);
    let public_start = crate::systems::fair_dice::redacted_start(&start_step);
    combat_log::append(ctx, id, &mut fight, &public_start, CombatLogSource::Start, &started);
    for c in chars_in {
        interrupt_rest(ctx, c);
    }
    let names: Vec<String> = fight.combatants.iter().map(|c| c.creature.name.clone()).collect();
    events::record(
        ctx,
        EventKind::CombatStarted,
        chars_in.iter().map(|c| c.id).collect(),
        format!("a fight breaks out at {loc}: {} ({:?})", names.join(", "), mode),
        format!("combat={id};mode={mode:?};commitment={}", inst.seed_commitment),
    );
    // The first character (if any) started it; a fight naming other players' characters is a
    // cross-agent interaction.
    if let Some(starter) = chars_in.first() {
        let owners: Vec<spacetimedb::Identity> = chars_in.iter().skip(1).map(|c| c.owner).collect();
        events::cross_agent(
            ctx,
            crate::systems::agents::CrossKind::SharedFight,
            chars_in.iter().map(|c| c.id).collect(),
            starter.owner,
            &owners,
            format!("{} starts a fight with other players' characters at {loc}", starter.name),
            format!("combat={id};via=start_combat"),
        );
    }
    let (action, source) = if mode == CombatMode::InstantResolution {
        (ReplayAction::Instant, CombatLogSource::InstantResolution)
    } else {
        (ReplayAction::AiTurns, CombatLogSource::AiTurns)
    };
    let step = LoggedStep::new(now(ctx), &cfg, action);
    let applied = replay::apply::<ActiveRules>(&mut fight, &step)?;
    // The monsters are marked as fighting only when the fight outlives this call: an instant
    // fight is over by now, and `finish` deletes or frees every monster of it anyway.
    if fight.status == FightStatus::Active {
        for mut m in monsters_in {
            m.combat_id = id;
            ctx.db.monster_instance().id().update(m);
        }
    }
    combat_log::append(ctx, id, &mut fight, &step, source, &applied);
    commit(ctx, id, fight, &cfg)?;
    Ok(id)
}

fn interrupt_rest(ctx: &ReducerContext, c: &Character) {
    if let Some(r) = ctx.db.rest_state().character_id().find(c.id) {
        ctx.db.rest_state().character_id().delete(c.id);
        events::record(
            ctx,
            EventKind::RestInterrupted,
            vec![c.id],
            format!("{}'s {} is interrupted by a fight", c.name, r.rest.kind.label()),
            "reason=combat",
        );
        if let Some(fresh) = ctx.db.character().id().find(c.id) {
            chars::save(ctx, fresh);
        }
    }
}

pub(crate) fn load(ctx: &ReducerContext, combat_id: u64) -> WkResult<Fight> {
    let row = ctx
        .db
        .combat_state()
        .combat_id()
        .find(combat_id)
        .ok_or_else(|| err(ErrorCode::NotInCombat, format!("no fight {combat_id}")))?;
    spacetimedb::sats::bsatn::from_slice(&row.fight)
        .map_err(|e| err(ErrorCode::NotInCombat, format!("fight {combat_id}: its stored state cannot be read ({e})")))
}

/// Run one action of `character_id`'s combatant in its active fight (`action` builds the step
/// from the combatant id, which is the character id), then let the AI play the turns that
/// follow, log the step and store everything.
pub fn act(ctx: &ReducerContext, character_id: u64, action: impl FnOnce(u64) -> ReplayAction) -> WkResult<()> {
    let _span = crate::timing::span("act/drain_inbox");
    drain_inbox(ctx)?;
    _span.end();
    let combat_id = active_combat_of(ctx, character_id).ok_or_else(|| {
        err(ErrorCode::NotInCombat, "this character is not in a fight; start_combat or join_combat first")
    })?;
    let span = crate::timing::span("act/load");
    let mut fight = load(ctx, combat_id)?;
    let cfg = mode_config(ctx);
    span.end();
    let span = crate::timing::span("act/apply");
    let step = LoggedStep::new(now(ctx), &cfg, action(character_id));
    let applied = replay::apply::<ActiveRules>(&mut fight, &step)?;
    span.end();
    let span = crate::timing::span("act/log");
    combat_log::append(ctx, combat_id, &mut fight, &step, CombatLogSource::HumanCall, &applied);
    // A human acted: the action-queue idle clock (`config.queue_idle_secs`) starts again.
    fight.last_human_micros = now(ctx);
    span.end();
    let _span = crate::timing::span("act/commit");
    commit(ctx, combat_id, fight, &cfg)?;
    Ok(())
}

/// Use the consumable in a belt slot during a fight: a bonus action on your turn (healing is
/// rolled by the fight's RNG and applied to your combatant; a buff goes through the buff system).
pub fn use_consumable(ctx: &ReducerContext, c: &Character, slot: crate::systems::items::LoadoutSlot) -> WkResult<()> {
    use crate::systems::items::{self as items, ConsumableEffect};
    let l = crate::db::items::loadout(ctx, c.id);
    let catalog = crate::db::items::catalog()?;
    let used = items::use_consumable(catalog, &l, slot)?;
    let heal = match &used.effect {
        ConsumableEffect::Heal(d) => {
            Some(crate::rules::DiceExpr { count: d.count, sides: d.sides, modifier: d.modifier })
        }
        ConsumableEffect::Buff(_) | ConsumableEffect::BuffTempHp(_) => None,
    };
    let name = used.name.clone();
    act(ctx, c.id, |me| ReplayAction::UseItem(replay::UseItemArgs { actor: me, target: me, item_name: name, heal }))?;
    if let Some(id) = used.effect.buff() {
        crate::db::buffs::apply(ctx, c.id, crate::systems::buffs::Application::new(id, c.id))?;
        if used.effect.temp_hp() > 0 {
            super::inbox::post_effect(ctx, c.id, vec![], (0, used.effect.temp_hp()), &used.name);
        }
        drain_inbox(ctx)?; // the potion's buff and temporary HP reach the combatant at once
    }
    crate::db::items::apply(ctx, &used.ops)?;
    events::record(
        ctx,
        EventKind::ConsumableUsed,
        vec![c.id],
        format!("{} uses {} in the fight (bonus action)", c.name, used.name),
        format!(
            "uid={};def={};slot={};remaining={};in_combat=true",
            used.uid,
            used.def_id,
            slot.code(),
            used.remaining
        ),
    );
    Ok(())
}

/// Apply what the world posted for running fights (`fight_inbox`: views that changed, outside
/// damage or healing) as logged `Refresh` steps, oldest first, one commit per fight. A post for
/// a fight that is over by now goes to the sheet instead (damage is never lost to a fight's end).
/// Called at the end of every reducer and timer that can post, and by the world tick.
pub fn drain_inbox(ctx: &ReducerContext) -> WkResult<()> {
    let mut posts: Vec<FightInbox> = ctx.db.fight_inbox().iter().collect();
    if posts.is_empty() {
        return Ok(());
    }
    posts.sort_by_key(|p| (p.combat_id, p.id));
    for p in &posts {
        ctx.db.fight_inbox().id().delete(p.id);
    }
    let cfg = mode_config(ctx);
    let mut k = 0;
    while k < posts.len() {
        let combat_id = posts[k].combat_id;
        let end = k + posts[k..].iter().take_while(|p| p.combat_id == combat_id).count();
        let batch = &posts[k..end];
        k = end;
        let mut fight = match load(ctx, combat_id) {
            Ok(f) if f.status == FightStatus::Active => f,
            _ => {
                batch.iter().for_each(|p| outside_to_sheet(ctx, p));
                continue;
            }
        };
        let mut stepped = false;
        for p in batch {
            if fight.status != FightStatus::Active {
                outside_to_sheet(ctx, p);
                continue;
            }
            let view = if p.view {
                let Some(view) = combatant_view(ctx, p.character_id) else { continue };
                match fight.get(p.character_id) {
                    Some(old) if fight.mods.target(old.id).is_none() && same_view(old, &view) => None,
                    Some(_) => Some(view),
                    None => continue,
                }
            } else {
                None
            };
            if view.is_none() && p.damage.is_empty() && p.heal == 0 && p.temp_hp == 0 {
                continue;
            }
            let args = RefreshArgs {
                combatant: p.character_id,
                view,
                damage: p.damage.clone(),
                heal: p.heal,
                temp_hp: p.temp_hp,
                source: p.source.clone(),
            };
            let step = LoggedStep::new(now(ctx), &cfg, ReplayAction::Refresh(args));
            if let Ok(applied) = replay::apply::<ActiveRules>(&mut fight, &step) {
                combat_log::append(ctx, combat_id, &mut fight, &step, CombatLogSource::Outside, &applied);
                stepped = true;
            }
        }
        if stepped {
            commit(ctx, combat_id, fight, &cfg)?;
        }
    }
    Ok(())
}

/// A combatant's view as the world resolves it now (a character, or a monster instance by its
/// combatant id); `None` when it left the world.
fn combatant_view(ctx: &ReducerContext, combatant_id: u64) -> Option<CombatantView> {
    use crate::systems::buffs::BuffTarget;
    let (cb, sources) = match BuffTarget::of(combatant_id) {
        BuffTarget::Character(id) => {
            let ch = ctx.db.character().id().find(id)?;
            (character_combatant(ctx, &ch, 0), super::stats::condition_sources(ctx, &ch))
        }
        BuffTarget::Monster(id) => {
            let m = ctx.db.monster_instance().id().find(id)?;
            (monster_for(ctx, &m, 0).ok()?, super::stats::monster_condition_sources(ctx, combatant_id))
        }
    };
    Some(CombatantView {
        creature: cb.creature,
        reaches: cb.reaches,
        speed_ft: cb.speed_ft,
        flags: cb.flags,
        sources,
        cannot_harm: cb.cannot_harm,
        cannot_approach: cb.cannot_approach,
    })
}

/// Does the fight already carry this view (no house rules in force on the combatant)?
fn same_view(old: &Combatant, v: &CombatantView) -> bool {
    let (a, b) = (&old.creature, &v.creature);
    a.ac == b.ac
        && a.attacks == b.attacks
        && a.save_bonuses == b.save_bonuses
        && a.ability_mods == b.ability_mods
        && a.defenses == b.defenses
        && a.vitals.max_hp == b.vitals.max_hp
        && old.speed_ft == v.speed_ft
        && old.flags == v.flags
        && old.reaches == v.reaches
        && old.cannot_harm == v.cannot_harm
        && old.cannot_approach == v.cannot_approach
}

/// Outside damage or healing for a fight that ended before it landed: the sheet takes it.
fn outside_to_sheet(ctx: &ReducerContext, p: &FightInbox) {
    if p.damage.is_empty() && p.heal == 0 && p.temp_hp == 0 {
        return;
    }
    if p.character_id >= MONSTER_ID_BASE {
        // A monster's row takes it (and it dies at 0 HP, its buffs with it).
        crate::db::buffs::outside_to_monster(ctx, p.character_id, &p.damage, p.heal, &p.source);
        return;
    }
    let Some(mut ch) = ctx.db.character().id().find(p.character_id) else { return };
    if ch.sheet.vitals.dead {
        return;
    }
    let defenses = super::stats::defenses(ctx, &ch);
    let mut died = false;
    if !p.damage.is_empty() {
        died = ActiveRules::apply_damage(&ch.name, &mut ch.sheet.vitals, &defenses, &p.damage, false).died;
    }
    if p.heal > 0 {
        let _ = ActiveRules::heal(&ch.name, &mut ch.sheet.vitals, p.heal);
    }
    if p.temp_hp > 0 {
        ActiveRules::grant_temp_hp(&mut ch.sheet.vitals, p.temp_hp);
    }
    let died = died && !crate::db::perks::on_death(ctx, &mut ch); // perk death hook
    let ch = chars::save(ctx, ch);
    if died {
        events::record(ctx, EventKind::Died, vec![ch.id], format!("{} dies of {}", ch.name, p.source), "cause=buff");
        crate::db::buffs::on_death(ctx, ch.id);
    }
}

/// Join an active fight on a side.
pub fn join(ctx: &ReducerContext, c: &Character, combat_id: u64, side: u32) -> WkResult<()> {
    let inst = ctx.db.combat_instance().id().find(combat_id).ok_or_else(|| {
        err(ErrorCode::NotInCombat, format!("no fight {combat_id}; see SELECT * FROM combat_instance"))
    })?;
    if inst.status != FightStatus::Active {
        return Err(err(ErrorCode::CombatOver, "this fight is over; start a new one"));
    }
    if side != STARTER_SIDE && side != DEFENDER_SIDE {
        return Err(err(ErrorCode::InvalidArgument, "side must be 1 (the attackers) or 2 (the defenders)"));
    }
    ActiveRules::can_act(&c.sheet)?;
    check_fighter(ctx, c, &inst.location_id)?;
    let mut fight = load(ctx, combat_id)?;
    // A fight with other players' characters is joined only by invitation from a
    // player on the side joined (the invitation is used up).
    let others = fight.combatants.iter().any(|o| match o.kind {
        CombatantKind::Character { character_id } => {
            ctx.db.character().id().find(character_id).is_some_and(|oc| other_players(ctx, c, &oc))
        }
        _ => false,
    });
    let invite = {
        use crate::tables::pvp::combat_invite;
        ctx.db.combat_invite().invitee_id().filter(c.id).find(|i| i.combat_id == combat_id && i.side == side)
    };
    crate::systems::pvp::may_join(others, invite.is_some())?;
    if let Some(i) = invite {
        use crate::tables::pvp::combat_invite;
        ctx.db.combat_invite().id().delete(i.id);
    }
    let cfg = mode_config(ctx);
    let mut cb = character_combatant(ctx, c, side);
    let x = if side == STARTER_SIDE { 0.0 } else { 30.0 };
    let y = fight.combatants.iter().filter(|o| o.side == side).count() as f32 * 5.0;
    cb.pos = Pos { x, y };
    let step = LoggedStep::new(now(ctx), &cfg, ReplayAction::Join(cb));
    let applied = replay::apply::<ActiveRules>(&mut fight, &step)?;
    combat_log::append(ctx, combat_id, &mut fight, &step, CombatLogSource::Join, &applied);
    interrupt_rest(ctx, c);
    events::record(
        ctx,
        EventKind::CombatJoined,
        vec![c.id],
        format!("{} joins fight {combat_id} on side {side}", c.name),
        format!("combat={combat_id};side={side}"),
    );
    let others: Vec<(u64, spacetimedb::Identity)> = fight
        .combatants
        .iter()
        .filter_map(|o| match o.kind {
            CombatantKind::Character { character_id } if character_id != c.id => {
                ctx.db.character().id().find(character_id).map(|oc| (oc.id, oc.owner))
            }
            _ => None,
        })
        .collect();
    let mut actors = vec![c.id];
    actors.extend(others.iter().map(|o| o.0));
    let owners: Vec<spacetimedb::Identity> = others.iter().map(|o| o.1).collect();
    events::cross_agent(
        ctx,
        crate::systems::agents::CrossKind::SharedFight,
        actors,
        c.owner,
        &owners,
        format!("{} joins a fight of other players' characters (fight {combat_id})", c.name),
        format!("combat={combat_id};via=join_combat;side={side}"),
    );
    if !c.is_ai {
        fight.last_human_micros = now(ctx);
    }
    commit(ctx, combat_id, fight, &cfg)?;
    Ok(())
}

/// A turn timer fired (or the sweeper found an overdue turn): the AI plays the timed-out turn if it
/// is still current, then the turns that follow.
pub fn timeout(ctx: &ReducerContext, combat_id: u64, turn_seq: u64) -> WkResult<()> {
    let Ok(mut fight) = load(ctx, combat_id) else { return Ok(()) };
    if fight.status != FightStatus::Active || fight.turn_seq != turn_seq {
        return Ok(()); // stale: that turn already ended
    }
    // The player is away: the AI takes this turn and the ones after it until they come back.
    if let Some(ch) = fight.current_id().and_then(|cur| offline_human(ctx, &fight, cur)) {
        return set_control(ctx, combat_id, fight, &ch, false);
    }
    let cfg = mode_config(ctx);
    let step = LoggedStep::new(now(ctx), &cfg, ReplayAction::Timeout(turn_seq));
    let Ok(applied) = replay::apply::<ActiveRules>(&mut fight, &step) else { return Ok(()) };
    combat_log::append(ctx, combat_id, &mut fight, &step, CombatLogSource::Timeout, &applied);
    commit(ctx, combat_id, fight, &cfg)
}

/// World-tick step: overdue turns (lost timers) and the AI of action-queue fights. An
/// action-queue fight in which no human acted for `config.queue_idle_secs` ends instead
/// (`ReplayAction::Idle`, `reason=idle`): four characters that start a fight and never act no
/// longer log a step every tick forever.
pub fn tick(ctx: &ReducerContext) -> WkResult<()> {
    let t = now(ctx);
    let overdue: Vec<(u64, u64)> = ctx
        .db
        .combat_instance()
        .by_turn_deadline()
        .filter(i64::MIN..=t - 1_000_000)
        .filter(|c| c.status == FightStatus::Active)
        .map(|c| (c.id, c.turn_seq))
        .collect();
    for (id, seq) in overdue {
        timeout(ctx, id, seq)?;
    }
    let queues: Vec<u64> = ctx
        .db
        .combat_instance()
        .by_status()
        .filter(FightStatus::Active)
        .filter(|c| c.mode == CombatMode::ActionQueues)
        .map(|c| c.id)
        .collect();
    let idle_micros = {
        use crate::tables::world::config;
        ctx.db.config().id().find(0).map_or(300, |c| c.queue_idle_secs).max(1) as i64 * 1_000_000
    };
    for id in queues {
        let cfg = mode_config(ctx);
        if let Ok(mut fight) = load(ctx, id) {
            if crate::systems::combat::idle_for(&fight, t, idle_micros) {
                let step = LoggedStep::new(t, &cfg, ReplayAction::Idle(idle_micros));
                if let Ok(applied) = replay::apply::<ActiveRules>(&mut fight, &step) {
                    combat_log::append(ctx, id, &mut fight, &step, CombatLogSource::QueueTick, &applied);
                    commit(ctx, id, fight, &cfg)?;
                    continue;
                }
            }
            // No turns here: a human whose player has been away longer than a turn timer goes to the AI.
            let away_micros = i64::from(cfg.classic_turn_secs) * 1_000_000;
            let away: Vec<Character> = fight
                .combatants
                .iter()
                .filter_map(|c| offline_human(ctx, &fight, c.id))
                .filter(|ch| {
                    ctx.db
                        .player()
                        .identity()
                        .find(ch.owner)
                        .is_none_or(|p| t - p.last_seen.to_micros_since_unix_epoch() >= away_micros)
                })
                .collect();
            for ch in away {
                if let Ok(f) = load(ctx, id) {
                    set_control(ctx, id, f, &ch, false)?;
                }
            }
        }
        let Ok(mut fight) = load(ctx, id) else { continue };
        let step = LoggedStep::new(t, &cfg, ReplayAction::QueueTick);
        let Ok(applied) = replay::apply::<ActiveRules>(&mut fight, &step) else { continue };
        combat_log::append(ctx, id, &mut fight, &step, CombatLogSource::QueueTick, &applied);
        commit(ctx, id, fight, &cfg)?;
    }
    Ok(())
}

/// A player connected: their characters that the AI was playing in fights (handed over when a
/// turn of theirs ran out while they were offline) are theirs again. A disconnect changes
/// nothing in a fight: an HTTP agent connects and disconnects on every call and keeps its turn;
/// `timeout` and the queue tick hand an offline player's combatant to the AI.
pub fn on_connection(ctx: &ReducerContext, connected: bool) -> WkResult<()> {
    if !connected {
        return Ok(());
    }
    let mine: Vec<Character> = ctx.db.character().by_owner().filter(ctx.sender).filter(|c| !c.is_ai).collect();
    for c in mine {
        let Some(combat_id) = active_combat_of(ctx, c.id) else { continue };
        let Ok(fight) = load(ctx, combat_id) else { continue };
        if fight.get(c.id).is_none_or(|cb| cb.connected) {
            continue; // already in control: no step, no event (every HTTP call connects)
        }
        set_control(ctx, combat_id, fight, &c, true)?;
    }
    Ok(())
}

/// Log a `Connection` step for `c` in its fight: back in control, or handed to the AI (which, in
/// a turn mode, plays the turns that are now its own at once).
fn set_control(ctx: &ReducerContext, combat_id: u64, mut fight: Fight, c: &Character, connected: bool) -> WkResult<()> {
    let cfg = mode_config(ctx);
    let step = LoggedStep::new(now(ctx), &cfg, ReplayAction::Connection(ConnectionArgs { combatant: c.id, connected }));
    let Ok(applied) = replay::apply::<ActiveRules>(&mut fight, &step) else { return Ok(()) };
    combat_log::append(ctx, combat_id, &mut fight, &step, CombatLogSource::Connection, &applied);
    events::record(
        ctx,
        EventKind::CombatControl,
        vec![c.id],
        if connected {
            format!("{} is back in control of {}", c.name, c.name)
        } else {
            format!("{}'s player is away and their turn ran out; the AI fights on for them", c.name)
        },
        format!("combat={combat_id};connected={connected}"),
    );
    commit(ctx, combat_id, fight, &cfg)
}

/// The character behind a human combatant whose player is offline (no open connection).
fn offline_human(ctx: &ReducerContext, fight: &Fight, combatant_id: u64) -> Option<Character> {
    let cb = fight.get(combatant_id)?;
    if cb.is_ai || !cb.connected {
        return None;
    }
    let CombatantKind::Character { character_id } = cb.kind else { return None };
    let ch = ctx.db.character().id().find(character_id)?;
    let online = ctx.db.player().identity().find(ch.owner).is_some_and(|p| p.online);
    (!online).then_some(ch)
}

/// Write new log lines as events, finish the fight if it is over, arm the turn timer, store the
/// fight and rewrite the projections.
pub(crate) fn commit(ctx: &ReducerContext, combat_id: u64, mut fight: Fight, cfg: &ModeConfig) -> WkResult<()> {
    let sp = crate::timing::span("commit/events");
    let lines: Vec<ActionResult> = std::mem::take(&mut fight.log);
    for l in lines.into_iter().filter(|l| fight.mode.records_event(l.kind)) {
        let mut actors: Vec<u64> = Vec::new();
        if let Some(a) = character_of(&fight, l.actor) {
            actors.push(a);
        }
        if let Some(t) = l.target.and_then(|t| character_of(&fight, t)) {
            actors.push(t);
        }
        events::record_with_dice(
            ctx,
            EventKind::CombatAction,
            actors,
            l.text,
            format!(
                "combat={combat_id};round={};kind={:?};actor={};target={}",
                l.round,
                l.kind,
                l.actor,
                l.target.unwrap_or(0)
            ),
            l.dice,
        );
    }
    sp.end();
    let sp = crate::timing::span("commit/sync");
    #[cfg(feature = "profiles")]
    super::profile_rows::sync(ctx, combat_id, &mut fight);
    sp.end();
    let sp = crate::timing::span("commit/instance");
    let over = fight.status != FightStatus::Active;
    let mut inst = match ctx.db.combat_instance().id().find(combat_id) {
        Some(i) => i,
        None => return Ok(()),
    };
    // The turn timer: kept while the same human's turn goes on (an attack or a step within a
    // turn re-arms nothing); otherwise the old one goes and the new turn's is armed.
    let timeout = fight.mode.turn_timeout_secs(cfg);
    let human_turn = fight.current_id().filter(|cur| fight.get(*cur).is_some_and(|c| !c.ai_controlled()));
    let timers: Vec<TurnTimer> = ctx.db.turn_timer().combat_id().filter(combat_id).collect();
    let keep = !over
        && timeout.is_some()
        && human_turn.is_some()
        && inst.current_combatant == fight.current_id()
        && inst.turn_deadline_micros != i64::MAX
        && timers.len() == 1
        && timers.iter().all(|t| t.turn_seq == fight.turn_seq);
    let before =
        (inst.round, inst.turn_seq, inst.current_combatant, inst.status, inst.winner, inst.turn_deadline_micros);
    if !keep {
        for t in &timers {
            ctx.db.turn_timer().scheduled_id().delete(t.scheduled_id);
        }
        inst.turn_deadline_micros = i64::MAX;
        if let (false, Some(_), Some(secs)) = (over, human_turn, timeout) {
            let at = now(ctx) + secs as i64 * 1_000_000;
            inst.turn_deadline_micros = at;
            ctx.db.turn_timer().insert(TurnTimer {
                scheduled_id: 0,
                scheduled_at: ScheduleAt::Time(Timestamp::from_micros_since_unix_epoch(at)),
                combat_id,
                turn_seq: fight.turn_seq,
            });
        }
    }
    inst.round = fight.round;
    inst.turn_seq = fight.turn_seq;
    inst.current_combatant = fight.current_id();
    inst.status = fight.status;
    inst.winner = fight.winner;
    if over {
        {
            use crate::tables::pvp::combat_invite;
            for i in ctx.db.combat_invite().combat_id().filter(combat_id).collect::<Vec<_>>() {
                ctx.db.combat_invite().id().delete(i.id);
            }
        }
        let mut loot_rng = fight.next_rng();
        inst.summary = finish(ctx, combat_id, &inst.location_id, &fight, &mut loot_rng);
        inst.ended_at_micros = now(ctx);
        crate::db::dice::reveal(ctx, &mut inst);
    }
    let after =
        (inst.round, inst.turn_seq, inst.current_combatant, inst.status, inst.winner, inst.turn_deadline_micros);
    if over || after != before {
        ctx.db.combat_instance().id().update(inst);
    }
    sp.end();
    let sp = crate::timing::span("commit/project");
    project(ctx, combat_id, &fight, !over);
    sp.end();
    let _sp = crate::timing::span("commit/state");
    // The whole fight is kept only while it runs: a finished fight's record is its public rows,
    // its events and its action log (which replays it), and serialising a whole `Fight` is the
    // costliest write of an instant fight.
    // Delete and insert instead of reading the stored bytes back to learn whether they exist
    // (an update is a delete and an insert too).
    let fight_bytes = if over { None } else { Some(encode(&fight)?) };
    ctx.db.combat_state().combat_id().delete(combat_id);
    if let Some(fight) = fight_bytes {
        ctx.db.combat_state().insert(CombatState { combat_id, fight });
    }
    Ok(())
}

/// The stored form of a fight (see `tables::combat::CombatState`). A fight that cannot be
/// encoded fails the whole transaction: storing empty bytes would lose the fight at its next
/// `load` (which then answers `E_NOT_IN_COMBAT` for a fight that is still running).
fn encode(fight: &Fight) -> WkResult<Vec<u8>> {
    spacetimedb::sats::bsatn::to_vec(fight).map_err(|e| {
        err(
            ErrorCode::FightStateEncode,
            format!("the fight's state could not be stored ({e}); nothing was changed, report this bug"),
        )
    })
}

/// Rewrite the public combatant rows (and queue budgets) of a fight.
fn project(ctx: &ReducerContext, combat_id: u64, fight: &Fight, active: bool) {
    let existing: Vec<CombatantRow> = ctx.db.combatant().combat_id().filter(combat_id).collect();
    for c in &fight.combatants {
        let (character_id, monster_instance_id) = match &c.kind {
            CombatantKind::Character { character_id } => (*character_id, 0),
            CombatantKind::Monster { .. } => (0, c.id.saturating_sub(MONSTER_ID_BASE)),
        };
        let v = &c.creature.vitals;
        let row = CombatantRow {
            key: 0,
            combat_id,
            combatant_id: c.id,
            character_id,
            monster_instance_id,
            name: c.creature.name.clone(),
            side: c.side,
            is_ai: c.is_ai,
            connected: c.connected,
            initiative: c.initiative,
            turn_order: c.turn_order,
            x: c.pos.x,
            y: c.pos.y,
            hp: v.hp,
            max_hp: v.max_hp,
            ac: c.creature.ac,
            fled: c.fled,
            down: v.hp <= 0 && !v.dead,
            dead: v.dead,
            active,
            action_used: c.economy.action_used,
            bonus_action_used: c.economy.bonus_used,
            movement_left_ft: (c.speed_ft + c.economy.dash_ft - c.economy.movement_used_ft).max(0.0),
        };
        let key = match existing.iter().find(|r| r.combatant_id == c.id) {
            Some(old) => {
                let row = CombatantRow { key: old.key, ..row };
                if *old != row {
                    ctx.db.combatant().key().update(row);
                }
                old.key
            }
            None => ctx.db.combatant().insert(row).key,
        };
        if fight.mode == CombatMode::ActionQueues {
            let cd = ActionCooldown { combatant_key: key, combat_id, cooldown: c.cooldown };
            if ctx.db.action_cooldown().combatant_key().find(key).is_some() {
                ctx.db.action_cooldown().combatant_key().update(cd);
            } else {
                ctx.db.action_cooldown().insert(cd);
            }
        }
    }
    if !active {
        for cd in ctx.db.action_cooldown().combat_id().filter(combat_id).collect::<Vec<_>>() {
            ctx.db.action_cooldown().combatant_key().delete(cd.combatant_key);
        }
    }
}

/// The fight is over: vitals back to the sheets, XP to the winners, dead monsters removed,
/// deaths through the buff system. Returns the narrative summary.
fn finish(
    ctx: &ReducerContext,
    combat_id: u64,
    location_id: &str,
    fight: &Fight,
    loot_rng: &mut rand::rngs::StdRng,
) -> String {
    let loot_table = crate::systems::combat::loot::table();
    let fight_owners: Vec<spacetimedb::Identity> = fight
        .combatants
        .iter()
        .filter_map(|c| match c.kind {
            CombatantKind::Character { character_id } => ctx.db.character().id().find(character_id).map(|ch| ch.owner),
            _ => None,
        })
        .collect();
    let outcome = fight.outcome();
    let summary = crate::systems::combat::summary(fight);
    let mut actors = Vec::new();
    for c in &fight.combatants {
        match &c.kind {
            CombatantKind::Character { character_id } => {
                let Some(mut ch) = ctx.db.character().id().find(*character_id) else { continue };
                actors.push(ch.id);
                // What the fight did stays, what its house rules are does not (max HP: the sheet's).
                let fought = crate::systems::profiles::runtime::vitals_without_house_rules(fight, c);
                ch.sheet.vitals = crate::systems::combat::vitals_after_fight(&ch.sheet.vitals, &fought);
                if let Some((_, xp)) = outcome.xp_awards.iter().find(|(id, _)| *id == c.id) {
                    if *xp > 0 {
                        let o = ActiveRules::award_xp(&mut ch.sheet, *xp);
                        crate::db::perks::after_xp(ctx, &mut ch, &o); // perk level-up hooks and offer
                        events::record(
                            ctx,
                            EventKind::XpAwarded,
                            vec![ch.id],
                            format!("{} gains {xp} XP", ch.name),
                            format!("xp={xp};level={}", o.level_after),
                        );
                    }
                }
                let died = ch.sheet.vitals.dead && !crate::db::perks::on_death(ctx, &mut ch); // perk death hook
                let ch = chars::save(ctx, ch);
                if died {
                    events::record(
                        ctx,
                        EventKind::Died,
                        vec![ch.id],
                        format!("{} dies in battle", ch.name),
                        format!("combat={combat_id}"),
                    );
                    crate::db::buffs::on_death(ctx, ch.id);
                }
            }
            CombatantKind::Monster { .. } => {
                let mid = c.id.saturating_sub(MONSTER_ID_BASE);
                let Some(mut m) = ctx.db.monster_instance().id().find(mid) else { continue };
                if c.creature.vitals.dead || c.creature.vitals.hp <= 0 {
                    ctx.db.monster_instance().id().delete(mid);
                    crate::db::buffs::purge_monster(ctx, mid, "monster_killed"); // its buffs go with it
                    drop_loot(ctx, loot_table, &m, (combat_id, &fight_owners), location_id, c.pos, loot_rng);
                    events::record(
                        ctx,
                        EventKind::MonsterKilled,
                        vec![],
                        format!("{} is slain", m.name),
                        format!("combat={combat_id};monster={mid};def={}", m.def_id),
                    );
                } else if m.hp != c.creature.vitals.hp || m.combat_id != 0 {
                    m.hp = c.creature.vitals.hp;
                    m.combat_id = 0;
                    ctx.db.monster_instance().id().update(m);
                }
            }
        }
    }
    events::record(
        ctx,
        EventKind::CombatEnded,
        actors,
        summary.clone(),
        format!(
            "combat={combat_id};status={:?};winner={};rounds={};xp={};reason={}",
            outcome.status,
            outcome.winner.unwrap_or(0),
            outcome.rounds,
            outcome.xp_total,
            if fight.ended_idle { "idle" } else { "decided" }
        ),
    );
    summary
}

/// A slain monster's drops land where it fell, as world items anyone there can pick up.
fn drop_loot(
    ctx: &ReducerContext,
    table: &[crate::systems::combat::loot::LootRow],
    m: &MonsterInstance,
    origin: (u64, &[spacetimedb::Identity]),
    location_id: &str,
    at: Pos,
    rng: &mut rand::rngs::StdRng,
) {
    let (x, y) = (f64::from(at.x).clamp(0.0, 10_000.0), f64::from(at.y).clamp(0.0, 10_000.0));
    for (item_id, quantity) in crate::systems::combat::loot::roll(table, &m.def_id, rng) {
        let req = crate::systems::items::SpawnRequest {
            def_id: item_id.clone(),
            quantity,
            location_id: location_id.to_string(),
            x,
            y,
            contact_radius_ft: LOOT_RADIUS_FT,
            ttl_micros: LOOT_TTL_MICROS,
        };
        // One event per drop: `LootDropped` carries what `ItemSpawned` would (uid, place, expiry).
        match crate::db::items::spawn_quiet(ctx, &req) {
            Ok(r) => {
                let uid = r.uid;
                ctx.db.loot_origin().insert(LootOrigin { uid, combat_id: origin.0, owners: origin.1.to_vec() });
                events::record(
                    ctx,
                    EventKind::LootDropped,
                    vec![],
                    format!("{} drops {quantity} × {item_id}", m.name),
                    format!(
                        "monster={};def={};item={item_id};uid={uid};quantity={quantity};combat={};location={};x={};y={};expires_at={}",
                        m.id, m.def_id, origin.0, r.location_id, r.x, r.y, r.expires_at_micros
                    ),
                )
            }
            Err(e) => log::warn!("loot {item_id} of {} not dropped: {e}", m.name),
        }
    }
}

/// Spawn a monster instance at a location (average HP).
pub fn spawn_monster(ctx: &ReducerContext, def_id: &str, location_id: &str) -> WkResult<MonsterInstance> {
    crate::auth::existing_location(ctx, location_id)?;
    spawn_checked(ctx, def_id, location_id, 0).map(|(m, _)| m)
}

/// Spawn a monster at a location already checked with [`crate::auth::existing_location`], and return it with its
/// combatant on `side` (built once: the same creature gives the row its HP).
pub fn spawn_checked(
    ctx: &ReducerContext,
    def_id: &str,
    location_id: &str,
    side: u32,
) -> WkResult<(MonsterInstance, Combatant)> {
    let def = ActiveRules::monster(def_id)?;
    let mut cb = monster_combatant::<ActiveRules>(0, side, &def, None);
    let m = ctx.db.monster_instance().insert(MonsterInstance {
        id: 0,
        def_id: def.id.clone(),
        name: def.name.clone(),
        location_id: location_id.to_string(),
        hp: cb.creature.vitals.max_hp,
        max_hp: cb.creature.vitals.max_hp,
        combat_id: 0,
        spawned_at: ctx.timestamp,
    });
    cb.id = MONSTER_ID_BASE + m.id;
    events::record(
        ctx,
        EventKind::MonsterSpawned,
        vec![],
        format!("a {} appears at {location_id}", m.name),
        format!("monster={};def={}", m.id, m.def_id),
    );
    Ok((m, cb))
}
