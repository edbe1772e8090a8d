//! Damage arithmetic shared by every ruleset: defenses, temporary HP, healing. What happens at
//! 0 HP is the ruleset's (death saves in dnd5e, bleeding out in lite).

use super::outcomes::{DamagePart, DefenseApplied, HealOutcome};
use super::sheet::{Damage, Defenses, Vitals};
use crate::error::{err, ErrorCode, WkError};

/// Apply immunity, resistance and vulnerability to each damage instance, in SRD 5.1 order:
/// immunity (0) first, then resistance (halve, rounded down), then vulnerability (double).
/// Several resistances (or vulnerabilities) to one type count once. Negative amounts count as 0.
pub fn mitigate(defenses: &Defenses, damage: &[Damage]) -> Vec<DamagePart> {
    damage
        .iter()
        .map(|d| {
            let raw = d.amount.max(0);
            if defenses.is_immune(d) {
                return DamagePart { damage: *d, applied: 0, defense: DefenseApplied::Immune };
            }
            let (resisted, vulnerable) = (defenses.resists(d), defenses.is_vulnerable(d));
            let mut applied = raw;
            if resisted {
                applied /= 2; // non-negative, so this rounds down
            }
            if vulnerable {
                applied *= 2;
            }
            let defense = match (resisted, vulnerable) {
                (false, false) => DefenseApplied::Normal,
                (true, false) => DefenseApplied::Resisted,
                (false, true) => DefenseApplied::Vulnerable,
                (true, true) => DefenseApplied::ResistedAndVulnerable,
            };
            DamagePart { damage: *d, applied, defense }
        })
        .collect()
}

/// Temporary HP absorb first; returns (absorbed by temp HP, HP lost, damage left over after
/// reaching 0 HP — the "remaining damage" of the massive-damage rule).
pub fn absorb(vitals: &mut Vitals, taken: i32) -> (i32, i32, i32) {
    let absorbed = taken.min(vitals.temp_hp).max(0);
    vitals.temp_hp -= absorbed;
    let rest = taken - absorbed;
    let hp_lost = rest.min(vitals.hp.max(0));
    vitals.hp -= hp_lost;
    (absorbed, hp_lost, rest - hp_lost)
}

/// Grant temporary HP. They do not stack: keep the higher of the current and the new amount.
/// Returns the temporary HP now held.
pub fn grant_temp_hp(vitals: &mut Vitals, amount: i32) -> i32 {
    vitals.temp_hp = vitals.temp_hp.max(amount.max(0));
    vitals.temp_hp
}

/// Heal up to the maximum. Healing a creature at 0 HP wakes it and resets its death saves.
/// The dead stay dead (`E_CHARACTER_DEAD`); a non-positive amount is `E_INVALID_ARGUMENT`.
pub fn heal(vitals: &mut Vitals, amount: i32, who: &str) -> Result<HealOutcome, WkError> {
    if vitals.dead {
        return Err(err(
            ErrorCode::CharacterDead,
            format!("{who} is dead; healing cannot help, only a revival effect"),
        ));
    }
    if amount <= 0 {
        return Err(err(ErrorCode::InvalidArgument, format!("heal by a positive amount, not {amount}")));
    }
    let was_down = vitals.hp <= 0;
    let before = vitals.hp.max(0);
    vitals.hp = (before + amount).min(vitals.max_hp);
    let healed = vitals.hp - before;
    if was_down && vitals.hp > 0 {
        vitals.reset_death_saves();
        vitals.stable = false;
        vitals.down_secs = 0;
    }
    let regained_consciousness = was_down && vitals.hp > 0;
    let text = if regained_consciousness {
        format!("{who} regains {healed} HP and wakes ({}/{})", vitals.hp, vitals.max_hp)
    } else {
        format!("{who} regains {healed} HP ({}/{})", vitals.hp, vitals.max_hp)
    };
    Ok(HealOutcome { healed, hp_after: vitals.hp, regained_consciousness, text })
}

/// The start every ruleset's damage application shares: defenses applied per damage instance and
/// the outcome filled in before any HP changes. `Err` carries the finished outcome when the target
/// is already dead (nothing more happens).
pub fn begin_damage(
    name: &str,
    vitals: &Vitals,
    defenses: &Defenses,
    damage: &[Damage],
) -> Result<super::outcomes::DamageOutcome, super::outcomes::DamageOutcome> {
    let parts = mitigate(defenses, damage);
    let raw: i32 = damage.iter().map(|d| d.amount.max(0)).sum();
    let taken: i32 = parts.iter().map(|p| p.applied).sum();
    let mut out = super::outcomes::DamageOutcome {
        parts,
        raw,
        taken,
        absorbed_by_temp_hp: 0,
        hp_lost: 0,
        hp_after: vitals.hp,
        dropped_to_zero: false,
        death_save_failures_added: 0,
        instant_death: false,
        died: false,
        concentration_dc: None,
        concentration_lost: false,
        text: String::new(),
    };
    if vitals.dead {
        out.text = format!("{name} is already dead");
        return Err(out);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::sheet::{DamageType, DefenseRule};

    fn fire(n: i32) -> Damage {
        Damage::new(n, DamageType::Fire)
    }

    fn defenses(imm: &[DamageType], res: &[DamageType], vul: &[DamageType]) -> Defenses {
        let rules = |v: &[DamageType]| v.iter().map(|t| DefenseRule::of(*t)).collect();
        Defenses {
            immunities: rules(imm),
            resistances: rules(res),
            vulnerabilities: rules(vul),
            condition_immunities: vec![],
        }
    }

    #[test]
    fn resistance_halves_rounding_down() {
        let d = defenses(&[], &[DamageType::Fire], &[]);
        assert_eq!(mitigate(&d, &[fire(7)])[0].applied, 3);
        assert_eq!(mitigate(&d, &[fire(1)])[0].applied, 0);
    }

    #[test]
    fn two_resistances_count_once() {
        let d = defenses(&[], &[DamageType::Fire, DamageType::Fire], &[]);
        let p = mitigate(&d, &[fire(7)]);
        assert_eq!((p[0].applied, p[0].defense), (3, DefenseApplied::Resisted));
    }

    #[test]
    fn resistance_then_vulnerability() {
        // Halve first (7 -> 3), then double (-> 6): not 7.
        let d = defenses(&[], &[DamageType::Fire], &[DamageType::Fire]);
        let p = mitigate(&d, &[fire(7)]);
        assert_eq!((p[0].applied, p[0].defense), (6, DefenseApplied::ResistedAndVulnerable));
    }

    #[test]
    fn vulnerability_doubles_and_immunity_wins() {
        assert_eq!(mitigate(&defenses(&[], &[], &[DamageType::Fire]), &[fire(7)])[0].applied, 14);
        let all = defenses(&[DamageType::Fire], &[DamageType::Fire], &[DamageType::Fire]);
        let p = mitigate(&all, &[fire(7)]);
        assert_eq!((p[0].applied, p[0].defense), (0, DefenseApplied::Immune));
        // Other types are untouched.
        assert_eq!(mitigate(&all, &[Damage::new(7, DamageType::Cold)])[0].applied, 7);
    }

    #[test]
    fn nonmagical_only_defenses_skip_magical_damage() {
        let d = Defenses {
            resistances: vec![DefenseRule { damage_type: DamageType::Slashing, nonmagical_only: true }],
            ..Default::default()
        };
        assert_eq!(mitigate(&d, &[Damage::new(9, DamageType::Slashing)])[0].applied, 4);
        let magic = Damage { amount: 9, damage_type: DamageType::Slashing, magical: true };
        assert_eq!(mitigate(&d, &[magic])[0].applied, 9);
    }

    #[test]
    fn temp_hp_absorbs_first_and_does_not_stack() {
        let mut v = Vitals::new(20);
        assert_eq!(grant_temp_hp(&mut v, 5), 5);
        assert_eq!(grant_temp_hp(&mut v, 3), 5, "lower grant does not replace or add");
        assert_eq!(grant_temp_hp(&mut v, 8), 8, "higher grant replaces");
        assert_eq!(absorb(&mut v, 6), (6, 0, 0));
        assert_eq!((v.temp_hp, v.hp), (2, 20));
        assert_eq!(absorb(&mut v, 7), (2, 5, 0));
        assert_eq!((v.temp_hp, v.hp), (0, 15));
        assert_eq!(absorb(&mut v, 40), (0, 15, 25));
        assert_eq!(v.hp, 0);
    }

    #[test]
    fn healing_caps_wakes_and_refuses_the_dead() {
        let mut v = Vitals::new(10);
        v.hp = 0;
        v.death_save_failures = 2;
        v.death_save_successes = 1;
        let h = heal(&mut v, 25, "Ayla").unwrap();
        assert_eq!((h.healed, h.hp_after, h.regained_consciousness), (10, 10, true));
        assert_eq!((v.death_save_successes, v.death_save_failures), (0, 0));
        assert_eq!(heal(&mut v, 0, "Ayla").unwrap_err().code, ErrorCode::InvalidArgument);
        v.dead = true;
        assert_eq!(heal(&mut v, 5, "Ayla").unwrap_err().code, ErrorCode::CharacterDead);
    }
}
