//! The fight dice's secrets (`systems::fair_dice`). Both tables are private: a client never
//! sees a running fight's seed; the public `combat_instance` row carries its commitment and, once
//! the fight is over, the revealed seed and nonce.

use spacetimedb::table;

/// The database's dice secret (one row, id 0): made at init, strengthened by the operator's
/// `admin_add_dice_entropy`. `fights` counts the fights seeded from it (each gets its own dice).
#[table(name = dice_secret)]
pub struct DiceSecret {
    #[primary_key]
    pub id: u32,
    pub secret: Vec<u8>,
    pub fights: u64,
    /// How many times entropy was added (0: the secret is only as strong as init's context).
    pub entropy_added: u32,
}

/// A running fight's seed and the nonce of its commitment; deleted when the fight ends (the
/// values then sit in the public `combat_instance` row).
#[table(name = combat_seed)]
pub struct CombatSeed {
    #[primary_key]
    pub combat_id: u64,
    pub seed: u64,
    pub nonce: Vec<u8>,
}
