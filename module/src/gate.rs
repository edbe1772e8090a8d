//! Feature gates, both kinds: a system compiled out (cargo feature) has no reducers and no gate
//! row; a system compiled in can be switched off at runtime by an admin (`admin_set_feature_enabled`),
//! after which its reducers answer `E_FEATURE_DISABLED` and change nothing.

use crate::error::{err, ErrorCode, WkResult};
use crate::tables::gates::feature_gate;
use spacetimedb::ReducerContext;

/// The switchable systems. Exhaustive: a new system must be named here, with its cargo feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    Characters,
    Social,
    Travel,
    Rest,
    Buffs,
    Combat,
    Items,
    Perks,
    Profiles,
}

impl Feature {
    pub const ALL: [Feature; 9] = [
        Feature::Characters,
        Feature::Social,
        Feature::Travel,
        Feature::Rest,
        Feature::Buffs,
        Feature::Combat,
        Feature::Items,
        Feature::Perks,
        Feature::Profiles,
    ];

    /// Name used in the `feature_gate` table and in `admin_set_feature_enabled`.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Characters => "characters",
            Feature::Social => "social",
            Feature::Travel => "travel",
            Feature::Rest => "rest",
            Feature::Buffs => "buffs",
            Feature::Combat => "combat",
            Feature::Items => "items",
            Feature::Perks => "perks",
            Feature::Profiles => "profiles",
        }
    }

    /// Whether the system's cargo feature was enabled at build time.
    pub fn compiled_in(self) -> bool {
        match self {
            Feature::Characters => cfg!(feature = "characters"),
            Feature::Social => cfg!(feature = "social"),
            Feature::Travel => cfg!(feature = "travel"),
            Feature::Rest => cfg!(feature = "rest"),
            Feature::Buffs => cfg!(feature = "buffs"),
            Feature::Combat => cfg!(feature = "combat"),
            Feature::Items => cfg!(feature = "items"),
            Feature::Perks => cfg!(feature = "perks"),
            Feature::Profiles => cfg!(feature = "profiles"),
        }
    }

    pub fn parse(name: &str) -> Option<Feature> {
        Feature::ALL.into_iter().find(|f| f.name() == name)
    }

    pub fn compiled() -> Vec<Feature> {
        Feature::ALL.into_iter().filter(|f| f.compiled_in()).collect()
    }
}

/// Fails with `E_FEATURE_DISABLED` when the system is off. A missing row counts as off (fail closed).
pub fn require(ctx: &ReducerContext, feature: Feature) -> WkResult<()> {
    match ctx.db.feature_gate().feature().find(feature.name().to_string()) {
        Some(g) if g.enabled => Ok(()),
        _ => Err(err(
            ErrorCode::FeatureDisabled,
            format!(
                "the `{}` system is switched off; an admin can enable it with admin_set_feature_enabled",
                feature.name()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Feature::ALL {
            assert_eq!(Feature::parse(f.name()), Some(f));
        }
        assert_eq!(Feature::parse("nope"), None);
    }

    #[test]
    fn default_build_compiles_every_system_in() {
        if cfg!(feature = "all-systems") {
            assert_eq!(Feature::compiled().len(), Feature::ALL.len());
        }
    }
}
