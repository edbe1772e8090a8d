//! Config keys: defaults and validation of admin changes (pure).

use crate::error::{err, ErrorCode, WkResult};
use crate::rules::RulesConfig;
use crate::systems::items::WipeDifficulty;

/// Plain copy of the tunables, so validation is testable without tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tunables {
    pub world_tick_ms: u64,
    pub event_log_limit: u32,
    pub event_prune_ms: u64,
    pub max_characters_per_player: u32,
    pub start_location: String,
    /// World-time parameters of the active ruleset (rest lengths, rounds, recovery, regeneration).
    pub rules: RulesConfig,
    /// What a wiped run costs beyond the run stash (items system).
    pub wipe_difficulty: WipeDifficulty,
    /// The spawner runs every this many world ticks (0 = never).
    pub spawn_every_ticks: u32,
    /// The spawner tops a non-safe location up to this many monsters (in a fight or not).
    pub max_monsters_per_location: u32,
    /// The spawner tops a non-safe location up to this many items on the ground.
    pub max_ground_items_per_location: u32,
    /// How long a PvP challenge stays open.
    pub challenge_ttl_secs: u32,
    /// Per-identity token bucket of the world-changing reducers: calls/s (0 = off) and burst.
    pub rate_limit_per_sec: u32,
    pub rate_limit_burst: u32,
    /// Bounded storage (`timers::storage_prune`): a finished fight (its instance, combatants,
    /// action log and house-rule rows) is deleted this long after it ended.
    pub fight_retention_secs: u32,
    /// ... and at most this many finished fights are kept (the oldest go first, retention or not).
    pub max_finished_fights: u32,
    /// An action-queue fight in which no human acted for this long ends (`reason=idle`).
    pub queue_idle_secs: u32,
    /// A `player` row of an identity that never made a character is deleted once it has been
    /// offline this long ...
    pub player_grace_secs: u32,
    /// ... and at most this many such rows are kept (the longest offline go first).
    pub max_characterless_players: u32,
    /// The storage pruner's period, and the most rows one run deletes.
    pub storage_prune_ms: u64,
    pub prune_batch_rows: u32,
}

impl Tunables {
    /// Defaults: the kernel's, plus the active ruleset's world-time defaults.
    pub fn with_rules(rules: RulesConfig) -> Self {
        Tunables {
            world_tick_ms: 1000,
            event_log_limit: 1000,
            event_prune_ms: 1000,
            max_characters_per_player: 8,
            start_location: "crossroads".to_string(),
            rules,
            wipe_difficulty: WipeDifficulty::Standard,
            spawn_every_ticks: 10,
            max_monsters_per_location: 2,
            max_ground_items_per_location: 3,
            challenge_ttl_secs: 120,
            rate_limit_per_sec: crate::systems::limits::DEFAULT_RATE.per_sec,
            rate_limit_burst: crate::systems::limits::DEFAULT_RATE.burst,
            fight_retention_secs: 3600,
            max_finished_fights: 2000,
            queue_idle_secs: 300,
            player_grace_secs: 3600,
            max_characterless_players: 10_000,
            storage_prune_ms: 1000,
            prune_batch_rows: 500,
        }
    }
}

pub const KEYS: [&str; 25] = [
    "world_tick_ms",
    "event_log_limit",
    "event_prune_ms",
    "max_characters_per_player",
    "start_location",
    "short_rest_secs",
    "long_rest_secs",
    "round_secs",
    "stable_recovery_secs",
    "down_to_dead_secs",
    "regen_interval_secs",
    "wipe_difficulty",
    "spawn_every_ticks",
    "max_monsters_per_location",
    "max_ground_items_per_location",
    "challenge_ttl_secs",
    "rate_limit_per_sec",
    "rate_limit_burst",
    "fight_retention_secs",
    "max_finished_fights",
    "queue_idle_secs",
    "player_grace_secs",
    "max_characterless_players",
    "storage_prune_ms",
    "prune_batch_rows",
];

fn int<T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy>(
    key: &str,
    value: &str,
    lo: T,
    hi: T,
) -> WkResult<T> {
    let v: T = value.trim().parse().map_err(|_| {
        err(ErrorCode::InvalidConfig, format!("`{key}` takes an integer in {lo}..={hi}, got `{value}`"))
    })?;
    if v < lo || v > hi {
        return Err(err(ErrorCode::InvalidConfig, format!("`{key}` must be in {lo}..={hi}, got {v}")));
    }
    Ok(v)
}

/// Apply one `key = value` change to a copy of the tunables. `start_location` existence is
/// checked by the caller (it needs the location table).
pub fn apply(t: &Tunables, key: &str, value: &str) -> WkResult<Tunables> {
    let mut n = t.clone();
    const DAY: u32 = 86_400;
    match key {
        "world_tick_ms" => n.world_tick_ms = int(key, value, 100u64, 60_000)?,
        "event_log_limit" => n.event_log_limit = int(key, value, 10u32, 1_000_000)?,
        "event_prune_ms" => n.event_prune_ms = int(key, value, 100u64, 3_600_000)?,
        "max_characters_per_player" => n.max_characters_per_player = int(key, value, 1u32, 100)?,
        "short_rest_secs" => n.rules.short_rest_secs = int(key, value, 1u32, DAY)?,
        "long_rest_secs" => n.rules.long_rest_secs = int(key, value, 1u32, DAY)?,
        "round_secs" => n.rules.round_secs = int(key, value, 1u32, 600)?,
        "stable_recovery_secs" => n.rules.stable_recovery_secs = int(key, value, 1u32, DAY)?,
        "down_to_dead_secs" => n.rules.down_to_dead_secs = int(key, value, 1u32, DAY)?,
        "regen_interval_secs" => n.rules.regen_interval_secs = int(key, value, 0u32, DAY)?,
        "spawn_every_ticks" => n.spawn_every_ticks = int(key, value, 0u32, 1_000_000)?,
        "max_monsters_per_location" => n.max_monsters_per_location = int(key, value, 0u32, 50)?,
        "max_ground_items_per_location" => n.max_ground_items_per_location = int(key, value, 0u32, 100)?,
        "challenge_ttl_secs" => n.challenge_ttl_secs = int(key, value, 1u32, 3600)?,
        "rate_limit_per_sec" => n.rate_limit_per_sec = int(key, value, 0u32, 100_000)?,
        "rate_limit_burst" => n.rate_limit_burst = int(key, value, 1u32, 100_000)?,
        "fight_retention_secs" => n.fight_retention_secs = int(key, value, 1u32, 30 * DAY)?,
        "max_finished_fights" => n.max_finished_fights = int(key, value, 1u32, 1_000_000)?,
        "queue_idle_secs" => n.queue_idle_secs = int(key, value, 1u32, DAY)?,
        "player_grace_secs" => n.player_grace_secs = int(key, value, 1u32, 30 * DAY)?,
        "max_characterless_players" => n.max_characterless_players = int(key, value, 1u32, 10_000_000)?,
        "storage_prune_ms" => n.storage_prune_ms = int(key, value, 100u64, 3_600_000)?,
        "prune_batch_rows" => n.prune_batch_rows = int(key, value, 1u32, 10_000)?,
        "wipe_difficulty" => {
            n.wipe_difficulty = WipeDifficulty::parse(value.trim()).ok_or_else(|| {
                err(
                    ErrorCode::InvalidConfig,
                    format!("`wipe_difficulty` is casual, standard or hardcore, got `{value}`"),
                )
            })?
        }
        "start_location" => {
            let v = value.trim();
            if v.is_empty() || v.len() > 64 {
                return Err(err(ErrorCode::InvalidConfig, "`start_location` must be a location id (1..=64 chars)"));
            }
            n.start_location = v.to_string();
        }
        _ => {
            return Err(err(
                ErrorCode::InvalidConfig,
                format!("unknown config key `{key}`; known keys: {}", KEYS.join(", ")),
            ));
        }
    }
    n.rules.validate()?;
    Ok(n)
}

/// A whole set of tunables (a snapshot's config row) within the ranges [`apply`] enforces.
pub fn validate(t: &Tunables) -> WkResult<()> {
    let mut n = t.clone();
    let r = t.rules;
    for (k, v) in [
        ("world_tick_ms", t.world_tick_ms.to_string()),
        ("event_log_limit", t.event_log_limit.to_string()),
        ("event_prune_ms", t.event_prune_ms.to_string()),
        ("max_characters_per_player", t.max_characters_per_player.to_string()),
        ("short_rest_secs", r.short_rest_secs.to_string()),
        ("long_rest_secs", r.long_rest_secs.to_string()),
        ("round_secs", r.round_secs.to_string()),
        ("stable_recovery_secs", r.stable_recovery_secs.to_string()),
        ("down_to_dead_secs", r.down_to_dead_secs.to_string()),
        ("regen_interval_secs", r.regen_interval_secs.to_string()),
        ("spawn_every_ticks", t.spawn_every_ticks.to_string()),
        ("max_monsters_per_location", t.max_monsters_per_location.to_string()),
        ("max_ground_items_per_location", t.max_ground_items_per_location.to_string()),
        ("challenge_ttl_secs", t.challenge_ttl_secs.to_string()),
        ("rate_limit_per_sec", t.rate_limit_per_sec.to_string()),
        ("rate_limit_burst", t.rate_limit_burst.to_string()),
        ("fight_retention_secs", t.fight_retention_secs.to_string()),
        ("max_finished_fights", t.max_finished_fights.to_string()),
        ("queue_idle_secs", t.queue_idle_secs.to_string()),
        ("player_grace_secs", t.player_grace_secs.to_string()),
        ("max_characterless_players", t.max_characterless_players.to_string()),
        ("storage_prune_ms", t.storage_prune_ms.to_string()),
        ("prune_batch_rows", t.prune_batch_rows.to_string()),
        ("start_location", t.start_location.clone()),
    ] {
        n = apply(&n, k, &v)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{ActiveRules, RulesEngine};

    #[test]
    fn validate_accepts_the_defaults_and_refuses_out_of_range_rows() {
        let t = Tunables::with_rules(ActiveRules::default_config());
        assert!(validate(&t).is_ok());
        let bad = Tunables { world_tick_ms: 5, ..t.clone() };
        assert_eq!(validate(&bad).unwrap_err().code, ErrorCode::InvalidConfig);
        let bad = Tunables { max_monsters_per_location: 51, ..t.clone() };
        assert_eq!(validate(&bad).unwrap_err().code, ErrorCode::InvalidConfig);
        // a snapshot's config row cannot switch bounded storage off
        for bad in [
            Tunables { fight_retention_secs: 0, ..t.clone() },
            Tunables { max_finished_fights: 0, ..t.clone() },
            Tunables { queue_idle_secs: 0, ..t.clone() },
            Tunables { prune_batch_rows: 0, ..t.clone() },
            Tunables { storage_prune_ms: 10, ..t.clone() },
        ] {
            assert_eq!(validate(&bad).unwrap_err().code, ErrorCode::InvalidConfig, "{bad:?}");
        }
    }

    #[test]
    fn storage_keys_have_bounds_and_no_off_switch() {
        let t = Tunables::with_rules(ActiveRules::default_config());
        assert_eq!(apply(&t, "fight_retention_secs", "2").unwrap().fight_retention_secs, 2);
        assert_eq!(apply(&t, "max_finished_fights", "10").unwrap().max_finished_fights, 10);
        assert_eq!(apply(&t, "queue_idle_secs", "3").unwrap().queue_idle_secs, 3);
        assert_eq!(apply(&t, "player_grace_secs", "1").unwrap().player_grace_secs, 1);
        assert_eq!(apply(&t, "max_characterless_players", "5").unwrap().max_characterless_players, 5);
        assert_eq!(apply(&t, "storage_prune_ms", "200").unwrap().storage_prune_ms, 200);
        assert_eq!(apply(&t, "prune_batch_rows", "50").unwrap().prune_batch_rows, 50);
        for (k, v) in [
            ("fight_retention_secs", "0"),
            ("fight_retention_secs", "2592001"),
            ("max_finished_fights", "0"),
            ("queue_idle_secs", "0"),
            ("queue_idle_secs", "86401"),
            ("player_grace_secs", "0"),
            ("max_characterless_players", "0"),
            ("storage_prune_ms", "99"),
            ("prune_batch_rows", "0"),
            ("prune_batch_rows", "10001"),
        ] {
            assert_eq!(apply(&t, k, v).unwrap_err().code, ErrorCode::InvalidConfig, "{k}={v}");
        }
    }

    #[test]
    fn valid_changes_apply_and_bad_ones_name_the_range() {
        let t = Tunables::with_rules(ActiveRules::default_config());
        assert_eq!(apply(&t, "event_log_limit", "50").unwrap().event_log_limit, 50);
        assert_eq!(apply(&t, "long_rest_secs", "900").unwrap().rules.long_rest_secs, 900);
        assert_eq!(apply(&t, "spawn_every_ticks", "0").unwrap().spawn_every_ticks, 0);
        assert_eq!(apply(&t, "max_monsters_per_location", "5").unwrap().max_monsters_per_location, 5);
        assert_eq!(apply(&t, "max_ground_items_per_location", "101").unwrap_err().code, ErrorCode::InvalidConfig);
        assert_eq!(apply(&t, "wipe_difficulty", "hardcore").unwrap().wipe_difficulty, WipeDifficulty::Hardcore);
        assert_eq!((t.rate_limit_per_sec, t.rate_limit_burst), (20, 60), "the defaults the load clients assume");
        assert_eq!(apply(&t, "rate_limit_per_sec", "0").unwrap().rate_limit_per_sec, 0, "0 switches it off");
        assert_eq!(apply(&t, "rate_limit_burst", "500").unwrap().rate_limit_burst, 500);
        for (k, v) in [
            ("event_log_limit", "5"),
            ("event_log_limit", "x"),
            ("world_tick_ms", "-1"),
            ("nope", "1"),
            ("short_rest_secs", "100000"),
            ("round_secs", "0"),
            ("wipe_difficulty", "brutal"),
            ("rate_limit_burst", "0"),
            ("rate_limit_per_sec", "100001"),
        ] {
            assert_eq!(apply(&t, k, v).unwrap_err().code, ErrorCode::InvalidConfig, "{k}={v}");
        }
        // a short rest may not outlast a long one
        let long = t.rules.long_rest_secs;
        assert_eq!(apply(&t, "short_rest_secs", &(long + 1).to_string()).unwrap_err().code, ErrorCode::InvalidConfig);
    }
}
