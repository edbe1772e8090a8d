use crate::auth;
use crate::error::{err, ErrorCode};
use crate::events;
use crate::gate::Feature;
use crate::systems::config as cfg;
use crate::tables::events::EventKind;
use crate::tables::gates::{feature_gate, FeatureGate};
use crate::tables::world::{admin, config, event_prune_timer, world_clock, Admin, Config};
use spacetimedb::{reducer, Identity, ReducerContext, ScheduleAt, Table, TimeDuration};

/// Health check and benchmark baseline: does nothing, succeeds.
#[reducer]
pub fn ping(_ctx: &ReducerContext) -> Result<(), String> {
    Ok(())
}

/// Mix operator entropy (hex, 32 to 128 digits, e.g. `openssl rand -hex 32`) into the
/// database's private dice secret. SpacetimeDB 1.2 gives a module no entropy of its own
/// (`ctx.rng()` is seeded from the public timestamp), so until an admin calls this, fight seeds
/// are only as secret as the publish time; `scripts/publish.sh` calls it after every publish.
/// Admin only; `E_INVALID_ARGUMENT` for a bad length or non-hex input.
#[reducer]
pub fn admin_add_dice_entropy(ctx: &ReducerContext, entropy_hex: String) -> Result<(), String> {
    auth::require_admin(ctx)?;
    crate::systems::limits::text("admin_add_dice_entropy", "entropy_hex", &entropy_hex)?;
    let entropy = crate::systems::fair_dice::parse_entropy(&entropy_hex).ok_or_else(|| {
        err(
            ErrorCode::InvalidArgument,
            format!(
                "entropy must be 32 to 128 hex digits (got {} characters); pass e.g. `openssl rand -hex 32`",
                entropy_hex.len()
            ),
        )
    })?;
    let n = crate::db::dice::add_entropy(ctx, &entropy);
    log::info!("dice secret: entropy added ({n} times in all)");
    Ok(())
}

#[reducer]
pub fn admin_add_admin(ctx: &ReducerContext, identity: Identity) -> Result<(), String> {
    auth::require_admin(ctx)?;
    if ctx.db.admin().identity().find(identity).is_some() {
        return Ok(()); // idempotent
    }
    ctx.db.admin().insert(Admin { identity, added_at: ctx.timestamp });
    events::record(ctx, EventKind::AdminAdded, vec![], format!("admin added: {}", identity.to_abbreviated_hex()), "");
    Ok(())
}

#[reducer]
pub fn admin_remove_admin(ctx: &ReducerContext, identity: Identity) -> Result<(), String> {
    auth::require_admin(ctx)?;
    if ctx.db.admin().identity().find(identity).is_none() {
        return Err(err(ErrorCode::UnknownPlayer, "that identity is not an admin; nothing to remove").into());
    }
    if auth::admin_count(ctx) <= 1 {
        return Err(err(ErrorCode::LastAdmin, "cannot remove the last admin; add another admin first").into());
    }
    ctx.db.admin().identity().delete(identity);
    events::record(
        ctx,
        EventKind::AdminRemoved,
        vec![],
        format!("admin removed: {}", identity.to_abbreviated_hex()),
        "",
    );
    Ok(())
}

#[reducer]
pub fn admin_set_feature_enabled(ctx: &ReducerContext, feature: String, enabled: bool) -> Result<(), String> {
    auth::require_admin(ctx)?;
    crate::systems::limits::text("admin_set_feature_enabled", "feature", &feature)?;
    let f = Feature::parse(&feature).ok_or_else(|| {
        let names: Vec<&str> = Feature::ALL.iter().map(|f| f.name()).collect();
        err(ErrorCode::UnknownFeature, format!("unknown feature `{feature}`; known: {}", names.join(", ")))
    })?;
    if !f.compiled_in() {
        return Err(err(
            ErrorCode::UnknownFeature,
            format!("`{feature}` is compiled out of this module; rebuild with its cargo feature"),
        )
        .into());
    }
    let row = FeatureGate { feature: f.name().to_string(), enabled, updated_by: ctx.sender, updated_at: ctx.timestamp };
    if ctx.db.feature_gate().feature().find(row.feature.clone()).is_some() {
        ctx.db.feature_gate().feature().update(row);
    } else {
        ctx.db.feature_gate().insert(row);
    }
    events::record(
        ctx,
        EventKind::FeatureToggled,
        vec![],
        format!("feature `{}` {}", f.name(), if enabled { "enabled" } else { "disabled" }),
        format!("feature={};enabled={enabled}", f.name()),
    );
    Ok(())
}

pub fn tunables(c: &Config) -> cfg::Tunables {
    cfg::Tunables {
        world_tick_ms: c.world_tick_ms,
        event_log_limit: c.event_log_limit,
        event_prune_ms: c.event_prune_ms,
        max_characters_per_player: c.max_characters_per_player,
        start_location: c.start_location.clone(),
        rules: c.rules,
        wipe_difficulty: c.wipe_difficulty,
        spawn_every_ticks: c.spawn_every_ticks,
        max_monsters_per_location: c.max_monsters_per_location,
        max_ground_items_per_location: c.max_ground_items_per_location,
        challenge_ttl_secs: c.challenge_ttl_secs,
        rate_limit_per_sec: c.rate_limit_per_sec,
        rate_limit_burst: c.rate_limit_burst,
        fight_retention_secs: c.fight_retention_secs,
        max_finished_fights: c.max_finished_fights,
        queue_idle_secs: c.queue_idle_secs,
        player_grace_secs: c.player_grace_secs,
        max_characterless_players: c.max_characterless_players,
        storage_prune_ms: c.storage_prune_ms,
        prune_batch_rows: c.prune_batch_rows,
    }
}

pub fn config_row(ruleset: &str, t: &cfg::Tunables) -> Config {
    Config {
        id: 0,
        ruleset: ruleset.to_string(),
        world_tick_ms: t.world_tick_ms,
        event_log_limit: t.event_log_limit,
        event_prune_ms: t.event_prune_ms,
        max_characters_per_player: t.max_characters_per_player,
        start_location: t.start_location.clone(),
        rules: t.rules,
        wipe_difficulty: t.wipe_difficulty,
        spawn_every_ticks: t.spawn_every_ticks,
        max_monsters_per_location: t.max_monsters_per_location,
        max_ground_items_per_location: t.max_ground_items_per_location,
        challenge_ttl_secs: t.challenge_ttl_secs,
        rate_limit_per_sec: t.rate_limit_per_sec,
        rate_limit_burst: t.rate_limit_burst,
        fight_retention_secs: t.fight_retention_secs,
        max_finished_fights: t.max_finished_fights,
        queue_idle_secs: t.queue_idle_secs,
        player_grace_secs: t.player_grace_secs,
        max_characterless_players: t.max_characterless_players,
        storage_prune_ms: t.storage_prune_ms,
        prune_batch_rows: t.prune_batch_rows,
    }
}

/// Change one tunable (`key`, `value` as text). Timer periods take effect at once.
#[reducer]
pub fn admin_set_config(ctx: &ReducerContext, key: String, value: String) -> Result<(), String> {
    let _span = crate::timing::span("admin_set_config");
    auth::require_admin(ctx)?;
    crate::systems::limits::text("admin_set_config", "key", &key)?;
    crate::systems::limits::text("admin_set_config", "value", &value)?;
    let current = ctx
        .db
        .config()
        .id()
        .find(0)
        .ok_or_else(|| err(ErrorCode::InvalidConfig, "config row missing; republish the module"))?;
    let next = cfg::apply(&tunables(&current), &key, &value)?;
    crate::db::world::validate_config(ctx, &next)?;
    let row = config_row(&current.ruleset, &next);
    ctx.db.config().id().update(row);
    if next.world_tick_ms != current.world_tick_ms {
        for t in ctx.db.world_clock().iter().collect::<Vec<_>>() {
            ctx.db.world_clock().scheduled_id().delete(t.scheduled_id);
        }
        schedule_clock(ctx, next.world_tick_ms);
    }
    if next.event_prune_ms != current.event_prune_ms {
        for t in ctx.db.event_prune_timer().iter().collect::<Vec<_>>() {
            ctx.db.event_prune_timer().scheduled_id().delete(t.scheduled_id);
        }
        schedule_prune(ctx, next.event_prune_ms);
    }
    if next.storage_prune_ms != current.storage_prune_ms {
        schedule_storage_prune(ctx, next.storage_prune_ms);
    }
    events::record(
        ctx,
        EventKind::ConfigChanged,
        vec![],
        format!("config {key} = {value}"),
        format!("key={key};value={value}"),
    );
    Ok(())
}

pub fn schedule_clock(ctx: &ReducerContext, ms: u64) {
    ctx.db.world_clock().insert(crate::tables::world::WorldClock {
        scheduled_id: 0,
        scheduled_at: ScheduleAt::Interval(TimeDuration::from_micros(ms as i64 * 1000)),
    });
}

pub fn schedule_prune(ctx: &ReducerContext, ms: u64) {
    ctx.db.event_prune_timer().insert(crate::tables::world::EventPruneTimer {
        scheduled_id: 0,
        scheduled_at: ScheduleAt::Interval(TimeDuration::from_micros(ms as i64 * 1000)),
    });
}

/// (Re)start the storage pruner at `ms`: any previous schedule row goes first.
pub fn schedule_storage_prune(ctx: &ReducerContext, ms: u64) {
    use crate::tables::world::storage_prune_timer;
    for t in ctx.db.storage_prune_timer().iter().collect::<Vec<_>>() {
        ctx.db.storage_prune_timer().scheduled_id().delete(t.scheduled_id);
    }
    ctx.db.storage_prune_timer().insert(crate::tables::world::StoragePruneTimer {
        scheduled_id: 0,
        scheduled_at: ScheduleAt::Interval(TimeDuration::from_micros(ms as i64 * 1000)),
    });
}

/// Re-read the compiled-in static data; everything is validated before anything is replaced.
#[reducer]
pub fn admin_reload_static_data(ctx: &ReducerContext) -> Result<(), String> {
    auth::require_admin(ctx)?;
    let summary = crate::db::world::load_static(ctx)?;
    events::record(ctx, EventKind::StaticDataReloaded, vec![], format!("static data reloaded: {summary}"), "");
    Ok(())
}

/// Make sure every compiled-in system has a gate row (enabled by default); keep existing choices.
pub fn seed_gates(ctx: &ReducerContext) {
    for f in Feature::compiled() {
        if ctx.db.feature_gate().feature().find(f.name().to_string()).is_none() {
            ctx.db.feature_gate().insert(FeatureGate {
                feature: f.name().to_string(),
                enabled: true,
                updated_by: ctx.sender,
                updated_at: ctx.timestamp,
            });
        }
    }
}

/// Admin test and GM hook: set a character's current HP to 1..=max HP (e.g. to observe healing).
/// Not a damage system: no death saves, no concentration.
#[reducer]
pub fn admin_set_hp(ctx: &ReducerContext, character_id: u64, hp: i32) -> Result<(), String> {
    auth::require_admin(ctx)?;
    let mut c = auth::existing_character(ctx, character_id)?;
    let max = c.sheet.vitals.max_hp;
    if c.sheet.vitals.dead || hp < 1 || hp > max {
        return Err(err(ErrorCode::InvalidArgument, format!("set HP to 1..={max} of a living character")).into());
    }
    c.sheet.vitals.hp = hp;
    let c = crate::db::chars::save(ctx, c);
    events::record(
        ctx,
        EventKind::HpSet,
        vec![c.id],
        format!("an admin sets {}'s HP to {hp}/{max}", c.name),
        format!("hp={hp}"),
    );
    Ok(())
}

/// Admin test and GM hook: award XP to a living character as a fight would (levels, perk
/// level-up hooks and a perk offer per level gained).
#[reducer]
pub fn admin_grant_xp(ctx: &ReducerContext, character_id: u64, xp: u32) -> Result<(), String> {
    use crate::rules::{ActiveRules, RulesEngine};
    auth::require_admin(ctx)?;
    let mut c = auth::existing_character(ctx, character_id)?;
    if c.sheet.vitals.dead || xp == 0 {
        return Err(err(ErrorCode::InvalidArgument, "grant a positive amount of XP to a living character").into());
    }
    let o = ActiveRules::award_xp(&mut c.sheet, xp);
    crate::db::perks::after_xp(ctx, &mut c, &o);
    let c = crate::db::chars::save(ctx, c);
    events::record(
        ctx,
        EventKind::XpAwarded,
        vec![c.id],
        format!("an admin grants {} {xp} XP", c.name),
        format!("xp={xp};level={}", o.level_after),
    );
    Ok(())
}

/// Admin test and GM hook: deal `amount` bludgeoning damage to a character through the ruleset
/// (0 HP, instant death, death saves as the rules say) and run the perk death hook if it dies.
/// Refused while the character is in a fight (the fight owns its HP).
#[reducer]
pub fn admin_damage(ctx: &ReducerContext, character_id: u64, amount: i32) -> Result<(), String> {
    use crate::rules::{ActiveRules, Damage, DamageType, RulesEngine};
    auth::require_admin(ctx)?;
    let mut c = auth::existing_character(ctx, character_id)?;
    if c.sheet.vitals.dead || amount < 1 {
        return Err(err(ErrorCode::InvalidArgument, "damage a living character by at least 1").into());
    }
    if crate::db::chars::in_combat(ctx, c.id) {
        return Err(err(ErrorCode::InCombat, format!("{} is in a fight; the fight owns its HP", c.name)).into());
    }
    let o = ActiveRules::apply_damage(
        &c.name,
        &mut c.sheet.vitals,
        &c.sheet.defenses.clone(),
        &[Damage::new(amount, DamageType::Bludgeoning)],
        false,
    );
    let died = o.died && !crate::db::perks::on_death(ctx, &mut c);
    let c = crate::db::chars::save(ctx, c);
    events::record(
        ctx,
        EventKind::HpSet,
        vec![c.id],
        format!("an admin hurts {}: {}", c.name, o.text),
        format!("damage={amount}"),
    );
    if died {
        events::record(ctx, EventKind::Died, vec![c.id], format!("{} dies", c.name), "cause=admin");
        crate::db::buffs::on_death(ctx, c.id);
    }
    Ok(())
}

/// Admin test and GM hook: give a character a perk directly (no offer), running its on-pick hook.
#[reducer]
pub fn admin_grant_perk(ctx: &ReducerContext, character_id: u64, perk_id: String) -> Result<(), String> {
    auth::require_admin(ctx)?;
    crate::systems::limits::text("admin_grant_perk", "perk_id", &perk_id)?;
    let c = auth::existing_character(ctx, character_id)?;
    crate::db::perks::grant(ctx, c, &perk_id)?;
    Ok(())
}
