//! Cross-agent interactions (pure): when an event involves characters of different players.
//! A character owned by the module (an AI character of the world) or by no one (the zero
//! identity) is not an agent and never makes an interaction cross-agent.

use spacetimedb::Identity;

/// The kinds of cross-agent interaction recorded as `CrossAgent` events (`kind=` in the detail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrossKind {
    /// A contest (e.g. deception vs insight) between two players' characters.
    Contest,
    /// Two players' characters in the same fight (`start_combat` naming one, `join_combat`).
    SharedFight,
    /// Loot dropped by a fight picked up by a player who had no character in that fight.
    LootPickup,
    /// `give_item` between two players' characters.
    Gift,
}

impl CrossKind {
    pub fn code(self) -> &'static str {
        match self {
            CrossKind::Contest => "contest",
            CrossKind::SharedFight => "shared_fight",
            CrossKind::LootPickup => "loot_pickup",
            CrossKind::Gift => "gift",
        }
    }
}

/// The distinct player owners among `owners` (module and zero identities left out), in order.
pub fn player_owners(owners: &[Identity], module: Identity) -> Vec<Identity> {
    let mut out: Vec<Identity> = Vec::new();
    for o in owners {
        if *o != module && *o != Identity::ZERO && !out.contains(o) {
            out.push(*o);
        }
    }
    out
}

/// Whether `actor`'s owner and any of `others` are different players.
pub fn is_cross(actor: Identity, others: &[Identity], module: Identity) -> bool {
    if actor == module || actor == Identity::ZERO {
        return false;
    }
    others.iter().any(|o| *o != actor && *o != module && *o != Identity::ZERO)
}

/// Where a given item goes: the receiver's run stash during its run, else its owner's master stash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiftDestination {
    RunStash(u64),
    MasterStash(Identity),
}

pub fn gift_destination(receiver_id: u64, receiver_owner: Identity, receiver_run_active: bool) -> GiftDestination {
    if receiver_run_active {
        GiftDestination::RunStash(receiver_id)
    } else {
        GiftDestination::MasterStash(receiver_owner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> Identity {
        let mut b = [0u8; 32];
        b[0] = n;
        Identity::from_byte_array(b)
    }

    #[test]
    fn different_players_are_cross_the_world_and_oneself_are_not() {
        let module = id(9);
        assert!(is_cross(id(1), &[id(2)], module));
        assert!(!is_cross(id(1), &[id(1)], module));
        assert!(!is_cross(id(1), &[module], module));
        assert!(!is_cross(module, &[id(2)], module));
        assert!(!is_cross(id(1), &[Identity::ZERO], module));
        assert!(is_cross(id(1), &[id(1), module, id(3)], module));
        assert_eq!(player_owners(&[id(1), module, id(1), id(2), Identity::ZERO], module), vec![id(1), id(2)]);
    }

    #[test]
    fn gifts_go_to_the_run_stash_only_during_a_run() {
        assert_eq!(gift_destination(7, id(1), true), GiftDestination::RunStash(7));
        assert_eq!(gift_destination(7, id(1), false), GiftDestination::MasterStash(id(1)));
        assert_eq!(CrossKind::LootPickup.code(), "loot_pickup");
    }
}
