//! Scenarios: modifier profiles on live fights — apply to a solo encounter (effective max
//! HP changes), rejection codes seen by the caller, a queued swap applied at the turn boundary,
//! and the consent workflow between two human sides (propose / self-consent / reject / approve /
//! supersede / timeout, with the consent timeout shortened by admin config for the test).
//! House rules stay in their fight — a stack's summed `hp_bonus` is bounded
//! (`E_PROFILE_STACK_LIMIT`), and after the fight the character's sheet has its own max HP back
//! with HP clamped to it (a raised ceiling filled by a house-rule heal), and a negative entry
//! leaves nothing but the damage taken.

use crate::harness::{check, check_eq, wait_for, Client, Env, Runner, TestResult};
use crate::module_bindings::*;
use crate::scenarios::foundation::{create, fixture, Fixture};
use spacetimedb_sdk::Table;
use std::time::Duration;

pub(crate) fn entry(kind: &str, amount: i32, key: &str, list: &[&str]) -> ModifierEntry {
    ModifierEntry { kind: kind.into(), amount, key: key.into(), list: list.iter().map(|s| s.to_string()).collect() }
}

pub(crate) fn profile(id: &str, target: &str, mods: Vec<ModifierEntry>) -> Profile {
    Profile {
        id: id.into(),
        name: id.into(),
        version: 1,
        layout: None,
        per_type: vec![TypeEntry { target: target.into(), modifiers: mods }],
        per_instance: vec![],
        customs: vec![],
    }
}

fn combat_of(c: &Client, character_id: u64) -> Option<CombatInstance> {
    let ids: Vec<u64> =
        c.conn.db.combatant().iter().filter(|r| r.character_id == character_id).map(|r| r.combat_id).collect();
    ids.iter().max().and_then(|id| c.conn.db.combat_instance().id().find(id))
}

fn spawn_rat(admin: &Client) -> Result<u64, String> {
    let before: Vec<u64> = admin.conn.db.monster_instance().iter().map(|m| m.id).collect();
    admin.ok("admin_spawn_monster", |r| r.admin_spawn_monster("rat".into(), "crossroads".into()))?;
    let mut id = 0;
    wait_for("spawned rat", Duration::from_secs(5), || {
        id = admin
            .conn
            .db
            .monster_instance()
            .iter()
            .find(|m| !before.contains(&m.id) && m.def_id == "rat" && m.combat_id == 0)
            .map(|m| m.id)
            .unwrap_or(0);
        id != 0
    })?;
    Ok(id)
}

fn validations(c: &Client, combat_id: u64) -> Vec<ProfileValidation> {
    let me = c.identity;
    let mut v: Vec<ProfileValidation> =
        c.conn.db.profile_validation().iter().filter(|v| v.combat_id == combat_id && v.requester == me).collect();
    v.sort_by_key(|v| v.id);
    v
}

fn proposals(c: &Client, combat_id: u64) -> Vec<ProfileProposal> {
    let mut v: Vec<ProfileProposal> =
        c.conn.db.profile_proposal().iter().filter(|p| p.combat_id == combat_id).collect();
    v.sort_by_key(|p| p.id);
    v
}

fn latest_proposal(c: &Client, combat_id: u64) -> Result<ProfileProposal, String> {
    proposals(c, combat_id).pop().ok_or_else(|| "no proposal row".to_string())
}

fn node(op: PrimitiveOp, attr: StatAttr, amount: i32, then: Vec<u32>) -> PrimitiveNode {
    PrimitiveNode {
        op: Some(op),
        attr,
        counter: String::new(),
        amount,
        radius_ft: 0,
        text: String::new(),
        cond: CondKind::None,
        then,
        otherwise: vec![],
    }
}

/// The combatant row of `character_id` in fight `cid`.
fn my_row(c: &Client, cid: u64, character_id: u64) -> Option<CombatantRow> {
    c.conn.db.combatant().iter().find(|x| x.combat_id == cid && x.character_id == character_id)
}

/// The character row's sheet vitals.
fn sheet_vitals(c: &Client, id: u64) -> Option<Vitals> {
    c.conn.db.character().id().find(&id).map(|ch| ch.sheet.vitals)
}

/// Start a solo fight of `id` against a fresh rat and wait until it is `id`'s turn.
fn solo_fight(admin: &Client, a: &Client, id: u64) -> Result<u64, String> {
    let rat = spawn_rat(admin)?;
    a.ok("start_combat", move |r| r.start_combat(id, vec![], vec![rat]))?;
    let cid = combat_of(a, id).filter(|f| f.status == FightStatus::Active).ok_or("no active combat")?.id;
    wait_for("the character's turn", Duration::from_secs(5), || {
        a.conn.db.combat_instance().id().find(&cid).is_some_and(|f| f.current_combatant == Some(id))
    })?;
    Ok(cid)
}

/// Flee and wait for the fight to be over.
fn flee_out(a: &Client, cid: u64, id: u64) -> TestResult {
    a.ok("flee", move |r| r.flee(id))?;
    wait_for("fight over", Duration::from_secs(5), || {
        a.conn.db.combat_instance().id().find(&cid).is_some_and(|f| f.status != FightStatus::Active)
    })
}

pub fn run(env: &Env, r: &mut Runner) {
    let fx: Fixture = fixture(env);

    r.run("profiles: apply to a solo encounter, rejection codes, queued swap at the turn boundary", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let stranger = Client::fresh(env)?;
        let rat = spawn_rat(&admin)?;
        let me = create(&a, &fx, "Warden")?;
        let id = me.id;
        a.ok("start_combat", move |r| r.start_combat(id, vec![], vec![rat]))?;
        let fight = combat_of(&a, id).ok_or("no combat")?;
        check_eq(fight.status, FightStatus::Active, "fight on")?;
        let cid = fight.id;
        let rat_row =
            |c: &Client| c.conn.db.combatant().iter().find(|x| x.combat_id == cid && x.monster_instance_id == rat);
        let base_max = rat_row(&a).ok_or("rat combatant")?.max_hp;

        // Rejections: codes reach the caller, nothing changes.
        let bad = vec![profile("bad", "*", vec![entry("flying", 1, "", &[])])];
        a.fails_with("apply_profiles", "E_PROFILE_UNKNOWN_KIND", move |r| r.apply_profiles(cid, bad))?;
        let bad = vec![profile("bad", "*", vec![entry("hp_bonus", 100_000, "", &[])])];
        a.fails_with("apply_profiles", "E_PROFILE_BAD_VALUE", move |r| r.apply_profiles(cid, bad))?;
        let bad = vec![profile("bad", "monster", vec![entry("traits", 0, "", &["unkillable"])])];
        a.fails_with("apply_profiles", "E_PROFILE_UNKILLABLE_SIDE", move |r| r.apply_profiles(cid, bad))?;
        let bad = vec![profile("bad", "character", vec![entry("traits", 0, "", &["incapacitated"])])];
        a.fails_with("apply_profiles", "E_PROFILE_DEADLOCK", move |r| r.apply_profiles(cid, bad))?;
        let ok = vec![profile("tough-rats", "monster:rat", vec![entry("hp_bonus", 10, "", &[])])];
        let o2 = ok.clone();
        stranger.fails_with("apply_profiles", "E_PROFILE_NOT_PARTICIPANT", move |r| r.apply_profiles(cid, o2))?;
        check(a.conn.db.profile_stack().combat_id().find(&cid).is_none(), "no stack after rejections")?;

        // The first stack applies at once: the rat's max HP shows the bonus.
        a.ok("apply_profiles", move |r| r.apply_profiles(cid, ok))?;
        wait_for("rat max HP + 10", Duration::from_secs(5), || rat_row(&a).is_some_and(|x| x.max_hp == base_max + 10))?;
        wait_for("stack row", Duration::from_secs(5), || {
            a.conn.db.profile_stack().combat_id().find(&cid).is_some_and(|s| s.applied == 1 && s.profiles.len() == 1)
        })?;
        check(validations(&a, cid).last().is_some_and(|v| v.ok && v.status == "applied"), "validation row: applied")?;

        // A swap is queued (with an orphan warning) and applies at the next turn boundary.
        let mut swap = profile("lean-rats", "monster:rat", vec![entry("hp_bonus", 3, "", &[])]);
        swap.per_instance =
            vec![InstanceEntry { slot: "nobody".into(), modifiers: vec![entry("hp_bonus", 1, "", &[])] }];
        a.ok("apply_profiles", move |r| r.apply_profiles(cid, vec![swap]))?;
        wait_for("queued", Duration::from_secs(5), || {
            validations(&a, cid).last().is_some_and(|v| v.status == "queued")
                && a.conn.db.profile_stack().combat_id().find(&cid).is_some_and(|s| s.swap_pending)
        })?;
        let v = validations(&a, cid).pop().ok_or("no row")?;
        check(
            v.issues.iter().any(|i| i.code == "E_PROFILE_ORPHAN_INSTANCE" && i.severity == Severity::Warning),
            "orphan warning",
        )?;
        check_eq(rat_row(&a).ok_or("rat")?.max_hp, base_max + 10, "not applied before the boundary")?;
        let cur = combat_of(&a, id).and_then(|c| c.current_combatant).ok_or("no current combatant")?;
        check_eq(cur, id, "the human's turn")?;
        a.ok("end_turn", move |r| r.end_turn(id))?;
        wait_for("swap applied at the boundary", Duration::from_secs(5), || {
            rat_row(&a).is_some_and(|x| x.max_hp == base_max + 3)
                && a.conn.db.profile_stack().combat_id().find(&cid).is_some_and(|s| s.applied == 2 && !s.swap_pending)
        })?;
        wait_for("validation row: applied", Duration::from_secs(5), || {
            validations(&a, cid).last().is_some_and(|v| v.status == "applied")
        })?;
        // The effect row of the rat (slot `rat`, or `giant-rat` in lite) shows the resolved bonus.
        let rat_cid = rat_row(&a).ok_or("rat")?.combatant_id;
        wait_for("effect row", Duration::from_secs(5), || {
            a.conn.db.profile_effect().iter().any(|e| {
                e.combat_id == cid && e.combatant_id == rat_cid && e.resolved.hp_bonus == 3 && e.slot.ends_with("rat")
            })
        })?;
        let _ = a.ok("flee", move |r| r.flee(id));
        Ok(())
    });

    r.run("profiles: two human sides need consent (self-consent, reject, approve, supersede, timeout)", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let b = Client::fresh(env)?;
        let x = create(&a, &fx, "Arbiter A")?;
        let y = create(&b, &fx, "Arbiter B")?;
        let (xid, yid) = (x.id, y.id);
        let cid = crate::scenarios::security::duel(&a, xid, &b, yid)?; // consent to fight
        let p1 = vec![profile("swift", "*", vec![entry("movement_bonus", 10, "", &[])])];
        let p = p1.clone();
        a.fails_with("apply_profiles", "E_PROFILE_CONSENT_REQUIRED", move |r| r.apply_profiles(cid, p))?;
        let bad = vec![profile("bad", "*", vec![entry("nope", 1, "", &[])])];
        a.fails_with("propose_profiles", "E_PROFILE_UNKNOWN_KIND", move |r| r.propose_profiles(cid, bad))?;

        // propose → self-consent rejected → the other side rejects.
        let p = p1.clone();
        a.ok("propose_profiles", move |r| r.propose_profiles(cid, p))?;
        wait_for("proposal", Duration::from_secs(5), || !proposals(&a, cid).is_empty())?;
        let pid = latest_proposal(&a, cid)?.id;
        a.fails_with("consent", "E_PROFILE_SELF_CONSENT", move |r| r.consent(pid, ConsentDecision::Approve))?;
        b.ok("consent", move |r| r.consent(pid, ConsentDecision::Reject))?;
        wait_for("rejected", Duration::from_secs(5), || {
            latest_proposal(&a, cid).is_ok_and(|p| p.status == ProposalStatus::Rejected)
        })?;
        b.fails_with("consent", "E_PROFILE_PROPOSAL_CLOSED", move |r| r.consent(pid, ConsentDecision::Approve))?;
        check(a.conn.db.profile_stack().combat_id().find(&cid).is_none(), "nothing applied after a rejection")?;

        // propose → approve: the first stack applies at once.
        let p = p1.clone();
        a.ok("propose_profiles", move |r| r.propose_profiles(cid, p))?;
        wait_for("second proposal", Duration::from_secs(5), || {
            latest_proposal(&a, cid).is_ok_and(|p| p.id != pid && p.status == ProposalStatus::Pending)
        })?;
        let pid2 = latest_proposal(&a, cid)?.id;
        b.ok("consent", move |r| r.consent(pid2, ConsentDecision::Approve))?;
        wait_for("approved and applied", Duration::from_secs(5), || {
            latest_proposal(&a, cid).is_ok_and(|p| p.status == ProposalStatus::Approved)
                && a.conn.db.profile_stack().combat_id().find(&cid).is_some_and(|s| s.applied == 1)
        })?;

        // A newer proposal supersedes a pending one; the superseded one's timer does nothing.
        admin.ok("admin_set_profile_consent_timeout", |r| r.admin_set_profile_consent_timeout(2))?;
        let res = (|| -> TestResult {
            let p = vec![profile("slow", "*", vec![entry("movement_bonus", -5, "", &[])])];
            a.ok("propose_profiles", move |r| r.propose_profiles(cid, p))?;
            wait_for("third proposal", Duration::from_secs(5), || {
                latest_proposal(&a, cid).is_ok_and(|p| p.id != pid2 && p.status == ProposalStatus::Pending)
            })?;
            let pid3 = latest_proposal(&a, cid)?.id;
            let p = vec![profile("swift2", "*", vec![entry("attack_bonus", 1, "", &[])])];
            b.ok("propose_profiles", move |r| r.propose_profiles(cid, p))?;
            wait_for("fourth proposal", Duration::from_secs(5), || {
                latest_proposal(&a, cid).is_ok_and(|p| p.id != pid3)
            })?;
            let pid4 = latest_proposal(&a, cid)?.id;
            check(
                proposals(&a, cid).iter().any(|p| p.id == pid3 && p.status == ProposalStatus::Superseded),
                "superseded",
            )?;
            // Nobody consents: the 2 s timeout auto-rejects; the superseded one stays superseded.
            wait_for("timed out", Duration::from_secs(8), || {
                proposals(&a, cid).iter().any(|p| p.id == pid4 && p.status == ProposalStatus::TimedOut)
            })?;
            check(
                proposals(&a, cid).iter().any(|p| p.id == pid3 && p.status == ProposalStatus::Superseded),
                "a superseded proposal's timer does nothing",
            )?;
            let anyone = Client::fresh(env)?;
            anyone.fails_with("profile_consent_timeout", "E_SCHEDULER_ONLY", move |r| {
                r.profile_consent_timeout(ProfileConsentTimer {
                    scheduled_id: 0,
                    scheduled_at: spacetimedb_sdk::ScheduleAt::Time(spacetimedb_sdk::Timestamp::now()),
                    proposal_id: pid4,
                })
            })?;
            // An approved swap on a live fight is queued until the next turn boundary.
            let p = vec![profile("steady", "*", vec![entry("attack_bonus", 2, "", &[])])];
            a.ok("propose_profiles", move |r| r.propose_profiles(cid, p))?;
            wait_for("fifth proposal", Duration::from_secs(5), || {
                latest_proposal(&a, cid).is_ok_and(|p| p.id != pid4 && p.status == ProposalStatus::Pending)
            })?;
            let pid5 = latest_proposal(&a, cid)?.id;
            b.ok("consent", move |r| r.consent(pid5, ConsentDecision::Approve))?;
            wait_for("queued", Duration::from_secs(5), || {
                a.conn.db.profile_stack().combat_id().find(&cid).is_some_and(|s| s.swap_pending && s.applied == 1)
            })?;
            let cur = combat_of(&a, xid).and_then(|c| c.current_combatant).ok_or("no current")?;
            let (cc, cur_id) = if cur == xid { (&a, xid) } else { (&b, yid) };
            cc.ok("end_turn", move |r| r.end_turn(cur_id))?;
            wait_for("applied at the boundary", Duration::from_secs(5), || {
                a.conn.db.profile_stack().combat_id().find(&cid).is_some_and(|s| {
                    !s.swap_pending && s.applied == 2 && s.profiles.first().is_some_and(|p| p.id == "steady")
                })
            })
        })();
        admin.ok("admin_set_profile_consent_timeout", |r| r.admin_set_profile_consent_timeout(60))?;
        res?;
        let cur = combat_of(&a, xid).and_then(|c| c.current_combatant).unwrap_or(xid);
        let (cc, cur_id) = if cur == xid { (&a, xid) } else { (&b, yid) };
        let _ = cc.ok("flee", move |r| r.flee(cur_id));
        Ok(())
    });
    r.run("profiles: house rules stay in their fight (stack bound, sheet max HP and HP after the fight)", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let me = create(&a, &fx, "Stalwart")?;
        let id = me.id;
        let own_max = me.sheet.vitals.max_hp;
        check(own_max > 2 && own_max < 100, format!("a level-1 max HP ({own_max})"))?;

        // Fight 1: a raised ceiling, filled by a house-rule heal at each turn start.
        let cid = solo_fight(&admin, &a, id)?;
        let three = vec![profile(
            "giants",
            "character",
            vec![entry("hp_bonus", 500, "", &[]), entry("hp_bonus", 500, "", &[]), entry("hp_bonus", 500, "", &[])],
        )];
        a.fails_with("apply_profiles", "E_PROFILE_STACK_LIMIT", move |r| r.apply_profiles(cid, three))?;
        let mut giant =
            profile("giant", "character", vec![entry("hp_bonus", 500, "", &[]), entry("custom", 0, "mend", &[])]);
        giant.customs = vec![CustomModifier {
            id: "mend".into(),
            version: 1,
            label: "Mend".into(),
            nodes: vec![
                node(PrimitiveOp::OnTurnStart, StatAttr::None, 0, vec![1]),
                node(PrimitiveOp::AddToAttribute, StatAttr::Hp, 100, vec![]),
            ],
            roots: vec![0],
        }];
        a.ok("apply_profiles", move |r| r.apply_profiles(cid, vec![giant]))?;
        wait_for("combatant max HP + 500", Duration::from_secs(5), || {
            my_row(&a, cid, id).is_some_and(|x| x.max_hp == own_max + 500)
        })?;
        a.ok("end_turn", move |r| r.end_turn(id))?;
        wait_for("healed past its own max by the house rule", Duration::from_secs(5), || {
            my_row(&a, cid, id).is_some_and(|x| x.hp > own_max && x.max_hp == own_max + 500)
                && a.conn.db.combat_instance().id().find(&cid).is_some_and(|f| f.current_combatant == Some(id))
        })?;
        flee_out(&a, cid, id)?;
        wait_for("the sheet back to its own max, HP clamped to it", Duration::from_secs(5), || {
            sheet_vitals(&a, id).is_some_and(|v| v.max_hp == own_max && v.hp == own_max)
        })
        .map_err(|e| format!("{e}; sheet: {:?}", sheet_vitals(&a, id)))?;

        // Fight 2: a negative entry clamps the fight's HP to 1; the sheet keeps only the damage
        // taken (what the rat did before the house rule).
        let cid = solo_fight(&admin, &a, id)?;
        let before = my_row(&a, cid, id).ok_or("combatant row")?.hp;
        check(before > 1, format!("still up ({before} HP)"))?;
        let frail = vec![profile("frail", "character", vec![entry("hp_bonus", 1 - own_max, "", &[])])];
        a.ok("apply_profiles", move |r| r.apply_profiles(cid, frail))?;
        wait_for("combatant max HP 1", Duration::from_secs(5), || {
            my_row(&a, cid, id).is_some_and(|x| x.max_hp == 1 && x.hp == 1)
        })?;
        flee_out(&a, cid, id)?;
        wait_for("the sheet keeps its max and the damage taken only", Duration::from_secs(5), || {
            sheet_vitals(&a, id).is_some_and(|v| v.max_hp == own_max && v.hp == before)
        })
        .map_err(|e| format!("{e}; before {before}, sheet: {:?}", sheet_vitals(&a, id)))?;
        Ok(())
    });
}
