//! Native tests of modifier profiles: stacking, precedence, validator codes, the HP invariant,
//! reconciliation, DSL limits, triggers and auras, and the effect on real fights.

use super::dsl::{CondKind, PrimitiveNode, PrimitiveOp, StatAttr};
use super::runtime::{self, apply_stack};
use super::*;
use crate::error::ErrorCode;
use crate::rules::{ActiveRules, DamageType, RulesEngine};
use crate::systems::combat::{monster_combatant, CombatMode, Combatant, CombatantKind, Fight, ModeConfig, Pos};

type R = ActiveRules;

fn monster(id: u64, side: u32, def: &str, x: f32, y: f32) -> Combatant {
    let d = R::monster(def).unwrap();
    monster_combatant::<R>(id, side, &d, None).at(x, y)
}

fn hero(id: u64, side: u32, x: f32, y: f32) -> Combatant {
    let mut c = monster(id, side, "goblin", x, y);
    c.kind = CombatantKind::Character { character_id: 100 + id };
    c.is_ai = false;
    c.connected = true;
    c.creature.name = format!("Hero{id}");
    c.base_name = c.creature.name.clone();
    c.creature.vitals.dies_at_zero = false;
    c
}

/// Hero1 (side 1) at the origin, Goblin 1 / Goblin 2 (side 2) 30 ft away.
fn fight() -> Fight {
    let cs = vec![hero(1, 1, 0.0, 0.0), monster(2, 2, "goblin", 30.0, 0.0), monster(3, 2, "goblin", 30.0, 5.0)];
    let mut f = Fight::start::<R>(7, CombatMode::RelaxedTurns, cs, &ModeConfig::default(), 0).unwrap();
    f.mods.layout = "arena".into();
    f
}

fn profile(
    id: &str,
    per_type: Vec<(&str, Vec<ModifierEntry>)>,
    per_instance: Vec<(&str, Vec<ModifierEntry>)>,
) -> Profile {
    Profile {
        id: id.into(),
        name: id.into(),
        version: 1,
        layout: None,
        per_type: per_type.into_iter().map(|(t, m)| TypeEntry { target: t.into(), modifiers: m }).collect(),
        per_instance: per_instance.into_iter().map(|(s, m)| InstanceEntry { slot: s.into(), modifiers: m }).collect(),
        customs: vec![],
    }
}

fn info(slot: &str, types: &[&str], side: u32) -> TargetInfo {
    TargetInfo { slot: slot.into(), types: types.iter().map(|s| s.to_string()).collect(), side }
}

fn resolve(stack: &[Profile], i: &TargetInfo) -> Resolved {
    resolve_target(stack, &Registry::builtin(), i, "arena", &Default::default())
}

// ----- registry and stacking -----------------------------------------------------------------

#[test]
fn registry_register_get_list_has() {
    let mut r = Registry::builtin();
    for id in [
        "hp_bonus",
        "movement_bonus",
        "attack_bonus",
        "resistance",
        "condition_immunity",
        "traits",
        "crit_range",
        "custom",
    ] {
        assert!(r.has(id), "{id}");
        let d = r.get(id).unwrap();
        assert!(!d.label.is_empty() && !d.value_schema.is_empty() && !d.attribute.is_empty());
        assert!(!(d.describe)(&ModifierEntry::new(id, 2)).is_empty());
    }
    assert_eq!(r.list().len(), 8);
    assert!(r.register(kinds::hp_bonus::DESCRIPTOR).is_err(), "ids are never redefined");
    assert!(!r.has("nope"));
    assert_eq!(r.get("resistance").unwrap().stacking, StackingRule::Multiplicative);
    assert_eq!(r.get("crit_range").unwrap().stacking, StackingRule::PrecedenceWins);
}

#[test]
fn each_stacking_rule() {
    let gob = info("goblin-1", &["monster:goblin", "monster", "side:2"], 2);
    let a = profile(
        "a",
        vec![(
            "monster:goblin",
            vec![
                ModifierEntry::new("hp_bonus", 2),
                ModifierEntry::new("movement_bonus", 40),
                ModifierEntry::new("attack_bonus", 1),
                ModifierEntry::keyed("resistance", "fire", 50),
                ModifierEntry::listed("condition_immunity", &["poisoned"]),
                ModifierEntry::listed("traits", &["reckless"]),
            ],
        )],
        vec![],
    );
    let b = profile(
        "b",
        vec![(
            "*",
            vec![
                ModifierEntry::new("hp_bonus", 1),
                ModifierEntry::new("movement_bonus", 40),
                ModifierEntry::new("attack_bonus", 2),
                ModifierEntry::keyed("resistance", "fire", 50),
                ModifierEntry::listed("condition_immunity", &["poisoned", "charmed"]),
                ModifierEntry::listed("traits", &["elusive"]),
            ],
        )],
        vec![],
    );
    let r = resolve(&[a, b], &gob);
    assert_eq!(r.hp_bonus, 3, "additive across the stack");
    assert_eq!(r.movement_bonus_ft, kinds::movement_bonus::MAX_FT, "additive, clamped");
    assert_eq!(r.attack_bonus, 3);
    assert_eq!(r.resist_permille(DamageType::Fire), 750, "two 50 % give 75 %");
    assert_eq!(r.condition_immunities.len(), 2, "union");
    assert_eq!(r.traits, traits::RECKLESS | traits::ELUSIVE, "bitwise OR");
}

#[test]
fn precedence_instance_over_type_over_preset() {
    let gob = info("goblin-1", &["monster:goblin", "monster", "side:2"], 2);
    let crit = |v| vec![ModifierEntry::new("crit_range", v), ModifierEntry::new("hp_bonus", 1)];
    let p = profile("p", vec![("*", crit(18)), ("monster:goblin", crit(19))], vec![("goblin-1", crit(15))]);
    let r = resolve(std::slice::from_ref(&p), &gob);
    assert_eq!(r.crit_min, Some(15), "per-instance wins");
    assert_eq!(r.hp_bonus, 3, "additive kinds take every source");
    let other = info("goblin-2", &["monster:goblin", "monster", "side:2"], 2);
    assert_eq!(resolve(std::slice::from_ref(&p), &other).crit_min, Some(19), "per-type beats preset");
    let hero = info("hero1", &["character", "side:1"], 1);
    assert_eq!(resolve(std::slice::from_ref(&p), &hero).crit_min, Some(18), "preset beats base");
    assert_eq!(resolve(&[], &hero).crit_min, None, "base");
    // Same precedence in two profiles: the later one of the stack wins.
    let q = profile("q", vec![("monster:goblin", vec![ModifierEntry::new("crit_range", 17)])], vec![]);
    assert_eq!(resolve(&[p.clone(), q.clone()], &other).crit_min, Some(17));
    assert_eq!(resolve(&[q, p], &other).crit_min, Some(19));
}

// ----- validator -----------------------------------------------------------------------------

#[test]
fn validator_codes() {
    let f = fight();
    let reg = Registry::builtin();
    let enc = runtime::encounter(&f);
    let check = |stack: Vec<Profile>| validate_stack(&stack, &reg, &enc);

    let r = check(vec![profile("x", vec![("*", vec![ModifierEntry::new("flying", 1)])], vec![])]);
    assert!(!r.ok() && r.has(ErrorCode::ProfileUnknownKind), "{r:?}");
    let r = check(vec![profile("x", vec![("*", vec![ModifierEntry::new("hp_bonus", 9999)])], vec![])]);
    assert!(r.has(ErrorCode::ProfileBadValue));
    let r = check(vec![profile("x", vec![("*", vec![ModifierEntry::keyed("resistance", "plasma", 50)])], vec![])]);
    assert!(r.has(ErrorCode::ProfileBadValue));
    let r = check(vec![profile("x", vec![("goblins!", vec![ModifierEntry::new("hp_bonus", 1)])], vec![])]);
    assert!(r.has(ErrorCode::ProfileBadValue), "malformed target key");

    // More than 16 resolved attributes on one target.
    let all: Vec<&str> = DamageType::ALL.iter().map(|t| t.id()).collect();
    let many: Vec<ModifierEntry> = all
        .iter()
        .map(|t| ModifierEntry::keyed("resistance", t, 10))
        .chain([
            ModifierEntry::new("hp_bonus", 1),
            ModifierEntry::new("attack_bonus", 1),
            ModifierEntry::new("movement_bonus", 5),
            ModifierEntry::new("crit_range", 19),
        ])
        .collect();
    let r = check(vec![profile("x", vec![], vec![("goblin-1", many.clone())])]);
    assert!(r.has(ErrorCode::ProfileAttrLimit), "{r:?}");
    let r = check(vec![profile("x", vec![], vec![("goblin-1", many[..16].to_vec())])]);
    assert!(r.ok(), "16 is allowed: {r:?}");

    let r = check(vec![profile("x", vec![("side:2", vec![ModifierEntry::listed("traits", &["unkillable"])])], vec![])]);
    assert!(r.has(ErrorCode::ProfileUnkillableSide));
    let r =
        check(vec![profile("x", vec![], vec![("goblin-1", vec![ModifierEntry::listed("traits", &["unkillable"])])])]);
    assert!(r.ok(), "one killable goblin left");
    let total: Vec<ModifierEntry> = all.iter().map(|t| ModifierEntry::keyed("resistance", t, 100)).collect();
    let r = check(vec![profile("x", vec![("character", total)], vec![])]);
    assert!(r.has(ErrorCode::ProfileUnkillableSide), "100 % resistance to everything");

    let r =
        check(vec![profile("x", vec![("monster", vec![ModifierEntry::listed("traits", &["incapacitated"])])], vec![])]);
    assert!(r.has(ErrorCode::ProfileDeadlock));

    // Orphans: warnings only, entries dropped.
    let r = check(vec![profile("x", vec![], vec![("goblin-9", vec![ModifierEntry::new("hp_bonus", 5)])])]);
    assert!(r.ok() && r.has(ErrorCode::ProfileOrphanInstance), "{r:?}");
    assert_eq!(r.warnings().count(), 1);
    let mut bound = profile("y", vec![], vec![("goblin-1", vec![ModifierEntry::new("hp_bonus", 5)])]);
    bound.layout = Some("elsewhere".into());
    let r = check(vec![bound.clone()]);
    assert!(r.ok() && r.has(ErrorCode::ProfileOrphanInstance));
    let gob = info("goblin-1", &["monster:goblin"], 2);
    assert_eq!(resolve(&[bound], &gob).hp_bonus, 0, "dropped");

    // Custom kind naming a descriptor the stack does not carry.
    let r = check(vec![profile("x", vec![("*", vec![ModifierEntry::keyed("custom", "ghost", 0)])], vec![])]);
    assert!(r.has(ErrorCode::ProfileUnknownKind));
}

#[test]
fn errors_reject_atomically() {
    let mut f = fight();
    let before = f.clone();
    let bad = vec![
        profile("ok", vec![("*", vec![ModifierEntry::new("hp_bonus", 5)])], vec![]),
        profile("bad", vec![("*", vec![ModifierEntry::new("nope", 1)])], vec![]),
    ];
    let r = apply_stack(&mut f, bad);
    assert!(!r.ok());
    assert_eq!(f, before, "nothing of the good profile applied either");
}

// ----- HP invariant and reconciliation -------------------------------------------------------

#[test]
fn hp_bonus_raises_ceiling_and_removal_never_heals() {
    let mut f = fight();
    let g = 2;
    let base_max = f.get(g).unwrap().creature.vitals.max_hp;
    let p = profile("tough", vec![("monster:goblin", vec![ModifierEntry::new("hp_bonus", 10)])], vec![]);
    assert!(apply_stack(&mut f, vec![p.clone()]).ok());
    let c = f.get(g).unwrap();
    assert_eq!(c.creature.vitals.max_hp, base_max + 10);
    assert_eq!(c.creature.vitals.hp, base_max, "applying raises the ceiling, not current HP");
    // Hurt it a little, then remove the profile: current = min(current, new max), no healing.
    f.get_mut(g).unwrap().creature.vitals.hp = base_max - 1;
    assert!(apply_stack(&mut f, vec![]).ok());
    let c = f.get(g).unwrap();
    assert_eq!((c.creature.vitals.max_hp, c.creature.vitals.hp), (base_max, base_max - 1));
    // A penalty lowers the max and clamps current HP; removing it does not give HP back.
    let weak = profile("weak", vec![("monster:goblin", vec![ModifierEntry::new("hp_bonus", -(base_max - 2))])], vec![]);
    assert!(apply_stack(&mut f, vec![weak]).ok());
    assert_eq!(f.get(g).unwrap().creature.vitals.hp, 2);
    assert!(apply_stack(&mut f, vec![]).ok());
    let c = f.get(g).unwrap();
    assert_eq!((c.creature.vitals.max_hp, c.creature.vitals.hp), (base_max, 2));
    for c in &f.combatants {
        assert!(c.creature.vitals.hp <= c.creature.vitals.max_hp);
    }
}

#[test]
fn reconciliation_is_idempotent_and_retracts() {
    let mut f = fight();
    let base = f.clone();
    let stack = vec![
        profile(
            "a",
            vec![("*", vec![ModifierEntry::new("movement_bonus", 10), ModifierEntry::new("attack_bonus", 2)])],
            vec![],
        ),
        profile(
            "b",
            vec![("side:2", vec![ModifierEntry::listed("traits", &["elusive"]), ModifierEntry::new("hp_bonus", 3)])],
            vec![],
        ),
    ];
    assert!(apply_stack(&mut f, stack.clone()).ok());
    let once = f.clone();
    assert!(apply_stack(&mut f, stack.clone()).ok());
    let mut twice = f.clone();
    twice.mods.applied = once.mods.applied;
    assert_eq!(twice, once, "same stack twice: same state");
    let h = f.get(1).unwrap();
    assert_eq!(h.speed_ft, base.get(1).unwrap().speed_ft + 10.0);
    assert_eq!(h.creature.attacks[0].to_hit, base.get(1).unwrap().creature.attacks[0].to_hit + 2);
    assert!(f.get(2).unwrap().flags.attackers_disadvantage.any);
    // Retract everything: back to the base numbers.
    assert!(apply_stack(&mut f, vec![]).ok());
    let mut back = f.clone();
    back.mods = base.mods.clone();
    assert_eq!(back, base);
}

#[test]
fn queued_swap_applies_at_the_turn_boundary_last_write_wins() {
    let mut f = fight();
    let cur = f.current_id().unwrap();
    let p1 = profile("one", vec![("*", vec![ModifierEntry::new("attack_bonus", 1)])], vec![]);
    let p2 = profile("two", vec![("*", vec![ModifierEntry::new("attack_bonus", 4)])], vec![]);
    let base_hit = f.get(1).unwrap().creature.attacks[0].to_hit;
    runtime::queue(&mut f, vec![p1], 11);
    runtime::queue(&mut f, vec![p2], 12);
    assert_eq!(f.get(1).unwrap().creature.attacks[0].to_hit, base_hit, "not before the boundary");
    let mut rng = f.next_rng();
    if f.get(cur).unwrap().ai_controlled() {
        crate::systems::combat::ai_take_turn::<R>(&mut f, &mut rng, &Default::default());
    } else {
        f.end_turn::<R>(cur, &mut rng).unwrap();
    }
    assert_eq!(f.get(1).unwrap().creature.attacks[0].to_hit, base_hit + 4, "the last write won");
    assert_eq!(f.mods.stack[0].id, "two");
    let outs: Vec<(u64, bool)> = f.mods.outcomes.iter().map(|o| (o.request, o.applied)).collect();
    assert_eq!(outs, vec![(11, false), (12, true)]);
    assert!(f.mods.pending.is_none());
}

// ----- DSL -----------------------------------------------------------------------------------

fn node(op: PrimitiveOp, attr: StatAttr, amount: i32) -> PrimitiveNode {
    PrimitiveNode { op: Some(op), attr, amount, ..Default::default() }
}

fn custom(id: &str, nodes: Vec<PrimitiveNode>, roots: Vec<u32>) -> CustomModifier {
    CustomModifier { id: id.into(), version: 1, label: id.into(), nodes, roots }
}

#[test]
fn dsl_limits_and_semantics() {
    use super::dsl::validate_custom;
    let code = |c: &CustomModifier| validate_custom(c).err().map(|e| e.0);
    // 50 primitives is fine, 51 is not.
    let fifty = custom(
        "big",
        (0..50).map(|_| node(PrimitiveOp::AddToAttribute, StatAttr::MaxHp, 1)).collect(),
        (0..50).collect(),
    );
    assert_eq!(code(&fifty), None);
    let fifty_one = custom(
        "big",
        (0..51).map(|_| node(PrimitiveOp::AddToAttribute, StatAttr::MaxHp, 1)).collect(),
        (0..51).collect(),
    );
    assert_eq!(code(&fifty_one), Some(ErrorCode::CustomSize));
    // Depth 3 fine (trigger > conditional > effect); depth 4 not.
    let cond = |then: Vec<u32>| PrimitiveNode {
        op: Some(PrimitiveOp::Conditional),
        cond: CondKind::RoundAtLeast,
        amount: 2,
        then,
        ..Default::default()
    };
    let mut trig = node(PrimitiveOp::OnTurnStart, StatAttr::None, 0);
    trig.then = vec![1];
    let three =
        custom("d3", vec![trig.clone(), cond(vec![2]), node(PrimitiveOp::AddToAttribute, StatAttr::Hp, 1)], vec![0]);
    assert_eq!(code(&three), None);
    let four = custom(
        "d4",
        vec![trig, cond(vec![2]), cond(vec![3]), node(PrimitiveOp::AddToAttribute, StatAttr::Hp, 1)],
        vec![0],
    );
    assert_eq!(code(&four), Some(ErrorCode::CustomDepth));
    // Parameters out of bounds, or meaningless for the primitive.
    assert_eq!(
        code(&custom("p", vec![node(PrimitiveOp::ReflectDamage, StatAttr::None, 150)], vec![0])),
        Some(ErrorCode::CustomParam)
    );
    assert_eq!(
        code(&custom("p", vec![node(PrimitiveOp::ReflectDamage, StatAttr::Speed, 10)], vec![0])),
        Some(ErrorCode::CustomParam)
    );
    assert_eq!(code(&custom("p", vec![PrimitiveNode::default()], vec![0])), Some(ErrorCode::CustomParam), "no op");
    // Healing outside a trigger makes no sense; a resistance inside one neither.
    assert_eq!(
        code(&custom("p", vec![node(PrimitiveOp::AddToAttribute, StatAttr::Hp, 3)], vec![0])),
        Some(ErrorCode::CustomParam)
    );
    let mut t = node(PrimitiveOp::OnKill, StatAttr::None, 0);
    t.then = vec![1];
    let res =
        PrimitiveNode { op: Some(PrimitiveOp::GrantResistance), text: "fire".into(), amount: 50, ..Default::default() };
    assert_eq!(code(&custom("p", vec![t.clone(), res], vec![0])), Some(ErrorCode::CustomParam));
    // Structure: shared node, back reference, unreachable node, nested trigger.
    assert_eq!(
        code(&custom("s", vec![node(PrimitiveOp::ModifyMovement, StatAttr::None, 5)], vec![0, 0])),
        Some(ErrorCode::CustomStructure)
    );
    let mut back = t.clone();
    back.then = vec![0];
    assert_eq!(code(&custom("s", vec![back], vec![0])), Some(ErrorCode::CustomStructure));
    assert_eq!(
        code(&custom(
            "s",
            vec![
                node(PrimitiveOp::ModifyMovement, StatAttr::None, 5),
                node(PrimitiveOp::ModifyMovement, StatAttr::None, 5)
            ],
            vec![0]
        )),
        Some(ErrorCode::CustomStructure)
    );
    let mut outer = node(PrimitiveOp::OnTurnStart, StatAttr::None, 0);
    outer.then = vec![1];
    assert_eq!(
        code(&custom("s", vec![outer, t, node(PrimitiveOp::AddToAttribute, StatAttr::Hp, 1)], vec![0])),
        Some(ErrorCode::CustomStructure)
    );
    // The catalog is 15 primitives.
    assert_eq!(PrimitiveOp::ALL.len(), 15);
    // A profile carrying an invalid descriptor is rejected by the validator with the DSL code.
    let mut p = profile("x", vec![("*", vec![ModifierEntry::keyed("custom", "big", 0)])], vec![]);
    p.customs = vec![fifty_one];
    let f = fight();
    let r = validate_stack(&[p], &Registry::builtin(), &runtime::encounter(&f));
    assert!(r.has(ErrorCode::CustomSize));
}

fn with_custom(target: &str, c: CustomModifier) -> Profile {
    let mut p = profile(&c.id.clone(), vec![(target, vec![ModifierEntry::keyed("custom", &c.id, 0)])], vec![]);
    p.customs = vec![c];
    p
}

#[test]
fn turn_start_trigger_fires() {
    let mut f = fight();
    // Regeneration: +3 HP at the start of each of the hero's turns.
    let mut t = node(PrimitiveOp::OnTurnStart, StatAttr::None, 0);
    t.then = vec![1];
    let regen = custom("regen", vec![t, node(PrimitiveOp::AddToAttribute, StatAttr::Hp, 3)], vec![0]);
    assert!(apply_stack(&mut f, vec![with_custom("character", regen)]).ok());
    let max = f.get(1).unwrap().creature.vitals.max_hp;
    f.get_mut(1).unwrap().creature.vitals.hp = max - 5;
    assert!(runtime::turn_boundary(&mut f, 1));
    assert_eq!(f.get(1).unwrap().creature.vitals.hp, max - 2);
    assert!(f.log.iter().any(|l| l.text.contains("Trigger (turn start)")));
    // Goblins do not regenerate.
    let gmax = f.get(2).unwrap().creature.vitals.max_hp;
    f.get_mut(2).unwrap().creature.vitals.hp = gmax - 2;
    runtime::turn_boundary(&mut f, 2);
    assert_eq!(f.get(2).unwrap().creature.vitals.hp, gmax - 2);
}

/// An attack by `a` on `t` with scripted dice until it hits (bounded).
fn hit(f: &mut Fight, a: u64, t: u64) {
    // Put them next to each other and make it `a`'s turn.
    let pos = f.get(t).unwrap().pos;
    f.get_mut(a).unwrap().pos = Pos::new(pos.x - 5.0, pos.y);
    runtime::after_move(f);
    let k = f.order.iter().position(|x| *x == a).unwrap();
    f.turn_index = k as u32;
    f.get_mut(a).unwrap().economy = Default::default();
    let ac = f.get(t).unwrap().creature.ac;
    f.get_mut(a).unwrap().creature.attacks[0].to_hit = 40 + ac; // always hits (the base too)
    if let Some(m) = f.mods.targets.iter_mut().find(|m| m.combatant_id == a) {
        m.base.to_hit[0] = 40 + ac;
    }
    runtime::recompute(f);
    let mut rng = f.next_rng();
    f.attack::<R>(a, t, 0, &mut rng).unwrap();
}

#[test]
fn on_damaged_and_on_kill_triggers_fire() {
    let mut f = fight();
    // Goblins: every time one is hurt, its `rage` counter grows; killers get +1 to hit.
    let mut dmg = node(PrimitiveOp::OnDamaged, StatAttr::None, 0);
    dmg.then = vec![1];
    let rage = custom(
        "rage",
        vec![
            dmg,
            PrimitiveNode {
                op: Some(PrimitiveOp::AddToAttribute),
                attr: StatAttr::Counter,
                counter: "rage".into(),
                amount: 1,
                ..Default::default()
            },
        ],
        vec![0],
    );
    let mut kill = node(PrimitiveOp::OnKill, StatAttr::None, 0);
    kill.then = vec![1];
    let blood = custom("bloodlust", vec![kill, node(PrimitiveOp::AddToAttribute, StatAttr::AttackBonus, 1)], vec![0]);
    assert!(apply_stack(&mut f, vec![with_custom("monster", rage), with_custom("character", blood)]).ok());
    // Survives the first hit: raise the base max (the effective one is recomputed from it).
    f.mods.targets.iter_mut().find(|t| t.combatant_id == 2).unwrap().base.max_hp = 100;
    f.get_mut(2).unwrap().creature.vitals.hp = 100;
    runtime::recompute(&mut f);
    assert_eq!(f.get(2).unwrap().creature.vitals.max_hp, 100);
    hit(&mut f, 1, 2);
    let counter = |f: &Fight| f.mods.target(2).unwrap().counters.iter().find(|c| c.name == "rage").map(|c| c.value);
    assert_eq!(counter(&f), Some(1), "on damaged fired");
    assert_eq!(f.mods.target(1).unwrap().earned.attack, 0);
    f.get_mut(2).unwrap().creature.vitals.hp = 1;
    hit(&mut f, 1, 2);
    assert!(!f.get(2).unwrap().is_standing());
    assert_eq!(f.mods.target(1).unwrap().earned.attack, 1, "on kill fired");
    assert!(f.log.iter().any(|l| l.text.contains("Trigger (on kill)")));
}

#[test]
fn aura_gained_and_lost_as_a_combatant_moves() {
    let mut f = fight();
    // The goblin boss (goblin-1) gives allies within 10 ft +2 AC.
    let aura = custom(
        "banner",
        vec![PrimitiveNode {
            op: Some(PrimitiveOp::AddAura),
            attr: StatAttr::Ac,
            amount: 2,
            radius_ft: 10,
            text: "allies".into(),
            ..Default::default()
        }],
        vec![0],
    );
    let mut p = with_custom("side:2", aura);
    // Only the boss carries it: move the entry to per-instance.
    p.per_instance = vec![InstanceEntry { slot: "goblin-1".into(), modifiers: p.per_type[0].modifiers.clone() }];
    p.per_type.clear();
    assert!(apply_stack(&mut f, vec![p]).ok());
    let base_ac = f.mods.target(3).unwrap().base.ac;
    assert_eq!(f.get(3).unwrap().creature.ac, base_ac + 2, "goblin-2 stands 5 ft from the boss");
    assert_eq!(f.get(2).unwrap().creature.ac, f.mods.target(2).unwrap().base.ac, "not on itself");
    assert_eq!(f.get(1).unwrap().creature.ac, f.mods.target(1).unwrap().base.ac, "not on enemies");
    // goblin-2 walks away on its turn: the aura is lost; it comes back: gained again.
    let k = f.order.iter().position(|x| *x == 3).unwrap();
    f.turn_index = k as u32;
    f.get_mut(3).unwrap().economy = Default::default();
    f.move_to(3, Pos::new(30.0, 25.0)).unwrap();
    assert_eq!(f.get(3).unwrap().creature.ac, base_ac, "out of range after the move");
    f.get_mut(3).unwrap().economy = Default::default();
    f.move_to(3, Pos::new(30.0, 10.0)).unwrap();
    assert_eq!(f.get(3).unwrap().creature.ac, base_ac + 2, "back in range");
}

#[test]
fn resistance_and_crit_range_reach_real_attacks() {
    // 100 % resistance to the hero's damage type: hits do nothing.
    let mut f = fight();
    let dt = f.get(1).unwrap().creature.attacks[0].damage[0].damage_type;
    let p = profile("stone", vec![], vec![("goblin-1", vec![ModifierEntry::keyed("resistance", dt.id(), 100)])]);
    assert!(apply_stack(&mut f, vec![p]).ok());
    let hp = f.get(2).unwrap().creature.vitals.hp;
    hit(&mut f, 1, 2);
    assert_eq!(f.get(2).unwrap().creature.vitals.hp, hp);
    // Crit range 2: every roll that is not a natural 1 is a critical hit.
    let mut f = fight();
    let p = profile("deadly", vec![("character", vec![ModifierEntry::new("crit_range", 2)])], vec![]);
    assert!(apply_stack(&mut f, vec![p]).ok());
    hit(&mut f, 1, 2);
    let line = f.log.iter().rev().find(|l| l.kind == crate::systems::combat::ActionKind::Attack).unwrap();
    assert!(
        line.text.contains("critical") || line.text.contains("Critical") || line.text.contains("crit"),
        "{}",
        line.text
    );
}

#[test]
fn unkillable_holds_at_one_hp() {
    let mut f = fight();
    let p = profile("boss", vec![], vec![("goblin-1", vec![ModifierEntry::listed("traits", &["unkillable"])])]);
    assert!(apply_stack(&mut f, vec![p]).ok());
    f.get_mut(2).unwrap().creature.vitals.hp = 1;
    hit(&mut f, 1, 2);
    let v = &f.get(2).unwrap().creature.vitals;
    assert_eq!((v.hp, v.dead), (1, false));
}

#[test]
fn absorb_reflect_and_conditional_primitives_work_in_attacks() {
    let mut f = fight();
    // The goblin boss: a 3-point shield (10 HP per point), reflects 50 %, and +5 AC while below
    // half HP (a conditional read by the effective-stat resolution).
    let nodes = vec![
        PrimitiveNode {
            op: Some(PrimitiveOp::SeedAttribute),
            counter: "shield".into(),
            amount: 3,
            ..Default::default()
        },
        PrimitiveNode {
            op: Some(PrimitiveOp::AbsorbDamageWithAttribute),
            counter: "shield".into(),
            amount: 10,
            ..Default::default()
        },
        node(PrimitiveOp::ReflectDamage, StatAttr::None, 50),
        PrimitiveNode {
            op: Some(PrimitiveOp::Conditional),
            cond: CondKind::HpBelowPercent,
            amount: 50,
            then: vec![4],
            ..Default::default()
        },
        node(PrimitiveOp::AddToAttribute, StatAttr::Ac, 5),
    ];
    let boss = custom("boss", nodes, vec![0, 1, 2, 3]);
    assert_eq!(super::dsl::validate_custom(&boss), Ok(()));
    let mut p = with_custom("monster", boss);
    p.per_instance = vec![InstanceEntry { slot: "goblin-1".into(), modifiers: p.per_type[0].modifiers.clone() }];
    p.per_type.clear();
    assert!(apply_stack(&mut f, vec![p]).ok());
    let shield = |f: &Fight| f.mods.target(2).unwrap().counters.iter().find(|c| c.name == "shield").map(|c| c.value);
    assert_eq!(shield(&f), Some(3), "seeded at apply");
    let hp = f.get(2).unwrap().creature.vitals.hp;
    hit(&mut f, 1, 2);
    assert_eq!(f.get(2).unwrap().creature.vitals.hp, hp, "a goblin-sized hit is fully absorbed");
    assert!(shield(&f).unwrap() < 3, "points spent");
    // Without a shield, damage goes through and half of it comes back to the attacker.
    f.mods.targets.iter_mut().find(|t| t.combatant_id == 2).unwrap().counters[0].value = 0;
    let (hp, hero_hp) = (f.get(2).unwrap().creature.vitals.hp, f.get(1).unwrap().creature.vitals.hp);
    f.mods.targets.iter_mut().find(|t| t.combatant_id == 2).unwrap().base.max_hp = 100;
    f.get_mut(2).unwrap().creature.vitals.hp = 100;
    runtime::recompute(&mut f);
    let base_ac = f.mods.target(2).unwrap().base.ac;
    hit(&mut f, 1, 2);
    let lost = 100 - f.get(2).unwrap().creature.vitals.hp;
    assert!(lost > 0, "hp before {hp}");
    assert_eq!(hero_hp - f.get(1).unwrap().creature.vitals.hp, lost / 2, "reflected");
    // Below half HP the conditional AC bonus is on after the next recomputation.
    f.get_mut(2).unwrap().creature.vitals.hp = 10;
    runtime::recompute(&mut f);
    assert_eq!(f.get(2).unwrap().creature.ac, base_ac + 5);
    f.get_mut(2).unwrap().creature.vitals.hp = 90;
    runtime::recompute(&mut f);
    assert_eq!(f.get(2).unwrap().creature.ac, base_ac);
}

// ----- house rules stay in their fight ----------------------------------------------

use super::conditions::HeldSource;
use crate::rules::{Advantage, Condition, DamageDice, DefenseRule, DiceExpr, DiceLog, Scripted, Vitals};
use crate::systems::combat::vitals_after_fight;
use crate::systems::perks::combat::CombatPerk;

/// The sheet a fighter came from (its own maximum, full HP).
fn sheet_of(f: &Fight, id: u64) -> Vitals {
    let base = f.mods.target(id).map(|t| t.base.max_hp).unwrap_or(f.get(id).unwrap().creature.vitals.max_hp);
    Vitals { dies_at_zero: false, ..Vitals::new(base) }
}

/// What `db::combat::finish` writes to the sheet of fighter `id`.
fn written_back(f: &Fight, sheet: &Vitals, id: u64) -> Vitals {
    vitals_after_fight(sheet, &runtime::vitals_without_house_rules(f, f.get(id).unwrap()))
}

#[test]
fn a_raised_max_hp_is_not_written_back_and_the_damage_taken_is() {
    let mut f = fight();
    let sheet = sheet_of(&f, 1);
    let own_max = sheet.max_hp;
    // Three hp_bonus 500 would be refused (stack bound); one is the most a stack may give.
    let p = profile("giants", vec![("character", vec![ModifierEntry::new("hp_bonus", 500)])], vec![]);
    assert!(apply_stack(&mut f, vec![p]).ok());
    assert_eq!(f.get(1).unwrap().creature.vitals.max_hp, own_max + 500);
    // A house-rule heal inside the fight can fill the raised ceiling ...
    f.get_mut(1).unwrap().creature.vitals.hp = own_max + 300;
    let v = written_back(&f, &sheet, 1);
    assert_eq!((v.hp, v.max_hp), (own_max, own_max), "... the sheet keeps its own max, HP clamped to it");
    // Damage taken inside the fight is kept.
    f.get_mut(1).unwrap().creature.vitals.hp = own_max - 3;
    let v = written_back(&f, &sheet, 1);
    assert_eq!((v.hp, v.max_hp), (own_max - 3, own_max));
}

#[test]
fn a_lowered_max_hp_does_not_cripple_the_character() {
    let mut f = fight();
    let sheet = sheet_of(&f, 1);
    let own_max = sheet.max_hp;
    assert!(own_max > 3, "the fixture has room for the penalty");
    let p = profile("frail", vec![("character", vec![ModifierEntry::new("hp_bonus", -(own_max - 2))])], vec![]);
    assert!(apply_stack(&mut f, vec![p]).ok());
    let c = f.get(1).unwrap();
    assert_eq!((c.creature.vitals.hp, c.creature.vitals.max_hp), (2, 2), "clamped inside the fight");
    // No damage taken: the character leaves whole.
    let v = written_back(&f, &sheet, 1);
    assert_eq!((v.hp, v.max_hp), (own_max, own_max));
    // One point of damage taken: it leaves one point down, whatever the house rule's ceiling did;
    // retracting the house rule mid-fight does not change that.
    f.get_mut(1).unwrap().creature.vitals.hp = 1;
    assert!(apply_stack(&mut f, vec![]).ok());
    let v = written_back(&f, &sheet, 1);
    assert_eq!((v.hp, v.max_hp), (own_max - 1, own_max));
    // Dropped to 0 in the fight: it stays down (the HP the ceiling held back do not wake it).
    f.get_mut(1).unwrap().creature.vitals.hp = 0;
    let v = written_back(&f, &sheet, 1);
    assert_eq!((v.hp, v.max_hp), (0, own_max));
}

#[test]
fn house_rule_temp_hp_end_with_the_fight() {
    let mut f = fight();
    let sheet = sheet_of(&f, 1);
    let mut t = node(PrimitiveOp::OnTurnStart, StatAttr::None, 0);
    t.then = vec![1];
    let ward = custom("ward", vec![t, node(PrimitiveOp::AddToAttribute, StatAttr::TempHp, 8)], vec![0]);
    assert!(apply_stack(&mut f, vec![with_custom("character", ward)]).ok());
    runtime::turn_boundary(&mut f, 1);
    assert_eq!(f.get(1).unwrap().creature.vitals.temp_hp, 8, "granted in the fight");
    assert_eq!(written_back(&f, &sheet, 1).temp_hp, 0, "not carried out of it");
}

// ----- stack bounds ----------------------------------------------------------------------------

#[test]
fn the_summed_value_of_a_stack_per_attribute_is_bounded() {
    let f = fight();
    let reg = Registry::builtin();
    let enc = runtime::encounter(&f);
    let check = |stack: Vec<Profile>| validate_stack(&stack, &reg, &enc);
    let hp = |n| ModifierEntry::new("hp_bonus", n);
    // Three hp_bonus 500 for the character (a stack past the limit): refused, per target.
    let r = check(vec![profile("x", vec![("character", vec![hp(500), hp(500), hp(500)])], vec![])]);
    assert!(!r.ok() && r.has(ErrorCode::ProfileStackLimit), "{r:?}");
    assert!(r.errors().any(|i| i.subject == "slot `hero1`" && i.message.contains("1500")), "{r:?}");
    // The bound is on the total over the whole stack: profiles and precedence layers add up.
    let r = check(vec![
        profile("a", vec![("*", vec![hp(300)])], vec![]),
        profile("b", vec![], vec![("goblin-1", vec![hp(201)])]),
    ]);
    assert!(r.has(ErrorCode::ProfileStackLimit), "{r:?}");
    assert!(r.errors().all(|i| i.subject == "slot `goblin-1`"), "only goblin-1 passes 500: {r:?}");
    let r =
        check(vec![profile("a", vec![("*", vec![hp(300)])], vec![]), profile("b", vec![("*", vec![hp(200)])], vec![])]);
    assert!(r.ok(), "500 is the bound itself: {r:?}");
    // Negative totals too.
    let r = check(vec![profile("x", vec![("monster", vec![hp(-400), hp(-400)])], vec![])]);
    assert!(r.has(ErrorCode::ProfileStackLimit));
    let atk = |n| ModifierEntry::new("attack_bonus", n);
    let r = check(vec![profile("x", vec![("character", vec![atk(15), atk(10)])], vec![])]);
    assert!(r.has(ErrorCode::ProfileStackLimit));
    // Custom modifiers count: AC added by two customs, max HP multiplied 300 % twice.
    let ac = custom("ac", vec![node(PrimitiveOp::AddToAttribute, StatAttr::Ac, 15)], vec![0]);
    let mut two = with_custom("character", ac.clone());
    two.per_type[0].modifiers.push(ModifierEntry::keyed("custom", "ac2", 0));
    two.customs.push(CustomModifier { id: "ac2".into(), ..ac });
    assert!(check(vec![two]).has(ErrorCode::ProfileStackLimit));
    let big = custom("big", vec![node(PrimitiveOp::MultiplyAttribute, StatAttr::MaxHp, 300)], vec![0]);
    let mut p = with_custom("monster", big.clone());
    p.per_type[0].modifiers.push(ModifierEntry::keyed("custom", "big2", 0));
    p.customs.push(CustomModifier { id: "big2".into(), ..big });
    assert!(check(vec![p]).has(ErrorCode::ProfileStackLimit));
    // The code is a stable validator code.
    assert_eq!(ErrorCode::ProfileStackLimit.as_str(), "E_PROFILE_STACK_LIMIT");
}

#[test]
fn trigger_earned_bonuses_are_clamped_to_the_stack_bound() {
    let mut f = fight();
    let p = profile("sharp", vec![("character", vec![ModifierEntry::new("attack_bonus", 20)])], vec![]);
    assert!(apply_stack(&mut f, vec![p]).ok());
    let base = f.mods.target(1).unwrap().base.to_hit[0];
    f.mods.targets.iter_mut().find(|t| t.combatant_id == 1).unwrap().earned.attack = 7;
    runtime::recompute(&mut f);
    assert_eq!(f.get(1).unwrap().creature.attacks[0].to_hit, base + 20, "20 + 7 earned stays at +20");
}

// ----- one attack path: perk hooks under house rules ------------------------------------------

/// Faces of one test roll showing `natural` (dnd5e: a d20; lite: 2d6 as two faces).
fn test_roll(natural: i32) -> Vec<i32> {
    if R::TEST_DIE == "d20" {
        vec![natural]
    } else {
        vec![natural / 2, natural - natural / 2]
    }
}

/// `fight()` with Hero1 next to Goblin 1 (whose max HP is raised so nothing dies), a house rule
/// in force (`stack`), and the hero carrying `perks`.
fn house_rule_duel(stack: Vec<Profile>, perks: &[&str]) -> Fight {
    let mut f = fight();
    f.get_mut(1).unwrap().pos = Pos::new(25.0, 0.0);
    f.get_mut(1).unwrap().creature.perks =
        perks.iter().map(|p| CombatPerk { perk_id: p.to_string(), stacks: 1, modes: u8::MAX }).collect();
    f.get_mut(2).unwrap().creature.vitals = Vitals { dies_at_zero: true, ..Vitals::new(400) };
    assert!(apply_stack(&mut f, stack).ok());
    assert!(f.mods.active(), "house rules in force");
    f
}

fn attack_with(f: &mut Fight, faces: &[i32]) -> (crate::rules::AttackOutcome, usize) {
    let mut dice = Scripted::new(faces);
    let (a, t) = (f.index_of(1).unwrap(), f.index_of(2).unwrap());
    let o = runtime::resolve_attack::<R>(f, a, t, 0, Advantage::Normal, &mut dice, &mut DiceLog::new()).unwrap();
    (o, dice.remaining())
}

fn tough_goblins() -> Vec<Profile> {
    vec![profile("tough", vec![("monster", vec![ModifierEntry::new("hp_bonus", 5)])], vec![])]
}

#[test]
fn lucky_rerolls_under_house_rules() {
    let low = crate::systems::perks::combat::lowest_natural(R::TEST_DIE);
    let ac = 40; // only the reroll's high face can hit
    let high = if R::TEST_DIE == "d20" { 20 } else { 12 };
    let mut faces = test_roll(low);
    faces.extend(test_roll(high));
    let mut f = house_rule_duel(tough_goblins(), &["lucky"]);
    f.get_mut(2).unwrap().creature.ac = ac;
    f.mods.targets.iter_mut().find(|t| t.combatant_id == 2).unwrap().base.ac = ac;
    f.get_mut(1).unwrap().creature.attacks[0].to_hit = ac - high + 1;
    f.mods.targets.iter_mut().find(|t| t.combatant_id == 1).unwrap().base.to_hit[0] = ac - high + 1;
    f.get_mut(1).unwrap().creature.attacks[0].damage =
        vec![DamageDice { dice: DiceExpr::flat(3), damage_type: DamageType::Slashing }];
    let (o, left) = attack_with(&mut f, &faces);
    assert!(o.roll.hit && o.roll.natural == high, "{}", o.text);
    assert!(o.text.contains("lucky: rerolled"), "{}", o.text);
    assert_eq!(left, 0, "the reroll drew its dice");
    // The same dice without Lucky: the lowest natural stands and misses.
    let mut f = house_rule_duel(tough_goblins(), &[]);
    f.get_mut(2).unwrap().creature.ac = ac;
    f.mods.targets.iter_mut().find(|t| t.combatant_id == 2).unwrap().base.ac = ac;
    let (o, left) = attack_with(&mut f, &faces);
    assert!(!o.roll.hit, "{}", o.text);
    assert_eq!(left, test_roll(high).len(), "no reroll");
}

#[cfg(feature = "dnd5e")]
#[test]
fn great_weapon_fighting_rerolls_under_house_rules() {
    // Scimitar 1d6+2: d20 15 hits AC 15; the d6 shows 1, GWF rerolls it to 5: 7 damage.
    let mut f = house_rule_duel(tough_goblins(), &["great_weapon_fighting"]);
    let (o, left) = attack_with(&mut f, &[15, 1, 5]);
    assert_eq!(o.damage.as_ref().unwrap().raw, 7, "{}", o.text);
    assert_eq!(left, 0);
    let mut f = house_rule_duel(tough_goblins(), &[]);
    let (o, left) = attack_with(&mut f, &[15, 1, 5]);
    assert_eq!(o.damage.as_ref().unwrap().raw, 3, "without the perk the 1 stands: {}", o.text);
    assert_eq!(left, 1);
}

#[cfg(feature = "dnd5e")]
#[test]
fn savage_attacks_adds_its_die_on_a_house_rule_critical() {
    // crit_range 19 by house rule: a natural 19 crits; 2d6+2 (3, 4) and Savage Attacks' d6 (6).
    let stack = vec![profile("deadly", vec![("character", vec![ModifierEntry::new("crit_range", 19)])], vec![])];
    let mut f = house_rule_duel(stack.clone(), &["savage_attacks"]);
    let (o, left) = attack_with(&mut f, &[19, 3, 4, 6]);
    assert!(o.roll.crit && o.text.contains("by house rule"), "{}", o.text);
    assert_eq!(o.damage.as_ref().unwrap().raw, 3 + 4 + 2 + 6, "{}", o.text);
    assert_eq!(left, 0);
    let mut f = house_rule_duel(stack, &[]);
    let (o, left) = attack_with(&mut f, &[19, 3, 4, 6]);
    assert_eq!(o.damage.as_ref().unwrap().raw, 3 + 4 + 2, "{}", o.text);
    assert_eq!(left, 1, "no extra die without the perk");
}

// ----- the order of profile resistance and the ruleset's defenses -----------------------------

/// One hit of exactly `amount` fire damage by Hero1 on Goblin 1, who has `defense` from the
/// ruleset and 50 % fire resistance by house rule. Returns the damage taken.
fn fire_hit(amount: i32, defense: &str) -> i32 {
    let stack =
        vec![profile("ember", vec![], vec![("goblin-1", vec![ModifierEntry::keyed("resistance", "fire", 50)])])];
    let mut f = house_rule_duel(stack, &[]);
    let g = f.get_mut(2).unwrap();
    match defense {
        "resistance" => g.creature.defenses.resistances = vec![DefenseRule::of(DamageType::Fire)],
        _ => g.creature.defenses.vulnerabilities = vec![DefenseRule::of(DamageType::Fire)],
    }
    let h = f.get_mut(1).unwrap();
    h.creature.attacks[0].damage = vec![DamageDice { dice: DiceExpr::flat(amount), damage_type: DamageType::Fire }];
    h.creature.attacks[0].to_hit = 30;
    f.mods.targets.iter_mut().find(|t| t.combatant_id == 1).unwrap().base.to_hit[0] = 30;
    let (o, left) = attack_with(&mut f, &test_roll(10));
    assert_eq!(left, 0);
    o.damage.unwrap().taken
}

#[test]
fn profile_resistance_applies_before_the_rulesets_own_defenses() {
    // 6 fire: 50 % by house rule first (6 - 3 = 3), then the ruleset halves (1). The other order
    // would give 2 (6 halved to 3, then 3 - 1).
    assert_eq!(fire_hit(6, "resistance"), 1);
    // 5 fire: 5 - 2 = 3 by house rule, then vulnerability doubles: 6 (the other order: 10 - 5 = 5).
    assert_eq!(fire_hit(5, "vulnerability"), 6);
}

// ----- condition immunity in the fight --------------------------------------------------------

/// A catalog condition's modifiers (the shipped buff row).
fn condition_mods(id: &str) -> Vec<crate::systems::buffs::modifiers::Modifier> {
    let cat = crate::systems::buffs::load().expect("buffs load");
    cat.defs().iter().find(|d| d.id == id).unwrap_or_else(|| panic!("no `{id}` buff")).modifiers.clone()
}

/// `fight()` with Hero1 stunned (a shipped condition buff) and wearing a cloak that makes
/// attackers roll with disadvantage from beyond 5 ft, as the glue builds it: the combatant's flags
/// and speed from its effective stats, its sources tagged by condition.
fn stunned_hero() -> Fight {
    let mut f = fight();
    let cloak: Vec<crate::systems::buffs::modifiers::Modifier> =
        crate::systems::buffs::modifiers::parse_modifiers("attackers_disadvantage:beyond_5ft").unwrap();
    let sources = vec![
        HeldSource { condition: None, stacks: 1, modifiers: cloak },
        HeldSource { condition: Some(Condition::Stunned), stacks: 1, modifiers: condition_mods("stunned") },
    ];
    let (flags, speed) = super::conditions::flags_and_speed(30, &sources, &[]);
    let h = f.get_mut(1).unwrap();
    h.flags = flags;
    h.speed_ft = speed;
    f.mods.tags = vec![runtime::TypeTag { combatant_id: 1, tags: vec![], sources, base_speed_ft: 30 }];
    f
}

#[test]
fn condition_immunity_blocks_a_held_condition_in_the_fight() {
    let mut f = stunned_hero();
    let h = f.get(1).unwrap();
    assert!(h.flags.cannot_act && h.flags.attackers_advantage.any && h.speed_ft == 0.0, "stunned: {:?}", h.flags);
    assert!(h.flags.attackers_disadvantage.beyond_5ft, "the cloak");
    // A stack that does not touch it leaves it stunned (a side its own conditions stop is not
    // the stack's deadlock).
    let plain = profile("plain", vec![("monster", vec![ModifierEntry::new("hp_bonus", 1)])], vec![]);
    assert!(apply_stack(&mut f, vec![plain]).ok());
    assert!(f.get(1).unwrap().flags.cannot_act);
    // Immune to stunned by house rule: acts, moves at full speed, no advantage against it; the
    // cloak (not a condition) still works.
    let brave =
        profile("brave", vec![("character", vec![ModifierEntry::listed("condition_immunity", &["stunned"])])], vec![]);
    let r = apply_stack(&mut f, vec![brave.clone()]);
    assert!(r.ok(), "{r:?}");
    let h = f.get(1).unwrap();
    assert!(!h.flags.cannot_act && !h.flags.attackers_advantage.any, "{:?}", h.flags);
    assert_eq!(h.speed_ft, 30.0);
    assert!(h.flags.attackers_disadvantage.beyond_5ft, "the cloak stays");
    assert!(h.creature.defenses.condition_immunities.contains(&Condition::Stunned));
    // It really acts: moving is allowed on its turn.
    let k = f.order.iter().position(|x| *x == 1).unwrap();
    f.turn_index = k as u32;
    f.move_to(1, Pos::new(10.0, 0.0)).expect("not stunned in this fight");
    // Immunity to another condition changes nothing; retracting the house rule: stunned again.
    let other =
        profile("other", vec![("character", vec![ModifierEntry::listed("condition_immunity", &["charmed"])])], vec![]);
    assert!(apply_stack(&mut f, vec![other]).ok());
    assert!(f.get(1).unwrap().flags.cannot_act);
    assert!(apply_stack(&mut f, vec![brave]).ok());
    assert!(!f.get(1).unwrap().flags.cannot_act);
    assert!(apply_stack(&mut f, vec![]).ok());
    let h = f.get(1).unwrap();
    assert!(h.flags.cannot_act && h.speed_ft == 0.0 && h.flags.attackers_advantage.any);
    // A stack that stops the goblins' side is still refused.
    let r = apply_stack(
        &mut f,
        vec![profile("x", vec![("monster", vec![ModifierEntry::listed("traits", &["incapacitated"])])], vec![])],
    );
    assert!(r.has(ErrorCode::ProfileDeadlock));
}

#[test]
fn condition_immunity_blocks_the_incapacitated_trait() {
    let mut f = fight();
    let stack = vec![profile(
        "odd",
        vec![],
        vec![(
            "goblin-1",
            vec![
                ModifierEntry::listed("traits", &["incapacitated"]),
                ModifierEntry::listed("condition_immunity", &["incapacitated"]),
            ],
        )],
    )];
    assert!(apply_stack(&mut f, stack).ok());
    assert!(!f.get(2).unwrap().flags.cannot_act, "immune to the condition the trait gives");
    let stack =
        vec![profile("odd", vec![], vec![("goblin-1", vec![ModifierEntry::listed("traits", &["incapacitated"])])])];
    assert!(apply_stack(&mut f, stack).ok());
    assert!(f.get(2).unwrap().flags.cannot_act);
}

#[test]
fn condition_of_maps_buff_rows_to_srd_conditions() {
    use super::conditions::condition_of;
    assert_eq!(condition_of("stunned", None, true), Some(Condition::Stunned));
    assert_eq!(condition_of("exhaustion_3", Some("exhaustion"), true), Some(Condition::Exhaustion));
    assert_eq!(condition_of("stunned", None, false), None, "a buff that is not flagged a condition");
    assert_eq!(condition_of("bless", None, true), None);
}
