//! Who a buff sits on. `active_buff.target_id` uses the combatant id space: a character id, or
//! `MONSTER_ID_BASE + instance id` for a monster instance (the id the monster has in a fight), so
//! characters and monsters share the same table, timers, stacking and expiry.

/// Monster combatant (and buff target) ids are offset so they never collide with character ids.
pub const MONSTER_ID_BASE: u64 = 1 << 48;

/// A buff target, decoded from its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuffTarget {
    Character(u64),
    /// A `monster_instance` id.
    Monster(u64),
}

impl BuffTarget {
    /// Decode a target (or combatant) id.
    pub fn of(id: u64) -> BuffTarget {
        if id >= MONSTER_ID_BASE {
            BuffTarget::Monster(id - MONSTER_ID_BASE)
        } else {
            BuffTarget::Character(id)
        }
    }

    /// The id `active_buff.target_id` (and the fight) uses.
    pub fn id(self) -> u64 {
        match self {
            BuffTarget::Character(id) => id,
            BuffTarget::Monster(m) => MONSTER_ID_BASE + m,
        }
    }
}

/// The target id of a monster instance.
pub fn monster_target(instance_id: u64) -> u64 {
    BuffTarget::Monster(instance_id).id()
}

/// A monster outside a fight has no death saves: periodic damage that leaves it at 0 HP kills it.
pub fn monster_dies_at(hp_after: i32) -> bool {
    hp_after <= 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_ids_decode_to_characters_below_the_base_and_monsters_above() {
        assert_eq!(BuffTarget::of(7), BuffTarget::Character(7));
        assert_eq!(BuffTarget::of(MONSTER_ID_BASE + 3), BuffTarget::Monster(3));
        assert_eq!(BuffTarget::of(MONSTER_ID_BASE), BuffTarget::Monster(0));
        assert_eq!(monster_target(3), MONSTER_ID_BASE + 3);
        assert_eq!(BuffTarget::of(monster_target(42)).id(), MONSTER_ID_BASE + 42);
        assert!(monster_dies_at(0) && monster_dies_at(-2) && !monster_dies_at(1));
    }
}
