//! The fight dice's secrets in their private rows (`systems::fair_dice` decides everything):
//! the database secret, a fight's seed while it runs, and the reveal when it ends.

use crate::systems::fair_dice::{self, FightDice};
use crate::tables::combat::CombatInstance;
use crate::tables::dice::{combat_seed, dice_secret, CombatSeed, DiceSecret};
use spacetimedb::{ReducerContext, Table};

/// Init: the first secret, from what init knows (publisher, module identity, time). Not secret
/// by itself; `admin_add_dice_entropy` makes it so.
pub fn init_secret(ctx: &ReducerContext) {
    let mut context = Vec::new();
    context.extend_from_slice(&ctx.sender.to_byte_array());
    context.extend_from_slice(&ctx.identity().to_byte_array());
    context.extend_from_slice(&ctx.timestamp.to_micros_since_unix_epoch().to_le_bytes());
    let secret = fair_dice::initial_secret(&context).to_vec();
    ctx.db.dice_secret().id().delete(0);
    ctx.db.dice_secret().insert(DiceSecret { id: 0, secret, fights: 0, entropy_added: 0 });
}

fn secret_row(ctx: &ReducerContext) -> DiceSecret {
    if ctx.db.dice_secret().id().find(0).is_none() {
        init_secret(ctx);
    }
    ctx.db.dice_secret().id().find(0).unwrap_or(DiceSecret { id: 0, secret: vec![0; 32], fights: 0, entropy_added: 0 })
}

fn key(row: &DiceSecret) -> [u8; 32] {
    let mut k = [0u8; 32];
    let n = row.secret.len().min(32);
    k[..n].copy_from_slice(&row.secret[..n]);
    k
}

/// Mix operator entropy into the secret (the caller checked the admin and the bound).
pub fn add_entropy(ctx: &ReducerContext, entropy: &[u8]) -> u32 {
    let mut row = secret_row(ctx);
    row.secret = fair_dice::mix_entropy(&key(&row), entropy).to_vec();
    row.entropy_added = row.entropy_added.saturating_add(1);
    let n = row.entropy_added;
    ctx.db.dice_secret().id().update(row);
    n
}

/// The dice of a new fight (the counter moves on).
pub fn new_fight(ctx: &ReducerContext) -> FightDice {
    let mut row = secret_row(ctx);
    row.fights = row.fights.wrapping_add(1);
    let dice = fair_dice::fight_dice(&key(&row), row.fights, &ctx.timestamp.to_micros_since_unix_epoch().to_le_bytes());
    ctx.db.dice_secret().id().update(row);
    dice
}

/// Keep a running fight's seed and nonce private until it ends.
pub fn store(ctx: &ReducerContext, combat_id: u64, dice: &FightDice) {
    ctx.db.combat_seed().combat_id().delete(combat_id);
    ctx.db.combat_seed().insert(CombatSeed { combat_id, seed: dice.seed, nonce: dice.nonce.to_vec() });
}

/// The fight is over: its seed and nonce go into its public row (and the private row goes).
pub fn reveal(ctx: &ReducerContext, inst: &mut CombatInstance) {
    if let Some(s) = ctx.db.combat_seed().combat_id().find(inst.id) {
        inst.revealed_seed = Some(s.seed);
        inst.seed_nonce = crate::systems::sha256::hex(&s.nonce);
        ctx.db.combat_seed().combat_id().delete(inst.id);
    }
}
