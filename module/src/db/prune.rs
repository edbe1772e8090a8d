//! Bounded storage: the storage pruner's row work (`timers::storage_prune`). Finished fights go
//! whole, oldest first (by `combat_instance.ended_at_micros`), once past
//! `config.fight_retention_secs` or beyond `max_finished_fights`: their action log, combatants,
//! house-rule rows (validations, proposals, effects, stack), anything of a running fight that is
//! left (cooldowns, private state and seed, invitations, turn timers, inbox posts) and, last,
//! the `combat_instance` row. Characterless `player` rows go after `player_grace_secs` offline
//! (`characterless_player` queue). One run deletes at most `prune_batch_rows` rows; a fight
//! larger than what is left of that budget is continued by the next run (its log from step 0
//! on, so a half-pruned log is recognisable: `wk-replay` skips a log that does not start at 0),
//! and its instance row, deleted last, keeps it findable until then. The decisions are pure
//! (`systems::storage`).

use crate::systems::combat::FightStatus;
use crate::systems::storage::{fight_due, player_fate, Limits, PlayerFate, QueuedPlayer};
use crate::tables::characters::character;
use crate::tables::combat::{action_cooldown, combat_instance, combat_state, combatant, fight_inbox, turn_timer};
use crate::tables::combat_log::combat_action_log;
use crate::tables::dice::combat_seed;
use crate::tables::pvp::combat_invite;
use crate::tables::world::{characterless_player, player, CharacterlessPlayer, Config};
use spacetimedb::{ReducerContext, Table};

/// What one run deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub fights: u64,
    pub rows: u64,
    pub players: u64,
}

pub fn limits(c: &Config) -> Limits {
    Limits::new(
        c.fight_retention_secs,
        c.max_finished_fights,
        c.player_grace_secs,
        c.max_characterless_players,
        c.prune_batch_rows,
    )
}

/// One run of the pruner: fights first, then players, within one budget of rows.
pub fn run(ctx: &ReducerContext, l: &Limits) -> Pruned {
    let now = ctx.timestamp.to_micros_since_unix_epoch();
    let mut budget = u64::from(l.batch_rows);
    let mut out = Pruned::default();
    fights(ctx, l, now, &mut budget, &mut out);
    players(ctx, l, now, &mut budget, &mut out);
    out
}

fn fights(ctx: &ReducerContext, l: &Limits, now: i64, budget: &mut u64, out: &mut Pruned) {
    let active = ctx.db.combat_instance().by_status().filter(FightStatus::Active).count() as u64;
    let mut finished = ctx.db.combat_instance().count().saturating_sub(active);
    while *budget > 0 {
        // Running fights carry i64::MAX: the range holds finished fights only, oldest first.
        let Some(f) = ctx.db.combat_instance().by_ended().filter(i64::MIN..i64::MAX).next() else { return };
        if !fight_due(l, now, f.ended_at_micros, finished) {
            return;
        }
        if !fight_rows(ctx, f.id, budget, out) {
            return; // the budget ran out inside this fight: the next run goes on with it
        }
        if *budget == 0 {
            return;
        }
        ctx.db.combat_instance().id().delete(f.id);
        *budget -= 1;
        out.rows += 1;
        out.fights += 1;
        finished = finished.saturating_sub(1);
    }
}

/// Delete the rows of fight `id` other than its instance, within `budget`. True when none is left.
fn fight_rows(ctx: &ReducerContext, id: u64, budget: &mut u64, out: &mut Pruned) -> bool {
    let mut take = |n: usize, budget: &mut u64| {
        *budget -= n as u64;
        out.rows += n as u64;
    };
    // The action log, from its first step on (the by_combat_seq index is ordered by seq).
    let log: Vec<u64> =
        ctx.db.combat_action_log().by_combat_seq().filter((id, 0u32..)).take(*budget as usize).map(|r| r.id).collect();
    for k in &log {
        ctx.db.combat_action_log().id().delete(k);
    }
    take(log.len(), budget);
    if *budget == 0 {
        return false;
    }
    let rows: Vec<u64> = ctx.db.combatant().combat_id().filter(id).take(*budget as usize).map(|r| r.key).collect();
    for k in &rows {
        ctx.db.combatant().key().delete(k);
    }
    take(rows.len(), budget);
    if *budget == 0 {
        return false;
    }
    #[cfg(feature = "profiles")]
    {
        use crate::tables::profiles::{profile_effect, profile_proposal, profile_stack, profile_validation};
        let rows: Vec<u64> =
            ctx.db.profile_validation().combat_id().filter(id).take(*budget as usize).map(|r| r.id).collect();
        for k in &rows {
            ctx.db.profile_validation().id().delete(k);
        }
        take(rows.len(), budget);
        if *budget == 0 {
            return false;
        }
        let rows: Vec<u64> =
            ctx.db.profile_proposal().combat_id().filter(id).take(*budget as usize).map(|r| r.id).collect();
        for k in &rows {
            ctx.db.profile_proposal().id().delete(k); // a consent timer left behind finds nothing
        }
        take(rows.len(), budget);
        if *budget == 0 {
            return false;
        }
        let rows: Vec<u64> =
            ctx.db.profile_effect().combat_id().filter(id).take(*budget as usize).map(|r| r.key).collect();
        for k in &rows {
            ctx.db.profile_effect().key().delete(k);
        }
        take(rows.len(), budget);
        if *budget == 0 {
            return false;
        }
        if ctx.db.profile_stack().combat_id().delete(id) {
            take(1, budget);
        }
    }
    // What a finished fight no longer has (its end deleted them); kept here so a fight that
    // ended another way leaves nothing behind.
    let rows: Vec<u64> =
        ctx.db.action_cooldown().combat_id().filter(id).take(*budget as usize).map(|r| r.combatant_key).collect();
    for k in &rows {
        ctx.db.action_cooldown().combatant_key().delete(k);
    }
    take(rows.len(), budget);
    let rows: Vec<u64> = ctx.db.combat_invite().combat_id().filter(id).take(*budget as usize).map(|r| r.id).collect();
    for k in &rows {
        ctx.db.combat_invite().id().delete(k);
    }
    take(rows.len(), budget);
    let rows: Vec<u64> =
        ctx.db.turn_timer().combat_id().filter(id).take(*budget as usize).map(|r| r.scheduled_id).collect();
    for k in &rows {
        ctx.db.turn_timer().scheduled_id().delete(k);
    }
    take(rows.len(), budget);
    let rows: Vec<u64> = ctx.db.fight_inbox().combat_id().filter(id).take(*budget as usize).map(|r| r.id).collect();
    for k in &rows {
        ctx.db.fight_inbox().id().delete(k);
    }
    take(rows.len(), budget);
    if *budget >= 2 {
        if ctx.db.combat_state().combat_id().delete(id) {
            take(1, budget);
        }
        if ctx.db.combat_seed().combat_id().delete(id) {
            take(1, budget);
        }
    } else {
        return false;
    }
    *budget > 0
}

fn players(ctx: &ReducerContext, l: &Limits, now: i64, budget: &mut u64, out: &mut Pruned) {
    let mut queued = ctx.db.characterless_player().count();
    // Each queued row is looked at once per run at most (a requeued one moves behind the others).
    let mut seen = 0u64;
    while *budget > 0 && seen < queued {
        let Some(q) = ctx.db.characterless_player().since_micros().filter(i64::MIN..).next() else { return };
        seen += 1;
        let p = ctx.db.player().identity().find(q.identity);
        let state = QueuedPlayer {
            since_micros: q.since_micros,
            last_seen_micros: p.as_ref().map(|p| p.last_seen.to_micros_since_unix_epoch()),
            connected: p.as_ref().is_some_and(|p| p.online || p.connections > 0),
            has_character: ctx.db.character().by_owner().filter(q.identity).next().is_some(),
        };
        match player_fate(l, now, &state, queued) {
            PlayerFate::Wait => return,
            PlayerFate::Delete => {
                ctx.db.player().identity().delete(q.identity);
                ctx.db.characterless_player().identity().delete(q.identity);
                *budget = budget.saturating_sub(2);
                out.rows += 2;
                out.players += 1;
                queued -= 1;
            }
            PlayerFate::Dequeue => {
                ctx.db.characterless_player().identity().delete(q.identity);
                *budget -= 1;
                out.rows += 1;
                queued -= 1;
            }
            PlayerFate::Requeue(at) => {
                ctx.db
                    .characterless_player()
                    .identity()
                    .update(CharacterlessPlayer { identity: q.identity, since_micros: at });
                *budget -= 1;
            }
        }
    }
}
