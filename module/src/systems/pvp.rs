//! Consent before one player fights another, as pure decisions over plain facts.
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

/// House rules: the players whose consent a proposal needs: every player,
/// other than the proposer, with a human character in the fight when it is proposed (`humans`:
/// the owners of those characters). Snapshotted into the proposal: a player (or a second
/// identity) who joins later has no say.
pub fn consenters<I: PartialEq + Copy>(proposer: I, humans: &[I]) -> Vec<I> {
    let mut out: Vec<I> = Vec::new();
    for h in humans {
        if *h != proposer && !out.contains(h) {
            out.push(*h);
        }
    }
    out
}

/// One approval of a proposal: `who` must be one of `required` and not have approved yet.
/// Returns how many approvals are still missing (0: apply it).
pub fn approve<I: PartialEq + Copy>(required: &[I], approved: &mut Vec<I>, who: I) -> WkResult<usize> {
    if !required.contains(&who) {
        return Err(err(
            ErrorCode::ProfileNotParticipant,
            "only a player whose character was a human combatant of this fight when it was proposed can consent",
        ));
    }
    if approved.contains(&who) {
        return Err(err(ErrorCode::InvalidArgument, "you approved this proposal already"));
    }
    approved.push(who);
    Ok(required.iter().filter(|r| !approved.contains(r)).count())
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
    fn house_rules_need_every_affected_players_consent() {
        // proposer 1; players 2 and 3 fight too (3 with two characters).
        let req = consenters(1, &[1, 2, 3, 3]);
        assert_eq!(req, vec![2, 3]);
        let mut ok = Vec::new();
        assert_eq!(code(approve(&req, &mut ok, 1)), ErrorCode::ProfileNotParticipant, "not the proposer");
        assert_eq!(
            code(approve(&req, &mut ok, 9)),
            ErrorCode::ProfileNotParticipant,
            "a late joiner / second identity"
        );
        assert_eq!(approve(&req, &mut ok, 2).unwrap(), 1, "one more to go");
        assert_eq!(code(approve(&req, &mut ok, 2)), ErrorCode::InvalidArgument, "twice counts once");
        assert_eq!(approve(&req, &mut ok, 3).unwrap(), 0, "everyone affected said yes");
        assert!(consenters(1, &[1, 1]).is_empty(), "only your own characters: nobody else to ask");
    }

    #[test]
    fn downed_characters_stay_out() {
        assert_eq!(code(check_not_down(0, false, "B")), ErrorCode::TargetDown);
        assert!(check_not_down(1, false, "B").is_ok());
    }
}
