//! Item definitions (`items.csv`): what an item is (type, rarity), where it goes (slot, two
//! hands), who may use it (classes, minimum scores), how it stacks, and what it does (modifiers
//! in the buff modifier-key language, weapon numbers, armor numbers, a consumable effect).
//! Column reference: `static_data/dnd5e/ITEMS.md`.
//!
//! The parser validates every cell and every rule between cells; an error names file, line and
//! column and its message starts with the stable code (`E_INVALID_ITEM_DEF`, the modifier codes,
//! `E_INVALID_DICE`, `E_UNKNOWN_CLASS`, `E_UNKNOWN_BUFF`).

use crate::data::{column_of, list, parse_csv, DataError};
use crate::error::{err, ErrorCode, WkError, WkResult};
use crate::rules::{Ability, AbilityScores, DamageType, DiceExpr};
use crate::systems::buffs::modifiers::{parse_modifiers, Modifier};
use spacetimedb::SpacetimeType;
use std::collections::BTreeMap;

/// Largest stack any definition may declare (inventory spec: "stackable up to 99").
pub const MAX_STACK_LIMIT: u32 = 99;
/// Heaviest single item, in pounds (a pike is 18 lb; this only catches typos).
pub const MAX_WEIGHT_LB: f32 = 1000.0;
/// Most expensive single item, in copper pieces (10 million gp).
pub const MAX_COST_CP: u64 = 1_000_000_000;
/// Longest weapon range in feet (the longbow's 600 ft long range fits).
pub const MAX_RANGE_FT: u16 = 1000;

/// What an item is (inventory spec `ItemType`).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemType {
    Weapon,
    Armor,
    Relic,
    Utility,
    Consumable,
    Material,
}

impl ItemType {
    pub const ALL: [ItemType; 6] = [
        ItemType::Weapon,
        ItemType::Armor,
        ItemType::Relic,
        ItemType::Utility,
        ItemType::Consumable,
        ItemType::Material,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ItemType::Weapon => "WEAPON",
            ItemType::Armor => "ARMOR",
            ItemType::Relic => "RELIC",
            ItemType::Utility => "UTILITY",
            ItemType::Consumable => "CONSUMABLE",
            ItemType::Material => "MATERIAL",
        }
    }

    pub fn parse(s: &str) -> Option<ItemType> {
        ItemType::ALL.into_iter().find(|t| t.code() == s)
    }

    /// Consumables and materials stack (up to their definition's limit); equipment never does.
    /// Exhaustive on purpose: a new type must decide.
    pub fn stacks(self) -> bool {
        match self {
            ItemType::Consumable | ItemType::Material => true,
            ItemType::Weapon | ItemType::Armor | ItemType::Relic | ItemType::Utility => false,
        }
    }
}

/// Rarity (inventory spec `Rarity`). SRD "very rare" and "legendary" map to `Ancient`.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rarity {
    Common,
    Uncommon,
    Rare,
    Ancient,
}

impl Rarity {
    pub const ALL: [Rarity; 4] = [Rarity::Common, Rarity::Uncommon, Rarity::Rare, Rarity::Ancient];

    pub fn code(self) -> &'static str {
        match self {
            Rarity::Common => "COMMON",
            Rarity::Uncommon => "UNCOMMON",
            Rarity::Rare => "RARE",
            Rarity::Ancient => "ANCIENT",
        }
    }

    pub fn parse(s: &str) -> Option<Rarity> {
        Rarity::ALL.into_iter().find(|r| r.code() == s)
    }
}

/// Where a definition may be equipped. `EitherHand`: main or off hand (light weapons, so two-
/// weapon fighting works); `Belt`: either belt slot (consumables only); `None`: never equipped.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EquipSlot {
    MainHand,
    OffHand,
    EitherHand,
    Body,
    Accessory,
    Belt,
    None,
}

impl EquipSlot {
    pub const ALL: [EquipSlot; 7] = [
        EquipSlot::MainHand,
        EquipSlot::OffHand,
        EquipSlot::EitherHand,
        EquipSlot::Body,
        EquipSlot::Accessory,
        EquipSlot::Belt,
        EquipSlot::None,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EquipSlot::MainHand => "main_hand",
            EquipSlot::OffHand => "off_hand",
            EquipSlot::EitherHand => "either_hand",
            EquipSlot::Body => "body",
            EquipSlot::Accessory => "accessory",
            EquipSlot::Belt => "belt",
            EquipSlot::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<EquipSlot> {
        EquipSlot::ALL.into_iter().find(|t| t.code() == s)
    }
}

/// Armor category (SRD). `Shield` is carried in the off hand and adds +2 AC.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ArmorCategory {
    Light,
    Medium,
    Heavy,
    Shield,
}

impl ArmorCategory {
    pub const ALL: [ArmorCategory; 4] =
        [ArmorCategory::Light, ArmorCategory::Medium, ArmorCategory::Heavy, ArmorCategory::Shield];

    pub fn code(self) -> &'static str {
        match self {
            ArmorCategory::Light => "light",
            ArmorCategory::Medium => "medium",
            ArmorCategory::Heavy => "heavy",
            ArmorCategory::Shield => "shield",
        }
    }

    pub fn parse(s: &str) -> Option<ArmorCategory> {
        ArmorCategory::ALL.into_iter().find(|c| c.code() == s)
    }
}

/// A dice expression in a form tables can store; converts to and from the rules' [`DiceExpr`].
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemDice {
    pub count: u32,
    pub sides: u32,
    pub modifier: i32,
}

impl From<DiceExpr> for ItemDice {
    fn from(d: DiceExpr) -> Self {
        ItemDice { count: d.count, sides: d.sides, modifier: d.modifier }
    }
}

impl From<ItemDice> for DiceExpr {
    fn from(d: ItemDice) -> Self {
        DiceExpr { count: d.count, sides: d.sides, modifier: d.modifier }
    }
}

impl std::fmt::Display for ItemDice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        DiceExpr::from(*self).fmt(f)
    }
}

/// SRD weapon properties. Ranges (feet) belong to `thrown` and `ammunition`; both 0 = melee only.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WeaponProperties {
    pub finesse: bool,
    pub light: bool,
    pub heavy: bool,
    pub reach: bool,
    pub thrown: bool,
    pub ammunition: bool,
    pub loading: bool,
    pub versatile: bool,
    pub two_handed: bool,
    pub special: bool,
    pub range_normal_ft: u16,
    pub range_long_ft: u16,
}

impl WeaponProperties {
    pub const NAMES: [&'static str; 10] =
        ["finesse", "light", "heavy", "reach", "thrown", "ammunition", "loading", "versatile", "two_handed", "special"];

    /// Parse a properties cell: `finesse;light;thrown:20/60`. Only `thrown` and `ammunition` take
    /// a range, and they must.
    pub fn parse(cell: &str) -> WkResult<WeaponProperties> {
        let mut p = WeaponProperties::default();
        for item in list(cell) {
            let (name, range) = match item.split_once(':') {
                Some((n, r)) => (n, Some(r)),
                None => (item.as_str(), None),
            };
            let flag = match name {
                "finesse" => &mut p.finesse,
                "light" => &mut p.light,
                "heavy" => &mut p.heavy,
                "reach" => &mut p.reach,
                "thrown" => &mut p.thrown,
                "ammunition" => &mut p.ammunition,
                "loading" => &mut p.loading,
                "versatile" => &mut p.versatile,
                "two_handed" => &mut p.two_handed,
                "special" => &mut p.special,
                other => {
                    return Err(def_err(format!(
                        "unknown weapon property `{other}`; use {}",
                        WeaponProperties::NAMES.join(", ")
                    )))
                }
            };
            if *flag {
                return Err(def_err(format!("weapon property `{name}` listed twice")));
            }
            *flag = true;
            let ranged = name == "thrown" || name == "ammunition";
            match (ranged, range) {
                (true, Some(r)) => {
                    if p.range_normal_ft != 0 {
                        return Err(def_err("only one of `thrown` and `ammunition` may carry a range"));
                    }
                    let (n, l) = parse_range(r)?;
                    p.range_normal_ft = n;
                    p.range_long_ft = l;
                }
                (true, None) => {
                    return Err(def_err(format!("`{name}` needs a range in feet: `{name}:20/60` (normal/long)")))
                }
                (false, Some(_)) => return Err(def_err(format!("`{name}` takes no range; write just `{name}`"))),
                (false, None) => {}
            }
        }
        if p.light && p.heavy {
            return Err(def_err("a weapon cannot be both `light` and `heavy`"));
        }
        Ok(p)
    }

    /// Canonical cell text (the inverse of [`WeaponProperties::parse`]).
    pub fn code(&self) -> String {
        let mut v: Vec<String> = Vec::new();
        let flags = [
            (self.finesse, "finesse"),
            (self.light, "light"),
            (self.heavy, "heavy"),
            (self.reach, "reach"),
            (self.thrown, "thrown"),
            (self.ammunition, "ammunition"),
            (self.loading, "loading"),
            (self.versatile, "versatile"),
            (self.two_handed, "two_handed"),
            (self.special, "special"),
        ];
        for (on, name) in flags {
            if !on {
                continue;
            }
            if (name == "thrown" || name == "ammunition") && self.range_normal_ft > 0 {
                v.push(format!("{name}:{}/{}", self.range_normal_ft, self.range_long_ft));
            } else {
                v.push(name.to_string());
            }
        }
        v.join(";")
    }

    /// A ranged weapon (ammunition) attacks with DEX; thrown melee weapons keep STR (SRD).
    pub fn is_ranged(&self) -> bool {
        self.ammunition
    }
}

fn parse_range(r: &str) -> WkResult<(u16, u16)> {
    let bad = || def_err(format!("range `{r}` must be `normal/long` in feet, 1..={MAX_RANGE_FT}, normal <= long"));
    let (n, l) = r.split_once('/').ok_or_else(bad)?;
    let n: u16 = n.trim().parse().map_err(|_| bad())?;
    let l: u16 = l.trim().parse().map_err(|_| bad())?;
    if n == 0 || l < n || l > MAX_RANGE_FT {
        return Err(bad());
    }
    Ok((n, l))
}

/// Weapon numbers (present exactly when the type is `WEAPON`).
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct WeaponStats {
    /// One-handed damage; `None` only for `special` weapons without damage (the net).
    pub damage: Option<ItemDice>,
    /// `None` exactly when `damage` is.
    pub damage_type: Option<DamageType>,
    /// Two-handed damage of a `versatile` weapon.
    pub versatile_damage: Option<ItemDice>,
    pub properties: WeaponProperties,
}

/// Armor numbers (present exactly when the type is `ARMOR`). For a shield `base_ac` is the +2
/// the rules engine adds for `ArmorWorn::shield` (a +1 shield carries `armor_class:add:1`).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArmorStats {
    pub category: ArmorCategory,
    pub base_ac: u8,
    /// `None`: full DEX (light); `Some(2)` medium; `Some(0)` heavy (DEX ignored).
    pub dex_cap: Option<u8>,
    /// SRD: below this STR score the wearer's speed drops by 10 feet (0 = none).
    pub str_min: u8,
    pub stealth_disadvantage: bool,
}

/// What using a consumable does.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub enum ConsumableEffect {
    /// Regain hit points: roll these dice (through the rules engine's dice).
    Heal(ItemDice),
    /// Apply this buff (an id in the ruleset's buffs.csv) with its default duration.
    Buff(String),
    /// Apply a buff and grant temporary hit points (Potion of Heroism).
    BuffTempHp(BuffTempHp),
}

/// A buff with temporary hit points (`buff:<id>;temp_hp:<n>`).
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct BuffTempHp {
    pub buff: String,
    pub temp_hp: i32,
}

/// The most temporary hit points a consumable grants.
pub const MAX_CONSUMABLE_TEMP_HP: i32 = 100;

impl ConsumableEffect {
    /// `heal:2d4+2`, `buff:<buff id>` or `buff:<buff id>;temp_hp:<n>`.
    pub fn parse(cell: &str) -> WkResult<ConsumableEffect> {
        if let Some((buff, temp)) = cell.split_once(';') {
            let ConsumableEffect::Buff(buff) = Self::parse(buff)? else {
                return Err(def_err(format!("effect `{cell}`: only a `buff:` effect takes `;temp_hp:<n>`")));
            };
            let n = temp
                .trim()
                .strip_prefix("temp_hp:")
                .and_then(|n| n.trim().parse::<i32>().ok())
                .filter(|n| (1..=MAX_CONSUMABLE_TEMP_HP).contains(n))
                .ok_or_else(|| {
                    def_err(format!("effect `{cell}`: write `;temp_hp:<n>` with n in 1..={MAX_CONSUMABLE_TEMP_HP}"))
                })?;
            return Ok(ConsumableEffect::BuffTempHp(BuffTempHp { buff, temp_hp: n }));
        }
        match cell.split_once(':') {
            Some(("heal", dice)) => {
                let d = DiceExpr::parse(dice)?;
                if d.min() < 1 {
                    return Err(def_err(format!("healing `{dice}` can roll below 1; heal a positive amount")));
                }
                Ok(ConsumableEffect::Heal(d.into()))
            }
            Some(("buff", id)) if !id.trim().is_empty() => Ok(ConsumableEffect::Buff(id.trim().to_string())),
            _ => Err(def_err(format!("effect `{cell}` must be `heal:<dice>` (heal:2d4+2) or `buff:<buff id>`"))),
        }
    }

    pub fn code(&self) -> String {
        match self {
            ConsumableEffect::Heal(d) => format!("heal:{d}"),
            ConsumableEffect::Buff(id) => format!("buff:{id}"),
            ConsumableEffect::BuffTempHp(b) => format!("buff:{};temp_hp:{}", b.buff, b.temp_hp),
        }
    }

    /// The buff this effect applies, if any.
    pub fn buff(&self) -> Option<&str> {
        match self {
            ConsumableEffect::Heal(_) => None,
            ConsumableEffect::Buff(id) | ConsumableEffect::BuffTempHp(BuffTempHp { buff: id, .. }) => Some(id),
        }
    }

    /// The temporary hit points this effect grants (0: none).
    pub fn temp_hp(&self) -> i32 {
        match self {
            ConsumableEffect::BuffTempHp(b) => b.temp_hp,
            ConsumableEffect::Heal(_) | ConsumableEffect::Buff(_) => 0,
        }
    }
}

/// A minimum ability score to equip an item.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbilityMin {
    pub ability: Ability,
    pub score: u8,
}

/// One item definition. Stored as is in a table; instances refer to it by `id`.
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct ItemDef {
    pub id: String,
    pub name: String,
    pub item_type: ItemType,
    pub rarity: Rarity,
    pub slot: EquipSlot,
    /// Occupies both hands (equipped in the main hand, the off hand must stay empty).
    pub two_handed: bool,
    /// Class ids that may equip it; empty = every class.
    pub classes: Vec<String>,
    pub min_scores: Vec<AbilityMin>,
    /// 1 for everything that does not stack; 1..=99 for consumables and materials.
    pub stack_limit: u32,
    /// While equipped (never from a stash or a belt): the buff modifier-key language.
    pub modifiers: Vec<Modifier>,
    pub weapon: Option<WeaponStats>,
    pub armor: Option<ArmorStats>,
    pub effect: Option<ConsumableEffect>,
    /// Magical for the damage rules (resistance to nonmagical attacks does not apply).
    pub magical: bool,
    pub weight_lb: f32,
    pub cost_cp: u64,
}

impl ItemDef {
    /// Instances of this definition merge into one stack (up to `stack_limit`).
    pub fn stackable(&self) -> bool {
        self.item_type.stacks() && self.stack_limit > 1
    }

    /// Can it go into a loadout at all?
    pub fn equippable(&self) -> bool {
        self.slot != EquipSlot::None
    }

    /// Does this character meet the class restriction? (`E_CLASS_RESTRICTED`)
    pub fn check_class(&self, class_id: &str) -> WkResult<()> {
        if self.classes.is_empty() || self.classes.iter().any(|c| c == class_id) {
            return Ok(());
        }
        Err(err(
            ErrorCode::ClassRestricted,
            format!("{} can only be equipped by: {}; `{class_id}` cannot use it", self.name, self.classes.join(", ")),
        ))
    }

    /// Does this character meet every minimum score? (`E_ABILITY_TOO_LOW`, naming the first miss)
    pub fn check_scores(&self, scores: &AbilityScores) -> WkResult<()> {
        for m in &self.min_scores {
            let have = scores.get(m.ability);
            if have < m.score {
                return Err(err(
                    ErrorCode::AbilityTooLow,
                    format!("{} needs {} {} (this character has {have})", self.name, m.ability.code(), m.score),
                ));
            }
        }
        Ok(())
    }

    /// Every rule between fields, the same at load time and for a definition read back from a
    /// table. On failure: the column to blame and the error.
    pub fn check(&self) -> Result<(), (&'static str, WkError)> {
        let e = |col: &'static str, msg: String| Err((col, def_err(msg)));
        if self.id.is_empty() || !self.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return e("id", format!("id `{}` must be lower_snake_case and not empty", self.id));
        }
        if self.name.trim().is_empty() {
            return e("name", "name must not be empty".into());
        }
        if self.stack_limit == 0 || self.stack_limit > MAX_STACK_LIMIT {
            return e("stack_limit", format!("stack_limit {} must be 1..={MAX_STACK_LIMIT}", self.stack_limit));
        }
        if !self.item_type.stacks() && self.stack_limit != 1 {
            return e("stack_limit", format!("{} items never stack: stack_limit must be 1", self.item_type.code()));
        }
        // Type <-> slot.
        let allowed: &[EquipSlot] = match self.item_type {
            ItemType::Weapon => &[EquipSlot::MainHand, EquipSlot::EitherHand],
            ItemType::Armor => &[EquipSlot::Body, EquipSlot::OffHand],
            ItemType::Relic => &[EquipSlot::Accessory, EquipSlot::OffHand],
            ItemType::Utility => &[EquipSlot::OffHand, EquipSlot::None],
            ItemType::Consumable => &[EquipSlot::Belt],
            ItemType::Material => &[EquipSlot::None],
        };
        if !allowed.contains(&self.slot) {
            let names: Vec<&str> = allowed.iter().map(|s| s.code()).collect();
            return e(
                "slot",
                format!("a {} goes in {}, not `{}`", self.item_type.code(), names.join(" or "), self.slot.code()),
            );
        }
        if self.two_handed && self.slot != EquipSlot::MainHand {
            return e("two_handed", "a two-handed item is equipped in main_hand".into());
        }
        if !self.equippable() && !self.modifiers.is_empty() {
            return e("modifiers", "modifiers apply while equipped; this item cannot be equipped".into());
        }
        if self.item_type == ItemType::Consumable && !self.modifiers.is_empty() {
            return e("modifiers", "a consumable acts through its effect (use `buff:<id>`), not modifiers".into());
        }
        if !self.equippable() && (!self.classes.is_empty() || !self.min_scores.is_empty()) {
            return e("classes", "class and score requirements only make sense for equippable items".into());
        }
        for m in &self.modifiers {
            m.validate().map_err(|x| ("modifiers", x))?;
        }
        let mut seen = Vec::new();
        for m in &self.min_scores {
            if seen.contains(&m.ability) {
                return e("min_scores", format!("{} listed twice", m.ability.code()));
            }
            seen.push(m.ability);
            if !(1..=30).contains(&m.score) {
                return e("min_scores", format!("minimum {} {} must be 1..=30", m.ability.code(), m.score));
            }
        }
        // Weapon numbers.
        match (&self.weapon, self.item_type) {
            (Some(w), ItemType::Weapon) => {
                let p = &w.properties;
                if p.two_handed != self.two_handed {
                    return e("two_handed", "two_handed column and the `two_handed` property must agree".into());
                }
                if p.versatile != w.versatile_damage.is_some() {
                    return e(
                        "versatile_dice",
                        "versatile_dice is set exactly when the `versatile` property is".into(),
                    );
                }
                if p.versatile && p.two_handed {
                    return e("properties", "a two-handed weapon cannot also be versatile".into());
                }
                if self.slot == EquipSlot::EitherHand && !p.light {
                    return e("slot", "only `light` weapons may be carried in either hand".into());
                }
                if w.damage.is_none() && !p.special {
                    return e("damage_dice", "a weapon without damage must be `special` (like the net)".into());
                }
                if w.damage.is_some() != w.damage_type.is_some() {
                    return e("damage_type", "damage_dice and damage_type are given together".into());
                }
            }
            (None, ItemType::Weapon) => return e("damage_dice", "a WEAPON needs weapon columns".into()),
            (Some(_), _) => return e("damage_dice", "weapon columns are only for WEAPON rows".into()),
            (None, _) => {
                if self.two_handed {
                    return e("two_handed", "only weapons are two-handed".into());
                }
            }
        }
        // Armor numbers.
        match (&self.armor, self.item_type) {
            (Some(a), ItemType::Armor) => {
                let body = self.slot == EquipSlot::Body;
                match a.category {
                    ArmorCategory::Shield => {
                        if body {
                            return e("slot", "a shield goes in off_hand".into());
                        }
                        if a.base_ac != 2 || a.dex_cap.is_some() || a.str_min != 0 || a.stealth_disadvantage {
                            return e(
                                "base_ac",
                                "a shield has base_ac 2 and no dex_cap / str_min / stealth; add `armor_class:add:1` for a +1 shield"
                                    .into(),
                            );
                        }
                    }
                    cat => {
                        if !body {
                            return e("slot", format!("{} armor goes in body", cat.code()));
                        }
                        if !(10..=20).contains(&a.base_ac) {
                            return e("base_ac", format!("body armor base_ac {} must be 10..=20", a.base_ac));
                        }
                        let cap_ok = match cat {
                            ArmorCategory::Light => a.dex_cap.is_none(),
                            ArmorCategory::Medium => matches!(a.dex_cap, Some(1..=5)),
                            ArmorCategory::Heavy => a.dex_cap == Some(0),
                            ArmorCategory::Shield => true,
                        };
                        if !cap_ok {
                            return e(
                                "dex_cap",
                                "dex_cap: empty for light armor (full DEX), 1..=5 for medium (SRD 2), 0 for heavy"
                                    .into(),
                            );
                        }
                        if a.str_min > 30 {
                            return e("str_min", "str_min must be 0..=30".into());
                        }
                    }
                }
            }
            (None, ItemType::Armor) => return e("armor_category", "an ARMOR row needs armor_category".into()),
            (Some(_), _) => return e("armor_category", "armor columns are only for ARMOR rows".into()),
            (None, _) => {}
        }
        // Consumable effect.
        match (&self.effect, self.item_type) {
            (Some(_), ItemType::Consumable) => {}
            (None, ItemType::Consumable) => return e("effect", "a CONSUMABLE needs an effect".into()),
            (Some(_), _) => return e("effect", "only CONSUMABLE rows have an effect".into()),
            (None, _) => {}
        }
        if !self.weight_lb.is_finite() || self.weight_lb < 0.0 || self.weight_lb > MAX_WEIGHT_LB {
            return e("weight_lb", format!("weight_lb must be 0..={MAX_WEIGHT_LB}"));
        }
        if self.cost_cp > MAX_COST_CP {
            return e("cost_cp", format!("cost_cp must be 0..={MAX_COST_CP}"));
        }
        Ok(())
    }
}

fn def_err(msg: impl Into<String>) -> WkError {
    err(ErrorCode::InvalidItemDef, msg)
}

/// Every definition of the active ruleset, by id.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemCatalog {
    defs: Vec<ItemDef>,
    index: BTreeMap<String, usize>,
}

impl ItemCatalog {
    /// Build from definitions (checked again; ids unique).
    pub fn new(defs: Vec<ItemDef>) -> WkResult<ItemCatalog> {
        let mut index = BTreeMap::new();
        for (i, d) in defs.iter().enumerate() {
            d.check().map_err(|(col, e)| err(e.code, format!("item `{}` ({col}): {}", d.id, e.message)))?;
            if index.insert(d.id.clone(), i).is_some() {
                return Err(def_err(format!("duplicate item id `{}`", d.id)));
            }
        }
        Ok(ItemCatalog { defs, index })
    }

    /// One definition (`E_UNKNOWN_ITEM_DEF`).
    pub fn get(&self, id: &str) -> WkResult<&ItemDef> {
        self.index.get(id).map(|i| &self.defs[*i]).ok_or_else(|| {
            err(ErrorCode::UnknownItemDef, format!("no item definition `{id}`; see static_data/<ruleset>/items.csv"))
        })
    }

    pub fn defs(&self) -> &[ItemDef] {
        &self.defs
    }

    pub fn len(&self) -> usize {
        self.defs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }
}

#[derive(serde::Deserialize)]
struct Row {
    id: String,
    name: String,
    #[serde(rename = "type")]
    item_type: String,
    rarity: String,
    slot: String,
    two_handed: String,
    versatile_dice: String,
    classes: String,
    min_scores: String,
    stack_limit: u32,
    modifiers: String,
    damage_dice: String,
    damage_type: String,
    properties: String,
    armor_category: String,
    base_ac: Option<u8>,
    dex_cap: Option<u8>,
    str_min: Option<u8>,
    stealth_disadvantage: String,
    effect: String,
    magical: String,
    weight_lb: f32,
    cost_cp: u64,
}

fn parse_bool(cell: &str) -> WkResult<bool> {
    match cell {
        "" | "false" => Ok(false),
        "true" => Ok(true),
        other => Err(def_err(format!("`{other}` is not a boolean; write `true`, `false` or leave it empty"))),
    }
}

fn parse_min_scores(cell: &str) -> WkResult<Vec<AbilityMin>> {
    list(cell)
        .iter()
        .map(|item| {
            let bad = || def_err(format!("`{item}`: write minimum scores like `STR:13;DEX:12`"));
            let (a, s) = item.split_once(':').ok_or_else(bad)?;
            let ability = Ability::parse(a).ok_or_else(bad)?;
            let score: u8 = s.trim().parse().map_err(|_| bad())?;
            Ok(AbilityMin { ability, score })
        })
        .collect()
}

/// Parse and validate an `items.csv`. `class_ids`: the ruleset's classes (a restriction naming
/// another is `E_UNKNOWN_CLASS`); `buff_ids`: the ruleset's buffs (`buff:<id>` effects must name
/// one, else `E_UNKNOWN_BUFF`).
pub fn parse_items(file: &str, text: &str, class_ids: &[&str], buff_ids: &[&str]) -> Result<ItemCatalog, DataError> {
    let rows = parse_csv::<Row>(file, text)?;
    let at = |line: u64, header: &str, e: WkError| DataError::at(file, line, column_of(text, header), e.to_string());
    let mut defs: Vec<ItemDef> = Vec::new();
    for r in rows {
        let line = r.line;
        let row = r.row;
        let item_type = ItemType::parse(&row.item_type).ok_or_else(|| {
            let names: Vec<&str> = ItemType::ALL.iter().map(|t| t.code()).collect();
            at(line, "type", def_err(format!("unknown type `{}`; use {}", row.item_type, names.join(", "))))
        })?;
        let rarity = Rarity::parse(&row.rarity).ok_or_else(|| {
            at(line, "rarity", def_err(format!("unknown rarity `{}`; use COMMON, UNCOMMON, RARE, ANCIENT", row.rarity)))
        })?;
        let slot = EquipSlot::parse(&row.slot).ok_or_else(|| {
            let names: Vec<&str> = EquipSlot::ALL.iter().map(|s| s.code()).collect();
            at(line, "slot", def_err(format!("unknown slot `{}`; use {}", row.slot, names.join(", "))))
        })?;
        let two_handed = parse_bool(&row.two_handed).map_err(|e| at(line, "two_handed", e))?;
        let classes = list(&row.classes);
        for c in &classes {
            if !class_ids.contains(&c.as_str()) {
                return Err(at(
                    line,
                    "classes",
                    err(
                        ErrorCode::UnknownClass,
                        format!("unknown class `{c}`; this ruleset has {}", class_ids.join(", ")),
                    ),
                ));
            }
        }
        let min_scores = parse_min_scores(&row.min_scores).map_err(|e| at(line, "min_scores", e))?;
        let modifiers = parse_modifiers(&row.modifiers).map_err(|e| at(line, "modifiers", e))?;
        let dice = |cell: &str, header: &str| -> Result<Option<ItemDice>, DataError> {
            if cell.is_empty() {
                return Ok(None);
            }
            let d = DiceExpr::parse(cell).map_err(|e| at(line, header, e))?;
            if d.min() < 1 {
                return Err(at(line, header, def_err(format!("damage `{cell}` must deal at least 1"))));
            }
            Ok(Some(d.into()))
        };
        let weapon_cells = [&row.damage_dice, &row.damage_type, &row.properties, &row.versatile_dice];
        let weapon = if item_type == ItemType::Weapon || weapon_cells.iter().any(|c| !c.is_empty()) {
            let damage = dice(&row.damage_dice, "damage_dice")?;
            let versatile_damage = dice(&row.versatile_dice, "versatile_dice")?;
            let damage_type = match row.damage_type.as_str() {
                "" => None,
                t => Some(DamageType::parse(t).ok_or_else(|| {
                    at(line, "damage_type", def_err(format!("unknown damage type `{t}` (one of the 13 SRD types)")))
                })?),
            };
            let properties = WeaponProperties::parse(&row.properties).map_err(|e| at(line, "properties", e))?;
            Some(WeaponStats { damage, damage_type, versatile_damage, properties })
        } else {
            None
        };
        let stealth = parse_bool(&row.stealth_disadvantage).map_err(|e| at(line, "stealth_disadvantage", e))?;
        let armor_given = !row.armor_category.is_empty()
            || row.base_ac.is_some()
            || row.dex_cap.is_some()
            || row.str_min.is_some()
            || stealth;
        let armor = if armor_given {
            let category = ArmorCategory::parse(&row.armor_category).ok_or_else(|| {
                at(
                    line,
                    "armor_category",
                    def_err(format!("armor_category `{}`: use light, medium, heavy or shield", row.armor_category)),
                )
            })?;
            let base_ac = row.base_ac.ok_or_else(|| at(line, "base_ac", def_err("armor needs base_ac")))?;
            Some(ArmorStats {
                category,
                base_ac,
                dex_cap: row.dex_cap,
                str_min: row.str_min.unwrap_or(0),
                stealth_disadvantage: stealth,
            })
        } else {
            None
        };
        let effect = match row.effect.as_str() {
            "" => None,
            cell => {
                let eff = ConsumableEffect::parse(cell).map_err(|e| at(line, "effect", e))?;
                if let Some(id) = eff.buff() {
                    if !buff_ids.contains(&id) {
                        return Err(at(
                            line,
                            "effect",
                            err(ErrorCode::UnknownBuff, format!("`{cell}` names no buff in this ruleset's buffs.csv")),
                        ));
                    }
                }
                Some(eff)
            }
        };
        let magical = parse_bool(&row.magical).map_err(|e| at(line, "magical", e))?;
        let def = ItemDef {
            id: row.id,
            name: row.name,
            item_type,
            rarity,
            slot,
            two_handed,
            classes,
            min_scores,
            stack_limit: row.stack_limit,
            modifiers,
            weapon,
            armor,
            effect,
            magical,
            weight_lb: row.weight_lb,
            cost_cp: row.cost_cp,
        };
        def.check().map_err(|(header, e)| at(line, header, e))?;
        if defs.iter().any(|d| d.id == def.id) {
            return Err(at(line, "id", def_err(format!("duplicate item id `{}`", def.id))));
        }
        defs.push(def);
    }
    if defs.is_empty() {
        return Err(DataError::at(file, 1, 0, "E_INVALID_ITEM_DEF: no items defined"));
    }
    ItemCatalog::new(defs).map_err(|e| DataError::at(file, 0, 0, e.to_string()))
}
