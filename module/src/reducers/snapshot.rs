//! Snapshot restore (admin): `admin_snapshot_begin`, `admin_snapshot_import` batches, `admin_snapshot_finish`.
//! The rows, their checks and the re-armed timers are in `db::snapshot`; the tool that exports
//! and drives an import is `wk-snapshot` (docs/operations.md).

use crate::auth;
use crate::events;
use crate::tables::events::EventKind;
use crate::tables::snapshot::SnapshotBatch;
use spacetimedb::{reducer, ReducerContext};

/// Start an import into a freshly published world (or resume one with the same `snapshot_id`).
#[reducer]
pub fn admin_snapshot_begin(
    ctx: &ReducerContext,
    snapshot_id: String,
    schema_version: u32,
    ruleset: String,
) -> Result<(), String> {
    auth::require_admin(ctx)?;
    crate::systems::limits::text("admin_snapshot_begin", "snapshot_id", &snapshot_id)?;
    crate::systems::limits::text("admin_snapshot_begin", "ruleset", &ruleset)?;
    let resumed = crate::db::snapshot::begin(ctx, snapshot_id.clone(), schema_version, ruleset)?;
    log::info!("snapshot import {} {snapshot_id}", if resumed { "resumed" } else { "started" });
    Ok(())
}

/// One batch of one table (at most 500 rows, one transaction; the first bad row fails the batch
/// with its code and nothing of it is written). Re-sending a batch changes nothing.
#[reducer]
pub fn admin_snapshot_import(ctx: &ReducerContext, batch: SnapshotBatch) -> Result<(), String> {
    auth::require_admin(ctx)?;
    crate::db::snapshot::import(ctx, batch)?;
    Ok(())
}

/// Rebuild the derived stats of imported characters (at most 500 ids per call); `last` marks the
/// import done and records it in the event log.
#[reducer]
pub fn admin_snapshot_finish(ctx: &ReducerContext, character_ids: Vec<u64>, last: bool) -> Result<(), String> {
    auth::require_admin(ctx)?;
    if let Some(done) = crate::db::snapshot::finish_characters(ctx, &character_ids, last)? {
        events::record(
            ctx,
            EventKind::WorldRestored,
            vec![],
            format!("the world was restored from snapshot {} ({} rows)", done.snapshot_id, done.rows_imported),
            format!("snapshot={};rows={}", done.snapshot_id, done.rows_imported),
        );
    }
    Ok(())
}
