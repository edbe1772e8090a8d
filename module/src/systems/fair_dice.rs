//! Secret, provably fair fight dice, pure.
//!
//! A fight's dice all come from its seed (`combat::stream_rng(seed, n)`), so whoever knows the
//! seed of a running fight knows its coming rolls. The seed therefore never appears in a public
//! row while the fight runs:
//! - it is derived from the database's own secret (a private row, made at init and strengthened
//!   by the operator's `admin_add_dice_entropy`: SpacetimeDB 1.2 gives a module no entropy of its own,
//!   `ctx.rng()` is seeded from the public timestamp) and a per-fight counter: [`fight_dice`];
//! - the public fight row carries a commitment from the start, `SHA-256(tag || seed || nonce)`
//!   with a 32-byte secret nonce ([`commitment`]), and the seed and nonce are revealed when the
//!   fight ends; anyone then checks [`verify`] and replays the fight from its public log;
//! - the log's start step is stored with the seed blanked ([`REDACTED_SEED`]); the replay puts
//!   the revealed seed back.

use super::combat::replay::{LoggedStep, ReplayAction};
use super::sha256::{hex, sha256, unhex};

/// The seed the public log's start step carries while it is secret.
pub const REDACTED_SEED: u64 = 0;

/// A fight's dice: its seed and the nonce that hides it in the commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FightDice {
    pub seed: u64,
    pub nonce: [u8; 32],
}

fn tagged(tag: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut buf = Vec::with_capacity(64 + tag.len());
    buf.extend_from_slice(tag);
    for p in parts {
        buf.extend_from_slice(&(p.len() as u32).to_le_bytes());
        buf.extend_from_slice(p);
    }
    sha256(&buf)
}

/// The first secret of a database, from what init has (not secret by itself: the operator adds
/// entropy with `admin_add_dice_entropy`).
pub fn initial_secret(context: &[u8]) -> [u8; 32] {
    tagged(b"wk-dice-secret-init-v1", &[context])
}

/// The secret after mixing in more entropy (the old secret stays in: entropy only adds).
pub fn mix_entropy(secret: &[u8; 32], entropy: &[u8]) -> [u8; 32] {
    tagged(b"wk-dice-secret-mix-v1", &[secret, entropy])
}

/// The dice of the database's `counter`-th fight (the counter never repeats). `context` is mixed
/// in too (the caller's timestamp), though the secret alone already makes them unpredictable.
pub fn fight_dice(secret: &[u8; 32], counter: u64, context: &[u8]) -> FightDice {
    let c = counter.to_le_bytes();
    let s = tagged(b"wk-dice-seed-v1", &[secret, &c, context]);
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&s[..8]);
    let seed = u64::from_le_bytes(seed);
    // Seed 0 is the blanked value of the public log: never a real seed.
    let seed = if seed == REDACTED_SEED { 1 } else { seed };
    FightDice { seed, nonce: tagged(b"wk-dice-nonce-v1", &[secret, &c, context]) }
}

/// The public commitment to a fight's dice: 64 hex digits.
pub fn commitment(seed: u64, nonce: &[u8; 32]) -> String {
    hex(&tagged(b"wk-dice-commit-v1", &[&seed.to_le_bytes(), nonce]))
}

/// Whether a revealed seed and nonce (hex) are the ones `commitment_hex` committed to.
pub fn verify(commitment_hex: &str, seed: u64, nonce_hex: &str) -> bool {
    let Some(n) = unhex(nonce_hex) else { return false };
    let Ok(nonce) = <[u8; 32]>::try_from(n.as_slice()) else { return false };
    commitment(seed, &nonce).eq_ignore_ascii_case(commitment_hex.trim())
}

/// The start step as the public log stores it: the seed blanked.
pub fn redacted_start(step: &LoggedStep) -> LoggedStep {
    let mut s = step.clone();
    if let ReplayAction::Start(a) = &mut s.action {
        a.seed = REDACTED_SEED;
    }
    s
}

/// The start step with a revealed seed put back (what `wk-replay` runs). `Err` when the step is
/// not a start step or carries a seed already that differs.
pub fn unredacted_start(step: &LoggedStep, seed: u64) -> Result<LoggedStep, String> {
    let mut s = step.clone();
    let ReplayAction::Start(a) = &mut s.action else { return Err("not a start step".into()) };
    if a.seed != REDACTED_SEED && a.seed != seed {
        return Err(format!("the log's start step carries seed {} but {seed} was revealed", a.seed));
    }
    a.seed = seed;
    Ok(s)
}

/// Operator entropy for `admin_add_dice_entropy`: hex, 32 to 128 digits (16 to 64 bytes).
pub fn parse_entropy(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !(32..=128).contains(&s.len()) {
        return None;
    }
    unhex(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commitment_verifies_only_the_committed_seed_and_nonce() {
        let d = fight_dice(&[7; 32], 1, b"t");
        let c = commitment(d.seed, &d.nonce);
        assert_eq!(c.len(), 64);
        assert!(verify(&c, d.seed, &hex(&d.nonce)));
        assert!(!verify(&c, d.seed ^ 1, &hex(&d.nonce)));
        let mut other = d.nonce;
        other[0] ^= 1;
        assert!(!verify(&c, d.seed, &hex(&other)));
        assert!(!verify(&c, d.seed, "zz"));
        assert!(!verify(&c, d.seed, "00"));
    }

    #[test]
    fn seeds_depend_on_the_secret_and_never_repeat_with_the_counter() {
        let s = [1u8; 32];
        let a = fight_dice(&s, 1, b"t");
        assert_ne!(a, fight_dice(&s, 2, b"t"), "the counter changes the dice");
        assert_ne!(a, fight_dice(&mix_entropy(&s, b"more"), 1, b"t"), "entropy changes the dice");
        assert_eq!(a, fight_dice(&s, 1, b"t"), "and nothing else does");
        assert_ne!(a.seed, REDACTED_SEED);
    }

    #[test]
    fn entropy_bounds() {
        assert!(parse_entropy(&"ab".repeat(16)).is_some());
        assert!(parse_entropy(&"ab".repeat(64)).is_some());
        assert!(parse_entropy(&"ab".repeat(15)).is_none(), "too short");
        assert!(parse_entropy(&"ab".repeat(65)).is_none(), "too long");
        assert!(parse_entropy(&"zz".repeat(16)).is_none(), "not hex");
    }
}
