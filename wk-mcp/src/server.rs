//! The MCP side: tools generated from the reducer catalogue and the module's schema, the
//! observation tools, and the character sheets and location graph as resources with change
//! notifications.

use crate::schema::Schema;
use crate::world::World;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListResourcesResult,
    ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult,
    Resource, ResourceContents, ResourceUpdatedNotificationParam, ServerCapabilities, ServerConfig,
    SubscribeRequestParams, Tool, UnsubscribeRequestParams,
};
use rmcp::service::{Peer, RequestContext};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{json, Map, Value};
use spacetimedb_sdk::Table;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use wk_client::module_bindings::*;
use world_kernel::catalogue::{self, Caller, ReducerDoc};
use world_kernel::error::ErrorCode;

/// Who a reducer tool runs as.
#[derive(Clone, Copy, PartialEq)]
enum As {
    Player,
    Admin,
}

struct ReducerTool {
    doc: &'static ReducerDoc,
    runs_as: As,
}

/// Resource subscriptions: (uri, the client that asked).
#[derive(Default)]
pub struct Subs {
    list: Mutex<Vec<(String, Peer<RoleServer>)>>,
}

impl Subs {
    /// Tell every client subscribed to `uri` that it changed.
    pub async fn notify(&self, uri: &str) {
        let peers: Vec<Peer<RoleServer>> = self
            .list
            .lock()
            .map(|l| l.iter().filter(|(u, _)| u == uri).map(|(_, p)| p.clone()).collect())
            .unwrap_or_default();
        let mut dead = false;
        for p in peers {
            if p.notify_resource_updated(ResourceUpdatedNotificationParam::new(uri.to_string())).await.is_err() {
                dead = true;
            }
        }
        if dead {
            if let Ok(mut l) = self.list.lock() {
                l.retain(|(_, p)| !p.is_transport_closed());
            }
        }
    }
}

#[derive(Clone)]
pub struct Server {
    world: Arc<World>,
    tools: Arc<Vec<Tool>>,
    reducer_tools: Arc<Vec<ReducerTool>>,
    subs: Arc<Subs>,
}

fn schema_obj(v: Value) -> Arc<Map<String, Value>> {
    Arc::new(v.as_object().cloned().unwrap_or_default())
}

fn text_ok(v: Value) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(serde_json::to_string_pretty(&v).unwrap_or_default())])
}

fn text_err(v: Value) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(serde_json::to_string_pretty(&v).unwrap_or_default())])
}

/// The catalogue's fix for an `E_` code.
pub fn fix_for(code: &str) -> Option<&'static str> {
    ErrorCode::ALL.iter().find(|c| c.as_str() == code).map(|c| catalogue::fix(*c))
}

fn describe(doc: &ReducerDoc, schema: &Schema) -> String {
    let mut s = format!("{}\nWho may call: {}.", doc.summary, doc.caller.describe());
    if let Some(r) = schema.reducer(doc.name) {
        if !r.params.is_empty() {
            let args: Vec<String> =
                r.params.iter().map(|p| format!("{}: {}", p.name, schema.type_name(&p.ty))).collect();
            s.push_str(&format!("\nArguments: {}.", args.join(", ")));
        }
    }
    if !doc.errors.is_empty() {
        s.push_str("\nErrors it can answer (code: fix):");
        for e in doc.errors {
            s.push_str(&format!("\n- {}: {}", e.as_str(), catalogue::fix(*e)));
        }
    }
    s
}

impl Server {
    pub fn new(world: Arc<World>, subs: Arc<Subs>) -> Server {
        let admin = world.admin.is_some();
        let mut tools = Vec::new();
        let mut reducer_tools = Vec::new();
        for doc in catalogue::REDUCERS {
            let runs_as = match doc.caller {
                Caller::Anyone | Caller::Player | Caller::Owner(_) => As::Player,
                Caller::Admin if admin => As::Admin,
                _ => continue,
            };
            let Some(r) = world.schema.reducer(doc.name) else {
                eprintln!("wk-mcp: catalogue reducer `{}` is not in the module's schema; no tool", doc.name);
                continue;
            };
            let mut props = Map::new();
            let mut required = Vec::new();
            for p in &r.params {
                props.insert(p.name.clone(), world.schema.json_schema(&p.ty));
                if !world.schema.is_option(&p.ty) {
                    required.push(json!(p.name));
                }
            }
            let input =
                json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
            let mut desc = describe(doc, &world.schema);
            if runs_as == As::Admin {
                desc.push_str("\n(Runs as the admin identity this server was started with.)");
            }
            tools.push(Tool::new(doc.name, desc, schema_obj(input)));
            reducer_tools.push(ReducerTool { doc, runs_as });
        }
        tools.push(Tool::new(
            "my_characters",
            "Your identity and the characters you own (id, name, class, level, hp, location). Start here.",
            schema_obj(json!({"type": "object", "properties": {}, "additionalProperties": false})),
        ));
        tools.push(Tool::new(
            "observe",
            "A compact view of one character: where it stands (location, neighbours with travel time), who and what is \
             near (characters, monsters with monster_id, items on the ground with item_uid), effective stats with where \
             each number comes from, buffs with seconds left, loadout and stashes, and the fight it is in: the combatants \
             with their combatant_id, distance and hp, whose turn it is and what you may do now.",
            schema_obj(json!({"type": "object", "properties": {"character_id": {"type": "integer", "minimum": 0}},
                              "required": ["character_id"], "additionalProperties": false})),
        ));
        tools.push(Tool::new(
            "events_since",
            "World events after `cursor` (0 at first) that concern your characters (or only `character_id`): \
             id, kind, text, actors, detail. Pass the answer's next_cursor next time.",
            schema_obj(json!({"type": "object", "properties": {
                "cursor": {"type": "integer", "minimum": 0},
                "character_id": {"type": ["integer", "null"], "minimum": 0},
                "limit": {"type": ["integer", "null"], "minimum": 1, "maximum": 200}},
                "required": ["cursor"], "additionalProperties": false})),
        ));
        tools.push(Tool::new(
            "wait",
            "Let world time pass (1-30 s), e.g. while travelling or while the others take their turns. Returns nothing; \
             observe afterwards.",
            schema_obj(json!({"type": "object", "properties": {"seconds": {"type": "number", "minimum": 0.1, "maximum": 30}},
                              "required": ["seconds"], "additionalProperties": false})),
        ));
        Server { world, tools: Arc::new(tools), reducer_tools: Arc::new(reducer_tools), subs }
    }

    async fn blocking<T: Send + 'static>(&self, f: impl FnOnce(&World) -> T + Send + 'static) -> Result<T, ErrorData> {
        let w = self.world.clone();
        tokio::task::spawn_blocking(move || f(&w)).await.map_err(|e| ErrorData::internal_error(e.to_string(), None))
    }

    async fn call_reducer(&self, name: &str, args: Map<String, Value>) -> Result<CallToolResult, ErrorData> {
        let Some(t) = self.reducer_tools.iter().find(|t| t.doc.name == name) else {
            return Ok(text_err(json!({"ok": false, "error": format!("unknown tool `{name}`")})));
        };
        let (doc, runs_as) = (t.doc, t.runs_as);
        let name = name.to_string();
        self.blocking(move |w| {
            let Some(r) = w.schema.reducer(&name) else {
                return text_err(json!({"ok": false, "error": "not in the module's schema"}));
            };
            let known: BTreeSet<&str> = r.params.iter().map(|p| p.name.as_str()).collect();
            if let Some(k) = args.keys().find(|k| !known.contains(k.as_str())) {
                return text_err(json!({"ok": false, "error_code": "E_BAD_ARGUMENTS",
                    "message": format!("`{name}` has no argument `{k}`"),
                    "fix": format!("Use exactly the arguments of the tool's input schema: {}.", known.iter().copied().collect::<Vec<_>>().join(", "))}));
            }
            let mut sats = Vec::new();
            for p in &r.params {
                let v = args.get(&p.name).cloned().unwrap_or(Value::Null);
                if v.is_null() && !w.schema.is_option(&p.ty) {
                    return text_err(json!({"ok": false, "error_code": "E_BAD_ARGUMENTS",
                        "message": format!("argument `{}` is missing", p.name),
                        "fix": format!("Pass `{}` ({}).", p.name, w.schema.type_name(&p.ty))}));
                }
                match w.schema.to_sats(&p.ty, &v, &p.name) {
                    Ok(x) => sats.push(x),
                    Err(e) => {
                        return text_err(json!({"ok": false, "error_code": "E_BAD_ARGUMENTS", "message": e,
                            "fix": "Give the argument the shape its JSON Schema in the tool list says.",
                            "expected": w.schema.json_schema(&p.ty)}))
                    }
                }
            }
            let session = match runs_as {
                As::Admin => w.admin.as_ref().unwrap_or(&w.player),
                As::Player => &w.player,
            };
            let before = session.conn.db.world_event().iter().map(|e| e.id).max().unwrap_or(0);
            match session.call(&name, &sats) {
                Err(e) => text_err(json!({"ok": false, "error_code": "E_CLIENT", "message": e,
                    "fix": "The call did not reach the world or got no answer: check the server, then retry."})),
                Ok(Ok(())) => {
                    let me = session.identity;
                    let mut evs: Vec<_> = session
                        .conn
                        .db
                        .world_event()
                        .iter()
                        .filter(|e| e.id > before && e.caused_by == me)
                        .map(|e| (e.id, json!({"id": e.id, "kind": format!("{:?}", e.kind), "text": e.text})))
                        .collect();
                    evs.sort_by_key(|e| e.0);
                    evs.truncate(20);
                    text_ok(json!({"ok": true, "reducer": name, "events": evs.into_iter().map(|e| e.1).collect::<Vec<_>>()}))
                }
                Ok(Err(msg)) => {
                    let code = wk_client::code(&msg).to_string();
                    let declared = doc.errors.iter().any(|e| e.as_str() == code);
                    text_err(json!({"ok": false, "reducer": name, "error_code": code, "message": msg,
                        "fix": fix_for(&code), "declared_in_catalogue": declared}))
                }
            }
        })
        .await
    }

    fn resources(&self) -> Vec<Resource> {
        let mut out = vec![Resource::new("wk://locations", "location graph")
            .with_description("Every location with its neighbours and travel times.")
            .with_mime_type("application/json")];
        for id in self.world.my_character_ids() {
            out.push(
                Resource::new(format!("wk://character/{id}"), format!("character {id} sheet"))
                    .with_description("The character row, its sheet and effective stats; updated as the world changes.")
                    .with_mime_type("application/json"),
            );
        }
        out
    }
}

fn arg_u64(args: &Map<String, Value>, k: &str) -> Option<u64> {
    args.get(k).and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())))
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_resources_subscribe()
                .enable_resources_list_changed()
                .build(),
        )
        .with_server_info(Implementation::new("wk-mcp", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "World Kernel: a persistent D&D-5e-rules world. You are one player. Call my_characters, then \
             create_character if you have none (dnd5e point buy: scores 8..15, cost <= 27). observe(character_id) \
             shows everything you need to act; every other tool is a reducer of the world. A failed call answers \
             error_code, message and fix: read the fix and correct the call. Fights are turn-based: act on your \
             turn (observe: fight.your_turn), then end_turn.",
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items((*self.tools).clone()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = request.arguments.clone().unwrap_or_default();
        let name = request.name.to_string();
        let res = match name.as_str() {
            "my_characters" => text_ok(self.blocking(|w| w.my_characters()).await?),
            "observe" => match arg_u64(&args, "character_id") {
                None => {
                    text_err(json!({"ok": false, "error_code": "E_BAD_ARGUMENTS", "message": "character_id missing",
                                        "fix": "Pass character_id (my_characters lists yours)."}))
                }
                Some(id) => match self.blocking(move |w| w.observe(id)).await? {
                    Ok(v) => text_ok(v),
                    Err(m) => {
                        let code = wk_client::code(&m).to_string();
                        text_err(json!({"ok": false, "error_code": code, "message": m, "fix": fix_for(&code)}))
                    }
                },
            },
            "events_since" => {
                let cursor = arg_u64(&args, "cursor").unwrap_or(0);
                let ch = arg_u64(&args, "character_id");
                let limit = arg_u64(&args, "limit").unwrap_or(50).clamp(1, 200) as usize;
                text_ok(self.blocking(move |w| w.events_since(cursor, ch, limit)).await?)
            }
            "wait" => {
                let s = args.get("seconds").and_then(|v| v.as_f64()).unwrap_or(1.0).clamp(0.1, 30.0);
                tokio::time::sleep(std::time::Duration::from_secs_f64(s)).await;
                text_ok(json!({"ok": true, "waited_secs": s}))
            }
            _ => self.call_reducer(&name, args).await?,
        };
        Ok(res.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(self.resources()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let uri = request.uri.clone();
        let u = uri.clone();
        let v = self
            .blocking(move |w| {
                if u == "wk://locations" {
                    Some(w.locations())
                } else {
                    u.strip_prefix("wk://character/").and_then(|id| id.parse::<u64>().ok()).and_then(|id| w.sheet(id))
                }
            })
            .await?;
        match v {
            Some(v) => Ok(ReadResourceResult::new(vec![ResourceContents::text(
                serde_json::to_string_pretty(&v).unwrap_or_default(),
                uri,
            )
            .with_mime_type("application/json")])
            .into()),
            None => Err(ErrorData::resource_not_found(format!("no resource {uri}"), None)),
        }
    }

    #[allow(deprecated)]
    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        if let Ok(mut l) = self.subs.list.lock() {
            l.push((request.uri, context.peer));
        }
        Ok(())
    }

    #[allow(deprecated)]
    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        if let Ok(mut l) = self.subs.list.lock() {
            l.retain(|(u, _)| u != &request.uri);
        }
        Ok(())
    }
}
