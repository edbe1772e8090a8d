use spacetimedb::{table, Identity, Timestamp};

/// Runtime kill switch per system. One row per system compiled into this module.
#[table(name = feature_gate, public)]
#[derive(Clone)]
pub struct FeatureGate {
    #[primary_key]
    pub feature: String,
    pub enabled: bool,
    pub updated_by: Identity,
    pub updated_at: Timestamp,
}
