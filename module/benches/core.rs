//! Native micro-benchmarks of the pure core (issue 11): effective stats with 50 modifiers, damage
//! resolution, and an InstantResolution 8-vs-8 fight. No tables, no host calls (those would not
//! link natively). Run: `cargo bench -p world-kernel --bench core` (scripts/bench.sh does, with
//! short warm-up and measurement times).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use rand::SeedableRng;
use world_kernel::rules::{AbilityScores, ActiveRules, Advantage, Damage, DamageType, DiceLog, RulesEngine, Scripted};
use world_kernel::systems::buffs::modifiers::{parse_modifiers, Modifier};
use world_kernel::systems::buffs::vocab::DamageSet;
use world_kernel::systems::combat::{monster_combatant, run_instant, CombatMode, Combatant, Fight, ModeConfig};
use world_kernel::systems::stats::{effective_stats, BaseStats, ModifierSource, SourceKind};

/// The "guard" of each ruleset (lite has no guard; its bandit plays the part).
#[cfg(feature = "dnd5e")]
const GUARD: &str = "guard";
#[cfg(not(feature = "dnd5e"))]
const GUARD: &str = "bandit";

fn base() -> BaseStats {
    BaseStats {
        abilities: AbilityScores::from_array([15, 14, 13, 12, 10, 8]),
        armor_class: 16,
        attack_bonus: 5,
        damage_bonus: 3,
        save_bonus: 0,
        speed: 30,
        max_hp: 24,
        resistances: DamageSet::EMPTY,
        vulnerabilities: DamageSet::EMPTY,
        immunities: DamageSet::EMPTY,
    }
}

/// Ten sources of five modifiers each: every numeric operation, flags and damage sets.
fn fifty_modifiers() -> Vec<Vec<Modifier>> {
    let cells = [
        "armor_class:add:2;attack_bonus:add:1;save_bonus:add:1;speed:add:10;max_hp:add:5",
        "speed:multiply:2;max_hp:multiply:1.5;str:upgrade:19;dex:add:1;con:add:1",
        "armor_class:upgrade:16;damage_bonus:add:2;resistance:fire;advantage:attack;int:add:1",
        "speed:downgrade:50;wis:add:1;cha:add:-1;resistance:cold;disadvantage:check",
        "attack_bonus:add:-2;save_bonus:add:-2;armor_class:add:1;speed:add:5;max_hp:add:3",
        "str:add:1;dex:add:1;con:add:1;int:add:1;wis:add:1",
        "resistance:bludgeoning;resistance:piercing;resistance:slashing;damage_bonus:add:1;cha:add:1",
        "max_hp:add:10;armor_class:add:1;speed:multiply:0.5;attack_bonus:add:1;save_bonus:add:1",
        "unseen;advantage:attack;attackers_disadvantage;speed:add:5;armor_class:add:1",
        "speed:override:25;str:downgrade:18;damage_bonus:add:1;max_hp:add:2;attack_bonus:add:1",
    ];
    let mods: Vec<Vec<Modifier>> = cells.iter().map(|c| parse_modifiers(c).expect("valid modifiers")).collect();
    assert_eq!(mods.iter().map(Vec::len).sum::<usize>(), 50, "the bench needs exactly 50 modifiers");
    mods
}

fn bench_effective_stats(c: &mut Criterion) {
    let mods = fifty_modifiers();
    let labels: Vec<String> = (0..mods.len()).map(|i| format!("Buff {i}")).collect();
    let sources: Vec<ModifierSource> = mods
        .iter()
        .enumerate()
        .map(|(i, m)| ModifierSource {
            kind: if i < 2 { SourceKind::Equipment } else { SourceKind::Buff },
            id: i as u64 + 1,
            label: &labels[i],
            stacks: 1,
            modifiers: m,
        })
        .collect();
    let b = base();
    c.bench_function("effective_stats_50_modifiers", |bench| {
        bench.iter(|| effective_stats(black_box(&b), black_box(&sources)))
    });
}

fn catalog() -> world_kernel::systems::items::ItemCatalog {
    world_kernel::systems::items::load().expect("items load")
}

fn monster(id: u64, side: u32, def: &str, x: f32, y: f32) -> Combatant {
    let d = ActiveRules::monster(def).expect("monster def");
    monster_combatant::<ActiveRules>(id, side, &d, Some(&catalog())).at(x, y)
}

fn bench_damage(c: &mut Criterion) {
    let guard = monster(1, 1, GUARD, 0.0, 0.0).creature;
    let goblin = monster(2, 2, "goblin", 5.0, 0.0).creature;
    let hits = vec![Damage::new(5, DamageType::Slashing), Damage::new(3, DamageType::Fire)];
    c.bench_function("apply_damage", |bench| {
        bench.iter(|| {
            let mut v = goblin.vitals.clone();
            ActiveRules::apply_damage(&goblin.name, &mut v, black_box(&goblin.defenses), black_box(&hits), false)
        })
    });
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    c.bench_function("resolve_attack", |bench| {
        bench.iter(|| {
            let mut target = goblin.clone();
            let mut log = DiceLog::new();
            ActiveRules::resolve_attack(
                black_box(&guard),
                &guard.attacks[0],
                &mut target,
                Advantage::Normal,
                &mut rng,
                &mut log,
            )
        })
    });
    // Scripted dice: a hit (d20 = 15 / 2d6 = 5+5) with fixed damage, so every iteration is alike.
    let faces = [15, 5, 5, 4, 4, 4, 4];
    c.bench_function("resolve_attack_scripted_hit", |bench| {
        bench.iter(|| {
            let mut target = goblin.clone();
            let mut log = DiceLog::new();
            ActiveRules::resolve_attack(
                &guard,
                &guard.attacks[0],
                &mut target,
                Advantage::Normal,
                &mut Scripted::new(&faces),
                &mut log,
            )
        })
    });
}

fn bench_instant(c: &mut Criterion) {
    // What the instant reducer does per fight besides table writes: start (initiative) +
    // simulate to the end (the outcome included; the summary is built once when it is stored).
    let mut roster = Vec::new();
    for k in 0..8u64 {
        roster.push(monster(1 + k, 1, GUARD, 0.0, 5.0 * k as f32));
        roster.push(monster(101 + k, 2, "goblin", 30.0, 5.0 * k as f32));
    }
    let cfg = ModeConfig::default();
    let mut seed = 0u64;
    c.bench_function("instant_fight_8v8", |bench| {
        bench.iter(|| {
            seed += 1;
            let mut f = Fight::start::<ActiveRules>(seed, CombatMode::InstantResolution, roster.clone(), &cfg, 0)
                .expect("fight starts");
            let mut rng = f.next_rng();
            run_instant::<ActiveRules>(&mut f, &mut rng, &cfg);
            f.outcome()
        })
    });
}

criterion_group!(benches, bench_effective_stats, bench_damage, bench_instant);
criterion_main!(benches);
