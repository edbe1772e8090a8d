//! One file per built-in modifier kind; each exports its `DESCRIPTOR`.

pub mod attack_bonus;
pub mod condition_immunity;
pub mod crit_range;
pub mod custom;
pub mod hp_bonus;
pub mod movement_bonus;
pub mod resistance;
pub mod trait_flags;

/// `amount` within `[min, max]`.
pub(crate) fn amount_in(e: &super::ModifierEntry, min: i32, max: i32) -> Result<(), String> {
    if e.amount < min || e.amount > max {
        return Err(format!("`{}` amount {} is outside {min}..={max}", e.kind, e.amount));
    }
    Ok(())
}
