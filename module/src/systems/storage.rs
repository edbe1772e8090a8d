//! Bounded storage (pure): which finished fights and which characterless `player` rows the
//! storage pruner (`timers::storage_prune`, `db::prune`) deletes. Both are taken oldest first
//! through an index, and one run deletes at most `prune_batch_rows` rows, so a run costs the
//! same whatever the size of the tables.

/// The config values the pruner reads (`config` row; ranges in `systems::config`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub fight_retention_micros: i64,
    pub max_finished_fights: u64,
    pub player_grace_micros: i64,
    pub max_characterless_players: u64,
    /// Rows one run may delete.
    pub batch_rows: u32,
}

impl Limits {
    pub fn new(
        fight_retention_secs: u32,
        max_finished_fights: u32,
        player_grace_secs: u32,
        max_characterless_players: u32,
        batch_rows: u32,
    ) -> Limits {
        Limits {
            fight_retention_micros: i64::from(fight_retention_secs) * 1_000_000,
            max_finished_fights: u64::from(max_finished_fights),
            player_grace_micros: i64::from(player_grace_secs) * 1_000_000,
            max_characterless_players: u64::from(max_characterless_players),
            batch_rows: batch_rows.max(1),
        }
    }
}

/// Is the oldest finished fight (ended at `ended_at_micros`) due: past its retention window, or
/// more finished fights kept than the cap?
pub fn fight_due(l: &Limits, now_micros: i64, ended_at_micros: i64, finished: u64) -> bool {
    finished > l.max_finished_fights || now_micros.saturating_sub(ended_at_micros) >= l.fight_retention_micros
}

/// What the pruner does with the oldest queued characterless player.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayerFate {
    /// Not due yet (and the cap is not exceeded): the run stops here (the rest are younger).
    Wait,
    /// Offline long enough, or the cap is exceeded: the `player` row goes.
    Delete,
    /// Seen since it was queued, or connected now: queued again at this time.
    Requeue(i64),
    /// Its queue row is stale (no player row, or it made a character): only the queue row goes.
    Dequeue,
}

/// The queued player as the pruner finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuedPlayer {
    pub since_micros: i64,
    /// `None`: the player row is gone.
    pub last_seen_micros: Option<i64>,
    pub connected: bool,
    pub has_character: bool,
}

/// `queued`: how many players are queued now.
pub fn player_fate(l: &Limits, now_micros: i64, p: &QueuedPlayer, queued: u64) -> PlayerFate {
    let over_cap = queued > l.max_characterless_players;
    let cutoff = now_micros.saturating_sub(l.player_grace_micros);
    if !over_cap && p.since_micros > cutoff {
        return PlayerFate::Wait;
    }
    let Some(seen) = p.last_seen_micros else { return PlayerFate::Dequeue };
    if p.has_character {
        return PlayerFate::Dequeue;
    }
    if p.connected {
        return PlayerFate::Requeue(now_micros);
    }
    if !over_cap && seen > cutoff {
        return PlayerFate::Requeue(seen);
    }
    PlayerFate::Delete
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000;

    fn limits() -> Limits {
        Limits::new(60, 3, 100, 2, 10)
    }

    #[test]
    fn a_finished_fight_goes_after_its_retention_or_beyond_the_cap() {
        let l = limits();
        assert!(!fight_due(&l, 100 * S, 50 * S, 1), "ended 50 s ago, 60 s retention");
        assert!(fight_due(&l, 110 * S, 50 * S, 1), "exactly 60 s");
        assert!(fight_due(&l, 51 * S, 50 * S, 4), "4 finished fights kept, cap 3");
        assert!(!fight_due(&l, 51 * S, 50 * S, 3));
    }

    #[test]
    fn a_characterless_player_goes_only_when_offline_past_its_grace() {
        let l = limits();
        let p = QueuedPlayer { since_micros: 0, last_seen_micros: Some(0), connected: false, has_character: false };
        assert_eq!(player_fate(&l, 50 * S, &p, 1), PlayerFate::Wait, "queued 50 s ago, grace 100 s");
        assert_eq!(player_fate(&l, 100 * S, &p, 1), PlayerFate::Delete);
        // seen again since it was queued: back in the queue at that time
        let seen = QueuedPlayer { last_seen_micros: Some(80 * S), ..p };
        assert_eq!(player_fate(&l, 120 * S, &seen, 1), PlayerFate::Requeue(80 * S));
        // connected now: never deleted, pushed back
        let on = QueuedPlayer { connected: true, ..p };
        assert_eq!(player_fate(&l, 500 * S, &on, 1), PlayerFate::Requeue(500 * S));
        assert_eq!(player_fate(&l, 500 * S, &on, 9), PlayerFate::Requeue(500 * S), "not even over the cap");
        // made a character meanwhile, or the row is gone: only the queue row goes
        let made = QueuedPlayer { has_character: true, ..p };
        assert_eq!(player_fate(&l, 500 * S, &made, 1), PlayerFate::Dequeue);
        let gone = QueuedPlayer { last_seen_micros: None, ..p };
        assert_eq!(player_fate(&l, 500 * S, &gone, 1), PlayerFate::Dequeue);
    }

    #[test]
    fn over_the_cap_the_oldest_offline_player_goes_within_its_grace() {
        let l = limits();
        let p = QueuedPlayer {
            since_micros: 10 * S,
            last_seen_micros: Some(10 * S),
            connected: false,
            has_character: false,
        };
        assert_eq!(player_fate(&l, 20 * S, &p, 2), PlayerFate::Wait);
        assert_eq!(player_fate(&l, 20 * S, &p, 3), PlayerFate::Delete);
    }
}
