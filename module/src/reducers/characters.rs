use crate::auth;
use crate::db::load::class_from_row;
use crate::error::{err, ErrorCode, WkResult};
use crate::events;
use crate::gate::{self, Feature};
use crate::rules::{AbilityScores, ActiveRules, RulesEngine};
use crate::systems::characters as rules;
use crate::tables::characters::{character, Character};
use crate::tables::events::EventKind;
use crate::tables::statics::class_def;
use crate::tables::world::{config, player};
use spacetimedb::{reducer, Identity, ReducerContext, Table};

/// Create a character for the caller. Scores follow the ruleset's method (dnd5e: point buy,
/// 27 points, each 8..=15; the standard array is one such buy). `skills` empty = class default.
#[reducer]
pub fn create_character(
    ctx: &ReducerContext,
    name: String,
    class_id: String,
    scores: AbilityScores,
    skills: Vec<String>,
) -> Result<(), String> {
    gate::require(ctx, Feature::Characters)?;
    crate::systems::limits::text("create_character", "name", &name)?;
    crate::systems::limits::text("create_character", "class_id", &class_id)?;
    crate::systems::limits::texts("create_character", "skills", &skills)?;
    crate::db::limits::admit(ctx)?;
    ensure_player(ctx);
    let c = build(ctx, ctx.sender, name, class_id, scores, skills, false)?;
    insert(ctx, c);
    Ok(())
}

/// Admin: create an AI-controlled character. `owner` None = owned by the world itself.
#[reducer]
pub fn admin_create_ai_character(
    ctx: &ReducerContext,
    name: String,
    class_id: String,
    scores: AbilityScores,
    skills: Vec<String>,
    owner: Option<Identity>,
) -> Result<(), String> {
    auth::require_admin(ctx)?;
    crate::systems::limits::text("admin_create_ai_character", "name", &name)?;
    crate::systems::limits::text("admin_create_ai_character", "class_id", &class_id)?;
    crate::systems::limits::texts("admin_create_ai_character", "skills", &skills)?;
    gate::require(ctx, Feature::Characters)?;
    let owner = match owner {
        None => ctx.identity(),
        Some(id) => {
            if ctx.db.player().identity().find(id).is_none() {
                return Err(err(
                    ErrorCode::UnknownPlayer,
                    "that owner identity has never connected; pass None or a known player",
                )
                .into());
            }
            id
        }
    };
    let c = build(ctx, owner, name, class_id, scores, skills, true)?;
    insert(ctx, c);
    Ok(())
}

/// Delete one of your characters (admins may delete any).
#[reducer]
pub fn delete_character(ctx: &ReducerContext, character_id: u64) -> Result<(), String> {
    gate::require(ctx, Feature::Characters)?;
    let c = auth::owned_character(ctx, character_id)?;
    crate::db::limits::admit(ctx)?;
    crate::db::world::before_character_delete(ctx, &c)?;
    crate::db::world::delete_character(ctx, c.id);
    events::record(ctx, EventKind::CharacterDeleted, vec![c.id], format!("{} left the world", c.name), "");
    Ok(())
}

fn build(
    ctx: &ReducerContext,
    owner: Identity,
    name: String,
    class_id: String,
    scores: AbilityScores,
    skills: Vec<String>,
    is_ai: bool,
) -> WkResult<Character> {
    let key = rules::validate_name(&name)?;
    let cfg = ctx
        .db
        .config()
        .id()
        .find(0)
        .ok_or_else(|| err(ErrorCode::InvalidConfig, "config row missing; republish the module"))?;
    let mine: Vec<Character> = ctx.db.character().by_owner().filter(owner).collect();
    rules::check_unique(&key, mine.iter().map(|c| c.name.as_str()))?;
    if !is_ai {
        rules::check_limit(mine.len(), cfg.max_characters_per_player)?;
    }
    let class_row = ctx.db.class_def().id().find(class_id.clone()).ok_or_else(|| {
        err(
            ErrorCode::UnknownClass,
            format!("no class `{class_id}` in the {} ruleset; see SELECT id FROM class_def", ActiveRules::ID),
        )
    })?;
    let class = class_from_row(&class_row);
    ActiveRules::validate_ability_scores(&scores)?;
    let skills = ActiveRules::choose_skills(&class, &skills)?;
    let sheet = ActiveRules::new_character(&name, &class, scores, skills);
    Ok(Character {
        id: 0,
        owner,
        name,
        is_ai,
        location_id: cfg.start_location.clone(),
        sheet,
        needs_tick: false,
        created_at: ctx.timestamp,
        x: 0.0,
        y: 0.0,
    })
}

fn insert(ctx: &ReducerContext, c: Character) {
    let c = crate::db::chars::insert(ctx, c);
    events::record(
        ctx,
        EventKind::CharacterCreated,
        vec![c.id],
        format!(
            "{} the {} entered the world at {}{}",
            c.name,
            c.sheet.class_id,
            c.location_id,
            if c.is_ai { " (AI)" } else { "" }
        ),
        format!("class={};hp={};ai={}", c.sheet.class_id, c.sheet.vitals.max_hp, c.is_ai),
    );
}

/// Calls made over HTTP may arrive without a websocket connection: make sure the caller has a
/// player row before it owns anything.
pub fn ensure_player(ctx: &ReducerContext) {
    if ctx.db.player().identity().find(ctx.sender).is_none() {
        ctx.db.player().insert(crate::tables::world::Player {
            identity: ctx.sender,
            online: false,
            connections: 0,
            first_seen: ctx.timestamp,
            last_seen: ctx.timestamp,
        });
    }
}
