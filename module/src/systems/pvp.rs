//! Consent before one player fights another (issue 18), as pure decisions over plain facts.
//!
//! A character fights another player's character only when that player said yes: by accepting a
//! challenge (`pvp_challenge`, open for config `challenge_ttl_secs`), or by both characters having
//! opted in (`pvp_opt_in`) at a location static data marks `pvp`. A safe location never allows
//! it. Joining a fight that holds other players' characters needs an invitation from a player
//! on the side you join (a fight of monsters against one player is nobody else's to join).

use crate::error::{err, ErrorCode, WkResult};

/// Open challenges one identity may have issued at a time.
pub const MAX_OPEN_CHALLENGES: usize = 5;
/// Open invitations per fight.
pub const MAX_INVITES_PER_FIGHT: usize = 16;

/// The place of a fight, as static data describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub safe: bool,
    pub pvp: bool,
}

/// Why the attacker may fight the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// Both characters are the same player's.
    SameOwner,
    /// The target's player accepted a challenge.
    Challenge,
    /// A PvP location where both opted in.
    OptedIn,
}

/// May a character attack a target character? `accepted`: the target's player accepted a
/// challenge from the attacker for this fight; `both_opted_in`: both characters opted in.
pub fn may_attack(
    same_owner: bool,
    place: Place,
    accepted: bool,
    both_opted_in: bool,
    target: &str,
) -> WkResult<Consent> {
    if same_owner {
        return Ok(Consent::SameOwner);
    }
    if place.safe {
        return Err(err(
            ErrorCode::SafeLocation,
            format!("this is a safe location; {target}'s player cannot be fought here"),
        ));
    }
    if accepted {
        return Ok(Consent::Challenge);
    }
    if place.pvp && both_opted_in {
        return Ok(Consent::OptedIn);
    }
    Err(err(
        ErrorCode::PvpConsentRequired,
        format!(
            "{target} belongs to another player; challenge it (they accept_challenge) or meet at a PvP location where both set_pvp_opt_in"
        ),
    ))
}

/// May a character join a fight? `others`: the fight holds characters of other players;
/// `invited`: one of those on the side joined invited this character.
pub fn may_join(others: bool, invited: bool) -> WkResult<()> {
    if others && !invited {
        return Err(err(
            ErrorCode::InvitationRequired,
            "this fight holds other players' characters; a player on the side you join must invite_to_combat you first",
        ));
    }
    Ok(())
}

/// A character at 0 HP (dying or stable, not dead) cannot be pulled into a fight.
pub fn check_not_down(hp: i32, dead: bool, name: &str) -> WkResult<()> {
    if hp <= 0 && !dead {
        return Err(err(ErrorCode::TargetDown, format!("{name} is down (0 HP); leave them be until they recover")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WILD: Place = Place { safe: false, pvp: false };
    const ARENA: Place = Place { safe: false, pvp: true };
    const TOWN: Place = Place { safe: true, pvp: false };

    fn code<T: std::fmt::Debug>(r: WkResult<T>) -> ErrorCode {
        r.expect_err("should be refused").code
    }

    #[test]
    fn another_players_character_needs_consent() {
        assert_eq!(code(may_attack(false, WILD, false, false, "B")), ErrorCode::PvpConsentRequired);
        assert_eq!(
            code(may_attack(false, WILD, false, true, "B")),
            ErrorCode::PvpConsentRequired,
            "opt-in only counts at a PvP place"
        );
        assert_eq!(
            code(may_attack(false, ARENA, false, false, "B")),
            ErrorCode::PvpConsentRequired,
            "both must opt in"
        );
        assert_eq!(may_attack(false, ARENA, false, true, "B").unwrap(), Consent::OptedIn);
        assert_eq!(may_attack(false, WILD, true, false, "B").unwrap(), Consent::Challenge);
        assert_eq!(may_attack(true, TOWN, false, false, "B").unwrap(), Consent::SameOwner, "your own characters");
    }

    #[test]
    fn a_safe_location_never_allows_it() {
        assert_eq!(code(may_attack(false, TOWN, true, true, "B")), ErrorCode::SafeLocation);
        assert_eq!(code(may_attack(false, Place { safe: true, pvp: true }, true, true, "B")), ErrorCode::SafeLocation);
    }

    #[test]
    fn joining_other_players_fights_needs_an_invitation() {
        assert_eq!(code(may_join(true, false)), ErrorCode::InvitationRequired);
        assert!(may_join(true, true).is_ok());
        assert!(may_join(false, false).is_ok(), "a fight of only your characters and monsters");
    }

    #[test]
    fn downed_characters_stay_out() {
        assert_eq!(code(check_not_down(0, false, "B")), ErrorCode::TargetDown);
        assert!(check_not_down(1, false, "B").is_ok());
    }
}
