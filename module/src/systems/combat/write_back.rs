//! What a character's sheet keeps of a fight when it ends (the glue, `db::combat::finish`,
//! writes the result; pure so it is tested natively).

use crate::rules::Vitals;

/// The sheet's vitals after a fight: the character leaves with what happened to it in the fight
/// (HP left, temporary HP, death saves, stable / dead, time down), clamped to its REAL maximum,
/// the sheet's own. Nothing the fight's house rules are is written: not their maximum HP (three
/// `hp_bonus` 500 do not leave max HP 1511; a negative one does not leave 1), and `fight` should
/// already have their other HP effects taken out
/// (`systems::profiles::runtime::vitals_without_house_rules`). Concentration ends with the fight;
/// `dies_at_zero` is the sheet's (combatants never die at 0).
pub fn vitals_after_fight(sheet: &Vitals, fight: &Vitals) -> Vitals {
    let max_hp = sheet.max_hp;
    Vitals {
        max_hp,
        hp: fight.hp.clamp(0, max_hp.max(0)),
        dies_at_zero: sheet.dies_at_zero,
        concentrating: false,
        ..fight.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(hp: i32, max: i32) -> Vitals {
        Vitals { hp, ..Vitals::new(max) }
    }

    #[test]
    fn the_sheet_keeps_its_own_max_hp_and_the_damage_taken() {
        // Three hp_bonus 500 in the fight: max 1511, 11 HP, 4 damage taken.
        let fought = Vitals { hp: 7, max_hp: 1511, ..Vitals::new(1511) };
        let v = vitals_after_fight(&sheet(11, 11), &fought);
        assert_eq!((v.hp, v.max_hp), (7, 11));
        // Healed past the real maximum inside the fight (the house rule's ceiling): clamped.
        let fought = Vitals { hp: 900, ..Vitals::new(1511) };
        let v = vitals_after_fight(&sheet(11, 11), &fought);
        assert_eq!((v.hp, v.max_hp), (11, 11));
        // A negative entry lowered the fight's maximum: the sheet's maximum stands.
        let fought = Vitals { hp: 1, ..Vitals::new(1) };
        let v = vitals_after_fight(&sheet(11, 11), &fought);
        assert_eq!((v.hp, v.max_hp), (1, 11));
    }

    #[test]
    fn what_happened_in_the_fight_stays() {
        let fought = Vitals {
            hp: 0,
            max_hp: 30,
            temp_hp: 3,
            death_save_failures: 2,
            death_save_successes: 1,
            concentrating: true,
            dies_at_zero: true,
            down_secs: 12,
            ..Default::default()
        };
        let mut s = sheet(20, 20);
        s.dies_at_zero = false;
        let v = vitals_after_fight(&s, &fought);
        assert_eq!((v.hp, v.max_hp, v.temp_hp), (0, 20, 3));
        assert_eq!((v.death_save_failures, v.death_save_successes, v.down_secs), (2, 1, 12));
        assert!(!v.concentrating && !v.dies_at_zero, "concentration ends; the sheet's dies_at_zero");
        let dead = Vitals { dead: true, hp: 0, ..Vitals::new(30) };
        assert!(vitals_after_fight(&s, &dead).dead);
    }
}
