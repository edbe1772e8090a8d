//! What a character's conditions forbid and how they bend its rolls, outside a fight as inside
//! one (SRD 5.1 Appendix PH-A). One decision for every reducer: [`forbids`]; one rule for the
//! advantage of a check or save: [`check_advantage`], [`save_mods`].
//!
//! The input is the character's effective view ([`Standing`]): its sheet (dead, 0 HP), and the
//! flags and speed that its conditions, buffs and gear resolve to, with the source of each (to
//! name the condition in the answer). Order of the answers, first match wins:
//! 1. dead: `E_CHARACTER_DEAD`; at 0 HP: `E_UNCONSCIOUS` (the ruleset's `can_act`);
//! 2. `cannot_act` (incapacitated, stunned, paralyzed, petrified, unconscious): `E_INCAPACITATED`,
//!    naming the condition: no travel, step, check, contest, pick-up, gift, gear change, item use
//!    or extraction;
//! 3. speed 0 (grappled, restrained, exhaustion 5): `E_CANNOT_MOVE` for the actions that move the
//!    character (travel, step).

use crate::error::{err, ErrorCode, WkResult};
use crate::rules::{Ability, ActiveRules, Advantage, CharacterSheet, CheckKind, RulesEngine, SaveMods, SkillDef};
use crate::systems::buffs::modifiers::{FlagSet, KeyKind, ModifierKey};
use crate::systems::buffs::vocab::Roll;

/// A world action that conditions may forbid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `move_to`: set out for another location.
    Travel,
    /// `step_to`: move inside the location.
    Step,
    /// `ability_check`.
    Check,
    /// `contest` (the initiator).
    Contest,
    /// `pick_up`.
    PickUp,
    /// `give_item`.
    Give,
    /// `equip`, `unequip`, `move_item`.
    ChangeGear,
    /// `use_consumable`.
    UseItem,
    /// `extract`.
    Extract,
    /// `begin_run`.
    BeginRun,
}

impl Action {
    /// What the answer says the character cannot do.
    pub fn verb(self) -> &'static str {
        match self {
            Action::Travel => "travel",
            Action::Step => "move",
            Action::Check => "make checks",
            Action::Contest => "contest anyone",
            Action::PickUp => "pick anything up",
            Action::Give => "hand anything over",
            Action::ChangeGear => "change gear",
            Action::UseItem => "use items",
            Action::Extract => "extract",
            Action::BeginRun => "set out on a run",
        }
    }

    /// Does the action move the character (so a speed of 0 forbids it)?
    pub fn moves(self) -> bool {
        match self {
            Action::Travel | Action::Step => true,
            Action::Check
            | Action::Contest
            | Action::PickUp
            | Action::Give
            | Action::ChangeGear
            | Action::UseItem
            | Action::Extract
            | Action::BeginRun => false,
        }
    }
}

/// A modifier in force and what it came from ("Stunned").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub label: String,
    pub key: ModifierKey,
}

/// What the condition rules read of a character: its sheet and its effective flags and speed.
#[derive(Debug, Clone)]
pub struct Standing<'a> {
    pub sheet: &'a CharacterSheet,
    pub flags: FlagSet,
    pub speed: i32,
    /// Sources of the flags and of the speed, in source order (to name the condition).
    pub causes: Vec<Cause>,
}

impl<'a> Standing<'a> {
    /// No condition at all: only the sheet decides (dead, 0 HP).
    pub fn plain(sheet: &'a CharacterSheet, speed: i32) -> Standing<'a> {
        Standing { sheet, flags: FlagSet::default(), speed, causes: Vec::new() }
    }

    /// From the flag keys in force (`effective_stats.flags`).
    pub fn new(sheet: &'a CharacterSheet, flags: &[ModifierKey], speed: i32, causes: Vec<Cause>) -> Standing<'a> {
        let mut set = FlagSet::default();
        for k in flags {
            if let KeyKind::Flag(bit) = k.kind() {
                set.set_bit(bit);
            }
        }
        Standing { sheet, flags: set, speed, causes }
    }

    /// The labels of the sources of `key`, lowercased ("stunned"); deduplicated, in order.
    fn named(&self, key: impl Fn(ModifierKey) -> bool) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for c in self.causes.iter().filter(|c| key(c.key)) {
            let l = c.label.to_lowercase();
            if !v.contains(&l) {
                v.push(l);
            }
        }
        v
    }
}

/// May the character do `action` now? See the module docs for the order of the answers.
pub fn forbids(action: Action, s: &Standing) -> WkResult<()> {
    ActiveRules::can_act(s.sheet)?;
    let name = &s.sheet.name;
    if s.flags.has(ModifierKey::CannotAct) {
        let what = s.named(|k| k == ModifierKey::CannotAct);
        let what = if what.is_empty() { "incapacitated".to_string() } else { what.join(" and ") };
        return Err(err(
            ErrorCode::Incapacitated,
            format!("{name} is {what} and cannot {}; wait until it ends or have it removed", action.verb()),
        ));
    }
    if action.moves() && s.speed <= 0 {
        let what = s.named(|k| k == ModifierKey::Speed);
        let why = if what.is_empty() { String::new() } else { format!(" ({})", what.join(", ")) };
        return Err(err(
            ErrorCode::CannotMove,
            format!("{name}'s speed is 0{why} and they cannot {}; wait until it ends", action.verb()),
        ));
    }
    Ok(())
}

/// The ability a check uses (a skill's ability from the ruleset's skills); `None` for an
/// unknown skill (the rules refuse it anyway).
pub fn check_ability(kind: &CheckKind, skills: &[SkillDef]) -> Option<Ability> {
    match kind {
        CheckKind::Ability(a) => Some(*a),
        CheckKind::Skill(id) => skills.iter().find(|s| &s.id == id).map(|s| s.ability),
    }
}

/// Advantage of an ability check of `ability` from the bearer's flags (`advantage:check`,
/// `advantage:check:str`, `disadvantage:check` from Poisoned or exhaustion...). SRD: one of each
/// cancels, whatever the number of sources.
pub fn check_advantage(flags: FlagSet, ability: Option<Ability>) -> Advantage {
    roll_advantage(flags, Roll::AnyCheck, ability.map(Roll::Check))
}

/// What the flags do to saving throws (`rules::SaveMods`): `advantage:save[:ability]`,
/// `disadvantage:save[:ability]`, `auto_fail_save:ability`, one bit per ability; the "every save"
/// sources reach death saves too. Every save a creature makes reads these (`RulesEngine::saving_throw`,
/// `death_save_with`); the bonus die is the caller's (`systems::view::creature`).
pub fn save_mods(flags: FlagSet) -> SaveMods {
    let mut m = SaveMods::default();
    for a in Ability::ALL {
        let bit = SaveMods::bit(a);
        if flags.has(ModifierKey::Advantage(Roll::AnySave)) || flags.has(ModifierKey::Advantage(Roll::Save(a))) {
            m.advantage |= bit;
        }
        if flags.has(ModifierKey::Disadvantage(Roll::AnySave)) || flags.has(ModifierKey::Disadvantage(Roll::Save(a))) {
            m.disadvantage |= bit;
        }
        if flags.has(ModifierKey::AutoFailSave(a)) {
            m.auto_fail |= bit;
        }
    }
    m.death_advantage = flags.has(ModifierKey::Advantage(Roll::AnySave));
    m.death_disadvantage = flags.has(ModifierKey::Disadvantage(Roll::AnySave));
    m
}

fn roll_advantage(flags: FlagSet, any: Roll, one: Option<Roll>) -> Advantage {
    let has = |r: Option<Roll>, adv: bool| {
        r.is_some_and(|r| flags.has(if adv { ModifierKey::Advantage(r) } else { ModifierKey::Disadvantage(r) }))
    };
    let adv = has(Some(any), true) || has(one, true);
    let dis = has(Some(any), false) || has(one, false);
    Advantage::from_sources(u32::from(adv), u32::from(dis))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::AbilityScores;

    fn sheet() -> CharacterSheet {
        let classes = ActiveRules::classes().expect("classes load");
        ActiveRules::new_character("Ayla", &classes[0], AbilityScores::from_array([10, 14, 12, 10, 10, 10]), vec![])
    }

    /// The flags and causes a shipped buff gives (its label is its name).
    fn standing_with<'a>(sheet: &'a CharacterSheet, buff_ids: &[&str]) -> Standing<'a> {
        let cat = crate::systems::buffs::load().expect("buffs load");
        let mut keys = Vec::new();
        let mut causes = Vec::new();
        let mut speed = 30;
        for id in buff_ids {
            let d = cat.get(id).unwrap_or_else(|_| panic!("no buff {id}"));
            for m in &d.modifiers {
                if m.key.is_flag() {
                    keys.push(m.key);
                }
                if m.key.is_flag() || m.key == ModifierKey::Speed {
                    causes.push(Cause { label: d.name.clone(), key: m.key });
                }
                if m.key == ModifierKey::Speed && m.op == crate::systems::buffs::ModOp::Override {
                    speed = 0;
                }
            }
        }
        Standing::new(sheet, &keys, speed, causes)
    }

    const ALL: [Action; 9] = [
        Action::Travel,
        Action::Step,
        Action::Check,
        Action::Contest,
        Action::PickUp,
        Action::Give,
        Action::ChangeGear,
        Action::UseItem,
        Action::Extract,
    ];

    #[test]
    fn a_healthy_character_may_do_everything() {
        let s = sheet();
        for a in ALL {
            assert_eq!(forbids(a, &Standing::plain(&s, 30)), Ok(()), "{a:?}");
        }
    }

    #[test]
    fn the_dead_and_the_unconscious_at_zero_hp_may_do_nothing() {
        let mut s = sheet();
        s.vitals.hp = 0;
        for a in ALL {
            assert_eq!(forbids(a, &Standing::plain(&s, 30)).unwrap_err().code, ErrorCode::Unconscious, "{a:?}");
        }
        s.vitals.dead = true;
        for a in ALL {
            assert_eq!(forbids(a, &Standing::plain(&s, 30)).unwrap_err().code, ErrorCode::CharacterDead, "{a:?}");
        }
    }

    #[test]
    fn every_incapacitating_condition_forbids_every_action_and_is_named() {
        let s = sheet();
        let cat = crate::systems::buffs::load().expect("buffs load");
        // Every condition of the ruleset that incapacitates (dnd5e: incapacitated, paralyzed,
        // petrified, stunned, unconscious; lite: stunned, unconscious).
        let incapacitating: Vec<&str> = cat
            .defs()
            .iter()
            .filter(|d| d.modifiers.iter().any(|m| m.key == ModifierKey::CannotAct))
            .map(|d| d.id.as_str())
            .collect();
        assert!(incapacitating.contains(&"stunned") && incapacitating.contains(&"unconscious"));
        for id in incapacitating {
            let st = standing_with(&s, &[id]);
            let name = cat.get(id).map(|d| d.name.to_lowercase()).unwrap_or_default();
            for a in ALL {
                let e = forbids(a, &st).unwrap_err();
                assert_eq!(e.code, ErrorCode::Incapacitated, "{id} {a:?}");
                assert!(e.message.starts_with(&format!("Ayla is {name} ")), "{id}: {}", e.message);
                assert!(e.message.contains(a.verb()), "{}", e.message);
            }
        }
        let e = forbids(Action::Travel, &standing_with(&s, &["stunned"])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "E_INCAPACITATED: Ayla is stunned and cannot travel; wait until it ends or have it removed"
        );
    }

    #[test]
    fn dead_comes_before_a_condition() {
        let mut s = sheet();
        s.vitals.hp = 0;
        s.vitals.dead = true;
        assert_eq!(
            forbids(Action::Extract, &standing_with(&s, &["stunned"])).unwrap_err().code,
            ErrorCode::CharacterDead
        );
    }

    #[test]
    fn poisoned_and_prone_forbid_nothing() {
        let s = sheet();
        for a in ALL {
            assert_eq!(forbids(a, &standing_with(&s, &["poisoned", "prone"])), Ok(()), "{a:?}");
        }
    }

    #[test]
    fn speed_zero_forbids_moving_only() {
        let s = sheet();
        let mut st = Standing::plain(&s, 0);
        st.causes.push(Cause { label: "Grappled".into(), key: ModifierKey::Speed });
        for a in ALL {
            let r = forbids(a, &st);
            if a.moves() {
                let e = r.unwrap_err();
                assert_eq!(e.code, ErrorCode::CannotMove, "{a:?}");
                assert!(e.message.contains("(grappled)"), "{}", e.message);
            } else {
                assert_eq!(r, Ok(()), "{a:?}");
            }
        }
    }

    #[test]
    fn poisoned_checks_roll_with_disadvantage_and_sources_cancel() {
        let s = sheet();
        let none = Standing::plain(&s, 30);
        assert_eq!(check_advantage(none.flags, Some(Ability::Str)), Advantage::Normal);
        let poisoned = standing_with(&s, &["poisoned"]);
        for a in Ability::ALL {
            assert_eq!(check_advantage(poisoned.flags, Some(a)), Advantage::Disadvantage, "{a:?}");
        }
        assert_eq!(check_advantage(poisoned.flags, None), Advantage::Disadvantage);
        // advantage on STR checks only (dnd5e Rage) against disadvantage on every check: normal
        let keys = [ModifierKey::Advantage(Roll::Check(Ability::Str)), ModifierKey::Disadvantage(Roll::AnyCheck)];
        let both = Standing::new(&s, &keys, 30, vec![]);
        assert_eq!(check_advantage(both.flags, Some(Ability::Str)), Advantage::Normal);
        assert_eq!(check_advantage(both.flags, Some(Ability::Dex)), Advantage::Disadvantage);
        let adv = Standing::new(&s, &[ModifierKey::Advantage(Roll::Check(Ability::Str))], 30, vec![]);
        assert_eq!(check_advantage(adv.flags, Some(Ability::Str)), Advantage::Advantage);
        assert_eq!(check_advantage(adv.flags, None), Advantage::Normal);
    }

    #[test]
    fn a_check_uses_its_skills_ability() {
        let skills = ActiveRules::cached_skills();
        let sk = &skills[0];
        assert_eq!(check_ability(&CheckKind::Skill(sk.id.clone()), skills), Some(sk.ability));
        assert_eq!(check_ability(&CheckKind::Ability(Ability::Wis), skills), Some(Ability::Wis));
        assert_eq!(check_ability(&CheckKind::Skill("no_such_skill".into()), skills), None);
    }

    #[test]
    fn stunned_fails_str_and_dex_saves_and_save_flags_bend_the_roll() {
        let s = sheet();
        let stunned = standing_with(&s, &["stunned"]);
        let auto: Vec<Ability> = Ability::ALL.into_iter().filter(|a| save_mods(stunned.flags).auto_fails(*a)).collect();
        if ActiveRules::ID == "dnd5e" {
            assert_eq!(auto, vec![Ability::Str, Ability::Dex]);
        }
        let keys = [ModifierKey::Advantage(Roll::Save(Ability::Dex)), ModifierKey::Disadvantage(Roll::AnySave)];
        let st = Standing::new(&s, &keys, 30, vec![]);
        let m = save_mods(st.flags);
        assert_eq!(m.advantage_for(Ability::Dex, Advantage::Normal), Advantage::Normal);
        assert_eq!(m.advantage_for(Ability::Con, Advantage::Normal), Advantage::Disadvantage);
        assert_eq!(m.death(), Advantage::Disadvantage);
        assert_eq!(save_mods(FlagSet::default()), SaveMods::default());
    }
}
