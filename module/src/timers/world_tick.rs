use crate::auth;
use crate::db::chars;
use crate::events;
use crate::rules::{ActiveRules, RestTick, RulesEngine};
use crate::tables::characters::{character, rest_state, Character};
use crate::tables::events::EventKind;
use crate::tables::world::{config, travel_state, world_state, Config, WorldClock};
use spacetimedb::{reducer, ReducerContext};

/// The world clock. Order of work each tick (fixed; later systems insert their step here):
/// 1. advance world time (whole seconds since the last tick; the remainder carries over),
/// 2. sweep journeys whose arrival timer was lost (overdue by the index on arrival time),
/// 3. sweep buffs (`buffs::sweep`): periodic ticks and expiries whose one-shot timer is overdue,
///    by the indexes on `next_tick_at_micros` / `expires_at_micros` (a lost timer; after a
///    restart the one-shots fire at once and this is the backstop),
/// 4. combat (`combat::tick`): turns overdue by more than 1 s whose timer was lost (index on
///    the turn deadline) are played by the AI; action-queue fights let their AI act,
/// 5. per-character rules time: rest progress and completion, recovery at 0 HP, regeneration —
///    only for characters flagged `needs_tick` (index), never the whole table,
/// 6. despawn world items past their time to live whose one-shot timer was lost (index range on
///    `item_instance.expires_at_micros`; only ground rows have a finite expiry),
/// 7. the spawner (`spawner::tick`): every `spawn_every_ticks` ticks, each non-safe location
///    below `max_monsters_per_location` / `max_ground_items_per_location` (counted by the
///    location indexes) gets one monster from `world/spawns.csv` and one item from the ruleset's
///    `loot.csv`, chosen with weights from `ctx.rng()`.
#[reducer]
pub fn world_tick(ctx: &ReducerContext, _clock: WorldClock) -> Result<(), String> {
    auth::require_scheduler(ctx)?;
    let now = ctx.timestamp.to_micros_since_unix_epoch();
    let Some(mut s) = ctx.db.world_state().id().find(0) else {
        return Ok(());
    };
    let elapsed = (now - s.last_tick_at.to_micros_since_unix_epoch()).max(0) + s.carry_micros;
    let secs = (elapsed / 1_000_000).min(u32::MAX as i64) as u32;
    s.carry_micros = elapsed % 1_000_000;
    s.tick += 1;
    let tick = s.tick;
    s.last_tick_at = ctx.timestamp;
    ctx.db.world_state().id().update(s);

    // Perk world-tick phase: runs first, before any other tick work (per-owner clocks).
    let clocks = crate::db::tick::world_phase(ctx, secs);
    sweep_travel(ctx, now);
    // Global effects phase: buff upkeep (`buffs::sweep`) is always its first step, then perks.
    crate::db::tick::effects_phase(ctx, now, secs);
    // What the effects phase (and anything before it) posted for running fights lands now.
    crate::db::combat::drain_inbox(ctx)?;
    crate::db::combat::tick(ctx)?;

    if secs > 0 {
        if let Some(cfg) = ctx.db.config().id().find(0) {
            let due: Vec<Character> = ctx.db.character().by_needs_tick().filter(true).collect();
            for c in due {
                let s = clocks.secs_for(c.id, secs);
                tick_character(ctx, c, s, &cfg);
            }
        }
    }
    // Perk per-character tick phase (after the rules tick).
    crate::db::tick::character_phase(ctx, &clocks, secs);

    crate::db::items::sweep_expired(ctx);
    crate::db::spawner::tick(ctx, tick);
    Ok(())
}

/// Journeys past their arrival time whose one-shot timer did not fire (a failed one-shot is never
/// retried; one due while the server was down fires at restart, and this catches anything else).
fn sweep_travel(ctx: &ReducerContext, now: i64) {
    let overdue: Vec<u64> =
        ctx.db.travel_state().arrives_at_micros().filter(i64::MIN..=now).map(|t| t.character_id).collect();
    for id in overdue {
        crate::timers::travel::complete_arrival(ctx, id);
    }
}

fn tick_character(ctx: &ReducerContext, mut c: Character, secs: u32, cfg: &Config) {
    let rest_row = ctx.db.rest_state().character_id().find(c.id);
    let mut rest = rest_row.as_ref().map(|r| r.rest);
    let in_combat = chars::in_combat(ctx, c.id);
    let mut rng = ctx.rng();
    let before = c.sheet.vitals.clone();
    let out = ActiveRules::world_tick(&mut c.sheet, rest.as_mut(), secs, in_combat, &cfg.rules, &mut rng);
    for ds in &out.death_saves {
        events::record_with_dice(
            ctx,
            EventKind::DeathSave,
            vec![c.id],
            ds.text.clone(),
            format!("natural={};successes={};failures={}", ds.natural, ds.successes, ds.failures),
            ds.dice.clone(),
        );
    }
    let died = out.died && !crate::db::perks::on_death(ctx, &mut c); // perk death hook
    if died {
        events::record(ctx, EventKind::Died, vec![c.id], format!("{} dies", c.name), "");
    } else if out.regained_consciousness {
        events::record(ctx, EventKind::Recovered, vec![c.id], format!("{} regains consciousness", c.name), "");
    } else if !before.stable && c.sheet.vitals.stable {
        events::record(ctx, EventKind::Stabilized, vec![c.id], format!("{} is stable", c.name), "");
    }
    if let Some(row) = rest_row {
        match out.rest {
            RestTick::InProgress(_) | RestTick::NotResting => {
                if let Some(r) = rest {
                    let mut row = row;
                    row.rest = r;
                    ctx.db.rest_state().character_id().update(row);
                }
            }
            RestTick::Ready => {
                ctx.db.rest_state().character_id().delete(c.id);
                let done = rest.unwrap_or(row.rest);
                match ActiveRules::complete_rest(&mut c.sheet, &done, row.hit_dice_to_spend, &mut rng) {
                    Ok(o) => {
                        crate::db::perks::on_rest_completed(ctx, c.id, o.kind);
                        crate::db::buffs::lower_exhaustion(ctx, c.id, o.exhaustion_removed);
                        events::record_with_dice(
                            ctx,
                            EventKind::RestCompleted,
                            vec![c.id],
                            o.text.clone(),
                            format!(
                                "kind={};hp_regained={};hit_dice_spent={};hit_dice_regained={}",
                                o.kind.label(),
                                o.hp_regained,
                                o.hit_dice_spent,
                                o.hit_dice_regained
                            ),
                            o.dice,
                        )
                    }
                    Err(e) => events::record(
                        ctx,
                        EventKind::RestInterrupted,
                        vec![c.id],
                        format!("{}'s rest ends without benefit: {}", c.name, e.message),
                        "reason=rules",
                    ),
                }
            }
            RestTick::Interrupted => {
                ctx.db.rest_state().character_id().delete(c.id);
                events::record(
                    ctx,
                    EventKind::RestInterrupted,
                    vec![c.id],
                    format!("{}'s {} is interrupted", c.name, row.rest.kind.label()),
                    "reason=combat",
                );
            }
        }
    }
    if !out.text.is_empty() && out.death_saves.is_empty() && out.hp_regained > 0 {
        log::debug!("{}", out.text);
    }
    let c = chars::save(ctx, c);
    if died {
        // After the save: the death handler may change the character (gear lost with its run).
        crate::db::buffs::on_death(ctx, c.id);
    }
}
