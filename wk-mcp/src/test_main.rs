//! `wk-mcp-test`: the MCP scenario of scripts/test.sh. An MCP client (rmcp's client side) spawns
//! `wk-mcp` over stdio against the live test server and plays as a model would, knowing nothing
//! but the tool list and the answers: checks that every player reducer of the catalogue is a tool
//! with a schema, creates a character, observes, travels, picks up and equips an item, fights a
//! monster turn by turn (winning, or fleeing after a few rounds), reads the events and the
//! resources, and makes a wrong call whose answer carries the catalogue's code and fix.
//!
//! Env: WK_URL, WK_DB, WK_ADMIN_TOKEN (the admin tools spawn the monster and the item),
//! WK_MCP_BIN (default: `wk-mcp` beside this binary), WK_MCP_TRANSCRIPT (a Markdown transcript).
//! Prints `PASS name` / `FAIL name: why`; exits non-zero on a failure.

use rmcp::model::{
    CallToolRequestParams, ClientConfig, ProtocolVersion, ReadResourceRequestParams, ResourceUpdatedNotificationParam,
    SubscribeRequestParams,
};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use world_kernel::catalogue::{self, Caller};
use world_kernel::error::ErrorCode;

#[derive(Clone, Default)]
struct Client {
    updates: Arc<AtomicU64>,
}

impl ClientHandler for Client {
    fn get_info(&self) -> ClientConfig {
        // The initialize handshake (and so resource subscriptions over a session).
        ClientConfig::default().with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE)
    }

    async fn on_resource_updated(
        &self,
        _params: ResourceUpdatedNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.updates.fetch_add(1, Ordering::SeqCst);
    }
}

type Svc = RunningService<RoleClient, Client>;
type Res<T> = Result<T, String>;

struct Play {
    svc: Option<Svc>,
    transcript: Vec<String>,
    passed: usize,
    failed: usize,
    character: Option<u64>,
    updates: Arc<AtomicU64>,
}

/// A tool's answer: ok or not, and its JSON body.
struct Answer {
    ok: bool,
    body: Value,
}

fn short(v: &Value, max: usize) -> String {
    let s = v.to_string();
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    } else {
        s
    }
}

impl Play {
    fn svc(&self) -> &Svc {
        self.svc.as_ref().expect("the MCP client is running")
    }

    async fn call(&mut self, tool: &str, args: Value, log: bool) -> Res<Answer> {
        let map: Map<String, Value> = args.as_object().cloned().unwrap_or_default();
        let r = self
            .svc()
            .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(map))
            .await
            .map_err(|e| format!("tools/call {tool}: {e}"))?;
        let text: String = r.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        let ok = r.is_error != Some(true);
        if log {
            // observe answers are long: the transcript keeps what a turn is decided on.
            let shown = if tool == "observe" && ok {
                json!({"character": {"name": body["character"]["name"], "hp": body["character"]["hp"]},
                       "location": body["location"]["id"], "near": body["near"], "loadout": body["loadout"],
                       "fight": body["fight"], "(omitted here)": "effective_stats with sources, buffs, stashes"})
            } else {
                body.clone()
            };
            self.transcript.push(format!(
                "→ {tool} {}\n← {}{}",
                args,
                if ok { "" } else { "ERROR " },
                short(&shown, 1200)
            ));
        }
        Ok(Answer { ok, body })
    }

    async fn ok(&mut self, tool: &str, args: Value) -> Res<Value> {
        let a = self.call(tool, args, true).await?;
        if a.ok {
            Ok(a.body)
        } else {
            Err(format!("`{tool}` failed: {}", short(&a.body, 400)))
        }
    }

    async fn observe(&mut self, log: bool) -> Res<Value> {
        let id = self.character.ok_or("no character yet")?;
        let a = self.call("observe", json!({"character_id": id}), log).await?;
        if a.ok {
            Ok(a.body)
        } else {
            Err(format!("observe failed: {}", a.body))
        }
    }

    fn report(&mut self, name: &str, started: Instant, r: Res<String>) {
        let ms = started.elapsed().as_millis();
        match r {
            Ok(note) => {
                self.passed += 1;
                println!("PASS {name} ({ms} ms){}", if note.is_empty() { String::new() } else { format!(": {note}") });
            }
            Err(e) => {
                self.failed += 1;
                println!("FAIL {name}: {e}");
            }
        }
    }
}

async fn tools_cover_the_catalogue(p: &mut Play) -> Res<String> {
    let tools = p.svc().list_all_tools().await.map_err(|e| format!("tools/list: {e}"))?;
    let mut player = 0;
    for doc in catalogue::REDUCERS {
        let want = matches!(doc.caller, Caller::Anyone | Caller::Player | Caller::Owner(_));
        let tool = tools.iter().find(|t| t.name == doc.name);
        match (want, doc.caller, tool) {
            (true, _, None) => return Err(format!("player reducer `{}` has no tool", doc.name)),
            (true, _, Some(t)) => {
                player += 1;
                let args = wk_client::REDUCERS.iter().find(|r| r.0 == doc.name).map(|r| r.1).unwrap_or(&[]);
                let props = t
                    .input_schema
                    .get("properties")
                    .and_then(|p| p.as_object())
                    .ok_or_else(|| format!("tool `{}` has no properties in its schema", doc.name))?;
                for (a, _) in args {
                    if !props.contains_key(*a) {
                        return Err(format!("tool `{}` schema misses argument `{a}`", doc.name));
                    }
                }
                let d = t.description.as_deref().unwrap_or("");
                if !d.contains(doc.summary) {
                    return Err(format!("tool `{}` description is not the catalogue's", doc.name));
                }
                for e in doc.errors {
                    if !d.contains(e.as_str()) {
                        return Err(format!("tool `{}` description misses {}", doc.name, e.as_str()));
                    }
                }
            }
            (false, Caller::Scheduler | Caller::Lifecycle, Some(_)) => {
                return Err(format!("`{}` is not callable but is a tool", doc.name))
            }
            (false, Caller::Admin, None) => {
                return Err(format!("admin tool `{}` missing with an admin token", doc.name))
            }
            _ => {}
        }
    }
    for t in ["observe", "events_since", "my_characters"] {
        if !tools.iter().any(|x| x.name == t) {
            return Err(format!("observation tool `{t}` missing"));
        }
    }
    // The enum of `equip.slot` is a plain string enum in the schema.
    let equip = tools.iter().find(|t| t.name == "equip").ok_or("equip")?;
    let slot = &equip.input_schema["properties"]["slot"];
    if !slot["enum"].as_array().is_some_and(|a| a.iter().any(|v| v == "MainHand")) {
        return Err(format!("equip.slot is not a string enum: {slot}"));
    }
    Ok(format!("{} tools, {player} player reducers", tools.len()))
}

async fn create_and_observe(p: &mut Play) -> Res<String> {
    let name = format!("Mira{}", std::process::id() % 10000);
    p.ok(
        "create_character",
        json!({"name": name, "class_id": "rogue", "scores": {"str_": 8, "dex": 15, "con": 14, "int": 12, "wis": 10, "cha": 13}, "skills": []}),
    )
    .await?;
    let mine = p.ok("my_characters", json!({})).await?;
    let id = mine["characters"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == json!(name)))
        .and_then(|c| c["id"].as_u64())
        .ok_or_else(|| format!("my_characters has no {name}: {mine}"))?;
    p.character = Some(id);
    let o = p.observe(true).await?;
    if o["character"]["hp"].as_i64().unwrap_or(0) <= 0 || o["location"]["id"].as_str().is_none() {
        return Err(format!("observe lacks hp or location: {}", short(&o, 300)));
    }
    if o["effective_stats"]["lines"].as_array().is_none_or(|l| l.is_empty()) {
        return Err("observe has no effective stats".into());
    }
    Ok(format!("character {id} at {}", o["location"]["id"]))
}

async fn wrong_call(p: &mut Play) -> Res<String> {
    let id = p.character.ok_or("no character")?;
    // Two edges away: the module refuses, the answer names the code and the catalogue's fix.
    let a = p.call("move_to", json!({"character_id": id, "location_id": "goblin_cave"}), true).await?;
    let want = ErrorCode::NotANeighbour;
    if a.ok || a.body["error_code"] != json!(want.as_str()) {
        return Err(format!("move_to two edges away: {}", a.body));
    }
    if a.body["fix"] != json!(catalogue::fix(want)) {
        return Err(format!("fix is not the catalogue's: {}", a.body["fix"]));
    }
    // A malformed argument is caught before the call, with the shape expected.
    let b = p.call("equip", json!({"character_id": id, "item_uid": 1, "slot": "Hat"}), true).await?;
    if b.ok
        || b.body["error_code"] != json!("E_BAD_ARGUMENTS")
        || !b.body["message"].as_str().unwrap_or("").contains("Hat")
    {
        return Err(format!("bad enum value: {}", b.body));
    }
    Ok(String::new())
}

async fn travel(p: &mut Play) -> Res<String> {
    let o = p.observe(false).await?;
    let from = o["location"]["id"].as_str().unwrap_or("").to_string();
    let edges = o["location"]["neighbours"].as_array().cloned().unwrap_or_default();
    let e = edges.iter().min_by_key(|e| e["travel_secs"].as_u64().unwrap_or(999)).ok_or("no neighbours")?;
    let to = e["to"].as_str().unwrap_or("").to_string();
    let id = p.character.ok_or("no character")?;
    p.ok("move_to", json!({"character_id": id, "location_id": to})).await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let o = p.observe(false).await?;
        if o["location"]["id"] == json!(to) && o["travelling"].is_null() {
            p.transcript.push(format!("(observe until arrival) location = {to}"));
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("no arrival at {to}: {}", short(&o["travelling"], 200)));
        }
        p.call("wait", json!({"seconds": 1}), false).await?;
    }
    Ok(format!("{from} -> {to}"))
}

async fn item(p: &mut Play) -> Res<String> {
    let id = p.character.ok_or("no character")?;
    let o = p.observe(false).await?;
    let (loc, x, y) = (o["location"]["id"].clone(), o["character"]["x"].clone(), o["character"]["y"].clone());
    p.ok(
        "admin_spawn_world_item",
        json!({"def_id": "shortsword", "quantity": 1, "location_id": loc, "x": x, "y": y, "contact_radius": 5.0, "ttl_secs": 600.0}),
    )
    .await?;
    let mut uid = None;
    for _ in 0..50 {
        let o = p.observe(false).await?;
        uid = o["near"]["items_on_ground"]
            .as_array()
            .and_then(|a| a.iter().find(|i| i["item"] == json!("shortsword")))
            .and_then(|i| i["item_uid"].as_u64());
        if uid.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let uid = uid.ok_or("the spawned shortsword is not among items_on_ground")?;
    // Items picked up go to the run stash: a run first (extract brings the haul home).
    p.ok("begin_run", json!({"character_id": id})).await?;
    p.ok("pick_up", json!({"character_id": id})).await?;
    p.ok("equip", json!({"character_id": id, "item_uid": uid, "slot": "MainHand"})).await?;
    let o = p.observe(true).await?;
    let equipped = o["loadout"]
        .as_array()
        .is_some_and(|a| a.iter().any(|i| i["item_uid"] == json!(uid) && i["slot"] == json!("MainHand")));
    if !equipped {
        return Err(format!("loadout lacks the shortsword in MainHand: {}", o["loadout"]));
    }
    Ok(format!("shortsword {uid} in MainHand"))
}

async fn fight(p: &mut Play) -> Res<String> {
    let id = p.character.ok_or("no character")?;
    let o = p.observe(false).await?;
    let loc = o["location"]["id"].clone();
    let before: Vec<u64> = o["near"]["monsters"]
        .as_array()
        .map(|a| a.iter().filter_map(|m| m["monster_id"].as_u64()).collect())
        .unwrap_or_default();
    p.ok("admin_spawn_monster", json!({"def_id": "rat", "location_id": loc})).await?;
    let mut monster = None;
    for _ in 0..100 {
        let o = p.observe(false).await?;
        monster = o["near"]["monsters"].as_array().and_then(|a| {
            a.iter()
                .filter(|m| m["kind"] == json!("rat") && m["in_fight"] == json!(false))
                .filter_map(|m| m["monster_id"].as_u64())
                .find(|m| !before.contains(m))
        });
        if monster.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let monster = monster.ok_or("the spawned rat is not among the monsters near")?;
    p.ok("start_combat", json!({"character_id": id, "target_character_ids": [], "target_monster_ids": [monster]}))
        .await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut my_turns = 0;
    let mut logged_first = false;
    loop {
        if Instant::now() > deadline {
            return Err(format!("the fight did not end within 60 s ({my_turns} turns of mine)"));
        }
        let log = !logged_first;
        let o = p.observe(log).await?;
        let f = o["fight"].clone();
        if f.is_null() {
            let hp = o["character"]["hp"].as_i64().unwrap_or(0);
            let won =
                o["near"]["monsters"].as_array().is_none_or(|a| !a.iter().any(|m| m["monster_id"] == json!(monster)));
            let how = if won { "won" } else { "left" };
            p.transcript.push(format!("(observe) fight over: {how}, hp {hp}"));
            return Ok(format!("{how} after {my_turns} turns of mine"));
        }
        if f["your_turn"] != json!(true) {
            p.call("wait", json!({"seconds": 0.3}), false).await?;
            continue;
        }
        logged_first = true;
        my_turns += 1;
        if my_turns > 6 {
            // Not won in six turns: flee (the rules may refuse once; end the turn then).
            let a = p.call("flee", json!({"character_id": id}), true).await?;
            if !a.ok {
                p.call("end_turn", json!({"character_id": id}), true).await?;
            }
            continue;
        }
        let me = f["combatants"].as_array().and_then(|a| a.iter().find(|c| c["is_you"] == json!(true)).cloned());
        let foe = f["combatants"].as_array().and_then(|a| {
            a.iter()
                .filter(|c| c["enemy"] == json!(true) && c["dead"] != json!(true) && c["fled"] != json!(true))
                .min_by(|x, y| {
                    x["distance_ft"].as_f64().unwrap_or(0.0).total_cmp(&y["distance_ft"].as_f64().unwrap_or(0.0))
                })
                .cloned()
        });
        let (Some(me), Some(foe)) = (me, foe) else {
            p.call("wait", json!({"seconds": 0.3}), false).await?;
            continue;
        };
        let d = foe["distance_ft"].as_f64().unwrap_or(0.0);
        if d > 5.0 {
            let (mx, my) = (me["x"].as_f64().unwrap_or(0.0), me["y"].as_f64().unwrap_or(0.0));
            let (fx, fy) = (foe["x"].as_f64().unwrap_or(0.0), foe["y"].as_f64().unwrap_or(0.0));
            let k = (d - 4.0) / d;
            p.call(
                "move_in_combat",
                json!({"character_id": id, "x": mx + (fx - mx) * k, "y": my + (fy - my) * k}),
                true,
            )
            .await?;
        }
        let a = p
            .call(
                "attack",
                json!({"character_id": id, "target_combatant_id": foe["combatant_id"], "attack_index": 0}),
                true,
            )
            .await?;
        if !a.ok && a.body["fix"].is_null() {
            return Err(format!("a refused attack without a fix: {}", a.body));
        }
        // The attack may have ended the fight; end_turn then answers an error we can read.
        let o = p.observe(false).await?;
        if o["fight"]["your_turn"] == json!(true) {
            p.call("end_turn", json!({"character_id": id}), true).await?;
        }
    }
}

async fn events(p: &mut Play) -> Res<String> {
    let a = p.ok("events_since", json!({"cursor": 0, "limit": 200})).await?;
    let kinds: Vec<String> = a["events"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["kind"].as_str().map(String::from)).collect())
        .unwrap_or_default();
    for k in ["CharacterCreated", "Arrived", "ItemPickedUp", "CombatStarted"] {
        if !kinds.iter().any(|x| x == k) {
            return Err(format!("no {k} event among {kinds:?}"));
        }
    }
    let next = a["next_cursor"].as_u64().ok_or("no next_cursor")?;
    let b = p.call("events_since", json!({"cursor": next}), false).await?;
    if b.body["events"].as_array().is_some_and(|e| e.iter().any(|x| x["id"].as_u64().unwrap_or(0) <= next)) {
        return Err("events_since(next_cursor) repeats old events".into());
    }
    Ok(format!("{} events", kinds.len()))
}

async fn resources(p: &mut Play) -> Res<String> {
    let id = p.character.ok_or("no character")?;
    let uri = format!("wk://character/{id}");
    let list = p.svc().list_all_resources().await.map_err(|e| format!("resources/list: {e}"))?;
    for want in [uri.as_str(), "wk://locations"] {
        if !list.iter().any(|r| r.uri == want) {
            return Err(format!("resource {want} not listed"));
        }
    }
    let r = p.svc().read_resource(ReadResourceRequestParams::new("wk://locations")).await.map_err(|e| e.to_string())?;
    if r.contents.is_empty() {
        return Err("wk://locations is empty".into());
    }
    #[allow(deprecated)]
    p.svc()
        .subscribe(SubscribeRequestParams::new(uri.clone()))
        .await
        .map_err(|e| format!("resources/subscribe: {e}"))?;
    Ok(String::new())
}

async fn resource_updates(p: &mut Play) -> Res<String> {
    // Subscribed before the item and the fight, each of which changed the character row.
    let deadline = Instant::now() + Duration::from_secs(5);
    while p.updates.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let n = p.updates.load(Ordering::SeqCst);
    if n == 0 {
        return Err("no notifications/resources/updated for the character sheet".into());
    }
    Ok(format!("{n} updates"))
}

/// The same server over streamable HTTP (plain HTTP requests, as any MCP client sends them):
/// initialize, then `my_characters` in that session finds the character (same token file).
fn streamable_http(
    bin: &std::path::Path,
    url: &str,
    db: &str,
    token_file: &std::path::Path,
    character: Option<u64>,
) -> Res<String> {
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let mut child = std::process::Command::new(bin)
        .args(["--url", url, "--db", db, "--http", &format!("127.0.0.1:{port}")])
        .arg("--token-file")
        .arg(token_file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let endpoint = format!("http://127.0.0.1:{port}/mcp");
    let post = |body: Value, session: Option<&str>| {
        let mut r = ureq::post(&endpoint)
            .set("content-type", "application/json")
            .set("accept", "application/json, text/event-stream");
        if let Some(s) = session {
            r = r.set("mcp-session-id", s).set("mcp-protocol-version", "2025-06-18");
        }
        r.send_string(&body.to_string()).map_err(|e| e.to_string())
    };
    let result = (|| {
        let deadline = Instant::now() + Duration::from_secs(20);
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "wk-mcp-test", "version": "0"}}});
        let resp = loop {
            match post(init.clone(), None) {
                Ok(r) => break r,
                Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
                Err(e) => return Err(format!("initialize over HTTP: {e}")),
            }
        };
        let session = resp.header("mcp-session-id").ok_or("no mcp-session-id")?.to_string();
        let body = resp.into_string().map_err(|e| e.to_string())?;
        if !body.contains("\"wk-mcp\"") {
            return Err(format!("initialize answer lacks serverInfo wk-mcp: {body}"));
        }
        post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}), Some(&session))
            .map_err(|e| e.to_string())?;
        let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "my_characters", "arguments": {}}});
        let body = post(call, Some(&session)).map_err(|e| e.to_string())?.into_string().map_err(|e| e.to_string())?;
        let id = character.ok_or("no character")?;
        if body.contains(&format!("\\\"id\\\": {id},")) {
            Ok(format!("port {port}"))
        } else {
            Err(format!("my_characters over HTTP lacks character {id}: {body}"))
        }
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

#[tokio::main]
async fn main() {
    let started = Instant::now();
    let url = std::env::var("WK_URL").unwrap_or_else(|_| "http://127.0.0.1:3000".into());
    let db = std::env::var("WK_DB").unwrap_or_else(|_| "world-kernel".into());
    let admin = std::env::var("WK_ADMIN_TOKEN").unwrap_or_default();
    let bin = std::env::var("WK_MCP_BIN").map(std::path::PathBuf::from).unwrap_or_else(|_| {
        std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("wk-mcp")))
            .unwrap_or_else(|| "wk-mcp".into())
    });
    let dir = std::env::temp_dir().join(format!("wk-mcp-test-{}", std::process::id()));
    let token_file = dir.join("token");
    println!("wk-mcp-test: {url} db={db} server={}", bin.display());
    let mut cmd = tokio::process::Command::new(&bin);
    cmd.arg("--url").arg(&url).arg("--db").arg(&db).arg("--token-file").arg(&token_file);
    cmd.env("WK_MCP_ADMIN_TOKEN", &admin);
    let client = Client::default();
    let updates = client.updates.clone();
    let svc = match TokioChildProcess::new(cmd) {
        Ok(t) => client.serve(t).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let svc = match svc {
        Ok(s) => s,
        Err(e) => {
            println!("FAIL mcp_connect: {e}");
            std::process::exit(1);
        }
    };
    let mut p = Play { svc: Some(svc), transcript: Vec::new(), passed: 0, failed: 0, character: None, updates };
    macro_rules! step {
        ($name:literal, $f:ident) => {{
            let t = Instant::now();
            let r = $f(&mut p).await;
            p.report($name, t, r);
        }};
    }
    step!("mcp_tools_cover_the_catalogue", tools_cover_the_catalogue);
    step!("mcp_create_and_observe", create_and_observe);
    if p.character.is_some() {
        step!("mcp_wrong_call_answers_code_and_fix", wrong_call);
        step!("mcp_resources", resources);
        step!("mcp_travel", travel);
        step!("mcp_pick_up_and_equip", item);
        step!("mcp_fight_turn_by_turn", fight);
        step!("mcp_events_since", events);
        step!("mcp_resource_updates", resource_updates);
    }
    // The same token file: a restarted server is the same player.
    let t = Instant::now();
    if let Some(s) = p.svc.take() {
        let _ = s.cancel().await;
    }
    let restart = async {
        let mut cmd = tokio::process::Command::new(&bin);
        cmd.arg("--url").arg(&url).arg("--db").arg(&db).arg("--token-file").arg(&token_file);
        let t = TokioChildProcess::new(cmd).map_err(|e| e.to_string())?;
        let c = Client::default().serve(t).await.map_err(|e| e.to_string())?;
        let r = c.call_tool(CallToolRequestParams::new("my_characters")).await.map_err(|e| e.to_string())?;
        let text: String = r.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect();
        let _ = c.cancel().await;
        let v: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let id = p.character.ok_or("no character")?;
        if v["characters"].as_array().is_some_and(|a| a.iter().any(|c| c["id"] == json!(id))) {
            Ok(String::new())
        } else {
            Err(format!("after a restart my_characters lacks {id}: {v}"))
        }
    };
    let r: Res<String> = restart.await;
    p.report("mcp_same_player_after_restart", t, r);
    let t = Instant::now();
    let r = tokio::task::spawn_blocking({
        let (bin, url, db, token_file) = (bin.clone(), url.clone(), db.clone(), token_file.clone());
        let id = p.character;
        move || streamable_http(&bin, &url, &db, &token_file, id)
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    p.report("mcp_streamable_http", t, r);
    let _ = std::fs::remove_dir_all(&dir);
    if let Ok(path) = std::env::var("WK_MCP_TRANSCRIPT") {
        let _ = std::fs::write(&path, p.transcript.join("\n\n") + "\n");
    }
    println!("mcp suite: {} passed, {} failed ({:.1} s)", p.passed, p.failed, started.elapsed().as_secs_f64());
    std::process::exit(if p.failed == 0 { 0 } else { 1 });
}
