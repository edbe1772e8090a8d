//! Native micro-benchmarks of the pure core: effective stats with 50 modifiers, damage
//! resolution, and an InstantResolution 8-vs-8 fight. No tables, no host calls (those would not
//! link natively). Run: `cargo bench -p world-kernel --bench core` (scripts/bench.sh does, with
//! short warm-up and measurement times).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use rand::SeedableRng;
use world_kernel::rules::{ActiveRules, Advantage, Damage, DamageType, DiceLog, RulesEngine, Scripted};
use world_kernel::systems::combat::{monster_combatant, run_instant, CombatMode, Combatant, Fight, ModeConfig};
use world_kernel::systems::stats::effective_stats;
use world_kernel::systems::stats_fixture;

/// The "guard" of each ruleset (lite has no guard; its bandit plays the part).
#[cfg(feature = "dnd5e")]
const GUARD: &str = "guard";
#[cfg(not(feature = "dnd5e"))]
const GUARD: &str = "bandit";

fn bench_effective_stats(c: &mut Criterion) {
    // The same fixture `admin_bench_effective_stats` times inside the module (wasm ÷ native).
    let (mods, labels) = (stats_fixture::fifty_modifiers(), stats_fixture::labels());
    assert_eq!(mods.iter().map(Vec::len).sum::<usize>(), 50, "the bench needs exactly 50 modifiers");
    let sources = stats_fixture::sources(&mods, &labels);
    let b = stats_fixture::base();
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
