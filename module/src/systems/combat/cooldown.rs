//! ActionQueues budgets: an action, a bonus action, a reaction and a walking speed's worth of
//! movement per window (default 6 s, one SRD round), counted from the first use in the window.
//!
//! The window is rolling, not aligned to a clock: when a window has expired, the next use opens
//! a fresh one at that moment. Nothing carries over (no banking of unused actions). Times are
//! `i64` micros since the Unix epoch, as the tables store them.

use crate::error::{err, ErrorCode, WkResult};
use spacetimedb::SpacetimeType;

/// Tolerance for float comparisons of feet (positions are `f32`).
pub const FEET_EPSILON: f32 = 0.01;

/// One kind of budget besides movement.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Budget {
    Action,
    BonusAction,
    Reaction,
}

impl Budget {
    pub fn label(self) -> &'static str {
        match self {
            Budget::Action => "action",
            Budget::BonusAction => "bonus action",
            Budget::Reaction => "reaction",
        }
    }
}

/// The budget state of one combatant (the `action_cooldown` row).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Default)]
pub struct Cooldown {
    /// When the current window opened (0: never used, so always expired).
    pub window_start_micros: i64,
    pub action_used: bool,
    pub bonus_used: bool,
    pub reaction_used: bool,
    pub movement_used_ft: f32,
}

impl Cooldown {
    /// Has the window that `window_start_micros` opened run out at `now`?
    pub fn expired(&self, now_micros: i64, window_micros: i64) -> bool {
        self.window_start_micros == 0 || now_micros >= self.window_start_micros.saturating_add(window_micros)
    }

    /// The state as seen at `now`: a fresh, unused window if the old one ran out (its start is
    /// set by the first use, see [`Cooldown::touch`]).
    pub fn at(&self, now_micros: i64, window_micros: i64) -> Cooldown {
        if self.expired(now_micros, window_micros) {
            Cooldown::default()
        } else {
            *self
        }
    }

    /// Roll over to a new window (opened now) if the old one expired; true if it did.
    pub fn touch(&mut self, now_micros: i64, window_micros: i64) -> bool {
        if self.expired(now_micros, window_micros) {
            *self = Cooldown { window_start_micros: now_micros.max(1), ..Cooldown::default() };
            true
        } else {
            false
        }
    }

    fn used(&self, b: Budget) -> bool {
        match b {
            Budget::Action => self.action_used,
            Budget::BonusAction => self.bonus_used,
            Budget::Reaction => self.reaction_used,
        }
    }

    /// When this budget is next available (`now` if it is).
    pub fn available_at(&self, b: Budget, now_micros: i64, window_micros: i64) -> i64 {
        let s = self.at(now_micros, window_micros);
        if s.used(b) {
            self.window_start_micros.saturating_add(window_micros)
        } else {
            now_micros
        }
    }

    /// May this budget be spent at `now`? `E_NO_ACTION_LEFT` says how long to wait.
    pub fn can_act(&self, b: Budget, now_micros: i64, window_micros: i64) -> WkResult<()> {
        let at = self.available_at(b, now_micros, window_micros);
        if at > now_micros {
            let ms = (at - now_micros + 999) / 1000;
            return Err(err(
                ErrorCode::NoActionLeft,
                format!("the {} of this window is spent; it is available again in {ms} ms", b.label()),
            ));
        }
        Ok(())
    }

    /// Spend a budget at `now` (opening a new window if the old one expired).
    pub fn consume(&mut self, b: Budget, now_micros: i64, window_micros: i64) -> WkResult<()> {
        self.can_act(b, now_micros, window_micros)?;
        self.touch(now_micros, window_micros);
        match b {
            Budget::Action => self.action_used = true,
            Budget::BonusAction => self.bonus_used = true,
            Budget::Reaction => self.reaction_used = true,
        }
        Ok(())
    }

    /// Feet of movement left in the window at `now` for a creature with this speed.
    pub fn movement_left(&self, now_micros: i64, window_micros: i64, speed_ft: f32) -> f32 {
        (speed_ft - self.at(now_micros, window_micros).movement_used_ft).max(0.0)
    }

    /// Spend movement (`E_TOO_FAR` when the window's speed does not cover it).
    pub fn consume_movement(&mut self, feet: f32, now_micros: i64, window_micros: i64, speed_ft: f32) -> WkResult<()> {
        let left = self.movement_left(now_micros, window_micros, speed_ft);
        if feet > left + FEET_EPSILON {
            return Err(err(
                ErrorCode::TooFar,
                format!("that is {feet:.1} ft but only {left:.1} ft of movement is left in this window"),
            ));
        }
        self.touch(now_micros, window_micros);
        self.movement_used_ft += feet;
        Ok(())
    }
}
