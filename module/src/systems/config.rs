//! Config keys: defaults and validation of admin changes (pure).

use crate::error::{err, ErrorCode, WkResult};

/// Plain copy of the tunables, so validation is testable without tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tunables {
    pub world_tick_ms: u64,
    pub event_log_limit: u32,
    pub event_prune_ms: u64,
    pub max_characters_per_player: u32,
    pub start_location: String,
    pub short_rest_secs: u32,
    pub long_rest_secs: u32,
}

impl Default for Tunables {
    fn default() -> Self {
        Tunables {
            world_tick_ms: 1000,
            event_log_limit: 1000,
            event_prune_ms: 5000,
            max_characters_per_player: 8,
            start_location: "crossroads".to_string(),
            short_rest_secs: 60,
            long_rest_secs: 480,
        }
    }
}

pub const KEYS: [&str; 7] = [
    "world_tick_ms",
    "event_log_limit",
    "event_prune_ms",
    "max_characters_per_player",
    "start_location",
    "short_rest_secs",
    "long_rest_secs",
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
    match key {
        "world_tick_ms" => n.world_tick_ms = int(key, value, 100u64, 60_000)?,
        "event_log_limit" => n.event_log_limit = int(key, value, 10u32, 1_000_000)?,
        "event_prune_ms" => n.event_prune_ms = int(key, value, 100u64, 3_600_000)?,
        "max_characters_per_player" => n.max_characters_per_player = int(key, value, 1u32, 100)?,
        "short_rest_secs" => n.short_rest_secs = int(key, value, 1u32, 86_400)?,
        "long_rest_secs" => n.long_rest_secs = int(key, value, 1u32, 86_400)?,
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
    if n.short_rest_secs > n.long_rest_secs {
        return Err(err(ErrorCode::InvalidConfig, "short_rest_secs must not exceed long_rest_secs"));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_changes_apply_and_bad_ones_name_the_range() {
        let t = Tunables::default();
        assert_eq!(apply(&t, "event_log_limit", "50").unwrap().event_log_limit, 50);
        for (k, v) in [
            ("event_log_limit", "5"),
            ("event_log_limit", "x"),
            ("world_tick_ms", "-1"),
            ("nope", "1"),
            ("short_rest_secs", "100000"),
        ] {
            assert_eq!(apply(&t, k, v).unwrap_err().code, ErrorCode::InvalidConfig, "{k}={v}");
        }
        assert_eq!(apply(&t, "short_rest_secs", "900").unwrap_err().code, ErrorCode::InvalidConfig);
    }
}
