//! Benchmark / GM reducers. `admin_skirmish` builds a monster-vs-monster fight of any
//! size (the player-facing `start_combat` puts only its starter on side 1) and resolves it through
//! `crate::db::combat::begin`, so scripts/bench.sh can time an InstantResolution 8-vs-8 fight inside a
//! reducer. The reducer's own work is timed with a host stopwatch: `spacetime logs` shows
//! `Timing span "admin_skirmish": …` for every call.

use crate::auth;
use crate::error::{err, ErrorCode};
use crate::gate::{self, Feature};
use spacetimedb::{log_stopwatch::LogStopwatch, reducer, ReducerContext};

/// Most monsters per side of one skirmish.
pub const MAX_SKIRMISH_SIDE: usize = 32;

/// Admin: spawn `side_a` (side 1) and `side_b` (side 2) — monster ids of the ruleset's
/// `monsters.csv` — at `location_id` and resolve the fight at once (no human: InstantResolution).
/// The fight, its events, loot and XP are recorded as for any other fight.
#[reducer]
pub fn admin_skirmish(
    ctx: &ReducerContext,
    location_id: String,
    side_a: Vec<String>,
    side_b: Vec<String>,
) -> Result<(), String> {
    let _timer = LogStopwatch::new("admin_skirmish");
    auth::require_admin(ctx)?;
    crate::systems::limits::text("admin_skirmish", "location_id", &location_id)?;
    crate::systems::limits::texts("admin_skirmish", "side_a", &side_a)?;
    crate::systems::limits::texts("admin_skirmish", "side_b", &side_b)?;
    gate::require(ctx, Feature::Combat)?;
    for side in [&side_a, &side_b] {
        if side.is_empty() || side.len() > MAX_SKIRMISH_SIDE {
            return Err(err(
                ErrorCode::InvalidArgument,
                format!("each side needs 1..={MAX_SKIRMISH_SIDE} monster ids (from monsters.csv)"),
            )
            .into());
        }
    }
    let mut fighters = Vec::with_capacity(side_a.len() + side_b.len());
    let mut monsters = Vec::with_capacity(fighters.capacity());
    auth::existing_location(ctx, &location_id)?;
    for (side, defs) in [(crate::db::combat::STARTER_SIDE, &side_a), (crate::db::combat::DEFENDER_SIDE, &side_b)] {
        for def in defs {
            let (m, fighter) = crate::db::combat::spawn_checked(ctx, def, &location_id, side)?;
            fighters.push(fighter);
            monsters.push(m);
        }
    }
    crate::db::combat::begin(ctx, &location_id, fighters, &[], monsters)?;
    Ok(())
}

/// Most iterations of one `admin_bench_effective_stats` call (10,000 take about 10 ms of wasm).
pub const MAX_BENCH_ITERATIONS: u32 = 10_000;

/// Admin: resolve the effective-stats benchmark fixture (`systems::stats_fixture`: 50 modifiers
/// from 10 sources, the native criterion bench's input) `iterations` times inside the module and
/// nothing else, so scripts/bench.sh can read the wasm time per resolution from the
/// `Timing span "admin_bench_effective_stats"` log line and compare it with the native bench.
/// Writes nothing.
#[reducer]
pub fn admin_bench_effective_stats(ctx: &ReducerContext, iterations: u32) -> Result<(), String> {
    auth::require_admin(ctx)?;
    gate::require(ctx, Feature::Buffs)?;
    if iterations == 0 || iterations > MAX_BENCH_ITERATIONS {
        return Err(err(
            ErrorCode::InvalidArgument,
            format!("iterations must be 1..={MAX_BENCH_ITERATIONS}; call again for more"),
        )
        .into());
    }
    use crate::systems::stats_fixture as fx;
    let (mods, labels, base) = (fx::fifty_modifiers(), fx::labels(), fx::base());
    let sources = fx::sources(&mods, &labels);
    let _timer = LogStopwatch::new("admin_bench_effective_stats");
    for _ in 0..iterations {
        std::hint::black_box(crate::systems::stats::effective_stats(
            std::hint::black_box(&base),
            std::hint::black_box(&sources),
        ));
    }
    Ok(())
}
