//! Effective stats: base + equipment + active buffs + profiles, derived in one pure function with
//! a breakdown of who contributed what ("AC 18 = 16 base + 2 Shield of Faith"). Base stats are
//! never mutated; call this whenever the numbers are needed (or cache it with the buff/loadout
//! change as the invalidation point).
//!
//! ## Order of operations (FoundryVTT's active-effect modes)
//! For each numeric stat, starting from the base value:
//! 1. **multiply** (mode 1): all factors are multiplied together in source order, the value is
//!    multiplied once and rounded down (so 35 x 2 x 0.5 = 35, independent of order);
//! 2. **add** (mode 2): all additions summed;
//! 3. **downgrade** (mode 3): `min(value, each ceiling)`;
//! 4. **upgrade** (mode 4): `max(value, each floor)`;
//! 5. **override** (mode 5): the last override in source order replaces the value.
//!
//! Then the value is clamped to [`Stat::clamp_range`]. This is Foundry's order (it sorts changes
//! by priority = mode x 10, ascending). Stacks: an `add` counts once per stack, a `multiply`
//! factor is raised to the number of stacks, the other operations ignore stacks.
//!
//! Resistances, vulnerabilities, damage immunities and flags are unions of the base sets and every
//! source that sets them; their sources are listed in the breakdown. How resistance and
//! vulnerability combine is the rules engine's business (`rules::damage::mitigate`).
//!
//! ## Determinism and speed
//! The result depends only on the inputs and their order. Callers pass sources in a stable
//! order: profiles, then equipment by slot, then buffs by instance id. One allocation per call
//! (the contribution list); everything else lives in fixed arrays.

use crate::rules::AbilityScores;
use crate::systems::buffs::modifiers::{FlagSet, KeyKind, ModOp, ModValue, Modifier, ModifierKey, Stat};
use crate::systems::buffs::vocab::{DamageSet, DamageType};
use spacetimedb::SpacetimeType;
use std::fmt::Write;

/// The numbers before any modifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BaseStats {
    pub abilities: AbilityScores,
    pub armor_class: i32,
    pub attack_bonus: i32,
    pub damage_bonus: i32,
    pub save_bonus: i32,
    pub speed: i32,
    pub max_hp: i32,
    pub resistances: DamageSet,
    pub vulnerabilities: DamageSet,
    pub immunities: DamageSet,
}

impl BaseStats {
    pub fn get(&self, stat: Stat) -> i32 {
        match stat {
            Stat::Str => self.abilities.str_ as i32,
            Stat::Dex => self.abilities.dex as i32,
            Stat::Con => self.abilities.con as i32,
            Stat::Int => self.abilities.int as i32,
            Stat::Wis => self.abilities.wis as i32,
            Stat::Cha => self.abilities.cha as i32,
            Stat::ArmorClass => self.armor_class,
            Stat::AttackBonus => self.attack_bonus,
            Stat::DamageBonus => self.damage_bonus,
            Stat::SaveBonus => self.save_bonus,
            Stat::Speed => self.speed,
            Stat::MaxHp => self.max_hp,
            // No bonus die before a modifier grants one.
            Stat::AttackDie | Stat::SaveDie => 0,
        }
    }
}

/// Where a set of modifiers comes from.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    Profile,
    Equipment,
    Buff,
}

/// One contributor: a profile, an equipped item, an active buff instance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModifierSource<'a> {
    pub kind: SourceKind,
    /// Profile id, item instance id or buff instance id.
    pub id: u64,
    /// What a player reads ("Shield of Faith").
    pub label: &'a str,
    /// Buff stacks (1 for everything else).
    pub stacks: u8,
    pub modifiers: &'a [Modifier],
}

/// One modifier as it took part in the result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contribution {
    /// Index into the `sources` slice given to [`effective_stats`].
    pub source: u32,
    pub key: ModifierKey,
    pub op: ModOp,
    /// The value after stacks (`add` x stacks, `multiply` ^ stacks).
    pub value: ModValue,
    /// It changed the result: not cancelled by a later override, not an upgrade or downgrade
    /// that lost to another or left the value unchanged, not a value of the wrong type.
    pub effective: bool,
}

/// The result: base and final value of every numeric stat, the damage sets, the flags and the
/// contribution list behind them.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectiveStats {
    base: [i32; Stat::COUNT],
    value: [i32; Stat::COUNT],
    /// Bit per stat: the final value was clamped into range.
    clamped: u16,
    pub resistances: DamageSet,
    pub vulnerabilities: DamageSet,
    pub immunities: DamageSet,
    pub flags: FlagSet,
    /// In source order, then modifier order.
    pub contributions: Vec<Contribution>,
}

const NONE: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Acc {
    product: f64,
    sum: i64,
    down: i32,
    down_at: u32,
    up: i32,
    up_at: u32,
    set: i32,
    set_at: u32,
}

const ACC: Acc =
    Acc { product: 1.0, sum: 0, down: i32::MAX, down_at: NONE, up: i32::MIN, up_at: NONE, set: 0, set_at: NONE };

/// Derive effective stats from base numbers and modifier sources. Pure and deterministic; see the
/// module docs for the order of operations. Modifiers are assumed validated (definitions are
/// checked at load and apply time); a value of the wrong type is listed but ignored.
pub fn effective_stats(base: &BaseStats, sources: &[ModifierSource]) -> EffectiveStats {
    let total: usize = sources.iter().map(|s| s.modifiers.len()).sum();
    let mut contributions = Vec::with_capacity(total);
    let mut acc = [ACC; Stat::COUNT];
    let mut out_base = [0i32; Stat::COUNT];
    for s in Stat::ALL {
        out_base[s.index()] = base.get(s);
    }
    let mut resistances = base.resistances;
    let mut vulnerabilities = base.vulnerabilities;
    let mut immunities = base.immunities;
    let mut flags = FlagSet::default();

    for (si, src) in sources.iter().enumerate() {
        let stacks = src.stacks.max(1);
        for m in src.modifiers {
            let at = contributions.len() as u32;
            let mut value = m.value;
            let mut effective = true;
            match m.key.kind() {
                KeyKind::Stat(stat) => {
                    let a = &mut acc[stat.index()];
                    match (m.op, m.value) {
                        (ModOp::Multiply, ModValue::Float(f)) => {
                            let f = f.powi(stacks as i32);
                            a.product *= f;
                            value = ModValue::Float(f);
                        }
                        (ModOp::Add, ModValue::Int(v)) => {
                            let v = v.saturating_mul(stacks as i32);
                            a.sum += v as i64;
                            value = ModValue::Int(v);
                        }
                        (ModOp::Downgrade, ModValue::Int(v)) => {
                            if v < a.down {
                                a.down = v;
                                a.down_at = at;
                            }
                        }
                        (ModOp::Upgrade, ModValue::Int(v)) => {
                            if v > a.up {
                                a.up = v;
                                a.up_at = at;
                            }
                        }
                        (ModOp::Override, ModValue::Int(v)) => {
                            a.set = v;
                            a.set_at = at;
                        }
                        _ => effective = false,
                    }
                }
                KeyKind::Resistance(d) => resistances.insert(d),
                KeyKind::Vulnerability(d) => vulnerabilities.insert(d),
                KeyKind::Immunity(d) => immunities.insert(d),
                KeyKind::Flag(bit) => flags.set_bit(bit),
            }
            contributions.push(Contribution { source: si as u32, key: m.key, op: m.op, value, effective });
        }
    }

    let mut value = [0i32; Stat::COUNT];
    let mut clamped = 0u16;
    // Per stat: did the downgrade lower / the upgrade raise the value? (for `effective`)
    let mut down_changed = [false; Stat::COUNT];
    let mut up_changed = [false; Stat::COUNT];
    for s in Stat::ALL {
        let i = s.index();
        let a = &acc[i];
        let mut v = (out_base[i] as f64 * a.product).floor() as i64 + a.sum;
        if a.down_at != NONE && (a.down as i64) < v {
            v = a.down as i64;
            down_changed[i] = true;
        }
        if a.up_at != NONE && (a.up as i64) > v {
            v = a.up as i64;
            up_changed[i] = true;
        }
        if a.set_at != NONE {
            v = a.set as i64;
        }
        let (lo, hi) = s.clamp_range();
        let c = v.clamp(lo as i64, hi as i64);
        if c != v {
            clamped |= 1 << i;
        }
        value[i] = c as i32;
    }
    for (at, c) in contributions.iter_mut().enumerate() {
        let KeyKind::Stat(stat) = c.key.kind() else {
            continue;
        };
        if !c.effective {
            continue;
        }
        let i = stat.index();
        let a = &acc[i];
        let at = at as u32;
        let overridden = a.set_at != NONE;
        c.effective = match c.op {
            ModOp::Multiply => !overridden && c.value != ModValue::Float(1.0),
            ModOp::Add => !overridden && c.value != ModValue::Int(0),
            ModOp::Downgrade => !overridden && a.down_at == at && down_changed[i] && !up_changed[i],
            ModOp::Upgrade => !overridden && a.up_at == at && up_changed[i],
            ModOp::Override => a.set_at == at,
        };
    }
    EffectiveStats { base: out_base, value, clamped, resistances, vulnerabilities, immunities, flags, contributions }
}

impl EffectiveStats {
    pub fn get(&self, stat: Stat) -> i32 {
        self.value[stat.index()]
    }

    pub fn base(&self, stat: Stat) -> i32 {
        self.base[stat.index()]
    }

    /// The modifiers pushed the stat out of its range and it was clamped.
    pub fn was_clamped(&self, stat: Stat) -> bool {
        self.clamped & (1 << stat.index()) != 0
    }

    /// Is a flag key set (any source)? Damage keys answer from the damage sets.
    pub fn has(&self, key: ModifierKey) -> bool {
        match key.kind() {
            KeyKind::Flag(_) => self.flags.has(key),
            KeyKind::Resistance(d) => self.resistances.contains(d),
            KeyKind::Vulnerability(d) => self.vulnerabilities.contains(d),
            KeyKind::Immunity(d) => self.immunities.contains(d),
            KeyKind::Stat(_) => false,
        }
    }

    pub fn resists(&self, d: DamageType) -> bool {
        self.resistances.contains(d)
    }

    /// Contributions to one key, in order.
    pub fn contributions_to(&self, key: ModifierKey) -> impl Iterator<Item = &Contribution> {
        self.contributions.iter().filter(move |c| c.key == key)
    }

    /// Indices (into `sources`) of the sources that set a flag or damage-set key: "disadvantage
    /// on attacks from Poisoned, Prone".
    pub fn sources_of(&self, key: ModifierKey) -> impl Iterator<Item = u32> + '_ {
        self.contributions_to(key).filter(|c| c.effective).map(|c| c.source)
    }

    /// A one-line explanation for players: `AC 18 = 16 base + 2 Shield of Faith`.
    pub fn explain(&self, stat: Stat, sources: &[ModifierSource]) -> String {
        let mut s = format!("{} {} = {} base", stat_label(stat), self.get(stat), self.base(stat));
        for c in self.contributions_to(stat.key()).filter(|c| c.effective) {
            let label = sources.get(c.source as usize).map(|x| x.label).unwrap_or("?");
            let _ = match (c.op, c.value) {
                (ModOp::Add, ModValue::Int(v)) if v < 0 => write!(s, " - {} {label}", -v),
                (ModOp::Add, ModValue::Int(v)) => write!(s, " + {v} {label}"),
                (ModOp::Multiply, ModValue::Float(f)) => write!(s, " x {f} {label}"),
                (ModOp::Downgrade, ModValue::Int(v)) => write!(s, ", at most {v} ({label})"),
                (ModOp::Upgrade, ModValue::Int(v)) => write!(s, ", at least {v} ({label})"),
                (ModOp::Override, ModValue::Int(v)) => write!(s, ", set to {v} by {label}"),
                _ => Ok(()),
            };
        }
        if self.was_clamped(stat) {
            let (lo, hi) = stat.clamp_range();
            let _ = write!(s, ", kept within {lo}..={hi}");
        }
        s
    }
}

/// Short display names for [`EffectiveStats::explain`].
pub fn stat_label(stat: Stat) -> &'static str {
    match stat {
        Stat::Str => "STR",
        Stat::Dex => "DEX",
        Stat::Con => "CON",
        Stat::Int => "INT",
        Stat::Wis => "WIS",
        Stat::Cha => "CHA",
        Stat::ArmorClass => "AC",
        Stat::AttackBonus => "Attack bonus",
        Stat::DamageBonus => "Damage bonus",
        Stat::SaveBonus => "Save bonus",
        Stat::Speed => "Speed",
        Stat::MaxHp => "Max HP",
        Stat::AttackDie => "Attack die",
        Stat::SaveDie => "Save die",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Ability;
    use crate::systems::buffs::modifiers::parse_modifiers;
    use crate::systems::buffs::vocab::Roll;

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

    fn src<'a>(kind: SourceKind, id: u64, label: &'a str, modifiers: &'a [Modifier]) -> ModifierSource<'a> {
        ModifierSource { kind, id, label, stacks: 1, modifiers }
    }

    #[test]
    fn shield_of_faith_reads_as_a_sentence() {
        let sof = parse_modifiers("armor_class:add:2").unwrap();
        let sources = [src(SourceKind::Buff, 7, "Shield of Faith", &sof)];
        let e = effective_stats(&base(), &sources);
        assert_eq!(e.get(Stat::ArmorClass), 18);
        assert_eq!(e.base(Stat::ArmorClass), 16);
        assert_eq!(e.explain(Stat::ArmorClass, &sources), "AC 18 = 16 base + 2 Shield of Faith");
        let c: Vec<_> = e.contributions_to(ModifierKey::ArmorClass).collect();
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].source, c[0].op, c[0].value, c[0].effective), (0, ModOp::Add, ModValue::Int(2), true));
        // Untouched stats equal their base.
        assert_eq!(e.get(Stat::Speed), 30);
        assert_eq!(e.get(Stat::Str), 15);
    }

    #[test]
    fn operations_apply_in_foundry_order_multiply_add_downgrade_upgrade_override() {
        // Speed 30: x2 (haste) -> 60, +10 (longstrider) -> 70, at most 50 -> 50, at least 55 -> 55.
        let haste = parse_modifiers("speed:multiply:2").unwrap();
        let stride = parse_modifiers("speed:add:10").unwrap();
        let mud = parse_modifiers("speed:downgrade:50").unwrap();
        let boots = parse_modifiers("speed:upgrade:55").unwrap();
        // Listed in reverse to show that source order does not change the operation order.
        let sources = [
            src(SourceKind::Equipment, 1, "Boots", &boots),
            src(SourceKind::Profile, 2, "Mud", &mud),
            src(SourceKind::Buff, 3, "Longstrider", &stride),
            src(SourceKind::Buff, 4, "Haste", &haste),
        ];
        let e = effective_stats(&base(), &sources);
        assert_eq!(e.get(Stat::Speed), 55);
        let eff: Vec<bool> = e.contributions.iter().map(|c| c.effective).collect();
        // Boots raised it; mud's ceiling was then lifted by the boots, so it did not decide.
        assert_eq!(eff, vec![true, false, true, true]);

        // An override (grappled) beats everything, and everything else is marked ineffective.
        let grappled = parse_modifiers("speed:override:0").unwrap();
        let mut with_grapple = sources.to_vec();
        with_grapple.push(src(SourceKind::Buff, 5, "Grappled", &grappled));
        let e = effective_stats(&base(), &with_grapple);
        assert_eq!(e.get(Stat::Speed), 0);
        assert_eq!(e.explain(Stat::Speed, &with_grapple), "Speed 0 = 30 base, set to 0 by Grappled");
        assert_eq!(e.contributions.iter().filter(|c| c.effective).count(), 1);
    }

    #[test]
    fn multipliers_combine_before_rounding_down_once() {
        let mut b = base();
        b.speed = 35;
        let half = parse_modifiers("speed:multiply:0.5").unwrap();
        let double = parse_modifiers("speed:multiply:2").unwrap();
        let sources = [src(SourceKind::Buff, 1, "Exhaustion 2", &half), src(SourceKind::Buff, 2, "Haste", &double)];
        assert_eq!(effective_stats(&b, &sources).get(Stat::Speed), 35);
        let only_half = [src(SourceKind::Buff, 1, "Exhaustion 2", &half)];
        assert_eq!(effective_stats(&b, &only_half).get(Stat::Speed), 17);
    }

    #[test]
    fn stacks_multiply_adds_and_power_factors() {
        let curse = parse_modifiers("str:add:-2;max_hp:multiply:0.5").unwrap();
        let mut s = src(SourceKind::Buff, 9, "Withering", &curse);
        s.stacks = 3;
        let e = effective_stats(&base(), &[s]);
        assert_eq!(e.get(Stat::Str), 9);
        assert_eq!(e.get(Stat::MaxHp), 3); // 24 x 0.125
        assert_eq!(e.contributions[0].value, ModValue::Int(-6));
        assert_eq!(e.explain(Stat::Str, &[s]), "STR 9 = 15 base - 6 Withering");
    }

    #[test]
    fn final_values_are_clamped() {
        let sap = parse_modifiers("max_hp:add:-500;speed:add:-120").unwrap();
        let e = effective_stats(&base(), &[src(SourceKind::Buff, 1, "Sap", &sap)]);
        assert_eq!(e.get(Stat::MaxHp), 1);
        assert_eq!(e.get(Stat::Speed), 0);
        assert!(e.was_clamped(Stat::MaxHp) && !e.was_clamped(Stat::ArmorClass));
        let s = [src(SourceKind::Buff, 1, "Sap", &sap)];
        assert_eq!(e.explain(Stat::MaxHp, &s), "Max HP 1 = 24 base - 500 Sap, kept within 1..=100000");
    }

    #[test]
    fn flags_and_damage_sets_list_their_sources() {
        let poisoned = parse_modifiers("disadvantage:attack;disadvantage:check").unwrap();
        let prone = parse_modifiers("disadvantage:attack;attackers_advantage:within_5ft").unwrap();
        let rage = parse_modifiers("resistance:slashing;damage_bonus:add:2").unwrap();
        let mut b = base();
        b.resistances.insert(DamageType::Fire);
        let sources = [
            src(SourceKind::Buff, 1, "Poisoned", &poisoned),
            src(SourceKind::Buff, 2, "Prone", &prone),
            src(SourceKind::Buff, 3, "Rage", &rage),
        ];
        let e = effective_stats(&b, &sources);
        let dis = ModifierKey::Disadvantage(Roll::Attack);
        assert!(e.has(dis));
        assert_eq!(e.sources_of(dis).collect::<Vec<_>>(), vec![0, 1]);
        assert!(e.has(ModifierKey::Disadvantage(Roll::AnyCheck)));
        assert!(!e.has(ModifierKey::Advantage(Roll::Attack)));
        assert!(!e.has(ModifierKey::Disadvantage(Roll::Save(Ability::Dex))));
        assert!(e.resists(DamageType::Fire) && e.resists(DamageType::Slashing));
        assert!(!e.resists(DamageType::Cold));
        assert_eq!(e.get(Stat::DamageBonus), 5);
    }

    #[test]
    fn the_order_of_sources_does_not_change_the_value() {
        // FoundryVTT's order: every multiply before every add, whichever source comes first.
        // Speed 30: (30 x 0.5) + 10 = 25; applying in source order would give 20 one way round.
        let half = parse_modifiers("speed:multiply:0.5").unwrap();
        let ten = parse_modifiers("speed:add:10").unwrap();
        let a = [src(SourceKind::Buff, 1, "Slow", &half), src(SourceKind::Buff, 2, "Longstrider", &ten)];
        let b = [src(SourceKind::Buff, 2, "Longstrider", &ten), src(SourceKind::Buff, 1, "Slow", &half)];
        assert_eq!(effective_stats(&base(), &a).get(Stat::Speed), 25);
        assert_eq!(effective_stats(&base(), &b).get(Stat::Speed), 25);
    }
}
