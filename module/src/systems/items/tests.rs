//! Narrative tests of the items core: shipped data, the invariant, stacking, world items and
//! pickup order, the paper doll, equipment stats, belt consumables, stashes and runs. Every
//! scenario that changes state applies the planned ops to a [`Ledger`] and runs the invariant
//! checker afterwards.

use super::*;
use crate::data::column_of;
use crate::error::ErrorCode;
use crate::rules::{AbilityScores, DamageType, DiceLog, Scripted};
use crate::systems::buffs::modifiers::Stat;
use crate::systems::buffs::{parse_buffs, DND5E_BUFFS_CSV, DND5E_BUFFS_FILE, LITE_BUFFS_CSV, LITE_BUFFS_FILE};
use crate::systems::stats::{effective_stats, BaseStats};
use spacetimedb::Identity;

const DND5E_CLASSES: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/dnd5e/classes.csv"));
const LITE_CLASSES: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/lite/classes.csv"));

const HERO: u64 = 7;
const S: i64 = 1_000_000;
const T0: i64 = 1_767_225_600 * S;

fn owner() -> Identity {
    Identity::from_byte_array([7; 32])
}

/// First cell of every data row: the class ids, read straight from the file.
fn class_ids(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .skip(1)
        .map(|l| l.split(',').next().unwrap().trim().to_string())
        .collect()
}

fn load_dnd5e() -> Result<ItemCatalog, crate::data::DataError> {
    let classes = class_ids(DND5E_CLASSES);
    let buffs = parse_buffs(DND5E_BUFFS_FILE, DND5E_BUFFS_CSV).unwrap();
    let c: Vec<&str> = classes.iter().map(String::as_str).collect();
    let b: Vec<&str> = buffs.defs().iter().map(|d| d.id.as_str()).collect();
    parse_items(DND5E_ITEMS_FILE, DND5E_ITEMS_CSV, &c, &b)
}

fn cat() -> ItemCatalog {
    load_dnd5e().expect("shipped dnd5e items load")
}

fn fighter() -> Wearer<'static> {
    Wearer { class_id: "fighter", scores: AbilityScores::from_array([16, 14, 14, 10, 12, 8]) }
}

fn wizard() -> Wearer<'static> {
    Wearer { class_id: "wizard", scores: AbilityScores::from_array([8, 14, 14, 16, 12, 10]) }
}

fn master_place() -> Place {
    Place::MasterStash(owner())
}

fn stash_of(l: &Ledger, place: &Place, max_stacks: u32) -> Stash {
    Stash { place: place.clone(), items: l.in_place(place), currency_cp: 0, max_stacks }
}

fn loadout_of(l: &Ledger) -> Loadout {
    Loadout::from_rows(HERO, &l.as_rows())
}

fn assert_invariants(c: &ItemCatalog, l: &Ledger) {
    let v = check_invariants(c, &l.as_rows());
    assert!(v.is_empty(), "invariant violations: {v:?}");
}

fn code<T: std::fmt::Debug>(r: crate::error::WkResult<T>) -> ErrorCode {
    r.expect_err("expected an error").code
}

/// Where each uid is, for compact assertions.
fn where_is(l: &Ledger, uid: u64) -> Option<(Place, u32)> {
    l.get(uid).map(|(i, p)| (p.clone(), i.quantity))
}

fn slot(s: LoadoutSlot) -> Place {
    Place::loadout(HERO, s)
}

// ---------------------------------------------------------------- shipped data

#[test]
fn every_shipped_dnd5e_item_loads_with_every_srd_weapon_and_armor() {
    let c = cat();
    assert_eq!(c.len(), 92);
    let weapons: Vec<&ItemDef> =
        c.defs().iter().filter(|d| d.item_type == ItemType::Weapon && d.rarity == Rarity::Common).collect();
    assert_eq!(weapons.len(), 37, "14 simple + 23 martial SRD weapons");
    let w = |id: &str| c.get(id).unwrap().weapon.clone().unwrap();
    let dice = |s: &str| Some(ItemDice::from(crate::rules::DiceExpr::parse(s).unwrap()));

    let dagger = w("dagger");
    assert_eq!((dagger.damage, dagger.damage_type), (dice("1d4"), Some(DamageType::Piercing)));
    assert_eq!(dagger.properties.code(), "finesse;light;thrown:20/60");
    assert_eq!(c.get("dagger").unwrap().slot, EquipSlot::EitherHand);
    assert_eq!((c.get("dagger").unwrap().weight_lb, c.get("dagger").unwrap().cost_cp), (1.0, 200));
    assert_eq!(w("greatsword").damage, dice("2d6"));
    assert!(c.get("greatsword").unwrap().two_handed);
    assert_eq!(w("longsword").versatile_damage, dice("1d10"));
    assert_eq!(w("longbow").properties.code(), "heavy;ammunition:150/600;two_handed");
    assert_eq!(w("heavy_crossbow").properties.code(), "heavy;ammunition:100/400;loading;two_handed");
    assert_eq!(w("blowgun").damage, dice("1"));
    assert_eq!((w("net").damage, w("net").damage_type), (None, None));
    assert!(w("lance").properties.reach && w("lance").properties.special);
    assert_eq!(c.get("pike").unwrap().weight_lb, 18.0);
    assert_eq!(c.get("dart").unwrap().cost_cp, 5);

    let a = |id: &str| c.get(id).unwrap().armor.unwrap();
    let srd_armor = [
        ("padded", ArmorCategory::Light, 11, None, 0, true),
        ("leather", ArmorCategory::Light, 11, None, 0, false),
        ("studded_leather", ArmorCategory::Light, 12, None, 0, false),
        ("hide", ArmorCategory::Medium, 12, Some(2), 0, false),
        ("chain_shirt", ArmorCategory::Medium, 13, Some(2), 0, false),
        ("scale_mail", ArmorCategory::Medium, 14, Some(2), 0, true),
        ("breastplate", ArmorCategory::Medium, 14, Some(2), 0, false),
        ("half_plate", ArmorCategory::Medium, 15, Some(2), 0, true),
        ("ring_mail", ArmorCategory::Heavy, 14, Some(0), 0, true),
        ("chain_mail", ArmorCategory::Heavy, 16, Some(0), 13, true),
        ("splint", ArmorCategory::Heavy, 17, Some(0), 15, true),
        ("plate", ArmorCategory::Heavy, 18, Some(0), 15, true),
        ("shield", ArmorCategory::Shield, 2, None, 0, false),
    ];
    for (id, cat_, ac, cap, str_min, stealth) in srd_armor {
        let x = a(id);
        assert_eq!(
            (x.category, x.base_ac, x.dex_cap, x.str_min, x.stealth_disadvantage),
            (cat_, ac, cap, str_min, stealth),
            "{id}"
        );
    }
    assert_eq!(c.get("plate").unwrap().cost_cp, 150_000);

    let heal = |id: &str| c.get(id).unwrap().effect.clone().unwrap().code();
    assert_eq!(heal("potion_of_healing"), "heal:2d4+2");
    assert_eq!(heal("potion_of_greater_healing"), "heal:4d4+4");
    assert_eq!(heal("potion_of_superior_healing"), "heal:8d4+8");
    assert_eq!(heal("potion_of_supreme_healing"), "heal:10d4+20");
    assert_eq!(heal("potion_of_speed"), "buff:haste");

    // Equipment never stacks; materials stack to 99.
    for d in c.defs() {
        if !d.item_type.stacks() {
            assert_eq!(d.stack_limit, 1, "{}", d.id);
            assert!(!d.stackable());
        }
    }
    assert_eq!(c.get("arrow").unwrap().stack_limit, 99);
    assert!(c.get("aether_shard").unwrap().stackable());
    assert_eq!(c.get("amulet_of_health").unwrap().modifiers[0].to_string(), "con:upgrade:19");
}

#[test]
fn shipped_lite_items_load_against_lite_classes_and_buffs() {
    let classes = class_ids(LITE_CLASSES);
    let buffs = parse_buffs(LITE_BUFFS_FILE, LITE_BUFFS_CSV).unwrap();
    let c: Vec<&str> = classes.iter().map(String::as_str).collect();
    let b: Vec<&str> = buffs.defs().iter().map(|d| d.id.as_str()).collect();
    let cat = parse_items(LITE_ITEMS_FILE, LITE_ITEMS_CSV, &c, &b).unwrap();
    assert_eq!(cat.len(), 9);
    assert_eq!(cat.get("great_axe").unwrap().classes, vec!["warrior".to_string()]);
    // The dnd5e file does not load against lite classes: its restrictions name dnd5e classes.
    let e = parse_items(DND5E_ITEMS_FILE, DND5E_ITEMS_CSV, &c, &b).unwrap_err();
    assert!(e.message.starts_with("E_UNKNOWN_CLASS") || e.message.starts_with("E_UNKNOWN_BUFF"), "{e}");
}

#[test]
fn the_active_ruleset_items_load_through_load() {
    let c = load().expect("active ruleset items load");
    assert!(!c.is_empty());
}

const HEADER: &str = "id,name,type,rarity,slot,two_handed,versatile_dice,classes,min_scores,stack_limit,modifiers,damage_dice,damage_type,properties,armor_category,base_ac,dex_cap,str_min,stealth_disadvantage,effect,magical,weight_lb,cost_cp";
const GOOD_SWORD: &str = "longsword,Longsword,WEAPON,COMMON,main_hand,,1d10,,,1,,1d8,slashing,versatile,,,,,,,,3,1500";

fn parse_rows(rows: &[&str]) -> Result<ItemCatalog, crate::data::DataError> {
    let text = format!("# comment\n{HEADER}\n{}\n", rows.join("\n"));
    parse_items("t/items.csv", &text, &["fighter", "wizard"], &["haste"])
}

/// A bad cell: the error names line 4 (after comment, header and the good row), the column of
/// `header` and starts with `code`.
fn bad(row: &str, header: &str, code: &str) {
    let e = parse_rows(&[GOOD_SWORD, row]).expect_err(row);
    assert_eq!((e.file.as_str(), e.line, e.column), ("t/items.csv", 4, column_of(HEADER, header)), "{row}: {e}");
    assert!(e.message.starts_with(code), "{row}: {e}");
}

#[test]
fn data_errors_name_line_column_and_code() {
    assert_eq!(parse_rows(&[GOOD_SWORD]).unwrap().len(), 1);
    bad("x,X,GADGET,COMMON,main_hand,,,,,1,,1d8,slashing,,,,,,,,,3,1", "type", "E_INVALID_ITEM_DEF");
    bad("x,X,WEAPON,EPIC,main_hand,,,,,1,,1d8,slashing,,,,,,,,,3,1", "rarity", "E_INVALID_ITEM_DEF");
    bad("x,X,WEAPON,COMMON,head,,,,,1,,1d8,slashing,,,,,,,,,3,1", "slot", "E_INVALID_ITEM_DEF");
    bad("x,X,WEAPON,COMMON,body,,,,,1,,1d8,slashing,,,,,,,,,3,1", "slot", "E_INVALID_ITEM_DEF");
    bad("x,X,WEAPON,COMMON,main_hand,,,tinker,,1,,1d8,slashing,,,,,,,,,3,1", "classes", "E_UNKNOWN_CLASS");
    bad("x,X,WEAPON,COMMON,main_hand,,,,STR13,1,,1d8,slashing,,,,,,,,,3,1", "min_scores", "E_INVALID_ITEM_DEF");
    bad("x,X,WEAPON,COMMON,main_hand,,,,STR:31,1,,1d8,slashing,,,,,,,,,3,1", "min_scores", "E_INVALID_ITEM_DEF");
    bad("x,X,WEAPON,COMMON,main_hand,,,,,2,,1d8,slashing,,,,,,,,,3,1", "stack_limit", "E_INVALID_ITEM_DEF");
    bad("x,X,MATERIAL,COMMON,none,,,,,100,,,,,,,,,,,,3,1", "stack_limit", "E_INVALID_ITEM_DEF");
    bad("x,X,WEAPON,COMMON,main_hand,,,,,1,luck:add:1,1d8,slashing,,,,,,,,,3,1", "modifiers", "E_UNKNOWN_MODIFIER_KEY");
    bad(
        "x,X,WEAPON,COMMON,main_hand,,,,,1,attack_bonus:add:50,1d8,slashing,,,,,,,,,3,1",
        "modifiers",
        "E_MODIFIER_VALUE_OUT_OF_RANGE",
    );
    bad("x,X,WEAPON,COMMON,main_hand,,,,,1,,2x6,slashing,,,,,,,,,3,1", "damage_dice", "E_INVALID_DICE");
    bad("x,X,WEAPON,COMMON,main_hand,,,,,1,,1d8,laser,,,,,,,,,3,1", "damage_type", "E_INVALID_ITEM_DEF");
    bad("x,X,WEAPON,COMMON,main_hand,,,,,1,,1d8,slashing,thrown,,,,,,,,3,1", "properties", "E_INVALID_ITEM_DEF");
    bad("x,X,WEAPON,COMMON,main_hand,,,,,1,,1d8,slashing,thrown:60/20,,,,,,,,3,1", "properties", "E_INVALID_ITEM_DEF");
    bad("x,X,WEAPON,COMMON,main_hand,,,,,1,,1d8,slashing,light;heavy,,,,,,,,3,1", "properties", "E_INVALID_ITEM_DEF");
    bad("x,X,WEAPON,COMMON,main_hand,,,,,1,,1d8,slashing,versatile,,,,,,,,3,1", "versatile_dice", "E_INVALID_ITEM_DEF");
    bad("x,X,WEAPON,COMMON,main_hand,true,,,,1,,1d8,slashing,,,,,,,,,3,1", "two_handed", "E_INVALID_ITEM_DEF");
    bad("x,X,WEAPON,COMMON,either_hand,,,,,1,,1d8,slashing,,,,,,,,,3,1", "slot", "E_INVALID_ITEM_DEF");
    bad("x,X,WEAPON,COMMON,main_hand,,,,,1,,,,,,,,,,,,3,1", "damage_dice", "E_INVALID_ITEM_DEF");
    bad("x,X,ARMOR,COMMON,off_hand,,,,,1,,,,,shield,3,,,,,,6,1", "base_ac", "E_INVALID_ITEM_DEF");
    bad("x,X,ARMOR,COMMON,body,,,,,1,,,,,heavy,16,2,,,,,6,1", "dex_cap", "E_INVALID_ITEM_DEF");
    bad("x,X,ARMOR,COMMON,body,,,,,1,,,,,,,,,,,,6,1", "armor_category", "E_INVALID_ITEM_DEF");
    bad("x,X,CONSUMABLE,COMMON,belt,,,,,10,,,,,,,,,,buff:bless,,0.5,1", "effect", "E_UNKNOWN_BUFF");
    bad("x,X,CONSUMABLE,COMMON,belt,,,,,10,,,,,,,,,,heal:1d4-3,,0.5,1", "effect", "E_INVALID_ITEM_DEF");
    bad("x,X,CONSUMABLE,COMMON,belt,,,,,10,,,,,,,,,,,,0.5,1", "effect", "E_INVALID_ITEM_DEF");
    bad("x,X,MATERIAL,COMMON,none,,,,,99,,,,,,,,,,heal:1d4,,0.5,1", "effect", "E_INVALID_ITEM_DEF");
    bad("x,X,MATERIAL,COMMON,none,,,,,99,,,,,,,,,,,maybe,0.5,1", "magical", "E_INVALID_ITEM_DEF");
    bad("x,X,MATERIAL,COMMON,none,,,,,99,,,,,,,,,,,,-1,1", "weight_lb", "E_INVALID_ITEM_DEF");
    bad("x,X,MATERIAL,COMMON,none,,,,,99,,,,,,,,,,,,NaN,1", "weight_lb", "E_INVALID_ITEM_DEF");
    bad("longsword,Again,MATERIAL,COMMON,none,,,,,99,,,,,,,,,,,,1,1", "id", "E_INVALID_ITEM_DEF");
    bad("Bad Id,X,MATERIAL,COMMON,none,,,,,99,,,,,,,,,,,,1,1", "id", "E_INVALID_ITEM_DEF");
    // A buff consumable that exists is fine.
    let ok = "speedy,Speedy,CONSUMABLE,RARE,belt,,,,,10,,,,,,,,,,buff:haste,true,0.5,1";
    assert_eq!(
        parse_rows(&[GOOD_SWORD, ok]).unwrap().get("speedy").unwrap().effect,
        Some(ConsumableEffect::Buff("haste".into()))
    );
    // A wrong cell type is reported by the CSV layer with its column.
    let e = parse_rows(&[GOOD_SWORD, "x,X,MATERIAL,COMMON,none,,,,,lots,,,,,,,,,,,,1,1"]).unwrap_err();
    assert_eq!((e.line, e.column), (4, column_of(HEADER, "stack_limit")));
}

// ---------------------------------------------------------------- the invariant

#[test]
fn the_invariant_checker_catches_duplicates_zero_quantity_and_slot_conflicts() {
    let c = cat();
    let mut l = Ledger::new(1);
    let sword = l.insert("longsword", 1, master_place());
    let potion = l.insert("potion_of_healing", 3, Place::RunStash(HERO));
    assert_invariants(&c, &l);

    // The same instance in two places at once.
    let mut rows = l.as_rows();
    rows.push((ItemInstance::new(sword, "longsword", 1), slot(LoadoutSlot::MainHand)));
    assert_eq!(
        check_invariants(&c, &rows),
        vec![Violation::Duplicated { uid: sword, places: vec![master_place(), slot(LoadoutSlot::MainHand)] }]
    );

    // Quantity 0 never persists; over the limit; equipment with quantity 2.
    let mut rows = l.as_rows();
    rows[1].0.quantity = 0;
    assert_eq!(check_invariants(&c, &rows), vec![Violation::ZeroQuantity { uid: potion }]);
    rows[1].0.quantity = 11;
    assert_eq!(check_invariants(&c, &rows), vec![Violation::OverStackLimit { uid: potion, quantity: 11, limit: 10 }]);
    rows[1].0.quantity = 3;
    rows[0].0.quantity = 2;
    assert_eq!(check_invariants(&c, &rows), vec![Violation::OverStackLimit { uid: sword, quantity: 2, limit: 1 }]);

    // Loadout rules: wrong slot, two in one slot, a two-hander with an off-hand item, bad
    // ground position, unknown definition.
    let rows = vec![
        (ItemInstance::new(1, "plate", 1), slot(LoadoutSlot::MainHand)),
        (ItemInstance::new(2, "dagger", 1), slot(LoadoutSlot::MainHand)),
        (ItemInstance::new(3, "greatsword", 1), Place::loadout(9, LoadoutSlot::MainHand)),
        (ItemInstance::new(4, "shield", 1), Place::loadout(9, LoadoutSlot::OffHand)),
        (ItemInstance::new(5, "dagger", 1), Place::Ground(GroundSpot { location_id: "a".into(), x: f64::NAN, y: 1.0 })),
        (ItemInstance::new(6, "mystery", 1), master_place()),
    ];
    assert_eq!(
        check_invariants(&c, &rows),
        vec![
            Violation::WrongSlot { uid: 1, slot: LoadoutSlot::MainHand },
            Violation::BadPosition { uid: 5 },
            Violation::UnknownDef { uid: 6, def_id: "mystery".into() },
            Violation::SlotConflict { character_id: HERO, slot: LoadoutSlot::MainHand, uids: vec![1, 2] },
            Violation::TwoHandedConflict { character_id: 9 },
        ]
    );
}

// ---------------------------------------------------------------- stacking

#[test]
fn adding_merges_into_the_lowest_uid_stacks_first_then_moves_the_rest_in_keeping_its_uid() {
    let c = cat();
    let mut l = Ledger::new(1);
    let a = l.insert("potion_of_healing", 10, master_place()); // full
    let b = l.insert("potion_of_healing", 8, master_place());
    let d = l.insert("potion_of_healing", 9, master_place());
    let incoming = l.insert("potion_of_healing", 6, Place::RunStash(HERO));
    let stash = stash_of(&l, &master_place(), 100);
    let inc = l.get(incoming).unwrap().0.clone();
    let plan = plan_add(&c, &stash, &inc, AddMode::AllOrNothing).unwrap();
    assert_eq!(plan.merged, vec![(b, 2), (d, 1)]);
    assert_eq!((plan.added, plan.left), (6, 0));
    l.apply(&plan.ops).unwrap();
    assert_eq!(where_is(&l, a), Some((master_place(), 10)));
    assert_eq!(where_is(&l, b), Some((master_place(), 10)));
    assert_eq!(where_is(&l, d), Some((master_place(), 10)));
    assert_eq!(where_is(&l, incoming), Some((master_place(), 3)), "the remainder keeps its uid");
    assert_invariants(&c, &l);

    // Fully merged: the incoming instance is deleted (quantity 0 never persists).
    let one = l.insert("potion_of_healing", 7, Place::RunStash(HERO));
    let stash = stash_of(&l, &master_place(), 100);
    let plan = plan_add(&c, &stash, &l.get(one).unwrap().0.clone(), AddMode::AllOrNothing).unwrap();
    assert_eq!(plan.merged, vec![(incoming, 7)]);
    l.apply(&plan.ops).unwrap();
    assert_eq!(l.get(one), None);
    assert_eq!(where_is(&l, incoming), Some((master_place(), 10)));

    // Equipment never stacks: two swords stay two instances.
    let s1 = l.insert("longsword", 1, master_place());
    let s2 = l.insert("longsword", 1, Place::RunStash(HERO));
    let stash = stash_of(&l, &master_place(), 100);
    let plan = plan_add(&c, &stash, &l.get(s2).unwrap().0.clone(), AddMode::AllOrNothing).unwrap();
    assert_eq!(plan.ops, vec![ItemOp::Move { uid: s2, to: master_place() }]);
    l.apply(&plan.ops).unwrap();
    assert_eq!((where_is(&l, s1), where_is(&l, s2)), (Some((master_place(), 1)), Some((master_place(), 1))));
    assert_invariants(&c, &l);
}

#[test]
fn a_full_stash_refuses_all_or_nothing_and_splits_in_partial_mode() {
    let c = cat();
    let mut l = Ledger::new(1);
    l.insert("arrow", 90, master_place());
    let inc = l.insert("arrow", 30, Place::RunStash(HERO));
    let stash = stash_of(&l, &master_place(), 1);
    let item = l.get(inc).unwrap().0.clone();
    assert_eq!(code(plan_add(&c, &stash, &item, AddMode::AllOrNothing)), ErrorCode::ContainerFull);
    let plan = plan_add(&c, &stash, &item, AddMode::Partial).unwrap();
    assert_eq!((plan.added, plan.left), (9, 21));
    l.apply(&plan.ops).unwrap();
    assert_eq!(where_is(&l, inc), Some((Place::RunStash(HERO), 21)), "the rest stays where it was");
    assert_invariants(&c, &l);
    // Quantity rules on the incoming instance.
    assert_eq!(
        code(plan_add(&c, &stash, &ItemInstance::new(99, "arrow", 0), AddMode::Partial)),
        ErrorCode::InvalidQuantity
    );
    assert_eq!(
        code(plan_add(&c, &stash, &ItemInstance::new(99, "arrow", 100), AddMode::Partial)),
        ErrorCode::InvalidQuantity
    );
    assert_eq!(
        code(plan_add(&c, &stash, &ItemInstance::new(99, "nope", 1), AddMode::Partial)),
        ErrorCode::UnknownItemDef
    );
}

#[test]
fn split_and_merge_stacks_with_their_codes() {
    let c = cat();
    let mut l = Ledger::new(1);
    let arrows = l.insert("arrow", 50, master_place());
    let sword = l.insert("longsword", 1, master_place());
    let potions = l.insert("potion_of_healing", 9, master_place());
    let stash = stash_of(&l, &master_place(), 100);

    let ops = split_stack(&c, &stash, arrows, 20).unwrap();
    let created = l.apply(&ops).unwrap();
    assert_eq!(where_is(&l, arrows), Some((master_place(), 30)));
    assert_eq!(where_is(&l, created[0]), Some((master_place(), 20)));
    assert_invariants(&c, &l);
    assert_eq!(code(split_stack(&c, &stash, arrows, 0)), ErrorCode::InvalidQuantity);
    assert_eq!(code(split_stack(&c, &stash, arrows, 50)), ErrorCode::InvalidQuantity);
    assert_eq!(code(split_stack(&c, &stash, sword, 1)), ErrorCode::NotStackable);
    assert_eq!(code(split_stack(&c, &stash, 999, 1)), ErrorCode::ItemNotHere);
    let full = Stash { max_stacks: 3, ..stash.clone() };
    assert_eq!(code(split_stack(&c, &full, arrows, 1)), ErrorCode::ContainerFull);

    let stash = stash_of(&l, &master_place(), 100);
    let new_stack = created[0];
    assert_eq!(code(merge_stacks(&c, &stash, new_stack, arrows, 0)), ErrorCode::InvalidQuantity);
    assert_eq!(code(merge_stacks(&c, &stash, new_stack, arrows, 21)), ErrorCode::InvalidQuantity);
    assert_eq!(code(merge_stacks(&c, &stash, new_stack, potions, 1)), ErrorCode::DifferentItemDefs);
    assert_eq!(code(merge_stacks(&c, &stash, arrows, arrows, 1)), ErrorCode::InvalidArgument);
    let sword2 = l.insert("longsword", 1, master_place());
    let stash = stash_of(&l, &master_place(), 100);
    assert_eq!(code(merge_stacks(&c, &stash, sword, sword2, 1)), ErrorCode::NotStackable);
    // Part, then the rest (the emptied stack is deleted).
    let ops = merge_stacks(&c, &stash, new_stack, arrows, 5).unwrap();
    l.apply(&ops).unwrap();
    assert_eq!((where_is(&l, arrows).unwrap().1, where_is(&l, new_stack).unwrap().1), (35, 15));
    let stash = stash_of(&l, &master_place(), 100);
    l.apply(&merge_stacks(&c, &stash, new_stack, arrows, 15).unwrap()).unwrap();
    assert_eq!((where_is(&l, arrows).unwrap().1, l.get(new_stack)), (50, None));
    // Over the limit.
    let more = l.insert("arrow", 60, master_place());
    let stash = stash_of(&l, &master_place(), 100);
    assert_eq!(code(merge_stacks(&c, &stash, more, arrows, 50)), ErrorCode::StackLimit);
    assert_invariants(&c, &l);
}

// ---------------------------------------------------------------- world items

fn spawn_req(def: &str, q: u32, x: f64, y: f64, r: f64, ttl: i64) -> SpawnRequest {
    SpawnRequest {
        def_id: def.into(),
        quantity: q,
        location_id: "crypt".into(),
        x,
        y,
        contact_radius_ft: r,
        ttl_micros: ttl,
    }
}

#[test]
fn spawns_are_validated_with_a_code_for_each_bad_input() {
    let c = cat();
    let ok = plan_spawn(&c, &spawn_req("potion_of_healing", 3, 10.0, 20.0, 2.5, 60 * S), T0).unwrap();
    assert_eq!(ok.expires_at_micros, T0 + 60 * S);
    assert_eq!(ok.contact_radius_ft, 2.5);
    assert!(matches!(ok.create, ItemOp::Create { ref def_id, quantity: 3, .. } if def_id == "potion_of_healing"));
    let cases: Vec<(SpawnRequest, ErrorCode)> = vec![
        (spawn_req("nope", 1, 1.0, 1.0, 1.0, S), ErrorCode::UnknownItemDef),
        (spawn_req("arrow", 0, 1.0, 1.0, 1.0, S), ErrorCode::InvalidQuantity),
        (spawn_req("arrow", 100, 1.0, 1.0, 1.0, S), ErrorCode::InvalidQuantity),
        (spawn_req("longsword", 2, 1.0, 1.0, 1.0, S), ErrorCode::InvalidQuantity),
        (
            SpawnRequest { location_id: " ".into(), ..spawn_req("arrow", 1, 1.0, 1.0, 1.0, S) },
            ErrorCode::UnknownLocation,
        ),
        (spawn_req("arrow", 1, f64::NAN, 1.0, 1.0, S), ErrorCode::InvalidPosition),
        (spawn_req("arrow", 1, 1.0, f64::INFINITY, 1.0, S), ErrorCode::InvalidPosition),
        (spawn_req("arrow", 1, -0.5, 1.0, 1.0, S), ErrorCode::InvalidPosition),
        (spawn_req("arrow", 1, 1.0, 10_000.5, 1.0, S), ErrorCode::InvalidPosition),
        (spawn_req("arrow", 1, 1.0, 1.0, f64::NAN, S), ErrorCode::InvalidRadius),
        (spawn_req("arrow", 1, 1.0, 1.0, f64::INFINITY, S), ErrorCode::InvalidRadius),
        (spawn_req("arrow", 1, 1.0, 1.0, 0.0, S), ErrorCode::InvalidRadius),
        (spawn_req("arrow", 1, 1.0, 1.0, -1.0, S), ErrorCode::InvalidRadius),
        (spawn_req("arrow", 1, 1.0, 1.0, 100.5, S), ErrorCode::InvalidRadius),
        (spawn_req("arrow", 1, 1.0, 1.0, 1.0, 0), ErrorCode::InvalidTtl),
        (spawn_req("arrow", 1, 1.0, 1.0, 1.0, -S), ErrorCode::InvalidTtl),
        (spawn_req("arrow", 1, 1.0, 1.0, 1.0, MAX_TTL_MICROS + 1), ErrorCode::InvalidTtl),
    ];
    for (req, want) in cases {
        assert_eq!(code(plan_spawn(&c, &req, T0)), want, "{req:?}");
    }
    // The edges are valid.
    plan_spawn(&c, &spawn_req("arrow", 99, 0.0, 10_000.0, 100.0, MAX_TTL_MICROS), T0).unwrap();
}

/// Spawn into the ledger and keep the world-item facts beside it, as the tables would.
struct World {
    ledger: Ledger,
    items: Vec<WorldItem>,
}

impl World {
    fn new() -> Self {
        World { ledger: Ledger::new(100), items: Vec::new() }
    }

    fn spawn(&mut self, c: &ItemCatalog, req: SpawnRequest, now: i64) -> u64 {
        let plan = plan_spawn(c, &req, now).unwrap();
        let uid = self.ledger.apply(std::slice::from_ref(&plan.create)).unwrap()[0];
        let (inst, place) = self.ledger.get(uid).unwrap().clone();
        let Place::Ground(spot) = place else { unreachable!() };
        self.items.push(WorldItem {
            instance: inst,
            spot,
            contact_radius_ft: plan.contact_radius_ft,
            spawned_at_micros: now,
            expires_at_micros: plan.expires_at_micros,
        });
        uid
    }

    /// The ground items as the tables would return them now.
    fn ground(&self) -> Vec<WorldItem> {
        self.items
            .iter()
            .filter_map(|w| match self.ledger.get(w.instance.uid) {
                Some((i, Place::Ground(_))) => Some(WorldItem { instance: i.clone(), ..w.clone() }),
                _ => None,
            })
            .collect()
    }

    fn pick_up(&mut self, c: &ItemCatalog, who: &Whereabouts, now: i64, reverse_rows: bool) -> Vec<Pickup> {
        let mut ground = self.ground();
        if reverse_rows {
            ground.reverse();
        }
        let stash = stash_of(&self.ledger, &Place::RunStash(who.character_id), RUN_STASH_MAX_STACKS);
        let plan = plan_pickup(c, who, &ground, &stash, now).unwrap();
        self.ledger.apply(&plan.ops).unwrap();
        assert_invariants(c, &self.ledger);
        plan.pickups
    }
}

fn at(x: f64, y: f64) -> Whereabouts {
    Whereabouts { character_id: HERO, location_id: "crypt".into(), x, y }
}

#[test]
fn pickup_takes_every_item_in_contact_in_distance_then_uid_order_and_merges_stacks() {
    let c = cat();
    let mut w = World::new();
    // Already in the bag: 9 potions (limit 10) and 95 arrows (limit 99).
    let bag_potions = w.ledger.insert("potion_of_healing", 9, Place::RunStash(HERO));
    let bag_arrows = w.ledger.insert("arrow", 95, Place::RunStash(HERO));
    let potions = w.spawn(&c, spawn_req("potion_of_healing", 3, 103.0, 104.0, 5.0, 60 * S), T0); // distance 5 = radius
    let dagger = w.spawn(&c, spawn_req("dagger", 1, 100.0, 101.0, 2.0, 60 * S), T0); // distance 1
    let arrows = w.spawn(&c, spawn_req("arrow", 40, 101.0, 100.0, 2.0, 60 * S), T0); // distance 1, higher uid
    let far = w.spawn(&c, spawn_req("longsword", 1, 110.0, 100.0, 5.0, 60 * S), T0); // distance 10 > 5
    let elsewhere = w.spawn(
        &c,
        SpawnRequest { location_id: "tower".into(), ..spawn_req("gold_ingot", 5, 100.0, 100.0, 50.0, 60 * S) },
        T0,
    );
    let expired = w.spawn(&c, spawn_req("aether_shard", 1, 100.0, 100.0, 3.0, 10 * S), T0);

    let picked = w.pick_up(&c, &at(100.0, 100.0), T0 + 10 * S, false);
    let order: Vec<u64> = picked.iter().map(|p| p.uid).collect();
    assert_eq!(order, vec![dagger, arrows, potions], "distance first, then uid");
    let q = |p: &Pickup| (p.taken, p.left, p.merged.clone());
    assert_eq!(q(&picked[0]), (1, 0, vec![]));
    assert_eq!(q(&picked[1]), (40, 0, vec![(bag_arrows, 4)]));
    assert_eq!(q(&picked[2]), (3, 0, vec![(bag_potions, 1)]));
    let bag = Place::RunStash(HERO);
    assert_eq!(where_is(&w.ledger, bag_arrows), Some((bag.clone(), 99)));
    assert_eq!(where_is(&w.ledger, arrows), Some((bag.clone(), 36)), "the new stack keeps the world item's uid");
    assert_eq!(where_is(&w.ledger, bag_potions), Some((bag.clone(), 10)));
    assert_eq!(where_is(&w.ledger, potions), Some((bag.clone(), 2)));
    assert_eq!(where_is(&w.ledger, dagger), Some((bag.clone(), 1)));
    // Out of reach, in another location, expired: still on the ground.
    for uid in [far, elsewhere, expired] {
        assert!(matches!(where_is(&w.ledger, uid), Some((Place::Ground(_), _))), "{uid}");
    }
    // Nothing more in reach here.
    assert!(w.pick_up(&c, &at(100.0, 100.0), T0 + 10 * S, false).is_empty());
    let stash = stash_of(&w.ledger, &bag, RUN_STASH_MAX_STACKS);
    let empty = plan_pickup(&c, &at(100.0, 100.0), &w.ground(), &stash, T0 + 10 * S).unwrap();
    assert_eq!(code(empty.require_any()), ErrorCode::NothingInReach);
    // A character in the tower can never take a crypt item, and vice versa.
    let tower = Whereabouts { location_id: "tower".into(), ..at(110.0, 100.0) };
    let got = w.pick_up(&c, &tower, T0 + 10 * S, false);
    assert_eq!(got.iter().map(|p| p.uid).collect::<Vec<_>>(), vec![elsewhere]);
    assert!(matches!(where_is(&w.ledger, far), Some((Place::Ground(_), _))));
    // A bad character position is refused.
    assert_eq!(code(plan_pickup(&c, &at(f64::NAN, 1.0), &w.ground(), &stash, T0)), ErrorCode::InvalidPosition);
}

#[test]
fn contact_is_exact_at_the_edge_despite_float_rounding() {
    // 1.1 - 1.0 is 0.10000000000000009 in f64: a float test would call this out of reach.
    let item = WorldItem {
        instance: ItemInstance::new(1, "arrow", 1),
        spot: GroundSpot { location_id: "a".into(), x: 1.0, y: 5.0 },
        contact_radius_ft: 0.1,
        spawned_at_micros: 0,
        expires_at_micros: i64::MAX,
    };
    assert!(1.1 - item.spot.x > item.contact_radius_ft, "a float comparison would miss");
    assert!(in_contact(&item, "a", 1.1, 5.0));
    assert!(!in_contact(&item, "a", 1.102, 5.0));
    assert!(!in_contact(&item, "b", 1.0, 5.0));
}

#[test]
fn a_full_bag_leaves_the_rest_on_the_ground() {
    let c = cat();
    let mut w = World::new();
    let bag_potions = w.ledger.insert("potion_of_healing", 8, Place::RunStash(HERO));
    let potions = w.spawn(&c, spawn_req("potion_of_healing", 5, 1.0, 1.0, 3.0, 60 * S), T0);
    let dagger = w.spawn(&c, spawn_req("dagger", 1, 1.0, 2.0, 3.0, 60 * S), T0);
    let stash = Stash { max_stacks: 1, ..stash_of(&w.ledger, &Place::RunStash(HERO), 1) };
    let plan = plan_pickup(&c, &at(1.0, 1.0), &w.ground(), &stash, T0).unwrap();
    let summary: Vec<(u64, u32, u32)> = plan.pickups.iter().map(|p| (p.uid, p.taken, p.left)).collect();
    assert_eq!(summary, vec![(potions, 2, 3), (dagger, 0, 1)]);
    w.ledger.apply(&plan.ops).unwrap();
    assert_eq!(where_is(&w.ledger, bag_potions).unwrap().1, 10);
    assert!(matches!(where_is(&w.ledger, potions), Some((Place::Ground(_), 3))));
    assert!(matches!(where_is(&w.ledger, dagger), Some((Place::Ground(_), 1))));
    assert_invariants(&c, &w.ledger);
}

/// The same spawn schedule and moves, replayed: identical pickup order and final state, also
/// when the tables hand the rows back in another order.
fn determinism_run(reverse_rows: bool) -> (Vec<Vec<Pickup>>, Ledger) {
    let c = cat();
    let mut w = World::new();
    let schedule: [(i64, &str, u32, f64, f64, f64); 8] = [
        (0, "arrow", 30, 10.0, 10.0, 3.0),
        (0, "arrow", 80, 11.0, 10.0, 3.0),
        (1, "potion_of_healing", 4, 10.0, 11.0, 2.0),
        (1, "dagger", 1, 12.0, 12.0, 2.0),
        (2, "potion_of_healing", 9, 20.0, 20.0, 4.0),
        (2, "arrow", 50, 20.0, 21.0, 4.0),
        (3, "aether_shard", 2, 20.2, 20.5, 1.0),
        (3, "longsword", 1, 40.0, 40.0, 1.0),
    ];
    let path = [(1, 10.5, 10.5), (2, 11.0, 11.0), (4, 20.0, 20.5), (5, 39.5, 40.0)];
    let mut log = Vec::new();
    let mut spawned = 0;
    for (t, x, y) in path {
        while spawned < schedule.len() && schedule[spawned].0 <= t {
            let (ts, def, q, sx, sy, r) = schedule[spawned];
            w.spawn(&c, spawn_req(def, q, sx, sy, r, 60 * S), T0 + ts * S);
            spawned += 1;
        }
        log.push(w.pick_up(&c, &at(x, y), T0 + t * S, reverse_rows));
    }
    (log, w.ledger)
}

#[test]
fn pickup_is_deterministic_across_runs_and_row_orders() {
    let (a_log, a_state) = determinism_run(false);
    let (b_log, b_state) = determinism_run(false);
    let (c_log, c_state) = determinism_run(true);
    assert_eq!(a_log, b_log);
    assert_eq!(a_state, b_state);
    assert_eq!(a_log, c_log);
    assert_eq!(a_state, c_state);
    // And the story itself: uids 100.. in spawn order.
    let order: Vec<Vec<u64>> = a_log.iter().map(|step| step.iter().map(|p| p.uid).collect()).collect();
    assert_eq!(order, vec![vec![100, 101, 102], vec![103], vec![106, 104, 105], vec![107]]);
    let bag = Place::RunStash(HERO);
    let bag_items: Vec<(u64, String, u32)> =
        a_state.in_place(&bag).into_iter().map(|i| (i.uid, i.def_id, i.quantity)).collect();
    assert_eq!(
        bag_items,
        vec![
            (100, "arrow".to_string(), 99),
            (101, "arrow".to_string(), 61),
            (102, "potion_of_healing".to_string(), 10),
            (103, "dagger".to_string(), 1),
            (104, "potion_of_healing".to_string(), 3),
            (106, "aether_shard".to_string(), 2),
            (107, "longsword".to_string(), 1),
        ]
    );
}

#[test]
fn despawn_is_idempotent() {
    let w = WorldItem {
        instance: ItemInstance::new(5, "arrow", 3),
        spot: GroundSpot { location_id: "a".into(), x: 1.0, y: 1.0 },
        contact_radius_ft: 1.0,
        spawned_at_micros: T0,
        expires_at_micros: T0 + 60 * S,
    };
    assert_eq!(plan_despawn(Some(&w), T0 + 59 * S), Despawn::NotYet { expires_at_micros: T0 + 60 * S });
    assert_eq!(plan_despawn(Some(&w), T0 + 60 * S), Despawn::Delete(ItemOp::Delete { uid: 5 }));
    assert_eq!(plan_despawn(None, T0 + 61 * S), Despawn::Gone, "picked up or already despawned");
    let other = WorldItem { instance: ItemInstance::new(2, "arrow", 1), expires_at_micros: T0, ..w.clone() };
    assert_eq!(expired(&[w, other], T0 + 60 * S), vec![2, 5]);
}

// ---------------------------------------------------------------- the paper doll

/// A hero with a master stash of gear (uids 1..), empty loadout, not on a run.
fn armory(items: &[(&str, u32)]) -> (ItemCatalog, Ledger, Vec<u64>) {
    let c = cat();
    let mut l = Ledger::new(1);
    let uids = items.iter().map(|(d, q)| l.insert(d, *q, master_place())).collect();
    (c, l, uids)
}

fn do_equip(
    c: &ItemCatalog,
    l: &mut Ledger,
    uid: u64,
    s: LoadoutSlot,
    w: &Wearer,
) -> crate::error::WkResult<LoadoutChange> {
    let change = equip(c, &loadout_of(l), &stash_of(l, &master_place(), 100), uid, s, w)?;
    l.apply(&change.ops).unwrap();
    assert_invariants(c, l);
    Ok(change)
}

#[test]
fn class_restrictions_and_minimum_scores_have_their_own_codes() {
    // Inventory spec CoA 1: a class-locked item cannot be equipped by another class.
    let (c, mut l, u) = armory(&[("staff_of_power", 1), ("vanguard_blade", 1), ("holy_avenger", 1)]);
    let before = l.clone();
    assert_eq!(code(do_equip(&c, &mut l, u[0], LoadoutSlot::MainHand, &fighter())), ErrorCode::ClassRestricted);
    assert_eq!(code(do_equip(&c, &mut l, u[1], LoadoutSlot::MainHand, &wizard())), ErrorCode::ClassRestricted);
    assert_eq!(code(do_equip(&c, &mut l, u[2], LoadoutSlot::MainHand, &fighter())), ErrorCode::ClassRestricted);
    let weak = Wearer { class_id: "fighter", scores: AbilityScores::from_array([14, 14, 14, 10, 12, 8]) };
    assert_eq!(code(do_equip(&c, &mut l, u[1], LoadoutSlot::MainHand, &weak)), ErrorCode::AbilityTooLow);
    assert_eq!(l, before, "nothing changed");
    // The same answers are available without planning (to dim items in a UI).
    let staff = l.get(u[0]).unwrap().0.clone();
    assert_eq!(code(can_equip(&c, &staff, LoadoutSlot::MainHand, &fighter())), ErrorCode::ClassRestricted);
    assert!(can_equip(&c, &staff, LoadoutSlot::MainHand, &wizard()).is_ok());
    // The right class with the scores: fine.
    do_equip(&c, &mut l, u[0], LoadoutSlot::MainHand, &wizard()).unwrap();
    assert_eq!(where_is(&l, u[0]), Some((slot(LoadoutSlot::MainHand), 1)));
}

#[test]
fn slots_accept_only_what_fits() {
    let (c, mut l, u) = armory(&[
        ("plate", 1),
        ("potion_of_healing", 3),
        ("arrow", 10),
        ("longsword", 1),
        ("dagger", 1),
        ("ring_of_protection", 1),
    ]);
    let f = fighter();
    let before = l.clone();
    for (uid, s) in [
        (u[0], LoadoutSlot::MainHand),
        (u[1], LoadoutSlot::Body),
        (u[2], LoadoutSlot::Belt1),
        (u[2], LoadoutSlot::MainHand),
        (u[3], LoadoutSlot::OffHand),
        (u[3], LoadoutSlot::Belt2),
        (u[5], LoadoutSlot::Body),
    ] {
        assert_eq!(code(do_equip(&c, &mut l, uid, s, &f)), ErrorCode::SlotIncompatible, "{uid} -> {s:?}");
    }
    assert_eq!(l, before);
    assert_eq!(code(do_equip(&c, &mut l, 999, LoadoutSlot::MainHand, &f)), ErrorCode::ItemNotHere);
    for (uid, s) in [
        (u[0], LoadoutSlot::Body),
        (u[1], LoadoutSlot::Belt2),
        (u[3], LoadoutSlot::MainHand),
        (u[4], LoadoutSlot::OffHand),
        (u[5], LoadoutSlot::Accessory),
    ] {
        do_equip(&c, &mut l, uid, s, &f).unwrap();
        assert_eq!(where_is(&l, uid).unwrap().0, slot(s));
    }
    // Equipping into the slot it is already in changes nothing.
    assert!(do_equip(&c, &mut l, u[0], LoadoutSlot::Body, &f).unwrap().is_empty());
}

#[test]
fn two_handed_weapons_and_the_off_hand_push_each_other_to_the_stash() {
    let (c, mut l, u) = armory(&[("longsword", 1), ("shield", 1), ("greatsword", 1)]);
    let (sword, shield, great) = (u[0], u[1], u[2]);
    let f = fighter();
    do_equip(&c, &mut l, sword, LoadoutSlot::MainHand, &f).unwrap();
    do_equip(&c, &mut l, shield, LoadoutSlot::OffHand, &f).unwrap();
    // The two-hander takes the main hand; the sword (occupant) and the shield go to the stash.
    let ch = do_equip(&c, &mut l, great, LoadoutSlot::MainHand, &f).unwrap();
    assert_eq!(ch.to_stash, vec![sword, shield]);
    assert_eq!(where_is(&l, great).unwrap().0, slot(LoadoutSlot::MainHand));
    assert_eq!(where_is(&l, sword).unwrap().0, master_place());
    assert_eq!(where_is(&l, shield).unwrap().0, master_place());
    // Taking up the shield again sends the two-hander to the stash.
    let ch = do_equip(&c, &mut l, shield, LoadoutSlot::OffHand, &f).unwrap();
    assert_eq!(ch.to_stash, vec![great]);
    assert_eq!(where_is(&l, great).unwrap().0, master_place());
    assert_eq!(where_is(&l, shield).unwrap().0, slot(LoadoutSlot::OffHand));
    assert_eq!(loadout_of(&l).get(LoadoutSlot::MainHand), None);
}

#[test]
fn a_filled_slot_swaps_with_another_slot_or_goes_to_the_stash() {
    let (c, mut l, u) = armory(&[("dagger", 1), ("shortsword", 1), ("longsword", 1)]);
    let (dagger, short, long) = (u[0], u[1], u[2]);
    let f = fighter();
    do_equip(&c, &mut l, dagger, LoadoutSlot::MainHand, &f).unwrap();
    do_equip(&c, &mut l, short, LoadoutSlot::OffHand, &f).unwrap();
    // Slot to slot: swap.
    let ch = do_equip(&c, &mut l, dagger, LoadoutSlot::OffHand, &f).unwrap();
    assert_eq!(ch.equipped, vec![(short, LoadoutSlot::MainHand), (dagger, LoadoutSlot::OffHand)]);
    assert!(ch.to_stash.is_empty());
    // From the stash into a filled slot: the occupant goes to the stash.
    let ch = do_equip(&c, &mut l, long, LoadoutSlot::MainHand, &f).unwrap();
    assert_eq!(ch.to_stash, vec![short]);
    // Slot to slot where the occupant does not fit the source (a longsword in the off hand):
    // no swap, the occupant goes to the stash.
    let ch = do_equip(&c, &mut l, dagger, LoadoutSlot::MainHand, &f).unwrap();
    assert_eq!(ch.to_stash, vec![long]);
    assert_eq!(where_is(&l, dagger).unwrap().0, slot(LoadoutSlot::MainHand));
    assert_eq!(loadout_of(&l).get(LoadoutSlot::OffHand), None);
}

#[test]
fn unequip_and_move_item_go_back_to_the_stash_merging_belt_stacks() {
    let (c, mut l, u) = armory(&[("potion_of_healing", 3), ("potion_of_healing", 9), ("longsword", 1)]);
    let (belt_stack, stash_stack, sword) = (u[0], u[1], u[2]);
    let f = fighter();
    do_equip(&c, &mut l, belt_stack, LoadoutSlot::Belt1, &f).unwrap();
    do_equip(&c, &mut l, sword, LoadoutSlot::MainHand, &f).unwrap();
    let stash = stash_of(&l, &master_place(), 100);
    assert_eq!(code(unequip(&c, &loadout_of(&l), &stash, LoadoutSlot::Belt2)), ErrorCode::SlotEmpty);
    let ch = move_item(&c, &loadout_of(&l), &stash, belt_stack, MoveTarget::Stash, &f).unwrap();
    l.apply(&ch.ops).unwrap();
    assert_eq!(where_is(&l, stash_stack), Some((master_place(), 10)));
    assert_eq!(where_is(&l, belt_stack), Some((master_place(), 2)));
    assert_invariants(&c, &l);
    let stash = stash_of(&l, &master_place(), 100);
    assert_eq!(
        code(move_item(&c, &loadout_of(&l), &stash, stash_stack, MoveTarget::Stash, &f)),
        ErrorCode::InvalidArgument
    );
    assert_eq!(code(move_item(&c, &loadout_of(&l), &stash, 999, MoveTarget::Stash, &f)), ErrorCode::ItemNotHere);
    let ch = move_item(&c, &loadout_of(&l), &stash, sword, MoveTarget::Slot(LoadoutSlot::OffHand), &f);
    assert_eq!(code(ch), ErrorCode::SlotIncompatible);
    let ch = unequip(&c, &loadout_of(&l), &stash, LoadoutSlot::MainHand).unwrap();
    assert_eq!(ch.ops, vec![ItemOp::Move { uid: sword, to: master_place() }]);
    // A full stash refuses what would not fit, and nothing changes.
    let full = Stash { max_stacks: stash.items.len() as u32, ..stash.clone() };
    assert_eq!(code(unequip(&c, &loadout_of(&l), &full, LoadoutSlot::MainHand)), ErrorCode::ContainerFull);
}

#[test]
fn displacing_two_items_into_a_full_stash_is_refused() {
    let (c, mut l, u) = armory(&[("longsword", 1), ("shield", 1), ("greatsword", 1)]);
    let f = fighter();
    do_equip(&c, &mut l, u[0], LoadoutSlot::MainHand, &f).unwrap();
    do_equip(&c, &mut l, u[1], LoadoutSlot::OffHand, &f).unwrap();
    // The stash holds only the greatsword and has room for 1 stack: taking the greatsword out
    // frees one, but the sword and the shield need two.
    let stash = Stash { max_stacks: 1, ..stash_of(&l, &master_place(), 1) };
    assert_eq!(code(equip(&c, &loadout_of(&l), &stash, u[2], LoadoutSlot::MainHand, &f)), ErrorCode::ContainerFull);
    let roomy = Stash { max_stacks: 2, ..stash };
    equip(&c, &loadout_of(&l), &roomy, u[2], LoadoutSlot::MainHand, &f).unwrap();
}

// ---------------------------------------------------------------- equipment -> stats

fn base_stats(scores: AbilityScores) -> BaseStats {
    BaseStats {
        abilities: scores,
        armor_class: 12,
        attack_bonus: 5,
        damage_bonus: 3,
        save_bonus: 0,
        speed: 30,
        max_hp: 12,
        resistances: Default::default(),
        vulnerabilities: Default::default(),
        immunities: Default::default(),
    }
}

#[test]
fn equipping_a_plus_five_sword_raises_attack_by_five_and_unequipping_reverts() {
    // Inventory spec CoA 2.
    let (c, mut l, u) = armory(&[("vanguard_blade", 1)]);
    let f = fighter();
    let base = base_stats(f.scores);
    let stats_now = |l: &Ledger| {
        let eq = equipment_effects(&c, &loadout_of(l), f.scores.str_).unwrap();
        let sources = eq.modifier_sources();
        let s = effective_stats(&base, &sources);
        (s.get(Stat::AttackBonus), s.explain(Stat::AttackBonus, &sources))
    };
    assert_eq!(stats_now(&l).0, 5);
    do_equip(&c, &mut l, u[0], LoadoutSlot::MainHand, &f).unwrap();
    let (atk, why) = stats_now(&l);
    assert_eq!(atk, 10);
    assert!(why.contains("Vanguard Blade"), "{why}");
    let eq = equipment_effects(&c, &loadout_of(&l), f.scores.str_).unwrap();
    assert_eq!(eq.modifier_sources()[0].kind, crate::systems::stats::SourceKind::Equipment);
    assert_eq!(eq.modifier_sources()[0].id, u[0]);
    let ch = unequip(&c, &loadout_of(&l), &stash_of(&l, &master_place(), 100), LoadoutSlot::MainHand).unwrap();
    l.apply(&ch.ops).unwrap();
    assert_eq!(stats_now(&l).0, 5);
}

#[test]
fn armor_shield_relics_and_weapons_feed_the_rules() {
    let (c, mut l, u) = armory(&[
        ("plate", 1),
        ("shield_plus_1", 1),
        ("ring_of_protection", 1),
        ("longsword", 1),
        ("potion_of_healing", 2),
    ]);
    let weak = Wearer { class_id: "fighter", scores: AbilityScores::from_array([13, 14, 14, 10, 12, 8]) };
    do_equip(&c, &mut l, u[3], LoadoutSlot::MainHand, &weak).unwrap();
    // A versatile weapon with the off hand free uses its two-handed damage.
    let eq = equipment_effects(&c, &loadout_of(&l), 13).unwrap();
    assert_eq!(eq.weapons[0].damage.to_string(), "1d10");
    assert_eq!((eq.weapons[0].ability, eq.weapons[0].damage_type), (crate::rules::Ability::Str, DamageType::Slashing));
    for (uid, s) in [
        (u[0], LoadoutSlot::Body),
        (u[1], LoadoutSlot::OffHand),
        (u[2], LoadoutSlot::Accessory),
        (u[4], LoadoutSlot::Belt1),
    ] {
        do_equip(&c, &mut l, uid, s, &weak).unwrap();
    }
    let eq = equipment_effects(&c, &loadout_of(&l), 13).unwrap();
    assert_eq!(eq.armor, crate::rules::ArmorWorn { base_ac: 18, dex_cap: Some(0), shield: true });
    assert!(eq.stealth_disadvantage);
    assert_eq!(eq.weapons[0].damage.to_string(), "1d8", "one-handed with a shield");
    let labels: Vec<&str> = eq.sources.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(
        labels,
        vec!["+1 Shield", "Plate (needs STR 15)", "Ring of Protection"],
        "slot order; belts add nothing"
    );
    let sources = eq.modifier_sources();
    let s = effective_stats(&base_stats(weak.scores), &sources);
    assert_eq!(s.get(Stat::Speed), 20, "plate without STR 15 costs 10 ft");
    assert_eq!(s.get(Stat::SaveBonus), 1);
    assert_eq!(s.get(Stat::ArmorClass), 12 + 1 + 1, "base from the caller + shield +1 + ring +1");
    #[cfg(feature = "dnd5e")]
    assert_eq!(crate::rules::dnd5e::armor_class(&eq.armor, 2), 20, "plate 18 ignores DEX, shield +2");
    // Enough STR: no penalty.
    let strong = equipment_effects(&c, &loadout_of(&l), 15).unwrap();
    assert!(strong.sources.iter().all(|s| !s.label.contains("needs STR")));

    // Ranged weapons use DEX; a light off-hand weapon is a second attack; the net has none.
    let (c2, mut l2, v) = armory(&[("longbow", 1), ("shortsword", 1), ("dagger", 1), ("net", 1)]);
    let f = fighter();
    do_equip(&c2, &mut l2, v[0], LoadoutSlot::MainHand, &f).unwrap();
    assert_eq!(equipment_effects(&c2, &loadout_of(&l2), 16).unwrap().weapons[0].ability, crate::rules::Ability::Dex);
    do_equip(&c2, &mut l2, v[1], LoadoutSlot::MainHand, &f).unwrap();
    do_equip(&c2, &mut l2, v[2], LoadoutSlot::OffHand, &f).unwrap();
    let ws: Vec<(String, bool)> =
        equipment_effects(&c2, &loadout_of(&l2), 16).unwrap().weapons.into_iter().map(|w| (w.id, w.finesse)).collect();
    assert_eq!(ws, vec![("shortsword".to_string(), true), ("dagger".to_string(), true)]);
    do_equip(&c2, &mut l2, v[3], LoadoutSlot::MainHand, &f).unwrap();
    assert_eq!(equipment_effects(&c2, &loadout_of(&l2), 16).unwrap().weapons.len(), 1, "only the off-hand dagger");
}

// ---------------------------------------------------------------- belt consumables

#[test]
fn using_a_belt_potion_decrements_and_clears_the_slot_at_zero() {
    // Inventory spec CoA 3.
    let (c, mut l, u) = armory(&[("potion_of_healing", 2), ("potion_of_speed", 1), ("longsword", 1)]);
    let f = fighter();
    do_equip(&c, &mut l, u[0], LoadoutSlot::Belt1, &f).unwrap();
    do_equip(&c, &mut l, u[1], LoadoutSlot::Belt2, &f).unwrap();
    do_equip(&c, &mut l, u[2], LoadoutSlot::MainHand, &f).unwrap();

    let used = use_consumable(&c, &loadout_of(&l), LoadoutSlot::Belt1).unwrap();
    assert_eq!((used.uid, used.remaining), (u[0], 1));
    assert_eq!(used.ops, vec![ItemOp::SetQuantity { uid: u[0], quantity: 1 }]);
    let mut dice = Scripted::new(&[3, 4]);
    let mut log = DiceLog::new();
    assert_eq!(roll_heal(&used.effect, &mut dice, "potion", &mut log), Some(9), "2d4+2 with 3 and 4");
    assert_eq!(log.last().unwrap().expr, "2d4+2");
    l.apply(&used.ops).unwrap();
    assert_invariants(&c, &l);

    let used = use_consumable(&c, &loadout_of(&l), LoadoutSlot::Belt1).unwrap();
    assert_eq!(used.remaining, 0);
    assert_eq!(used.ops, vec![ItemOp::Delete { uid: u[0] }]);
    l.apply(&used.ops).unwrap();
    assert_eq!(loadout_of(&l).get(LoadoutSlot::Belt1), None, "the slot is cleared");
    assert_eq!(l.get(u[0]), None, "quantity 0 never persists");
    assert_invariants(&c, &l);
    assert_eq!(code(use_consumable(&c, &loadout_of(&l), LoadoutSlot::Belt1)), ErrorCode::SlotEmpty);

    // A buff potion names its buff; the dice are not touched.
    let used = use_consumable(&c, &loadout_of(&l), LoadoutSlot::Belt2).unwrap();
    assert_eq!(used.effect, ConsumableEffect::Buff("haste".into()));
    assert_eq!(roll_heal(&used.effect, &mut Scripted::new(&[]), "x", &mut DiceLog::new()), None);
    assert_eq!(code(use_consumable(&c, &loadout_of(&l), LoadoutSlot::MainHand)), ErrorCode::SlotIncompatible);
}

// ---------------------------------------------------------------- stashes and runs

#[test]
fn a_run_begins_only_from_an_idle_character_with_an_empty_bag() {
    let idle = RunState::idle(HERO);
    let bag = Stash::run(HERO);
    let run = begin_run(&idle, &bag, T0).unwrap();
    assert_eq!(run, RunState { character_id: HERO, active: true, started_at_micros: T0 });
    assert_eq!(code(begin_run(&run, &bag, T0)), ErrorCode::RunActive);
    let leftovers = Stash { currency_cp: 5, ..bag.clone() };
    assert_eq!(code(begin_run(&idle, &leftovers, T0)), ErrorCode::RunStashNotEmpty);
    let leftovers = bag.with_items(vec![ItemInstance::new(1, "arrow", 1)]);
    assert_eq!(code(begin_run(&idle, &leftovers, T0)), ErrorCode::RunStashNotEmpty);
    assert_eq!(active_stash_place(&run, owner()), Place::RunStash(HERO));
    assert_eq!(active_stash_place(&idle, owner()), master_place());
}

#[derive(spacetimedb::SpacetimeType, Debug, Clone, PartialEq)]
struct SavedRow {
    instance: ItemInstance,
    place: Place,
}

#[test]
fn extraction_merges_the_bag_into_the_master_stash_and_the_exact_instances_persist() {
    let c = cat();
    let mut l = Ledger::new(1);
    let m_potions = l.insert("potion_of_healing", 7, master_place());
    let m_arrows = l.insert("arrow", 50, master_place());
    let bag = Place::RunStash(HERO);
    let (p4, p9, a60, dagger) = (
        l.insert("potion_of_healing", 4, bag.clone()),
        l.insert("potion_of_healing", 9, bag.clone()),
        l.insert("arrow", 60, bag.clone()),
        l.insert("dagger", 1, bag.clone()),
    );
    let run = begin_run(&RunState::idle(HERO), &Stash::run(HERO), T0).unwrap();
    let run_stash = Stash { currency_cp: 1234, ..stash_of(&l, &bag, RUN_STASH_MAX_STACKS) };
    let master = Stash { currency_cp: 100, ..stash_of(&l, &master_place(), MASTER_STASH_MAX_STACKS) };

    assert_eq!(code(extract(&c, &RunState::idle(HERO), &run_stash, &master)), ErrorCode::NoActiveRun);
    let rich = Stash { currency_cp: u64::MAX, ..master.clone() };
    assert_eq!(code(extract(&c, &run, &run_stash, &rich)), ErrorCode::CurrencyOverflow);
    let tight = Stash { max_stacks: 3, ..master.clone() };
    assert_eq!(code(extract(&c, &run, &run_stash, &tight)), ErrorCode::ContainerFull);

    let plan = extract(&c, &run, &run_stash, &master).unwrap();
    assert_eq!((plan.master_currency_cp, plan.run_currency_cp), (1334, 0));
    assert!(!plan.run.active);
    assert_eq!(plan.extracted, vec![(p4, 4), (p9, 9), (a60, 60), (dagger, 1)]);
    l.apply(&plan.ops).unwrap();
    assert_invariants(&c, &l);
    // p4: 3 into the master's 7, its last 1 moves over as itself; p9 tops that up to 10 and is
    // gone; arrows: 49 into the master's 50, 11 move over; the dagger moves.
    let master_now: Vec<(u64, u32)> = l.in_place(&master_place()).into_iter().map(|i| (i.uid, i.quantity)).collect();
    assert_eq!(master_now, vec![(m_potions, 10), (m_arrows, 99), (p4, 10), (a60, 11), (dagger, 1)]);
    assert!(l.in_place(&bag).is_empty());
    assert_eq!(l.get(p9), None);

    // Inventory spec CoA 4: saving and loading restores these exact instances (uid, definition,
    // quantity, place), not just definitions.
    let saved: Vec<SavedRow> = l.as_rows().into_iter().map(|(instance, place)| SavedRow { instance, place }).collect();
    let bytes = spacetimedb::sats::bsatn::to_vec(&saved).unwrap();
    let loaded: Vec<SavedRow> = spacetimedb::sats::bsatn::from_slice(&bytes).unwrap();
    assert_eq!(loaded, saved);
    let rows: Vec<(ItemInstance, Place)> = loaded.into_iter().map(|r| (r.instance, r.place)).collect();
    assert!(check_invariants(&c, &rows).is_empty());
    assert_eq!(rows.iter().find(|r| r.0.uid == a60).unwrap().0, ItemInstance::new(a60, "arrow", 11));
}

#[test]
fn a_wipe_loses_the_bag_and_equipped_gear_by_difficulty() {
    let c = cat();
    let f = fighter();
    let setup = || {
        let mut l = Ledger::new(1);
        let bag = Place::RunStash(HERO);
        let loot = l.insert("gold_ingot", 5, bag.clone());
        let sword = l.insert("longsword", 1, bag.clone());
        let potion = l.insert("potion_of_healing", 2, bag.clone());
        let run = begin_run(&RunState::idle(HERO), &Stash::run(HERO), T0).unwrap();
        // Equip from the bag during the run.
        for (uid, s) in [(sword, LoadoutSlot::MainHand), (potion, LoadoutSlot::Belt1)] {
            let ch = equip(&c, &loadout_of(&l), &stash_of(&l, &bag, 200), uid, s, &f).unwrap();
            l.apply(&ch.ops).unwrap();
        }
        (l, run, loot, sword, potion)
    };
    let bag = Place::RunStash(HERO);
    for (difficulty, kept) in [
        (WipeDifficulty::Casual, vec![true, true]),
        (WipeDifficulty::Standard, vec![true, false]),
        (WipeDifficulty::Hardcore, vec![false, false]),
    ] {
        let (mut l, run, loot, sword, potion) = setup();
        let run_stash = Stash { currency_cp: 77, ..stash_of(&l, &bag, 200) };
        let plan = wipe(&run, &run_stash, &loadout_of(&l), difficulty).unwrap();
        assert_eq!((plan.run_currency_cp, plan.currency_lost_cp, plan.run.active), (0, 77, false));
        l.apply(&plan.ops).unwrap();
        assert_invariants(&c, &l);
        assert_eq!(l.get(loot), None, "the bag is lost");
        assert_eq!(vec![l.get(sword).is_some(), l.get(potion).is_some()], kept, "{difficulty:?}");
        assert_eq!(code(wipe(&plan.run, &run_stash, &loadout_of(&l), difficulty)), ErrorCode::NoActiveRun);
    }
}

#[test]
fn a_death_or_deletion_during_a_run_loses_it_like_a_wipe_and_outside_a_run_loses_nothing() {
    let c = cat();
    let f = fighter();
    let bag = Place::RunStash(HERO);
    for difficulty in WipeDifficulty::ALL {
        let mut l = Ledger::new(1);
        let loot = l.insert("gold_ingot", 5, bag.clone());
        let sword = l.insert("longsword", 1, bag.clone());
        let potion = l.insert("potion_of_healing", 2, bag.clone());
        let run = begin_run(&RunState::idle(HERO), &Stash::run(HERO), T0).unwrap();
        for (uid, s) in [(sword, LoadoutSlot::MainHand), (potion, LoadoutSlot::Belt1)] {
            let ch = equip(&c, &loadout_of(&l), &stash_of(&l, &bag, 200), uid, s, &f).unwrap();
            l.apply(&ch.ops).unwrap();
        }
        let run_stash = Stash { currency_cp: 40, ..stash_of(&l, &bag, 200) };
        // one rule: the same plan as the voluntary wipe
        let lost = lost_with(&run, &run_stash, &loadout_of(&l), difficulty).expect("a run under way is lost");
        assert_eq!(Ok(lost.clone()), wipe(&run, &run_stash, &loadout_of(&l), difficulty));
        assert_eq!((lost.currency_lost_cp, lost.run_currency_cp, lost.run.active), (40, 0, false));
        assert!(lost.ops.contains(&ItemOp::Delete { uid: loot }), "the bag is gone");
        assert_eq!(lost.lost_equipped.iter().any(|(u, _)| *u == sword), !difficulty.keeps(LoadoutSlot::MainHand));
        assert_eq!(lost.lost_equipped.iter().any(|(u, _)| *u == potion), !difficulty.keeps(LoadoutSlot::Belt1));
        l.apply(&lost.ops).unwrap();
        assert_invariants(&c, &l);
        // outside a run (the hub, or after the loss) nothing more is lost
        assert_eq!(lost_with(&lost.run, &stash_of(&l, &bag, 200), &loadout_of(&l), difficulty), None);
    }
    let mut l = Ledger::new(1);
    l.insert("gold_ingot", 5, bag.clone());
    assert_eq!(
        lost_with(&RunState::idle(HERO), &stash_of(&l, &bag, 200), &loadout_of(&l), WipeDifficulty::Hardcore),
        None,
        "hub pickups are not a run"
    );
}

#[test]
fn extraction_needs_a_run_no_fight_no_road_and_a_safe_place() {
    let run = begin_run(&RunState::idle(HERO), &Stash::run(HERO), T0).unwrap();
    let safe =
        ExtractSite { name: "Ayla", location_id: "village", location_safe: true, in_combat: false, traveling: false };
    assert_eq!(may_extract(&run, &safe), Ok(()));
    assert_eq!(code(may_extract(&RunState::idle(HERO), &safe)), ErrorCode::NoActiveRun);
    assert_eq!(code(may_extract(&run, &ExtractSite { in_combat: true, ..safe })), ErrorCode::InCombat);
    assert_eq!(code(may_extract(&run, &ExtractSite { traveling: true, ..safe })), ErrorCode::Traveling);
    let wild = ExtractSite { location_id: "goblin_cave", location_safe: false, ..safe };
    let e = may_extract(&run, &wild).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotSafeToExtract);
    assert!(e.message.contains("goblin_cave") && e.message.contains("safe location"), "{}", e.message);
    // a fight comes first: the fix is to end it, wherever it happens
    assert_eq!(code(may_extract(&run, &ExtractSite { in_combat: true, ..wild })), ErrorCode::InCombat);
}

#[test]
fn loadout_after_is_the_loadout_the_applied_ops_leave() {
    // Greatsword in: sword and shield go to the stash; then swaps and an unequip. Each time the
    // loadout known from (before, stash, ops) is the one read back from the applied ledger.
    let (c, mut l, u) = armory(&[("longsword", 1), ("shield", 1), ("greatsword", 1), ("dagger", 1)]);
    let f = fighter();
    do_equip(&c, &mut l, u[0], LoadoutSlot::MainHand, &f).unwrap();
    do_equip(&c, &mut l, u[1], LoadoutSlot::OffHand, &f).unwrap();
    let steps: [(u64, Option<LoadoutSlot>); 4] = [
        (u[2], Some(LoadoutSlot::MainHand)),
        (u[3], Some(LoadoutSlot::OffHand)),
        (u[3], Some(LoadoutSlot::MainHand)),
        (u[3], None),
    ];
    let mut equipped_after = Vec::new();
    for (uid, to) in steps {
        let before = loadout_of(&l);
        let stash = stash_of(&l, &master_place(), 100);
        let target = to.map_or(MoveTarget::Stash, MoveTarget::Slot);
        let ch = move_item(&c, &before, &stash, uid, target, &f).unwrap();
        let known = loadout_after(&before, &stash, &ch.ops).unwrap();
        l.apply(&ch.ops).unwrap();
        assert_eq!(known, loadout_of(&l), "after moving {uid} to {to:?}");
        equipped_after.push(known.items().map(|(s, i)| (s, i.uid)).collect::<Vec<_>>());
    }
    // The steps do what they say: the greatsword alone (sword and shield displaced), the dagger
    // evicting it into the off hand... then into the main hand, then nothing.
    let expect = vec![
        vec![(LoadoutSlot::MainHand, u[2])],
        vec![(LoadoutSlot::OffHand, u[3])],
        vec![(LoadoutSlot::MainHand, u[3])],
        vec![],
    ];
    assert_eq!(equipped_after, expect);
}

#[test]
fn an_equip_that_displaces_nothing_plans_the_same_from_its_own_item_alone() {
    // The reducer plans such an equip from a stash holding only the item (one row read): the
    // change must be the one planned from the whole stash.
    let (c, l, u) = armory(&[("longsword", 1), ("dagger", 1), ("shield", 1)]);
    let f = fighter();
    let whole = stash_of(&l, &master_place(), 100);
    let before = loadout_of(&l);
    for (uid, slot) in [(u[0], LoadoutSlot::MainHand), (u[2], LoadoutSlot::OffHand)] {
        let one = Stash { items: whole.items.iter().filter(|i| i.uid == uid).cloned().collect(), ..whole.clone() };
        let from_one = equip(&c, &before, &one, uid, slot, &f).unwrap();
        assert!(from_one.to_stash.is_empty());
        assert_eq!(from_one, equip(&c, &before, &whole, uid, slot, &f).unwrap());
    }
}
