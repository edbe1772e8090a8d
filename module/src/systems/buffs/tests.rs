//! Narrative tests of the buff core: shipped data, stacking stories, expiry, ticks, removal,
//! and effective stats over real definitions.

use super::*;
use crate::error::ErrorCode;
use crate::rules::Ability;
use crate::systems::stats::{effective_stats, BaseStats, ModifierSource, SourceKind};
use rand::rngs::StdRng;
use rand::SeedableRng;

const S: i64 = SECOND_MICROS;
/// Some fixed moment (2026-01-01T00:00:00Z) so the numbers look like real timestamps.
const T0: i64 = 1_767_225_600 * S;

fn catalog() -> BuffCatalog {
    parse_buffs(DND5E_BUFFS_FILE, DND5E_BUFFS_CSV).expect("shipped dnd5e buffs load")
}

/// Apply through the engine and give the result an id, as a reducer would.
fn applied(cat: &BuffCatalog, id: u64, buff: &str, source: u64, now: i64) -> ActiveBuff {
    let def = cat.get(buff).unwrap();
    match decide(&[], &[], &Application::new(buff, source), def, now).unwrap() {
        Decision::Insert(n) => n.with_id(id),
        other => panic!("expected an insert, got {other:?}"),
    }
}

fn decide_on(cat: &BuffCatalog, active: &[ActiveBuff], app: &Application, now: i64) -> Decision {
    decide(active, &[], app, cat.get(&app.buff_id).unwrap(), now).unwrap()
}

// ---------------------------------------------------------------- shipped data

#[test]
fn every_shipped_dnd5e_row_loads_with_the_fifteen_srd_conditions() {
    let cat = catalog();
    assert_eq!(cat.len(), 44);
    for c in [
        "blinded",
        "charmed",
        "deafened",
        "frightened",
        "grappled",
        "incapacitated",
        "invisible",
        "paralyzed",
        "petrified",
        "poisoned",
        "prone",
        "restrained",
        "stunned",
        "unconscious",
    ] {
        let d = cat.get(c).unwrap();
        assert!(d.flags.condition, "{c} is flagged as a condition");
    }
    // Exhaustion: six levels in one exclusive group, ranked 1..=6.
    for level in 1..=6u8 {
        let d = cat.get(&format!("exhaustion_{level}")).unwrap();
        assert_eq!((d.exclusive_group.as_deref(), d.group_rank), (Some("exhaustion"), level));
    }
    assert!(cat.is_group("exhaustion"));
    assert_eq!(cat.defs().iter().filter(|d| !d.flags.condition).count(), 24);
}

#[test]
fn every_shipped_lite_row_loads() {
    let cat = parse_buffs(LITE_BUFFS_FILE, LITE_BUFFS_CSV).expect("shipped lite buffs load");
    assert_eq!(cat.len(), 12);
}

#[test]
fn the_compiled_in_ruleset_file_loads() {
    assert!(!load().unwrap().is_empty());
}

#[test]
fn conditions_carry_their_srd_mechanics() {
    let cat = catalog();
    let has = |buff: &str, key: ModifierKey| cat.get(buff).unwrap().modifiers.iter().any(|m| m.key == key);
    assert!(has("poisoned", ModifierKey::Disadvantage(Roll::Attack)));
    assert!(has("poisoned", ModifierKey::Disadvantage(Roll::AnyCheck)));
    assert!(has("paralyzed", ModifierKey::AutoFailSave(Ability::Str)));
    assert!(has("paralyzed", ModifierKey::AutoFailSave(Ability::Dex)));
    assert!(has("paralyzed", ModifierKey::CritWithin5ft));
    assert!(has("restrained", ModifierKey::Disadvantage(Roll::Save(Ability::Dex))));
    assert!(has("prone", ModifierKey::AttackersAdvantage(AttackRange::Within5ft)));
    assert!(has("prone", ModifierKey::AttackersDisadvantage(AttackRange::Beyond5ft)));
    assert!(has("incapacitated", ModifierKey::CannotAct));
    assert!(has("exhaustion_6", ModifierKey::Dies));
    let petrified = cat.get("petrified").unwrap();
    for d in DamageType::ALL {
        assert!(petrified.modifiers.iter().any(|m| m.key == ModifierKey::Resistance(d)), "petrified resists {d:?}");
    }
    assert!(petrified.immunities.contains(&"poisoned".to_string()));
}

#[test]
fn buffs_md_documents_every_modifier_key() {
    let doc = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/dnd5e/BUFFS.md"));
    for key in ModifierKey::all() {
        let mut code = key.code();
        if let Some(d) = DamageType::ALL.iter().find(|d| code.ends_with(&format!(":{}", d.id()))) {
            code = format!("{}<type>", code.strip_suffix(d.id()).unwrap());
        } else if !matches!(key, ModifierKey::Ability(_)) {
            if let Some(a) = Ability::ALL.iter().find(|a| code.ends_with(&format!(":{}", ability_lower(**a)))) {
                code = format!("{}<ability>", code.strip_suffix(ability_lower(*a)).unwrap());
            }
        }
        assert!(doc.contains(&format!("`{code}`")), "BUFFS.md does not document `{code}`");
    }
    assert!(doc.contains("CC-BY-4.0") || doc.contains("Creative Commons Attribution 4.0"));
}

// ---------------------------------------------------------------- bad data

const HEADER: &str =
    "id,name,category,flags,stacking,max_stacks,duration,modifiers,immunities,periodic,exclusive_group,group_rank\n";

fn bad(row: &str) -> crate::data::DataError {
    let text = format!("{HEADER}ok,Ok,natural,,refresh,1,1m,,,,,\n{row}\n");
    parse_buffs("t.csv", &text).unwrap_err()
}

#[test]
fn invalid_definitions_are_rejected_with_their_code_line_and_column() {
    let cases: &[(&str, u64, &str)] = &[
        ("x,X,natural,,refresh,1,1m,luck:add:1,,,,", 8, "E_UNKNOWN_MODIFIER_KEY"),
        ("x,X,natural,,refresh,1,1m,attack_bonus:add:40,,,,", 8, "E_MODIFIER_VALUE_OUT_OF_RANGE"),
        ("x,X,natural,,refresh,1,1m,attack_bonus:add:1.5,,,,", 8, "E_MODIFIER_TYPE_MISMATCH"),
        ("x,X,natural,,refresh,1,1m,cannot_act:add:1,,,,", 8, "E_MODIFIER_TYPE_MISMATCH"),
        ("x,X,natural,,refresh,1,1m,speed:plus:10,,,,", 8, "E_INVALID_MODIFIER"),
        ("x,X,natural,,refresh,1,0s,,,,,", 7, "E_INVALID_DURATION"),
        ("x,X,natural,,refresh,1,soon,,,,,", 7, "E_INVALID_DURATION"),
        ("x,X,arcane,,refresh,1,1m,,,,,", 3, "E_INVALID_BUFF_DEF"),
        ("x,X,natural,sticky,refresh,1,1m,,,,,", 4, "E_INVALID_BUFF_DEF"),
        ("x,X,natural,persists_on_death;removed_on_death,refresh,1,1m,,,,,", 4, "E_INVALID_BUFF_DEF"),
        ("x,X,natural,,stack,1,1m,,,,,", 5, "E_INVALID_BUFF_DEF"),
        ("x,X,natural,,refresh,3,1m,,,,,", 6, "E_INVALID_BUFF_DEF"),
        ("x,X,natural,,additive,0,1m,,,,,", 6, "E_INVALID_BUFF_DEF"),
        ("x,X,natural,,refresh,1,1m,,nothing_here,,,", 9, "E_UNKNOWN_BUFF"),
        ("x,X,natural,,refresh,1,1m,,,damage:1d4:sonic:6s,,", 10, "E_INVALID_BUFF_DEF"),
        ("x,X,natural,,refresh,1,1m,,,heal:2:0s,,", 10, "E_INVALID_BUFF_DEF"),
        ("x,X,natural,,refresh,1,1m,,,,,2", 12, "E_INVALID_BUFF_DEF"),
        ("x,X,natural,,refresh,1,1m,,,,ok,1", 11, "E_INVALID_BUFF_DEF"),
        ("ok,Again,natural,,refresh,1,1m,,,,,", 1, "E_INVALID_BUFF_DEF"),
        ("Bad Id,X,natural,,refresh,1,1m,,,,,", 1, "E_INVALID_BUFF_DEF"),
    ];
    for (row, column, code) in cases {
        let e = bad(row);
        assert_eq!((e.file.as_str(), e.line, e.column), ("t.csv", 3, *column), "{row}: {e}");
        assert!(e.message.starts_with(code), "{row}: expected {code}, got {e}");
    }
    // A cell of the wrong type is caught by the CSV layer, with its column.
    let e = bad("x,X,natural,,refresh,many,1m,,,,,");
    assert_eq!((e.line, e.column), (3, 6), "{e}");
    assert!(e.to_string().starts_with("t.csv:3:6:"), "{e}");
}

#[test]
fn apply_time_validation_of_definitions_gives_the_same_codes() {
    let mut d = catalog().get("bless").unwrap().clone();
    d.modifiers.push(Modifier::int(ModifierKey::Speed, ModOp::Add, 1000));
    assert_eq!(d.validate().unwrap_err().code, ErrorCode::ModifierValueOutOfRange);
    d.modifiers.pop();
    d.modifiers.push(Modifier::new(ModifierKey::CannotAct, ModOp::Add, ModValue::Int(1)));
    assert_eq!(d.validate().unwrap_err().code, ErrorCode::ModifierTypeMismatch);
    d.modifiers.pop();
    d.duration = BuffDuration::Timed(0);
    assert_eq!(d.validate().unwrap_err().code, ErrorCode::InvalidDuration);
    d.duration = BuffDuration::Timed(60 * S);
    d.immunities = vec!["no_such_buff".into()];
    assert!(d.validate().is_ok(), "a lone definition cannot see the catalog");
    assert_eq!(BuffCatalog::new(vec![d]).unwrap_err().code, ErrorCode::UnknownBuff);
    assert_eq!(catalog().get("nope").unwrap_err().code, ErrorCode::UnknownBuff);
}

#[test]
fn durations_read_seconds_minutes_hours_and_six_second_rounds() {
    assert_eq!(BuffDuration::parse("30s").unwrap(), BuffDuration::Timed(30 * S));
    assert_eq!(BuffDuration::parse("3r").unwrap(), BuffDuration::Timed(18 * S));
    assert_eq!(BuffDuration::parse("10m").unwrap(), BuffDuration::Timed(600 * S));
    assert_eq!(BuffDuration::parse("1h").unwrap(), BuffDuration::Timed(3600 * S));
    assert_eq!(BuffDuration::parse("permanent").unwrap(), BuffDuration::Permanent);
    for bad in ["0s", "-5s", "9000h", "5", "", "1d", "r"] {
        assert_eq!(BuffDuration::parse(bad).unwrap_err().code, ErrorCode::InvalidDuration, "{bad}");
    }
}

// ---------------------------------------------------------------- stacking stories

#[test]
fn replace_a_rage_entered_again_by_someone_else_starts_over() {
    let cat = catalog();
    let rage = applied(&cat, 1, "rage", 10, T0);
    assert_eq!(rage.expires_at, Some(T0 + 60 * S)); // 10 rounds
    let again = Application::new("rage", 20);
    match decide_on(&cat, &[rage], &again, T0 + 30 * S) {
        Decision::Replace { old, new } => {
            assert_eq!(old, vec![1]);
            assert_eq!((new.source_id, new.started_at, new.expires_at), (20, T0 + 30 * S, Some(T0 + 90 * S)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn additive_venom_stacks_to_five_then_only_refreshes() {
    let cat = catalog();
    let mut venom = applied(&cat, 7, "poison_dot", 3, T0);
    assert_eq!((venom.stacks, venom.expires_at), (1, Some(T0 + 30 * S)));
    for n in 2..=5u8 {
        let now = T0 + n as i64 * S;
        match decide_on(&cat, &[venom.clone()], &Application::new("poison_dot", 3), now) {
            Decision::AddStack { id, new_stacks, new_expires } => {
                assert_eq!((id, new_stacks, new_expires), (7, n, Some(now + 30 * S)));
                venom.stacks = new_stacks;
                venom.expires_at = new_expires;
            }
            other => panic!("{other:?}"),
        }
    }
    // At the cap: no sixth stack, no error; the poison just lasts longer.
    let now = T0 + 20 * S;
    assert_eq!(
        decide_on(&cat, &[venom.clone()], &Application::new("poison_dot", 4), now),
        Decision::Refresh { id: 7, new_expires: Some(now + 30 * S) }
    );
    // Several stacks at once are capped too.
    venom.stacks = 4;
    let mut three = Application::new("poison_dot", 3);
    three.stacks = 3;
    assert!(matches!(decide_on(&cat, &[venom], &three, now), Decision::AddStack { new_stacks: 5, .. }));
}

#[test]
fn strongest_wins_drops_the_weaker_replaces_with_the_stronger_refreshes_the_equal() {
    let cat = catalog();
    let mut aid = applied(&cat, 5, "aid", 1, T0);
    aid.strength = 3;
    let at = |strength: i32| {
        let mut a = Application::new("aid", 2);
        a.strength = strength;
        a
    };
    let now = T0 + 3600 * S;
    assert_eq!(
        decide_on(&cat, &[aid.clone()], &at(2), now),
        Decision::Dropped { kept: 5, reason: DropReason::WeakerThanActive }
    );
    match decide_on(&cat, &[aid.clone()], &at(4), now) {
        Decision::Replace { old, new } => {
            assert_eq!((old, new.strength, new.source_id), (vec![5], 4, 2))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        decide_on(&cat, &[aid], &at(3), now),
        Decision::Refresh { id: 5, new_expires: Some(now + 8 * 3600 * S) }
    );
}

#[test]
fn refresh_extends_bless_instead_of_casting_it_twice_and_never_shortens_it() {
    let cat = catalog();
    let bless = applied(&cat, 2, "bless", 1, T0);
    let now = T0 + 30 * S;
    assert_eq!(
        decide_on(&cat, std::slice::from_ref(&bless), &Application::new("bless", 9), now),
        Decision::Refresh { id: 2, new_expires: Some(now + 60 * S) }
    );
    let mut short = Application::new("bless", 9);
    short.duration_micros = Some(S);
    assert_eq!(decide_on(&cat, &[bless], &short, now), Decision::Refresh { id: 2, new_expires: Some(T0 + 60 * S) });
    // Permanent beats timed.
    let prone = applied(&cat, 3, "prone", 0, T0);
    let mut timed = Application::new("prone", 0);
    timed.duration_micros = Some(6 * S);
    assert_eq!(decide_on(&cat, &[prone], &timed, now), Decision::Refresh { id: 3, new_expires: None });
}

#[test]
fn exhaustion_two_becomes_three_but_never_drops_back_to_one() {
    let cat = catalog();
    let ex2 = applied(&cat, 11, "exhaustion_2", 0, T0);
    let ex3 = match decide_on(&cat, &[ex2], &Application::new("exhaustion_3", 0), T0 + S) {
        Decision::Replace { old, new } => {
            assert_eq!(old, vec![11]);
            new.with_id(12)
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(ex3.group_rank, 3);
    assert_eq!(
        decide_on(&cat, &[ex3], &Application::new("exhaustion_1", 0), T0 + 2 * S),
        Decision::Dropped { kept: 12, reason: DropReason::LowerRankInGroup }
    );
    // Equal ranks swap: one stance for another.
    let defensive = applied(&cat, 20, "defensive_stance", 1, T0);
    assert!(matches!(
        decide_on(&cat, &[defensive], &Application::new("aggressive_stance", 1), T0),
        Decision::Replace { old, .. } if old == vec![20]
    ));
}

#[test]
fn a_long_rest_walks_the_exhaustion_ladder_down_one_level_at_a_time() {
    let cat = catalog();
    let ex3 = applied(&cat, 11, "exhaustion_3", 0, T0);
    let down = lower_level(&[ex3], "exhaustion", cat.defs(), T0 + S).expect("exhausted");
    assert_eq!(down, LevelDown { remove: 11, apply: Some("exhaustion_2".into()), remaining_micros: None });
    let ex1 = applied(&cat, 12, "exhaustion_1", 0, T0);
    assert_eq!(
        lower_level(&[ex1], "exhaustion", cat.defs(), T0),
        Some(LevelDown { remove: 12, apply: None, remaining_micros: None }),
        "level 1 ends"
    );
    // A timed level keeps what is left of its time; other buffs and expired ones do not count.
    let mut timed = applied(&cat, 13, "exhaustion_2", 0, T0);
    timed.expires_at = Some(T0 + 60 * S);
    let bless = applied(&cat, 14, "bless", 0, T0);
    let down = lower_level(&[bless.clone(), timed.clone()], "exhaustion", cat.defs(), T0 + 20 * S).unwrap();
    assert_eq!(down, LevelDown { remove: 13, apply: Some("exhaustion_1".into()), remaining_micros: Some(40 * S) });
    assert_eq!(lower_level(&[bless.clone(), timed], "exhaustion", cat.defs(), T0 + 60 * S), None);
    assert_eq!(lower_level(&[bless], "exhaustion", cat.defs(), T0), None, "nothing to lower");
    // lite's ladder is `weariness`
    let lite = parse_buffs(LITE_BUFFS_FILE, LITE_BUFFS_CSV).unwrap();
    let w2 = applied(&lite, 3, "weary_2", 0, T0);
    assert_eq!(lower_level(&[w2], "weariness", lite.defs(), T0).and_then(|d| d.apply), Some("weary_1".into()));
}

#[test]
fn each_rulesets_exhaustion_group_is_a_ladder_in_its_buffs() {
    use crate::rules::{ActiveRules, RulesEngine};
    let cat = load().expect("the compiled-in buffs load");
    let mut ranks: Vec<u8> = cat
        .defs()
        .iter()
        .filter(|d| d.exclusive_group.as_deref() == Some(ActiveRules::EXHAUSTION_GROUP))
        .map(|d| d.group_rank)
        .collect();
    ranks.sort_unstable();
    assert!(ranks.len() >= 2 && ranks[0] == 1, "{}: {ranks:?}", ActiveRules::EXHAUSTION_GROUP);
    assert!(ranks.windows(2).all(|w| w[1] == w[0] + 1), "one buff per level: {ranks:?}");
}

#[test]
fn immunity_blocks_application_with_its_code() {
    let cat = catalog();
    let poisoned = cat.get("poisoned").unwrap();
    // From the target itself (a monster's condition immunities).
    let e = decide(&[], &["poisoned"], &Application::new("poisoned", 1), poisoned, T0).unwrap_err();
    assert_eq!(e.code, ErrorCode::BuffImmune);
    // From an active buff's definition.
    let ward = applied(&cat, 1, "protection_from_poison", 1, T0);
    let target_immunities: [&str; 0] = [];
    let imm = collect_immunities(target_immunities, [cat.get(&ward.buff_id).unwrap()]);
    assert_eq!(imm, vec!["poison_dot", "poisoned"]);
    let venom = cat.get("poison_dot").unwrap();
    let e = decide(&[ward], &imm, &Application::new("poison_dot", 2), venom, T0).unwrap_err();
    assert_eq!(e.code, ErrorCode::BuffImmune);
    assert!(e.to_string().starts_with("E_BUFF_IMMUNE: "));
    // A group name covers every level.
    let e = decide(&[], &["exhaustion"], &Application::new("exhaustion_3", 0), cat.get("exhaustion_3").unwrap(), T0);
    assert_eq!(e.unwrap_err().code, ErrorCode::BuffImmune);
    // Warding someone already poisoned ends the poison.
    let sick = applied(&cat, 4, "poisoned", 9, T0);
    let other = applied(&cat, 5, "bless", 9, T0);
    assert_eq!(ended_by_new_immunities(cat.get("protection_from_poison").unwrap(), &[sick, other], T0), vec![4]);
}

#[test]
fn a_buff_past_its_end_does_not_count_when_reapplied() {
    let cat = catalog();
    let bless = applied(&cat, 2, "bless", 1, T0);
    let end = bless.expires_at.unwrap();
    assert!(matches!(decide_on(&cat, &[bless], &Application::new("bless", 1), end), Decision::Insert(_)));
}

#[test]
fn malformed_applications_are_refused() {
    let cat = catalog();
    let bless = cat.get("bless").unwrap();
    let e = decide(&[], &[], &Application::new("bane", 1), bless, T0).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    let mut zero = Application::new("bless", 1);
    zero.stacks = 0;
    assert_eq!(decide(&[], &[], &zero, bless, T0).unwrap_err().code, ErrorCode::InvalidArgument);
    for d in [0, -S, MAX_DURATION_MICROS + 1] {
        let mut a = Application::new("bless", 1);
        a.duration_micros = Some(d);
        assert_eq!(decide(&[], &[], &a, bless, T0).unwrap_err().code, ErrorCode::InvalidDuration, "{d}");
    }
    let mut late = Application::new("bless", 1);
    late.duration_micros = Some(MAX_DURATION_MICROS);
    assert_eq!(decide(&[], &[], &late, bless, i64::MAX - 1).unwrap_err().code, ErrorCode::InvalidDuration);
}

// ---------------------------------------------------------------- time

#[test]
fn a_buff_is_present_one_microsecond_before_its_end_and_gone_at_it() {
    let cat = catalog();
    let bless = applied(&cat, 2, "bless", 1, T0);
    let end = bless.expires_at.unwrap();
    assert!(is_active(&bless, end - 1));
    assert!(!is_active(&bless, end));
    let prone = applied(&cat, 3, "prone", 1, T0);
    let venom = applied(&cat, 1, "poison_dot", 1, T0); // ends before bless
    let all = [bless.clone(), prone, venom.clone()];
    assert_eq!(due(&all, end - 1), vec![1]); // venom is over, bless is not
    assert_eq!(due(&all, venom.expires_at.unwrap() - 1), Vec::<u64>::new());
    assert_eq!(due(&all, venom.expires_at.unwrap()), vec![1]);
    // Ordered by end time, then id; the permanent one never comes due.
    assert_eq!(due(&all, end), vec![1, 2]);
    assert_eq!(due(&all, i64::MAX), vec![1, 2]);
    assert_eq!(next_expiry(&all, T0), venom.expires_at);
    assert_eq!(next_expiry(&all, end), None);
}

#[test]
fn venom_ticks_every_six_seconds_and_not_at_its_end() {
    let cat = catalog();
    let venom = applied(&cat, 1, "poison_dot", 1, T0);
    let p = cat.get("poison_dot").unwrap().periodic.unwrap();
    let (start, every, end) = (venom.started_at, p.interval_micros, venom.expires_at);
    assert_eq!(every, 6 * S);
    // 30 s, every 6 s: ticks at 6, 12, 18, 24; the one at 30 falls on the end and does not happen.
    assert_eq!(ticks_between(start, every, end, start, i64::MAX), 4);
    assert_eq!(next_tick(start, every, end, start), Some(T0 + 6 * S));
    assert_eq!(next_tick(start, every, end, T0 + 6 * S), Some(T0 + 12 * S));
    assert_eq!(next_tick(start, every, end, T0 + 6 * S - 1), Some(T0 + 6 * S));
    assert_eq!(next_tick(start, every, end, T0 + 24 * S), None);
    // Catch-up after downtime: last tick handled at 7 s, woke at 100 s -> 12, 18, 24.
    assert_eq!(ticks_between(start, every, end, T0 + 7 * S, T0 + 100 * S), 3);
    // Boundaries: (from, to] counts a tick exactly at `to`, not at `from`.
    assert_eq!(ticks_between(start, every, end, T0, T0 + 6 * S), 1);
    assert_eq!(ticks_between(start, every, end, T0 + 6 * S, T0 + 12 * S - 1), 0);
    // Regeneration: 1 min every 6 s = 9 heals.
    let regen = applied(&cat, 2, "regeneration", 1, T0);
    let r = cat.get("regeneration").unwrap().periodic.unwrap();
    assert_eq!(ticks_between(T0, r.interval_micros, regen.expires_at, T0, i64::MAX), 9);
    // A permanent periodic effect keeps going.
    assert_eq!(ticks_between(T0, 6 * S, None, T0, T0 + 60 * S), 10);
}

#[test]
fn tick_amounts_roll_once_per_stack_from_the_given_rng() {
    let cat = catalog();
    let p = cat.get("poison_dot").unwrap().periodic.unwrap();
    assert_eq!(p.kind, PeriodicKind::Damage(DamageType::Poison));
    let roll = |seed| tick_amount(&p, 3, &mut StdRng::seed_from_u64(seed));
    for seed in 0..50 {
        assert!((3..=12).contains(&roll(seed)));
        assert_eq!(roll(seed), roll(seed));
    }
    let heal = cat.get("regeneration").unwrap().periodic.unwrap();
    assert_eq!(tick_amount(&heal, 1, &mut StdRng::seed_from_u64(1)), 2);
    assert_eq!(TickDice::parse("2d6+1").unwrap().to_string(), "2d6+1");
    assert_eq!(TickDice::parse("1d4-1").unwrap(), TickDice { count: 1, sides: 4, bonus: -1 });
    assert!(TickDice::parse("0").is_none());
    assert!(TickDice::parse("21d6").is_none());
}

// ---------------------------------------------------------------- removal

#[test]
fn dispel_source_and_trigger_selectors_pick_the_right_instances() {
    let cat = catalog();
    let mut charmed_by_spell = Application::new("frightened", 7);
    charmed_by_spell.category = Some(BuffCategory::Magical);
    let frightened = match decide_on(&cat, &[], &charmed_by_spell, T0) {
        Decision::Insert(n) => n.with_id(6),
        other => panic!("{other:?}"),
    };
    let active = vec![
        applied(&cat, 1, "haste", 7, T0),           // magical, source 7
        applied(&cat, 2, "shield_of_faith", 8, T0), // divine
        applied(&cat, 3, "exhaustion_2", 0, T0),    // persists on death
        applied(&cat, 4, "hidden", 8, T0),          // removed on attack and on loadout change
        applied(&cat, 5, "rage", 8, T0),            // removed on loadout change
        frightened,                                 // natural by default, magical as applied
    ];
    assert_eq!(select_by_category(&active, BuffCategory::Magical), vec![1, 6]);
    assert_eq!(select_by_category(&active, BuffCategory::Divine), vec![2]);
    assert_eq!(select_by_source(&active, 8), vec![2, 4, 5]);
    assert_eq!(select_by_trigger(&active, RemovalTrigger::Death), vec![1, 2, 4, 5, 6]);
    assert_eq!(select_by_trigger(&active, RemovalTrigger::LoadoutChange), vec![4, 5]);
    assert_eq!(select_by_trigger(&active, RemovalTrigger::Attack), vec![4]);
    assert_eq!(select_by_buff(&active, "exhaustion"), vec![3]);
    assert_eq!(select_by_buff(&active, "haste"), vec![1]);
}

// ---------------------------------------------------------------- effective stats over real buffs

#[test]
fn a_hasted_exhausted_fighter_reads_true() {
    let cat = catalog();
    let base = BaseStats {
        abilities: crate::rules::AbilityScores::from_array([16, 12, 14, 10, 10, 8]),
        armor_class: 16,
        attack_bonus: 5,
        damage_bonus: 3,
        save_bonus: 0,
        speed: 30,
        max_hp: 30,
        resistances: DamageSet::EMPTY,
        vulnerabilities: DamageSet::EMPTY,
        immunities: DamageSet::EMPTY,
    };
    let active = [
        applied(&cat, 1, "shield_of_faith", 2, T0),
        applied(&cat, 2, "haste", 2, T0),
        applied(&cat, 3, "exhaustion_4", 0, T0),
    ];
    let defs: Vec<&BuffDef> = active.iter().map(|b| cat.get(&b.buff_id).unwrap()).collect();
    let sources: Vec<ModifierSource> = active
        .iter()
        .zip(&defs)
        .map(|(b, d)| ModifierSource {
            kind: SourceKind::Buff,
            id: b.id,
            label: &d.name,
            stacks: b.stacks,
            modifiers: &d.modifiers,
        })
        .collect();
    let e = effective_stats(&base, &sources);
    use crate::systems::buffs::modifiers::Stat;
    assert_eq!(e.get(Stat::ArmorClass), 20);
    assert_eq!(e.explain(Stat::ArmorClass, &sources), "AC 20 = 16 base + 2 Shield of Faith + 2 Haste");
    assert_eq!(e.get(Stat::Speed), 30); // x2 haste, x0.5 exhaustion
    assert_eq!(e.get(Stat::MaxHp), 15);
    assert!(e.has(ModifierKey::Advantage(Roll::Save(Ability::Dex))));
    assert!(e.has(ModifierKey::Disadvantage(Roll::AnySave)));
    assert!(e.has(ModifierKey::ExtraAction));
    assert_eq!(e.sources_of(ModifierKey::Disadvantage(Roll::Attack)).collect::<Vec<_>>(), vec![2]);
}

#[test]
fn only_new_instances_and_stacks_change_what_the_stats_read() {
    let cat = catalog();
    let now = T0 + 10 * S;
    let bless = applied(&cat, 2, "bless", 1, T0);
    let fresh = decide_on(&cat, &[], &Application::new("bless", 1), now);
    assert!(matches!(fresh, Decision::Insert(_)) && fresh.changes_stat_sources(), "{fresh:?}");
    let again = decide_on(&cat, std::slice::from_ref(&bless), &Application::new("bless", 1), now);
    assert!(matches!(again, Decision::Refresh { .. }) && !again.changes_stat_sources(), "{again:?}");
    let mut aid = applied(&cat, 5, "aid", 1, T0);
    aid.strength = 3;
    let at = |strength: i32| {
        let mut a = Application::new("aid", 2);
        a.strength = strength;
        a
    };
    let weaker = decide_on(&cat, std::slice::from_ref(&aid), &at(2), now);
    assert!(matches!(weaker, Decision::Dropped { .. }) && !weaker.changes_stat_sources(), "{weaker:?}");
    let stronger = decide_on(&cat, std::slice::from_ref(&aid), &at(4), now);
    assert!(matches!(stronger, Decision::Replace { .. }) && stronger.changes_stat_sources(), "{stronger:?}");
    let stack = Decision::AddStack { id: 7, new_stacks: 2, new_expires: Some(now + S) };
    assert!(stack.changes_stat_sources());
}

#[test]
fn deciding_over_the_relevant_instances_only_gives_what_deciding_over_all_gives() {
    // The apply reducer reads only the target's instances of `relevant_ids(def)`. For every
    // shipped definition, against several held sets (every buff at once, which breaks the
    // one-per-group rule on purpose, and thirds of the catalog, some past their end), the
    // decision, the immunity refusal and the instances the new immunities end are the same.
    let cat = catalog();
    let defs = cat.defs();
    let held_sets: Vec<Vec<usize>> = std::iter::once((0..defs.len()).collect())
        .chain((0..3).map(|k| (0..defs.len()).filter(|i| i % 3 == k).collect()))
        .collect();
    let mut narrowed = 0;
    for (set_no, held) in held_sets.iter().enumerate() {
        let all: Vec<ActiveBuff> = held
            .iter()
            .map(|&i| {
                let mut b = applied(&cat, 100 + i as u64, &defs[i].id, 0, T0);
                // Every fifth instance of the second set is past its end.
                if set_no == 1 && i % 5 == 0 {
                    b.expires_at = Some(T0);
                }
                b
            })
            .collect();
        let now = T0 + S;
        for def in defs {
            let ids = relevant_ids(&cat, def);
            let part: Vec<ActiveBuff> = all.iter().filter(|b| ids.contains(&b.buff_id)).cloned().collect();
            narrowed += usize::from(part.len() < all.len());
            let run = |active: &[ActiveBuff]| {
                let held_defs = active.iter().map(|b| cat.get(&b.buff_id).unwrap());
                let imm = collect_immunities(["exhaustion"], held_defs);
                let app = Application::new(&def.id, 7);
                (format!("{:?}", decide(active, &imm, &app, def, now)), ended_by_new_immunities(def, active, now))
            };
            assert_eq!(run(&part), run(&all), "{} against held set {set_no}", def.id);
        }
    }
    assert!(narrowed > defs.len(), "the relevant instances are fewer than all of them for most definitions");
}
