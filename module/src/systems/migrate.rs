//! Snapshot schema versions and the migrations between them. Pure: no tables, no host calls.
//!
//! A snapshot (written by `wk-snapshot export`, see docs/operations.md) is a set of tables, each a
//! list of column names and rows of values in column order. The module declares here, in one
//! place:
//! - [`SCHEMA_VERSION`]: the layout of the tables this build exports and imports (also published
//!   in the `schema_meta` row, so an operator and the tool can read it from a running world);
//! - [`CARRIED`]: the tables a snapshot holds, in import order (parents before children), and
//!   [`NOT_CARRIED`]: every other table with the reason. A native test reads the schema files and
//!   fails when a table is in neither list, so a new table forces a decision;
//! - [`MIGRATIONS`]: one declarative step list per version bump, applied by [`apply`] to the
//!   previous version's rows. Values stay opaque (`V`): a step only moves, renames, adds (with a
//!   [`Literal`] default) or drops top-level columns, so the same code runs over JSON in the tool
//!   and over plain strings in the tests here.
//!
//! Version 1 is the snapshot layout of the world before this module versioned its schema; it is
//! kept as the committed fixture `snapshots/fixtures/v1-world.json` and differs from version 2 in
//! two ways the 1 -> 2 step undoes: `master_stash.currency` was renamed `currency_cp`, and
//! `player.connections` (open connections) was added, default 0.
//!
//! Changing the schema of a carried table: bump [`SCHEMA_VERSION`], add a [`Migration`] from the
//! previous version, a test below that runs it on a row of the old layout, and refresh the
//! fixture only if the old layout must stay importable.

use std::collections::BTreeMap;

/// The snapshot layout this build writes and reads.
pub const SCHEMA_VERSION: u32 = 6;

/// The oldest snapshot version [`plan`] can bring to [`SCHEMA_VERSION`].
pub const OLDEST_SUPPORTED: u32 = 1;

/// Rows per `admin_snapshot_import` call: one call is one transaction, small enough to stay well under
/// the host's message size and to keep the world responsive between batches.
pub const MAX_BATCH_ROWS: usize = 500;

/// Tables a snapshot carries, in import order: a row's parents (players before characters,
/// characters before their items, buffs and perks) come first.
pub const CARRIED: &[&str] = &[
    "admin",
    "player",
    "config",
    "feature_gate",
    "combat_config",
    "profile_config",
    "world_state",
    "character",
    "rest_state",
    "travel_state",
    "run_state",
    "master_stash",
    "item_instance",
    "active_buff",
    "character_perk",
    "perk_offer",
    "pvp_opt_in",
    "monster_instance",
    "world_event",
    "combat_instance",
    "combatant",
    "combat_action_log",
];

/// Tables a snapshot does not carry, and why. Keep in sync with the schema (the test below).
pub const NOT_CARRIED: &[(&str, &str)] = &[
    ("buff_def", "static data: compiled into the module, loaded at init"),
    ("item_def", "static data: compiled into the module, loaded at init"),
    ("perk_def", "static data: compiled into the module, loaded at init"),
    ("class_def", "static data: compiled into the module, loaded at init"),
    ("skill_def", "static data: compiled into the module, loaded at init"),
    ("location_def", "static data: compiled into the module, loaded at init"),
    ("effective_stats", "derived: recomputed from the carried rows at import"),
    ("effective_stat", "derived: recomputed from the carried rows at import"),
    ("character_stats", "derived: recomputed from the carried rows at import"),
    ("stats_input", "derived: recomputed from the carried rows at import"),
    ("buff_expiry_timer", "timer: re-armed from active_buff at import"),
    ("buff_tick_timer", "timer: re-armed from active_buff at import"),
    ("item_despawn_timer", "timer: re-armed from ground item_instance rows at import"),
    ("travel_timer", "timer: re-armed from travel_state at import"),
    ("world_clock", "timer: started by init from config"),
    ("event_prune_timer", "timer: started by init from config"),
    ("turn_timer", "running fight: fights end before export (see docs/operations.md)"),
    ("combat_state", "running fight: fights end before export"),
    ("action_cooldown", "running fight: fights end before export"),
    ("fight_inbox", "running fight: fights end before export"),
    ("loot_origin", "who may pick up loot without a cross-agent event; expires with the loot's fight"),
    ("profile_stack", "running fight: house rules live only as long as their fight"),
    ("profile_effect", "running fight: house rules live only as long as their fight"),
    ("profile_validation", "running fight: house-rule request outcomes of fights"),
    ("profile_proposal", "running fight: consent requests die with their fight"),
    ("profile_consent_timer", "running fight: consent requests die with their fight"),
    ("dice_secret", "the per-database dice secret: a restored world makes its own at init (finished fights keep their revealed seeds)"),
    ("combat_seed", "running fight: its private seed (fights end before export)"),
    ("combat_invite", "running fight: invitations end with their fight"),
    ("pvp_challenge", "open challenges expire within challenge_ttl_secs; a restore drops them"),
    ("pvp_challenge_timer", "timer of an open challenge"),
    ("storage_prune_timer", "timer: started by init from config"),
    ("characterless_player", "derived: the storage pruner's queue, rebuilt at import from the player and character batches"),
    ("schema_meta", "written by init: the schema version of the running module"),
    ("snapshot_import_state", "bookkeeping of an import in progress"),
    ("rate_bucket", "per-identity rate limiter state: a restored world starts every identity with a full bucket"),
];

/// A default value a migration writes into a new column.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    U64(u64),
    I64(i64),
    Bool(bool),
    F64(f64),
    Str(&'static str),
    /// An empty `Option` (`none`).
    None,
}

/// One change of a table's layout.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A new column, inserted after `after` (or first when `None`), every row getting `default`.
    AddColumn {
        table: &'static str,
        column: &'static str,
        after: Option<&'static str>,
        default: Literal,
    },
    RenameColumn {
        table: &'static str,
        from: &'static str,
        to: &'static str,
    },
    DropColumn {
        table: &'static str,
        column: &'static str,
    },
    /// A newly carried table: older snapshots get it empty, with these columns.
    AddTable {
        table: &'static str,
        columns: &'static [&'static str],
    },
}

/// The steps from snapshot version `from` to `from + 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    pub from: u32,
    pub steps: &'static [Step],
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        from: 1,
        steps: &[
            Step::RenameColumn { table: "master_stash", from: "currency", to: "currency_cp" },
            Step::AddColumn { table: "player", column: "connections", after: Some("online"), default: Literal::U64(0) },
        ],
    },
    // The public turn economy of a combatant. Carried combatants are of finished fights, whose
    // turns are over: nothing used, no movement left.
    Migration {
        from: 2,
        steps: &[
            Step::AddColumn {
                table: "combatant",
                column: "action_used",
                after: Some("active"),
                default: Literal::Bool(false),
            },
            Step::AddColumn {
                table: "combatant",
                column: "bonus_action_used",
                after: Some("action_used"),
                default: Literal::Bool(false),
            },
            Step::AddColumn {
                table: "combatant",
                column: "movement_left_ft",
                after: Some("bonus_action_used"),
                default: Literal::F64(0.0),
            },
        ],
    },
    // Fair dice: a fight's public row carries a commitment and, once over, the revealed seed and
    // nonce instead of the seed. Fights of an older snapshot had no commitment: their seed is not
    // carried (their action logs stay; `wk-replay` skips a fight without a reveal). And the config
    // row gained how long a PvP challenge stays open (the default, 120 s).
    Migration {
        from: 3,
        steps: &[
            Step::DropColumn { table: "combat_instance", column: "seed" },
            Step::AddColumn {
                table: "combat_instance",
                column: "seed_commitment",
                after: Some("turn_deadline_micros"),
                default: Literal::Str(""),
            },
            Step::AddColumn {
                table: "combat_instance",
                column: "revealed_seed",
                after: Some("seed_commitment"),
                default: Literal::None,
            },
            Step::AddColumn {
                table: "combat_instance",
                column: "seed_nonce",
                after: Some("revealed_seed"),
                default: Literal::Str(""),
            },
            Step::AddColumn {
                table: "config",
                column: "challenge_ttl_secs",
                after: Some("max_ground_items_per_location"),
                default: Literal::U64(120),
            },
        ],
    },
    // Per-identity limits: the config row gained the token bucket of the world-changing reducers
    // (the defaults, 20 calls/s, bursts of 60). Self-contained: only the config row changes.
    Migration {
        from: 4,
        steps: &[
            Step::AddColumn {
                table: "config",
                column: "rate_limit_per_sec",
                after: Some("challenge_ttl_secs"),
                default: Literal::U64(20),
            },
            Step::AddColumn {
                table: "config",
                column: "rate_limit_burst",
                after: Some("rate_limit_per_sec"),
                default: Literal::U64(60),
            },
        ],
    },
    // Bounded storage: the config row's retention, caps and idle timeout (the defaults of
    // `systems::config`), each finished fight's end time (0: unknown; the import starts its
    // retention window at the import), and the PvP opt-ins, carried from now on (older
    // snapshots had none).
    Migration {
        from: 5,
        steps: &[
            Step::AddColumn {
                table: "config",
                column: "fight_retention_secs",
                after: Some("rate_limit_burst"),
                default: Literal::U64(3600),
            },
            Step::AddColumn {
                table: "config",
                column: "max_finished_fights",
                after: Some("fight_retention_secs"),
                default: Literal::U64(2000),
            },
            Step::AddColumn {
                table: "config",
                column: "queue_idle_secs",
                after: Some("max_finished_fights"),
                default: Literal::U64(300),
            },
            Step::AddColumn {
                table: "config",
                column: "player_grace_secs",
                after: Some("queue_idle_secs"),
                default: Literal::U64(3600),
            },
            Step::AddColumn {
                table: "config",
                column: "max_characterless_players",
                after: Some("player_grace_secs"),
                default: Literal::U64(10_000),
            },
            Step::AddColumn {
                table: "config",
                column: "storage_prune_ms",
                after: Some("max_characterless_players"),
                default: Literal::U64(1000),
            },
            Step::AddColumn {
                table: "config",
                column: "prune_batch_rows",
                after: Some("storage_prune_ms"),
                default: Literal::U64(500),
            },
            Step::AddColumn {
                table: "combat_instance",
                column: "ended_at_micros",
                after: Some("summary"),
                default: Literal::I64(0),
            },
            Step::AddTable { table: "pvp_opt_in", columns: &["character_id", "owner", "since"] },
        ],
    },
];

/// One table of a snapshot: column names and rows of values in column order.
#[derive(Debug, Clone, PartialEq)]
pub struct Table<V> {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<V>>,
}

/// The migrations that bring a snapshot of version `from` to [`SCHEMA_VERSION`], in order.
pub fn plan(from: u32) -> Result<Vec<&'static Migration>, String> {
    if from > SCHEMA_VERSION {
        return Err(format!(
            "E_SNAPSHOT_VERSION: the snapshot has schema version {from}, newer than this module's {SCHEMA_VERSION}; import it with the module it came from or a newer one"
        ));
    }
    if from < OLDEST_SUPPORTED {
        return Err(format!(
            "E_SNAPSHOT_VERSION: schema version {from} is older than the oldest this module migrates ({OLDEST_SUPPORTED}); import it with an older release first"
        ));
    }
    (from..SCHEMA_VERSION)
        .map(|v| {
            MIGRATIONS.iter().find(|m| m.from == v).ok_or_else(|| {
                format!("E_SNAPSHOT_VERSION: no migration from schema version {v}; add one to MIGRATIONS")
            })
        })
        .collect()
}

fn column_index<V>(t: &Table<V>, table: &str, column: &str) -> Result<usize, String> {
    t.columns.iter().position(|c| c == column).ok_or_else(|| {
        format!("E_SNAPSHOT_LAYOUT: table `{table}` has no column `{column}`; is the snapshot's schema_version right?")
    })
}

/// Apply one migration's steps. A table a step names but the snapshot lacks is left alone (an
/// empty table may be omitted); a missing column is an error, since the snapshot is then not of
/// the version it claims. Nothing is changed when an error is returned.
pub fn apply<V: Clone>(
    m: &Migration,
    tables: &mut BTreeMap<String, Table<V>>,
    lit: impl Fn(&Literal) -> V,
) -> Result<(), String> {
    let mut next = tables.clone();
    for step in m.steps {
        match step {
            Step::AddColumn { table, column, after, default } => {
                let Some(t) = next.get_mut(*table) else { continue };
                if t.columns.iter().any(|c| c == column) {
                    return Err(format!("E_SNAPSHOT_LAYOUT: table `{table}` already has column `{column}`"));
                }
                let at = match after {
                    Some(a) => column_index(t, table, a)? + 1,
                    None => 0,
                };
                t.columns.insert(at, column.to_string());
                let v = lit(default);
                for row in &mut t.rows {
                    if row.len() + 1 != t.columns.len() {
                        return Err(format!("E_SNAPSHOT_LAYOUT: a `{table}` row has the wrong number of values"));
                    }
                    row.insert(at, v.clone());
                }
            }
            Step::RenameColumn { table, from, to } => {
                let Some(t) = next.get_mut(*table) else { continue };
                let i = column_index(t, table, from)?;
                t.columns[i] = to.to_string();
            }
            Step::AddTable { table, columns } => {
                if next.contains_key(*table) {
                    return Err(format!("E_SNAPSHOT_LAYOUT: the snapshot already has table `{table}`"));
                }
                next.insert(
                    table.to_string(),
                    Table { columns: columns.iter().map(|c| c.to_string()).collect(), rows: Vec::new() },
                );
            }
            Step::DropColumn { table, column } => {
                let Some(t) = next.get_mut(*table) else { continue };
                let i = column_index(t, table, column)?;
                t.columns.remove(i);
                for row in &mut t.rows {
                    if i < row.len() {
                        row.remove(i);
                    }
                }
            }
        }
    }
    *tables = next;
    Ok(())
}

/// Bring `tables` from version `from` to [`SCHEMA_VERSION`]; returns the versions passed through.
pub fn migrate<V: Clone>(
    from: u32,
    tables: &mut BTreeMap<String, Table<V>>,
    lit: impl Fn(&Literal) -> V + Copy,
) -> Result<Vec<u32>, String> {
    let steps = plan(from)?;
    let mut work = tables.clone();
    for m in &steps {
        apply(m, &mut work, lit)?;
    }
    *tables = work;
    Ok(steps.iter().map(|m| m.from + 1).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(l: &Literal) -> String {
        match l {
            Literal::U64(v) => v.to_string(),
            Literal::I64(v) => v.to_string(),
            Literal::Bool(v) => v.to_string(),
            Literal::F64(v) => v.to_string(),
            Literal::Str(s) => s.to_string(),
            Literal::None => "none".to_string(),
        }
    }

    fn table(cols: &[&str], rows: &[&[&str]]) -> Table<String> {
        Table {
            columns: cols.iter().map(|c| c.to_string()).collect(),
            rows: rows.iter().map(|r| r.iter().map(|v| v.to_string()).collect()).collect(),
        }
    }

    fn v1_world() -> BTreeMap<String, Table<String>> {
        let mut m = BTreeMap::new();
        m.insert("master_stash".into(), table(&["owner", "currency"], &[&["0xaa", "1250"]]));
        m.insert(
            "player".into(),
            table(&["identity", "online", "first_seen", "last_seen"], &[&["0xaa", "false", "1", "2"]]),
        );
        m
    }

    #[test]
    fn v1_to_v2_renames_the_stash_currency_and_adds_connections() {
        let mut w = v1_world();
        let passed = migrate(1, &mut w, lit).unwrap();
        assert_eq!(passed, vec![2, 3, 4, 5, 6]);
        assert_eq!(w["master_stash"], table(&["owner", "currency_cp"], &[&["0xaa", "1250"]]));
        assert_eq!(
            w["player"],
            table(
                &["identity", "online", "connections", "first_seen", "last_seen"],
                &[&["0xaa", "false", "0", "1", "2"]]
            )
        );
    }

    #[test]
    fn v2_to_v3_gives_finished_combatants_an_empty_turn_economy() {
        let mut w = BTreeMap::new();
        w.insert("combatant".to_string(), table(&["key", "hp", "active"], &[&["7", "12", "false"]]));
        let passed = migrate(2, &mut w, lit).unwrap();
        assert_eq!(passed, vec![3, 4, 5, 6]);
        assert_eq!(
            w["combatant"],
            table(
                &["key", "hp", "active", "action_used", "bonus_action_used", "movement_left_ft"],
                &[&["7", "12", "false", "false", "false", "0"]]
            )
        );
    }

    #[test]
    fn v3_to_v4_trades_the_public_seed_for_an_empty_commitment_and_adds_the_challenge_ttl() {
        let mut w = BTreeMap::new();
        w.insert(
            "combat_instance".to_string(),
            table(&["id", "turn_deadline_micros", "seed", "started_at"], &[&["4", "9", "12345", "77"]]),
        );
        w.insert("config".to_string(), table(&["id", "max_ground_items_per_location"], &[&["0", "3"]]));
        let m3 = MIGRATIONS.iter().find(|m| m.from == 3).unwrap();
        apply(m3, &mut w, lit).unwrap();
        assert_eq!(
            w["combat_instance"],
            table(
                &["id", "turn_deadline_micros", "seed_commitment", "revealed_seed", "seed_nonce", "started_at"],
                &[&["4", "9", "", "none", "", "77"]]
            )
        );
        assert_eq!(
            w["config"],
            table(&["id", "max_ground_items_per_location", "challenge_ttl_secs"], &[&["0", "3", "120"]])
        );
        assert_eq!(migrate(3, &mut w.clone(), lit).unwrap_err().split(':').next(), Some("E_SNAPSHOT_LAYOUT"));
    }

    #[test]
    fn v5_to_v6_adds_the_storage_bounds_the_fight_end_time_and_an_empty_pvp_opt_in_table() {
        let mut w = BTreeMap::new();
        w.insert(
            "combat_instance".to_string(),
            table(&["id", "started_at", "summary"], &[&["4", "77", "the party wins"]]),
        );
        w.insert(
            "config".to_string(),
            table(
                &["id", "challenge_ttl_secs", "rate_limit_per_sec", "rate_limit_burst"],
                &[&["0", "120", "20", "60"]],
            ),
        );
        assert_eq!(migrate(5, &mut w, lit).unwrap(), vec![6]);
        assert_eq!(
            w["combat_instance"],
            table(&["id", "started_at", "summary", "ended_at_micros"], &[&["4", "77", "the party wins", "0"]])
        );
        assert_eq!(
            w["config"],
            table(
                &[
                    "id",
                    "challenge_ttl_secs",
                    "rate_limit_per_sec",
                    "rate_limit_burst",
                    "fight_retention_secs",
                    "max_finished_fights",
                    "queue_idle_secs",
                    "player_grace_secs",
                    "max_characterless_players",
                    "storage_prune_ms",
                    "prune_batch_rows"
                ],
                &[&["0", "120", "20", "60", "3600", "2000", "300", "3600", "10000", "1000", "500"]]
            )
        );
        assert_eq!(w["pvp_opt_in"], table(&["character_id", "owner", "since"], &[]));
        // the defaults the migration writes are the module's own
        use crate::rules::RulesEngine;
        let t = crate::systems::config::Tunables::with_rules(crate::rules::ActiveRules::default_config());
        assert_eq!(
            (t.fight_retention_secs, t.max_finished_fights, t.queue_idle_secs, t.player_grace_secs),
            (3600, 2000, 300, 3600)
        );
        assert_eq!((t.max_characterless_players, t.storage_prune_ms, t.prune_batch_rows), (10_000, 1000, 500));
        // a file that already has the table is not the version it claims
        let mut twice = w.clone();
        twice.get_mut("config").unwrap().columns.truncate(4);
        twice.get_mut("config").unwrap().rows = vec![vec!["0".into(), "120".into(), "20".into(), "60".into()]];
        twice.remove("combat_instance");
        assert!(migrate(5, &mut twice, lit).unwrap_err().starts_with("E_SNAPSHOT_LAYOUT:"));
    }

    #[test]
    fn v4_to_v5_gives_the_config_row_the_default_rate_limit() {
        let mut w = BTreeMap::new();
        w.insert("config".to_string(), table(&["id", "challenge_ttl_secs", "ruleset"], &[&["0", "90", "dnd5e"]]));
        let m4 = MIGRATIONS.iter().find(|m| m.from == 4).unwrap();
        apply(m4, &mut w, lit).unwrap();
        assert_eq!(
            w["config"],
            table(
                &["id", "challenge_ttl_secs", "rate_limit_per_sec", "rate_limit_burst", "ruleset"],
                &[&["0", "90", "20", "60", "dnd5e"]]
            )
        );
        // The defaults are the module's.
        let d = crate::systems::limits::DEFAULT_RATE;
        assert_eq!((d.per_sec, d.burst), (20, 60));
    }

    #[test]
    fn current_version_is_a_no_op() {
        let mut w = v1_world();
        let before = w.clone();
        assert_eq!(migrate(SCHEMA_VERSION, &mut w, lit).unwrap(), Vec::<u32>::new());
        assert_eq!(w, before);
    }

    #[test]
    fn a_snapshot_that_is_not_the_version_it_claims_changes_nothing() {
        // Already version 2 (currency_cp present) but claims version 1.
        let mut w = v1_world();
        migrate(1, &mut w, lit).unwrap();
        let before = w.clone();
        let e = migrate(1, &mut w, lit).unwrap_err();
        assert!(e.starts_with("E_SNAPSHOT_LAYOUT:"), "{e}");
        assert_eq!(w, before);
    }

    #[test]
    fn unknown_versions_are_refused_with_the_fix() {
        let mut w = v1_world();
        assert!(migrate(SCHEMA_VERSION + 1, &mut w, lit).unwrap_err().starts_with("E_SNAPSHOT_VERSION:"));
        assert!(migrate(0, &mut w, lit).unwrap_err().starts_with("E_SNAPSHOT_VERSION:"));
    }

    #[test]
    fn drop_column_removes_the_values() {
        let m = Migration { from: 7, steps: &[Step::DropColumn { table: "t", column: "b" }] };
        let mut w = BTreeMap::from([("t".to_string(), table(&["a", "b", "c"], &[&["1", "2", "3"]]))]);
        apply(&m, &mut w, lit).unwrap();
        assert_eq!(w["t"], table(&["a", "c"], &[&["1", "3"]]));
    }

    #[test]
    fn every_version_since_the_oldest_has_a_migration() {
        for v in OLDEST_SUPPORTED..SCHEMA_VERSION {
            assert!(MIGRATIONS.iter().any(|m| m.from == v), "no migration from {v}");
        }
        assert!(plan(OLDEST_SUPPORTED).is_ok());
    }

    /// Every `#[table(name = x ...)]` in the schema files is either carried or explicitly not
    /// carried (with a reason), and the lists name no table that does not exist. A new table
    /// holding player state fails here until it is put in one list.
    #[test]
    fn every_schema_table_is_carried_or_listed_as_not_carried() {
        let names: Vec<String> = crate::tables::naming::schema_tables().into_iter().map(|(n, _)| n).collect();
        assert!(names.len() > 20, "read only {} tables", names.len());
        let mut missing = Vec::new();
        for n in &names {
            let carried = CARRIED.contains(&n.as_str());
            let skipped = NOT_CARRIED.iter().any(|(t, _)| t == n);
            assert!(!(carried && skipped), "`{n}` is both carried and not carried");
            if !carried && !skipped {
                missing.push(n.clone());
            }
        }
        assert!(
            missing.is_empty(),
            "tables neither carried by snapshots nor listed as not carried (add them to CARRIED, with an import in db/snapshot.rs, or to NOT_CARRIED with the reason): {missing:?}"
        );
        for t in CARRIED.iter().chain(NOT_CARRIED.iter().map(|(t, _)| t)) {
            assert!(names.iter().any(|n| n == t), "`{t}` is listed but no schema file declares it");
        }
    }
}
