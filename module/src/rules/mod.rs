//! The rules seam. A ruleset is a compile-time implementation of [`RulesEngine`]; reducers only
//! ever call [`ActiveRules`], chosen by cargo feature (`dnd5e` default, `lite` the second).
//! Everything here is pure: plain data in, decisions out, randomness from an `Rng` passed in.
//!
//! Map: `dice` (expressions, the dice log, advantage), `sheet` (character sheet, creature view,
//! damage types, defenses), `outcomes` (what resolutions return), `damage` (defenses, temp HP,
//! healing), `attack` (the house-rule hooks of the one attack pipeline), `resolve` (flow shared
//! by rulesets), `levels` / `monsters` / `skills` (static data parsers), `dnd5e/` and `lite/`
//! (the rulesets).
//!
//! Adding a third ruleset:
//! 1. `static_data/<id>/` with `classes.csv`, `skills.csv`, `xp_levels.csv`, `monsters.csv`
//!    (same columns; document differences in its `COLUMNS.md`).
//! 2. `rules/<id>/mod.rs`: a unit struct implementing [`RulesEngine`] (the compiler lists every
//!    required method; the provided ones give checks, contests, saves, initiative and whole
//!    attacks for free), with a test that `validate_static_data()` passes and one test per rule.
//! 3. A cargo feature `<id>` in module/Cargo.toml, a `#[cfg(feature = "<id>")] pub mod <id>;`
//!    and an `ActiveRules` alias line below (and extend the two `compile_error!` guards).
//! 4. Build and test with `--no-default-features --features <id>,all-systems`.

pub mod attack;
pub mod damage;
pub mod dice;
pub mod levels;
pub mod monsters;
pub mod outcomes;
pub mod resolve;
pub mod sheet;
pub mod skills;
pub mod types;

#[cfg(feature = "dnd5e")]
pub mod dnd5e;
#[cfg(feature = "lite")]
pub mod lite;

pub use dice::{Advantage, DiceExpr, DiceLog, DiceLogEntry, DiceSource, Scripted};
pub use levels::LevelDef;
pub use monsters::MonsterDef;
pub use outcomes::*;
pub use sheet::*;
pub use skills::SkillDef;
pub use types::*;

use crate::data::DataError;
use crate::error::{err, ErrorCode, WkError};

/// The contract a ruleset must satisfy. Reducers call it through [`ActiveRules`] and never ask
/// which ruleset is active. Every method is pure; randomness comes from the `DiceSource` passed
/// in (any `rand` generator, e.g. `&mut ctx.rng()`), and every roll lands in a dice log.
///
/// Provided methods hold the flow that is the same everywhere (a check is "roll, compare, say
/// what happened"); required methods hold the numbers and the rules that differ.
pub trait RulesEngine {
    /// Short id of the ruleset (`dnd5e`, `lite`), recorded in the config row.
    const ID: &'static str;
    /// How a test roll reads in text: `d20`, `2d6`.
    const TEST_DIE: &'static str;
    /// The exclusive buff group (buffs.csv) that is this ruleset's exhaustion ladder: one buff
    /// per level, `group_rank` = level. A long rest lowers it by `RestOutcome::exhaustion_removed`.
    const EXHAUSTION_GROUP: &'static str = "exhaustion";

    // ----- static data -------------------------------------------------------------------

    /// The static data files of this ruleset, as (file name, text) pairs, compiled in.
    fn static_files() -> &'static [(&'static str, &'static str)];
    /// Parse and validate this ruleset's class list.
    fn classes() -> Result<Vec<ClassDef>, DataError>;
    /// Parse and validate this ruleset's skill list.
    fn skills() -> Result<Vec<SkillDef>, DataError>;
    /// The skill list, parsed once (empty if the file is broken, which
    /// `validate_static_data` reports at init and in tests).
    fn cached_skills() -> &'static [SkillDef];
    /// The monster list, parsed once per module instance (a reducer spawning or fighting
    /// monsters must not re-parse the CSV per monster; empty if broken, reported at init).
    fn cached_monsters() -> &'static [MonsterDef];
    /// Parse and validate the level / XP table.
    fn levels() -> Result<Vec<LevelDef>, DataError>;
    /// Parse and validate the monster list.
    fn monsters() -> Result<Vec<MonsterDef>, DataError>;
    /// Parse every file; the first error wins. `init` and the admin reload call this first.
    fn validate_static_data() -> Result<(), DataError> {
        Self::skills()?;
        Self::classes()?;
        Self::levels()?;
        Self::monsters()?;
        Ok(())
    }
    /// One monster by id (`E_UNKNOWN_MONSTER` names the file to look in).
    fn monster(id: &str) -> Result<MonsterDef, WkError> {
        Self::cached_monsters().iter().find(|m| m.id == id).cloned().ok_or_else(|| {
            err(
                ErrorCode::UnknownMonster,
                format!(
                    "no monster `{id}` in the {} ruleset; see static_data/{}/monsters.csv for ids",
                    Self::ID,
                    Self::ID
                ),
            )
        })
    }

    // ----- character creation ------------------------------------------------------------

    /// Validate ability scores for a new character (the method is the ruleset's; see docs/rules.md).
    fn validate_ability_scores(scores: &AbilityScores) -> Result<(), WkError>;
    /// Validate the skill proficiencies picked at creation; an empty pick means the class default.
    /// Returns the final list of skill ids.
    fn choose_skills(class: &ClassDef, picked: &[String]) -> Result<Vec<String>, WkError>;
    /// Maximum HP of a new level-1 character of this class.
    fn starting_max_hp(class: &ClassDef, scores: &AbilityScores) -> i32;
    /// A fresh level-1 sheet (inputs already validated by the two methods above).
    fn new_character(name: &str, class: &ClassDef, scores: AbilityScores, skills: Vec<String>) -> CharacterSheet {
        let max_hp = Self::starting_max_hp(class, &scores);
        CharacterSheet {
            name: name.to_string(),
            class_id: class.id.clone(),
            level: 1,
            xp: 0,
            scores,
            skill_proficiencies: skills,
            save_proficiencies: class.saving_throws.clone(),
            key_ability: class.primary_abilities.first().copied().unwrap_or(Ability::Str),
            hit_die: class.hit_die,
            hit_dice_remaining: 1,
            vitals: Vitals::new(max_hp),
            defenses: Defenses::default(),
            armor: ArmorWorn::NONE,
            exhaustion: 0,
        }
    }
    /// World-time defaults (rest lengths, rounds, regeneration); the config row may override.
    fn default_config() -> RulesConfig;

    // ----- derived data ------------------------------------------------------------------

    fn proficiency_bonus(level: u8) -> i32;
    fn level_for_xp(xp: u32) -> u8;
    /// Everything derived from a sheet: modifiers, AC, saves, DCs, skills, passive perception...
    fn derive(sheet: &CharacterSheet) -> DerivedStats;
    /// The modifier a check of this kind adds (`E_UNKNOWN_SKILL` for a skill not in skills.csv).
    fn check_bonus(sheet: &CharacterSheet, kind: &CheckKind) -> Result<i32, WkError>;

    // ----- validation --------------------------------------------------------------------

    /// The DCs / target numbers this ruleset accepts from callers (`E_INVALID_DC` otherwise).
    fn dc_range() -> std::ops::RangeInclusive<i32>;
    fn validate_dc(dc: i32) -> Result<(), WkError> {
        let r = Self::dc_range();
        if !r.contains(&dc) {
            return Err(err(
                ErrorCode::InvalidDc,
                format!(
                    "DC {dc} is outside {}..={} for the {} ruleset; pick a DC in that range",
                    r.start(),
                    r.end(),
                    Self::ID
                ),
            ));
        }
        Ok(())
    }
    /// Is the skill known? Abilities always are.
    fn validate_check_kind(kind: &CheckKind) -> Result<(), WkError> {
        if let CheckKind::Skill(id) = kind {
            let skills = Self::cached_skills();
            if !skills.iter().any(|s| &s.id == id) {
                let ids: Vec<&str> = skills.iter().map(|s| s.id.as_str()).collect();
                return Err(err(
                    ErrorCode::UnknownSkill,
                    format!("unknown skill `{id}`; the {} ruleset has: {}", Self::ID, ids.join(", ")),
                ));
            }
        }
        Ok(())
    }
    /// May this character take an action at all? (`E_CHARACTER_DEAD`, `E_UNCONSCIOUS`)
    fn can_act(sheet: &CharacterSheet) -> Result<(), WkError> {
        if sheet.vitals.dead {
            return Err(err(ErrorCode::CharacterDead, format!("{} is dead; create a new character", sheet.name)));
        }
        if sheet.vitals.hp <= 0 {
            return Err(err(ErrorCode::Unconscious, format!("{} is unconscious at 0 HP; heal them first", sheet.name)));
        }
        Ok(())
    }

    // ----- tests: checks, contests, saves ------------------------------------------------

    /// The ruleset's test roll (d20, or 2d6) with advantage handling, logged.
    fn roll_test(
        modifier: i32,
        adv: Advantage,
        purpose: &str,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> dice::KeptRoll;

    /// Human label of a check: the skill name or `STR check`.
    fn check_label(kind: &CheckKind) -> String {
        match kind {
            CheckKind::Ability(a) => format!("{} check", a.code()),
            CheckKind::Skill(id) => {
                Self::cached_skills().iter().find(|s| &s.id == id).map(|s| s.name.clone()).unwrap_or_else(|| id.clone())
            }
        }
    }

    /// Ability or skill check against a DC: meets or beats it to succeed.
    fn ability_check(
        sheet: &CharacterSheet,
        kind: &CheckKind,
        dc: i32,
        adv: Advantage,
        rng: &mut impl DiceSource,
    ) -> Result<CheckResult, WkError> {
        Self::validate_dc(dc)?;
        Self::validate_check_kind(kind)?;
        Self::can_act(sheet)?;
        let modifier = Self::check_bonus(sheet, kind)?;
        let label = Self::check_label(kind);
        let mut log = DiceLog::new();
        let roll = Self::roll_test(modifier, adv, &format!("{}: {label}", sheet.name), rng, &mut log);
        let success = roll.total >= dc;
        let text = resolve::check_text(&sheet.name, &label, Self::TEST_DIE, &roll, adv, dc, success);
        Ok(CheckResult {
            label,
            natural: roll.natural,
            modifier,
            total: roll.total,
            dc,
            success,
            advantage: adv,
            dice: log.take(),
            text,
        })
    }

    /// A contest: both roll, the higher total wins; a tie keeps the status quo, so the actor (the
    /// initiator) does not get what they tried. Both sides must be able to act.
    #[allow(clippy::too_many_arguments)]
    fn contest(
        actor: &CharacterSheet,
        actor_kind: &CheckKind,
        actor_adv: Advantage,
        target: &CharacterSheet,
        target_kind: &CheckKind,
        target_adv: Advantage,
        rng: &mut impl DiceSource,
    ) -> Result<ContestResult, WkError> {
        Self::validate_check_kind(actor_kind)?;
        Self::validate_check_kind(target_kind)?;
        Self::can_act(actor)?;
        Self::can_act(target)?;
        let mut log = DiceLog::new();
        let a_label = Self::check_label(actor_kind);
        let a_mod = Self::check_bonus(actor, actor_kind)?;
        let t_label = Self::check_label(target_kind);
        let t_mod = Self::check_bonus(target, target_kind)?;
        let a = Self::roll_test(a_mod, actor_adv, &format!("{}: {a_label} (contest)", actor.name), rng, &mut log);
        let t = Self::roll_test(t_mod, target_adv, &format!("{}: {t_label} (contest)", target.name), rng, &mut log);
        let winner = match a.total.cmp(&t.total) {
            std::cmp::Ordering::Greater => ContestWinner::Actor,
            std::cmp::Ordering::Less => ContestWinner::Target,
            std::cmp::Ordering::Equal => ContestWinner::Tie,
        };
        let actor_wins = winner == ContestWinner::Actor;
        let mk = |who: &str,
                  label: String,
                  r: &dice::KeptRoll,
                  adv: Advantage,
                  dc: i32,
                  success: bool,
                  entry: DiceLogEntry| CheckResult {
            text: resolve::check_text(who, &label, Self::TEST_DIE, r, adv, dc, success),
            label,
            natural: r.natural,
            modifier: r.modifier,
            total: r.total,
            dc,
            success,
            advantage: adv,
            dice: vec![entry],
        };
        let entries = log.take();
        let actor_res = mk(&actor.name, a_label.clone(), &a, actor_adv, t.total, actor_wins, entries[0].clone());
        let target_res = mk(&target.name, t_label.clone(), &t, target_adv, a.total, !actor_wins, entries[1].clone());
        let verdict = match winner {
            ContestWinner::Actor => format!("{} wins", actor.name),
            ContestWinner::Target => format!("{} wins", target.name),
            ContestWinner::Tie => format!("tie — nothing changes, {} does not get their way", actor.name),
        };
        let text = format!("{} {a_label} {} vs {} {t_label} {} — {verdict}", actor.name, a.total, target.name, t.total);
        Ok(ContestResult { actor: actor_res, target: target_res, winner, actor_wins, dice: entries, text })
    }

    /// A saving throw by any creature (characters: through `creature_from_sheet`).
    fn saving_throw(
        creature: &Creature,
        ability: Ability,
        dc: i32,
        adv: Advantage,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> CheckResult {
        let modifier = creature.save_bonuses.get(ability);
        let label = format!("{} save", ability.code());
        if creature.save_mods.auto_fails(ability) {
            // SRD (paralyzed, stunned, unconscious, petrified): the save fails without a roll.
            return CheckResult {
                text: format!("{} automatically fails the {label} (DC {dc})", creature.name),
                label,
                natural: 0,
                modifier,
                total: 0,
                dc,
                success: false,
                advantage: adv,
                dice: vec![],
            };
        }
        let adv = creature.save_mods.advantage_for(ability, adv);
        let before = log.len();
        let mut roll = Self::roll_test(modifier, adv, &format!("{}: {label}", creature.name), rng, log);
        let die = creature.save_mods.die;
        roll.total += dice::bonus_die(rng, die, format!("{}: {label}, bonus d{die}", creature.name), log);
        let success = roll.total >= dc;
        let text = resolve::check_text(&creature.name, &label, Self::TEST_DIE, &roll, adv, dc, success);
        let dice = log.entries[before..].to_vec();
        CheckResult {
            label,
            natural: roll.natural,
            modifier,
            total: roll.total,
            dc,
            success,
            advantage: adv,
            dice,
            text,
        }
    }

    // ----- combat ------------------------------------------------------------------------

    /// The combat view of a character with these weapons (none: an unarmed strike). Shared by
    /// the rulesets: everything ruleset-specific comes through `derive` and `weapon_attack`.
    fn creature_from_sheet(sheet: &CharacterSheet, weapons: &[WeaponDef]) -> Creature {
        let d = Self::derive(sheet);
        let attacks = if weapons.is_empty() {
            vec![Self::weapon_attack(sheet, &WeaponDef::unarmed())]
        } else {
            weapons.iter().map(|w| Self::weapon_attack(sheet, w)).collect()
        };
        Creature {
            id: sheet.name.clone(),
            name: sheet.name.clone(),
            ac: d.ac,
            vitals: Vitals { dies_at_zero: false, ..sheet.vitals.clone() },
            defenses: sheet.defenses.clone(),
            ability_mods: d.ability_mods,
            save_bonuses: d.save_bonuses,
            initiative_bonus: d.initiative_bonus,
            dex_score: sheet.scores.dex,
            attacks,
            multiattack: vec![],
            xp: 0,
            perks: Vec::new(),
            save_mods: SaveMods::default(),
        }
    }
    /// A fresh monster: average HP, or rolled from its hit dice when `roll_hp`.
    fn creature_from_monster(def: &MonsterDef, roll_hp: bool, rng: &mut impl DiceSource, log: &mut DiceLog)
        -> Creature;
    /// A character's weapon with the character's bonuses applied.
    fn weapon_attack(sheet: &CharacterSheet, weapon: &WeaponDef) -> AttackDef;
    /// Initiative for everyone, sorted (ties: see `resolve::order_initiative`).
    fn roll_initiative(combatants: &[Creature], rng: &mut impl DiceSource, log: &mut DiceLog) -> Vec<InitiativeEntry> {
        let entries = combatants
            .iter()
            .enumerate()
            .map(|(index, c)| {
                let r = Self::roll_test(
                    c.initiative_bonus,
                    Advantage::Normal,
                    &format!("{}: initiative", c.name),
                    rng,
                    log,
                );
                InitiativeEntry { index, natural: r.natural, bonus: c.initiative_bonus, total: r.total }
            })
            .collect();
        let dex: Vec<u8> = combatants.iter().map(|c| c.dex_score).collect();
        resolve::order_initiative(entries, &dex)
    }
    /// Roll to hit.
    fn attack_roll(
        attacker: &str,
        attack: &AttackDef,
        target_ac: i32,
        adv: Advantage,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> AttackRoll;
    /// Roll an attack's damage (a critical hit doubles the dice where the ruleset has crits).
    fn roll_damage(attack: &AttackDef, crit: bool, rng: &mut impl DiceSource, log: &mut DiceLog) -> Vec<Damage>;
    /// Apply damage: defenses, temporary HP, 0 HP consequences, concentration.
    fn apply_damage(
        name: &str,
        vitals: &mut Vitals,
        defenses: &Defenses,
        damage: &[Damage],
        crit: bool,
    ) -> DamageOutcome;
    /// The concentration save a damage outcome calls for, if any; a failure ends concentration.
    fn concentration_check(
        target: &mut Creature,
        outcome: &DamageOutcome,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> Option<CheckResult> {
        let dc = outcome.concentration_dc?;
        if !target.vitals.concentrating || !target.vitals.can_act() {
            return None;
        }
        let r = Self::saving_throw(target, Ability::Con, dc, Advantage::Normal, rng, log);
        if !r.success {
            target.vitals.concentrating = false;
        }
        Some(r)
    }
    /// One attack from start to finish: roll, damage on a hit, the concentration save it forces.
    /// Exactly [`resolve_attack_with`](RulesEngine::resolve_attack_with) without house rules.
    fn resolve_attack(
        attacker: &Creature,
        attack: &AttackDef,
        target: &mut Creature,
        adv: Advantage,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> Result<AttackOutcome, WkError> {
        Self::resolve_attack_with(attacker, attack, target, adv, &mut attack::NoHouseRules, rng, log)
    }
    /// The one attack pipeline (order: see [`attack`]): the roll and the Lucky reroll, the house
    /// rules' roll hook, damage with the damage perks, the house rules' damage hook, the target's
    /// defenses, the house rules' after-damage hook, the concentration save. A fight with house
    /// rules passes its hooks; everything else passes [`attack::NoHouseRules`].
    #[allow(clippy::too_many_arguments)]
    fn resolve_attack_with(
        attacker: &Creature,
        attack: &AttackDef,
        target: &mut Creature,
        adv: Advantage,
        hooks: &mut impl attack::AttackHooks,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> Result<AttackOutcome, WkError> {
        if attacker.vitals.dead || attacker.vitals.hp <= 0 {
            return Err(err(ErrorCode::Unconscious, format!("{} cannot attack at 0 HP", attacker.name)));
        }
        if target.vitals.dead {
            return Err(err(
                ErrorCode::InvalidArgument,
                format!("{} is already dead; pick another target", target.name),
            ));
        }
        let mut roll = Self::attack_roll(&attacker.name, attack, target.ac, adv, rng, log);
        // Perk hook (Lucky): the lowest natural result is rerolled once; the new roll stands.
        if let Some(perk) = crate::systems::perks::combat::lucky_reroll(
            &attacker.perks,
            roll.natural,
            crate::systems::perks::combat::lowest_natural(Self::TEST_DIE),
        ) {
            let first = roll.natural;
            roll = Self::attack_roll(&attacker.name, attack, target.ac, adv, rng, log);
            roll.text = format!("{} ({perk}: rerolled a natural {first})", roll.text);
        }
        if hooks.helpless_within_5ft() {
            Self::crit_on_helpless(&mut roll);
        }
        hooks.after_roll(&mut roll);
        if !roll.hit {
            let text = roll.text.clone();
            return Ok(AttackOutcome { roll, damage: None, concentration: None, text });
        }
        // Perk hooks (Great Weapon Fighting, Savage Attacks); without them this is `roll_damage`.
        let mut dmg = crate::systems::perks::combat::roll_damage::<Self>(&attacker.perks, attack, roll.crit, rng, log);
        let note = hooks.before_defenses(&mut dmg);
        let before = target.vitals.clone();
        let mut outcome = Self::apply_damage(&target.name, &mut target.vitals, &target.defenses, &dmg, roll.crit);
        let mut text = format!("{}; {}", roll.text, outcome.text);
        if let Some(n) = note {
            text.push_str(&format!(" ({n})"));
        }
        if let Some(n) = hooks.after_damage(target, &before, &mut outcome) {
            text.push_str(&format!("; {n}"));
        }
        let concentration = Self::concentration_check(target, &outcome, rng, log);
        if let Some(c) = &concentration {
            text.push_str(&format!("; {}", c.text));
        }
        Ok(AttackOutcome { roll, damage: Some(outcome), concentration, text })
    }
    /// A hit on a helpless target (unconscious, paralyzed) from within 5 ft: a critical hit where
    /// the ruleset has critical hits (dnd5e); nothing otherwise.
    fn crit_on_helpless(roll: &mut AttackRoll) {
        let _ = roll;
    }
    /// One death saving throw (`E_NOT_DYING` unless at 0 HP, not stable, not dead).
    fn death_save(
        name: &str,
        vitals: &mut Vitals,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> Result<DeathSaveOutcome, WkError>;
    /// A death save with what the creature's view gives saving throws (`SaveMods`: advantage,
    /// a bonus die).
    /// Rulesets without death saves answer as `death_save` does.
    fn death_save_with(
        name: &str,
        vitals: &mut Vitals,
        mods: &SaveMods,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> Result<DeathSaveOutcome, WkError> {
        let _ = mods;
        Self::death_save(name, vitals, rng, log)
    }
    /// Heal (wakes a creature at 0 HP and resets its death saves).
    fn heal(name: &str, vitals: &mut Vitals, amount: i32) -> Result<HealOutcome, WkError> {
        damage::heal(vitals, amount, name)
    }
    /// Temporary HP do not stack: the higher of current and new is kept.
    fn grant_temp_hp(vitals: &mut Vitals, amount: i32) -> i32 {
        damage::grant_temp_hp(vitals, amount)
    }

    // ----- progression -------------------------------------------------------------------

    /// Add XP and apply every level it reaches (max HP, hit dice).
    fn award_xp(sheet: &mut CharacterSheet, xp: u32) -> XpOutcome;
    /// Spend hit dice to heal (during a short rest). `E_NO_HIT_DICE` when there are not enough.
    fn spend_hit_dice(
        sheet: &mut CharacterSheet,
        count: u8,
        rng: &mut impl DiceSource,
    ) -> Result<HitDiceOutcome, WkError>;

    // ----- rests and world time ----------------------------------------------------------

    /// Check the hit dice a rest is asked to spend when it completes (`E_NO_HIT_DICE` when a short
    /// rest asks for more than remain). Rulesets without hit dice override it to accept any count
    /// (they ignore it).
    fn check_hit_dice_request(sheet: &CharacterSheet, kind: RestKind, count: u8) -> Result<(), WkError> {
        if kind == RestKind::Short && count > sheet.hit_dice_remaining {
            return Err(err(
                ErrorCode::NoHitDice,
                format!("you have {} hit dice left; spend at most that many", sheet.hit_dice_remaining),
            ));
        }
        Ok(())
    }

    /// Start a rest (checks location, combat, consciousness); the reducer stores the state.
    fn begin_rest(
        sheet: &CharacterSheet,
        kind: RestKind,
        ctx: &RestContext,
        config: &RulesConfig,
    ) -> Result<RestState, WkError>;
    /// Finish a rest whose time has passed and apply its benefits. A short rest spends up to
    /// `hit_dice_to_spend` hit dice (where the ruleset has them).
    fn complete_rest(
        sheet: &mut CharacterSheet,
        state: &RestState,
        hit_dice_to_spend: u8,
        rng: &mut impl DiceSource,
    ) -> Result<RestOutcome, WkError>;
    /// What `elapsed_secs` of world time does to a character: rest progress, recovery at 0 HP,
    /// regeneration. `in_combat` pauses out-of-combat effects and interrupts rests.
    fn world_tick(
        sheet: &mut CharacterSheet,
        rest: Option<&mut RestState>,
        elapsed_secs: u32,
        in_combat: bool,
        config: &RulesConfig,
        rng: &mut impl DiceSource,
    ) -> TickOutcome;
}

/// Static data that fails to load at run time is a build defect (every shipped file is tested);
/// report it with the file/line/column rather than panic.
pub fn static_data_error(e: impl std::fmt::Display) -> WkError {
    err(ErrorCode::StaticData, format!("static data invalid at {e}; fix the file and republish"))
}

#[cfg(all(feature = "dnd5e", not(feature = "lite")))]
pub type ActiveRules = dnd5e::Dnd5e;
#[cfg(all(feature = "lite", not(feature = "dnd5e")))]
pub type ActiveRules = lite::Lite;

#[cfg(all(feature = "dnd5e", feature = "lite"))]
compile_error!("enable exactly one ruleset feature: `dnd5e` (default) or `lite` (with --no-default-features)");
#[cfg(not(any(feature = "dnd5e", feature = "lite")))]
compile_error!("enable a ruleset feature: `dnd5e` (default) or `lite`");

/// Shared parser for `classes.csv` (same columns in every ruleset).
pub fn parse_classes(file: &str, text: &str, known_skills: &[&str]) -> Result<Vec<ClassDef>, DataError> {
    #[derive(serde::Deserialize)]
    struct Row {
        id: String,
        name: String,
        hit_die: u8,
        saving_throws: String,
        primary_abilities: String,
        skill_count: u8,
        skill_options: String,
    }
    let rows = crate::data::parse_csv::<Row>(file, text)?;
    let col = |h: &str| crate::data::column_of(text, h);
    let mut out: Vec<ClassDef> = Vec::new();
    for r in rows {
        let line = r.line;
        let row = r.row;
        if row.id.is_empty() || !row.id.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(DataError::at(file, line, col("id"), "id must be lower_snake_case and not empty"));
        }
        if out.iter().any(|c| c.id == row.id) {
            return Err(DataError::at(file, line, col("id"), format!("duplicate class id `{}`", row.id)));
        }
        if row.hit_die == 0 || row.hit_die > 20 {
            return Err(DataError::at(file, line, col("hit_die"), "hit_die must be 1..=20"));
        }
        let abilities = |cell: &str, header: &str| -> Result<Vec<Ability>, DataError> {
            crate::data::list(cell)
                .iter()
                .map(|c| {
                    Ability::parse(c).ok_or_else(|| {
                        DataError::at(
                            file,
                            line,
                            col(header),
                            format!("unknown ability `{c}` (use STR, DEX, CON, INT, WIS, CHA)"),
                        )
                    })
                })
                .collect()
        };
        let saving_throws = abilities(&row.saving_throws, "saving_throws")?;
        let primary_abilities = abilities(&row.primary_abilities, "primary_abilities")?;
        if primary_abilities.is_empty() {
            return Err(DataError::at(file, line, col("primary_abilities"), "at least one primary ability"));
        }
        let skill_options = crate::data::list(&row.skill_options);
        for s in &skill_options {
            if !known_skills.contains(&s.as_str()) {
                return Err(DataError::at(file, line, col("skill_options"), format!("unknown skill `{s}`")));
            }
        }
        if (row.skill_count as usize) > skill_options.len() {
            return Err(DataError::at(
                file,
                line,
                col("skill_count"),
                "skill_count exceeds the number of skill_options",
            ));
        }
        out.push(ClassDef {
            id: row.id,
            name: row.name,
            hit_die: row.hit_die,
            saving_throws,
            primary_abilities,
            skill_count: row.skill_count,
            skill_options,
        });
    }
    if out.is_empty() {
        return Err(DataError::at(file, 1, 0, "no classes defined"));
    }
    Ok(out)
}

/// Shared skill-pick validation: exactly `skill_count` distinct skills from the class options,
/// or an empty pick for the class default (the first `skill_count` options).
pub fn choose_skills_from(class: &ClassDef, picked: &[String]) -> Result<Vec<String>, WkError> {
    let n = class.skill_count as usize;
    if picked.is_empty() {
        return Ok(class.skill_options.iter().take(n).cloned().collect());
    }
    if picked.len() != n {
        return Err(err(
            crate::error::ErrorCode::InvalidSkills,
            format!(
                "{} picks {n} skills, got {}; pick {n} from: {} (or none for the default)",
                class.name,
                picked.len(),
                class.skill_options.join(", ")
            ),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for p in picked {
        if !class.skill_options.contains(p) {
            return Err(err(
                crate::error::ErrorCode::InvalidSkills,
                format!("`{p}` is not a {} skill; pick from: {}", class.name, class.skill_options.join(", ")),
            ));
        }
        if out.contains(p) {
            return Err(err(
                crate::error::ErrorCode::InvalidSkills,
                format!("`{p}` picked twice; pick {n} different skills"),
            ));
        }
        out.push(p.clone());
    }
    Ok(out)
}
