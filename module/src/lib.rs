//! World Kernel: a persistent, rules-driven game world as a SpacetimeDB module.
//!
//! Layout (see README's folder map and docs/architecture.md): `tables/` schema, `reducers/` thin shells, `timers/` scheduled reducers,
//! `db/` rows <-> the pure core, `rules/` the `RulesEngine` seam and its rulesets, `systems/` the
//! pure core, `data/` the CSV pipeline, `error` the stable codes. Lifecycle reducers live here.

pub mod auth;
pub mod catalogue;
pub mod data;
pub mod db;
pub mod error;
pub mod events;
pub mod gate;
pub mod reducers;
pub mod rules;
pub mod systems;
pub mod tables;
pub mod timers;
pub mod timing;

use crate::rules::{ActiveRules, RulesEngine};
use crate::systems::config::Tunables;
use crate::tables::events::EventKind;
use crate::tables::snapshot::schema_meta;
use crate::tables::world::{admin, config, player, world_state, Admin, Player, WorldState};
use spacetimedb::{reducer, ReducerContext, Table};

/// Runs once, as the publisher: records the admin, writes config, loads static data and starts
/// the world clock. Fallible: bad static data aborts the publish with the file/line/column.
#[reducer(init)]
pub fn init(ctx: &ReducerContext) -> Result<(), String> {
    ctx.db.admin().insert(Admin { identity: ctx.sender, added_at: ctx.timestamp });
    let t = Tunables::with_rules(ActiveRules::default_config());
    ctx.db.config().insert(reducers::admin::config_row(ActiveRules::ID, &t));
    ctx.db.world_state().insert(WorldState {
        id: 0,
        tick: 0,
        started_at: ctx.timestamp,
        last_tick_at: ctx.timestamp,
        carry_micros: 0,
    });
    ctx.db.schema_meta().insert(tables::snapshot::SchemaMeta {
        id: 0,
        schema_version: systems::migrate::SCHEMA_VERSION,
        ruleset: ActiveRules::ID.to_string(),
        published_at: ctx.timestamp,
    });
    let summary = db::world::load_static(ctx)?;
    reducers::admin::seed_gates(ctx);
    db::combat::seed_config(ctx);
    db::dice::init_secret(ctx);
    db::spawner::seed(ctx);
    reducers::admin::schedule_clock(ctx, t.world_tick_ms);
    reducers::admin::schedule_prune(ctx, t.event_prune_ms);
    reducers::admin::schedule_storage_prune(ctx, t.storage_prune_ms);
    events::record(
        ctx,
        EventKind::WorldStarted,
        vec![],
        format!("the world begins ({} ruleset; {summary})", ActiveRules::ID),
        "",
    );
    Ok(())
}

/// A connection opened. A player may hold several (a websocket and HTTP calls): `online` stays
/// true while any is open. Characters fighting under the AI get their player back.
#[reducer(client_connected)]
pub fn client_connected(ctx: &ReducerContext) -> Result<(), String> {
    match ctx.db.player().identity().find(ctx.sender) {
        Some(mut p) => {
            p.online = true;
            p.connections = p.connections.saturating_add(1);
            p.last_seen = ctx.timestamp;
            ctx.db.player().identity().update(p);
        }
        None => {
            ctx.db.player().insert(Player {
                identity: ctx.sender,
                online: true,
                connections: 1,
                first_seen: ctx.timestamp,
                last_seen: ctx.timestamp,
            });
            // Queued for the storage pruner until the identity makes a character.
            db::chars::queue_characterless(ctx, ctx.sender);
        }
    }
    #[cfg(feature = "combat")]
    db::combat::on_connection(ctx, true)?;
    Ok(())
}

/// A connection closed; when it was the player's last, their fighting characters go to the AI.
#[reducer(client_disconnected)]
pub fn client_disconnected(ctx: &ReducerContext) -> Result<(), String> {
    if let Some(mut p) = ctx.db.player().identity().find(ctx.sender) {
        p.connections = p.connections.saturating_sub(1);
        p.online = p.connections > 0;
        p.last_seen = ctx.timestamp;
        let offline = !p.online;
        ctx.db.player().identity().update(p);
        #[cfg(feature = "combat")]
        if offline {
            db::combat::on_connection(ctx, false)?;
        }
        #[cfg(not(feature = "combat"))]
        let _ = offline;
    }
    Ok(())
}
