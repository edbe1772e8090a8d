//! Plain data the rules work on: the character sheet, the combat view of any creature
//! (characters and monsters alike), damage types, conditions and defenses.
//!
//! Sheet types derive `SpacetimeType` so tables and events can carry them as they are; nothing
//! here touches a table.

use super::dice::DiceExpr;
use super::{Ability, AbilityScores};
use spacetimedb::SpacetimeType;

/// The 13 damage types of SRD 5.1.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DamageType {
    Acid,
    Bludgeoning,
    Cold,
    Fire,
    Force,
    Lightning,
    Necrotic,
    Piercing,
    Poison,
    Psychic,
    Radiant,
    Slashing,
    Thunder,
}

impl DamageType {
    pub const ALL: [DamageType; 13] = [
        DamageType::Acid,
        DamageType::Bludgeoning,
        DamageType::Cold,
        DamageType::Fire,
        DamageType::Force,
        DamageType::Lightning,
        DamageType::Necrotic,
        DamageType::Piercing,
        DamageType::Poison,
        DamageType::Psychic,
        DamageType::Radiant,
        DamageType::Slashing,
        DamageType::Thunder,
    ];

    /// The id used in static data (`fire`, `bludgeoning`, ...).
    pub fn id(self) -> &'static str {
        match self {
            DamageType::Acid => "acid",
            DamageType::Bludgeoning => "bludgeoning",
            DamageType::Cold => "cold",
            DamageType::Fire => "fire",
            DamageType::Force => "force",
            DamageType::Lightning => "lightning",
            DamageType::Necrotic => "necrotic",
            DamageType::Piercing => "piercing",
            DamageType::Poison => "poison",
            DamageType::Psychic => "psychic",
            DamageType::Radiant => "radiant",
            DamageType::Slashing => "slashing",
            DamageType::Thunder => "thunder",
        }
    }

    pub fn parse(s: &str) -> Option<DamageType> {
        DamageType::ALL.into_iter().find(|t| t.id().eq_ignore_ascii_case(s.trim()))
    }

    /// Bludgeoning, piercing and slashing: the types "from nonmagical attacks" defenses cover.
    pub fn is_physical(self) -> bool {
        matches!(self, DamageType::Bludgeoning | DamageType::Piercing | DamageType::Slashing)
    }
}

/// SRD 5.1 conditions (exhaustion included: it can be a condition immunity).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Condition {
    Blinded,
    Charmed,
    Deafened,
    Exhaustion,
    Frightened,
    Grappled,
    Incapacitated,
    Invisible,
    Paralyzed,
    Petrified,
    Poisoned,
    Prone,
    Restrained,
    Stunned,
    Unconscious,
}

impl Condition {
    pub const ALL: [Condition; 15] = [
        Condition::Blinded,
        Condition::Charmed,
        Condition::Deafened,
        Condition::Exhaustion,
        Condition::Frightened,
        Condition::Grappled,
        Condition::Incapacitated,
        Condition::Invisible,
        Condition::Paralyzed,
        Condition::Petrified,
        Condition::Poisoned,
        Condition::Prone,
        Condition::Restrained,
        Condition::Stunned,
        Condition::Unconscious,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Condition::Blinded => "blinded",
            Condition::Charmed => "charmed",
            Condition::Deafened => "deafened",
            Condition::Exhaustion => "exhaustion",
            Condition::Frightened => "frightened",
            Condition::Grappled => "grappled",
            Condition::Incapacitated => "incapacitated",
            Condition::Invisible => "invisible",
            Condition::Paralyzed => "paralyzed",
            Condition::Petrified => "petrified",
            Condition::Poisoned => "poisoned",
            Condition::Prone => "prone",
            Condition::Restrained => "restrained",
            Condition::Stunned => "stunned",
            Condition::Unconscious => "unconscious",
        }
    }

    pub fn parse(s: &str) -> Option<Condition> {
        Condition::ALL.into_iter().find(|c| c.id().eq_ignore_ascii_case(s.trim()))
    }
}

/// One immunity / resistance / vulnerability. `nonmagical_only`: it applies only to damage from
/// nonmagical attacks (SRD "bludgeoning, piercing, and slashing from nonmagical attacks"; the
/// silvered / adamantine exceptions of a few stat blocks are folded into this).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DefenseRule {
    pub damage_type: DamageType,
    pub nonmagical_only: bool,
}

impl DefenseRule {
    pub fn of(damage_type: DamageType) -> Self {
        DefenseRule { damage_type, nonmagical_only: false }
    }
    pub fn applies_to(&self, damage: &Damage) -> bool {
        self.damage_type == damage.damage_type && (!self.nonmagical_only || !damage.magical)
    }
    /// Data form: `fire` or `slashing(nonmagical)`.
    pub fn parse(s: &str) -> Option<DefenseRule> {
        let s = s.trim();
        match s.strip_suffix("(nonmagical)") {
            Some(t) => DamageType::parse(t).map(|damage_type| DefenseRule { damage_type, nonmagical_only: true }),
            None => DamageType::parse(s).map(DefenseRule::of),
        }
    }
}

/// What a creature shrugs off, halves or suffers double. Several entries for one type count
/// once (SRD: "multiple instances of resistance or vulnerability that affect the same damage
/// type count as only one instance").
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq, Default)]
pub struct Defenses {
    pub immunities: Vec<DefenseRule>,
    pub resistances: Vec<DefenseRule>,
    pub vulnerabilities: Vec<DefenseRule>,
    pub condition_immunities: Vec<Condition>,
}

impl Defenses {
    pub fn is_immune(&self, d: &Damage) -> bool {
        self.immunities.iter().any(|r| r.applies_to(d))
    }
    pub fn resists(&self, d: &Damage) -> bool {
        self.resistances.iter().any(|r| r.applies_to(d))
    }
    pub fn is_vulnerable(&self, d: &Damage) -> bool {
        self.vulnerabilities.iter().any(|r| r.applies_to(d))
    }
    pub fn immune_to_condition(&self, c: Condition) -> bool {
        self.condition_immunities.contains(&c)
    }
}

/// One instance of damage of one type. `magical`: from a magical attack or effect (defenses
/// marked `nonmagical_only` do not apply).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Damage {
    pub amount: i32,
    pub damage_type: DamageType,
    pub magical: bool,
}

impl Damage {
    pub fn new(amount: i32, damage_type: DamageType) -> Self {
        Damage { amount, damage_type, magical: false }
    }
}

/// Body armor and shield as the AC formula needs them. `base_ac` 0 means no armor
/// (unarmored: 10 + DEX). `dex_cap`: `None` = full DEX (light armor), `Some(2)` medium,
/// `Some(0)` heavy.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ArmorWorn {
    pub base_ac: u8,
    pub dex_cap: Option<u8>,
    pub shield: bool,
}

impl ArmorWorn {
    pub const NONE: ArmorWorn = ArmorWorn { base_ac: 0, dex_cap: None, shield: false };
    pub fn light(base_ac: u8) -> Self {
        ArmorWorn { base_ac, dex_cap: None, shield: false }
    }
    pub fn medium(base_ac: u8) -> Self {
        ArmorWorn { base_ac, dex_cap: Some(2), shield: false }
    }
    pub fn heavy(base_ac: u8) -> Self {
        ArmorWorn { base_ac, dex_cap: Some(0), shield: false }
    }
    pub fn with_shield(self) -> Self {
        ArmorWorn { shield: true, ..self }
    }
}

/// Hit points and what happens around 0 HP. Shared by characters and monsters.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq, Default)]
pub struct Vitals {
    pub hp: i32,
    pub max_hp: i32,
    pub temp_hp: i32,
    pub death_save_successes: u8,
    pub death_save_failures: u8,
    pub stable: bool,
    pub dead: bool,
    pub concentrating: bool,
    /// Dies outright at 0 HP instead of making death saves (SRD: most monsters).
    pub dies_at_zero: bool,
    /// World seconds accumulated at 0 HP (dnd5e: death-save rounds and stable recovery out of
    /// combat; lite: bleeding out).
    pub down_secs: u32,
    /// World seconds carried towards the next regeneration step (lite).
    pub regen_carry_secs: u32,
}

impl Vitals {
    pub fn new(max_hp: i32) -> Self {
        Vitals { hp: max_hp, max_hp, ..Default::default() }
    }
    /// At 0 HP and not dead: unconscious.
    pub fn is_down(&self) -> bool {
        self.hp <= 0 && !self.dead
    }
    /// Down and not stable: making death saves (dnd5e) / bleeding out (lite).
    pub fn is_dying(&self) -> bool {
        self.is_down() && !self.stable
    }
    pub fn can_act(&self) -> bool {
        !self.dead && self.hp > 0
    }
    pub(crate) fn reset_death_saves(&mut self) {
        self.death_save_successes = 0;
        self.death_save_failures = 0;
    }
}

/// A character as the rules see it. Ruleset-neutral fields; each ruleset reads them its way
/// (e.g. `hit_die` is the die size in dnd5e and flat HP per level in lite).
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct CharacterSheet {
    pub name: String,
    pub class_id: String,
    pub level: u8,
    pub xp: u32,
    pub scores: AbilityScores,
    /// Skill ids the character is proficient in.
    pub skill_proficiencies: Vec<String>,
    pub save_proficiencies: Vec<Ability>,
    /// The class's spellcasting / key ability, for the save DC (first primary ability).
    pub key_ability: Ability,
    pub hit_die: u8,
    pub hit_dice_remaining: u8,
    pub vitals: Vitals,
    pub defenses: Defenses,
    pub armor: ArmorWorn,
    /// Unused, kept so stored character rows keep their shape: the exhaustion condition is the
    /// ruleset's exhaustion buff group (`RulesEngine::EXHAUSTION_GROUP`), lowered by a long rest.
    pub exhaustion: u8,
}

impl CharacterSheet {
    pub fn proficient_in_skill(&self, skill_id: &str) -> bool {
        self.skill_proficiencies.iter().any(|s| s == skill_id)
    }
    pub fn proficient_in_save(&self, a: Ability) -> bool {
        self.save_proficiencies.contains(&a)
    }
}

/// One number per ability (modifiers, save bonuses, DCs).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AbilityBonuses {
    pub str_: i32,
    pub dex: i32,
    pub con: i32,
    pub int: i32,
    pub wis: i32,
    pub cha: i32,
}

impl AbilityBonuses {
    pub fn get(&self, a: Ability) -> i32 {
        match a {
            Ability::Str => self.str_,
            Ability::Dex => self.dex,
            Ability::Con => self.con,
            Ability::Int => self.int,
            Ability::Wis => self.wis,
            Ability::Cha => self.cha,
        }
    }
    pub fn set(&mut self, a: Ability, v: i32) {
        match a {
            Ability::Str => self.str_ = v,
            Ability::Dex => self.dex = v,
            Ability::Con => self.con = v,
            Ability::Int => self.int = v,
            Ability::Wis => self.wis = v,
            Ability::Cha => self.cha = v,
        }
    }
    pub fn from_fn(mut f: impl FnMut(Ability) -> i32) -> Self {
        let mut b = AbilityBonuses::default();
        for a in Ability::ALL {
            b.set(a, f(a));
        }
        b
    }
}

/// A skill's total bonus on a sheet.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct SkillBonus {
    pub skill_id: String,
    pub bonus: i32,
    pub proficient: bool,
}

/// Everything derived from a sheet. Recomputed on demand, never stored as truth.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct DerivedStats {
    pub level: u8,
    pub proficiency_bonus: i32,
    pub ability_mods: AbilityBonuses,
    pub save_bonuses: AbilityBonuses,
    /// Attack bonus with a weapon using each ability (mod + proficiency).
    pub attack_bonuses: AbilityBonuses,
    /// DC of an effect keyed to each ability (8 + proficiency + mod).
    pub save_dcs: AbilityBonuses,
    /// The DC for the class's key ability.
    pub save_dc: i32,
    pub ac: i32,
    pub initiative_bonus: i32,
    pub passive_perception: i32,
    pub carrying_capacity_lb: i32,
    pub skills: Vec<SkillBonus>,
}

impl DerivedStats {
    pub fn skill(&self, id: &str) -> Option<i32> {
        self.skills.iter().find(|s| s.skill_id == id).map(|s| s.bonus)
    }
}

/// One damage component of an attack (`1d8+3 piercing`, plus `2d6 poison`, ...).
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct DamageDice {
    pub dice: DiceExpr,
    pub damage_type: DamageType,
}

/// An attack ready to resolve: to-hit bonus and damage already include the attacker's numbers.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct AttackDef {
    pub id: String,
    pub name: String,
    pub to_hit: i32,
    pub damage: Vec<DamageDice>,
    pub magical: bool,
    /// A die rolled and added to the to-hit roll (its size; 0: none): Bless's 1d4.
    pub bonus_die: u32,
}

/// A character's weapon before the character's numbers are added (items will provide these).
/// `finesse`: uses the better of STR and DEX.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct WeaponDef {
    pub id: String,
    pub name: String,
    pub ability: Ability,
    pub finesse: bool,
    pub damage: DiceExpr,
    pub damage_type: DamageType,
    pub magical: bool,
}

impl WeaponDef {
    /// What a character without a weapon uses: SRD unarmed strike, 1 + STR bludgeoning.
    pub fn unarmed() -> Self {
        WeaponDef {
            id: "unarmed_strike".into(),
            name: "Unarmed Strike".into(),
            ability: Ability::Str,
            finesse: false,
            damage: DiceExpr::flat(1),
            damage_type: DamageType::Bludgeoning,
            magical: false,
        }
    }
}

/// The combat view of any creature, character or monster: what attacks, saves, damage and
/// initiative need. Built by `RulesEngine::creature_from_sheet` / `creature_from_monster`;
/// after a fight, write `vitals` back to the sheet.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct Creature {
    /// Monster id, or the character's name for characters.
    pub id: String,
    pub name: String,
    pub ac: i32,
    pub vitals: Vitals,
    pub defenses: Defenses,
    pub ability_mods: AbilityBonuses,
    pub save_bonuses: AbilityBonuses,
    pub initiative_bonus: i32,
    /// Tie-break for initiative after the bonus.
    pub dex_score: u8,
    pub attacks: Vec<AttackDef>,
    /// Indices into `attacks` made by one Attack action (empty: the first attack once).
    pub multiattack: Vec<u32>,
    /// XP awarded for defeating it (0 for characters).
    pub xp: u32,
    /// Combat-relevant perks of a character (snapshot; empty for monsters). See
    /// `systems::perks::combat`.
    pub perks: Vec<crate::systems::perks::combat::CombatPerk>,
    /// What conditions and buffs do to its saving throws (every save, death saves included).
    pub save_mods: SaveMods,
}

/// Advantage, disadvantage and automatic failure on saving throws, one bit per ability
/// (`1 << Ability as u8`); `death_*`: on death saves (SRD: they are saving throws, so "all saving
/// throws" sources count).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SaveMods {
    /// A die rolled and added to every saving throw (its size; 0: none): Bless's 1d4.
    pub die: u32,
    pub advantage: u8,
    pub disadvantage: u8,
    pub auto_fail: u8,
    pub death_advantage: bool,
    pub death_disadvantage: bool,
}

impl SaveMods {
    pub fn bit(a: Ability) -> u8 {
        1 << (a as u8)
    }
    /// The advantage a save of `a` gets, with the caller's own sources (`adv`) counted too.
    pub fn advantage_for(&self, a: Ability, adv: crate::rules::Advantage) -> crate::rules::Advantage {
        use crate::rules::Advantage as A;
        let ups = u32::from(self.advantage & Self::bit(a) != 0) + u32::from(adv == A::Advantage);
        let downs = u32::from(self.disadvantage & Self::bit(a) != 0) + u32::from(adv == A::Disadvantage);
        A::from_sources(ups, downs)
    }
    pub fn auto_fails(&self, a: Ability) -> bool {
        self.auto_fail & Self::bit(a) != 0
    }
    pub fn death(&self) -> crate::rules::Advantage {
        crate::rules::Advantage::from_sources(u32::from(self.death_advantage), u32::from(self.death_disadvantage))
    }
}

impl Creature {
    /// The attacks one Attack action makes, in order.
    pub fn attack_routine(&self) -> Vec<&AttackDef> {
        if self.multiattack.is_empty() {
            self.attacks.first().into_iter().collect()
        } else {
            self.multiattack.iter().filter_map(|i| self.attacks.get(*i as usize)).collect()
        }
    }
}
