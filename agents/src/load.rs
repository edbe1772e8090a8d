//! Load players (`WK_LOAD_PLAYERS=N`, scripts/soak.sh): players that act at a set pace, so the
//! sustained-load test drives the world at a stated share of the capacity the bench measured.
//!
//! The goal-driven agents (`agent.rs`) wait for their call's outcome, read the whole world from
//! their cache (each subscribes to every public table, so each applies every row change of the
//! world) and spend much of their time on the road, resting or waiting for their turn: fifty of
//! them made 25-36 calls/s. A load player is what a game client under a busy player looks like:
//! its own identity and character, a subscription to its own rows only (`character` by name,
//! `item_instance` by character id), and calls sent at a fixed pace without waiting for the
//! previous outcome (open loop, so a slow server shows as latency instead of a lower offered
//! rate), at most `MAX_IN_FLIGHT` unanswered.
//!
//! Each player creates a character, begins a run, steps to a spot of its own, picks up a weapon an
//! admin connection drops there (`WK_ADMIN_TOKEN`), then cycles: step, equip, step, unequip,
//! pick up (nothing in reach: the ground lookup alone, rejected `E_NOTHING_IN_REACH`), contest
//! another load player's character. Every outcome is recorded like the agents' (`--stats`).
//! `WK_LOAD_RATE` is each player's pace in calls/s (default 10, below the module's per-identity
//! limit of 20 calls/s sustained).

use crate::conn::stats;
use crate::module_bindings::*;
use spacetimedb_sdk::{DbContext, Status, Table};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Unanswered calls one player may have; at the cap it skips its tick (counted as `skipped`).
pub const MAX_IN_FLIGHT: usize = 16;
const SETUP_TIMEOUT: Duration = Duration::from_secs(60);

/// A setup call's outcome: (reducer, Ok or the module's message).
type SetupOutcome = (&'static str, Result<(), String>);

pub struct LoadOpts {
    pub players: usize,
    pub rate: f64,
    pub admin_token: Option<String>,
}

impl LoadOpts {
    /// From the environment: `WK_LOAD_PLAYERS` (default 0: none), `WK_LOAD_RATE` (calls/s per
    /// player, default 10), `WK_ADMIN_TOKEN` (drops the weapons; without it players skip gear).
    pub fn from_env() -> Result<LoadOpts, String> {
        let players = match std::env::var("WK_LOAD_PLAYERS") {
            Ok(v) => v.trim().parse().map_err(|_| format!("WK_LOAD_PLAYERS={v}: want a number"))?,
            Err(_) => 0,
        };
        let rate = match std::env::var("WK_LOAD_RATE") {
            Ok(v) => v.trim().parse::<f64>().map_err(|_| format!("WK_LOAD_RATE={v}: want calls/s"))?,
            Err(_) => 10.0,
        };
        if players > 1000 || !(0.1..=15.0).contains(&rate) {
            return Err("WK_LOAD_PLAYERS must be 0..=1000 and WK_LOAD_RATE 0.1..=15 calls/s".into());
        }
        Ok(LoadOpts { players, rate, admin_token: std::env::var("WK_ADMIN_TOKEN").ok().filter(|t| !t.is_empty()) })
    }
}

/// Totals of all load players.
#[derive(Default)]
pub struct Totals {
    pub sent: AtomicU64,
    pub answered: AtomicU64,
    pub skipped: AtomicU64,
    pub ready: AtomicU64,
}

/// One player's connection: outcomes of its own calls go to the setup channel until `measuring`,
/// then are recorded with their latency (calls of one connection are answered in order).
struct Player {
    conn: DbConnection,
    sent_at: Arc<Mutex<VecDeque<Instant>>>,
    setup_rx: Receiver<SetupOutcome>,
    measuring: Arc<AtomicBool>,
}

fn open(url: &str, db: &str, token: Option<String>, totals: Arc<Totals>) -> Result<Player, String> {
    let sent_at: Arc<Mutex<VecDeque<Instant>>> = Arc::new(Mutex::new(VecDeque::new()));
    let measuring = Arc::new(AtomicBool::new(false));
    let (tx, rx): (Sender<SetupOutcome>, _) = channel();
    let tx = Mutex::new(tx);
    let (s, m) = (sent_at.clone(), measuring.clone());
    let c = wk_client::connect(
        url,
        db,
        token,
        Duration::from_secs(30),
        |b| b.on_disconnect(|_c, _e| stats::disconnected()),
        move |conn| {
            wk_client::on_outcomes(conn, None, move |ctx, name| {
                if ctx.event.caller_connection_id != Some(ctx.connection_id()) {
                    return;
                }
                let res = wk_client::outcome(&ctx.event.status);
                if !m.load(Ordering::SeqCst) {
                    if let Ok(tx) = tx.lock() {
                        let _ = tx.send((name, res));
                    }
                    return;
                }
                let sent = s.lock().ok().and_then(|mut q| q.pop_front());
                if let Some(sent) = sent {
                    totals.answered.fetch_add(1, Ordering::Relaxed);
                    let code = match (&res, &ctx.event.status) {
                        (Ok(()), _) => "ok",
                        (Err(_), Status::Failed(msg)) => wk_client::code(msg),
                        (Err(_), _) => "E_CLIENT",
                    };
                    stats::record(sent, sent.elapsed().as_secs_f64() * 1000.0, code);
                }
            });
        },
    )?;
    Ok(Player { conn: c.conn, sent_at, setup_rx: rx, measuring })
}

impl Player {
    /// A setup call: send and wait for its outcome.
    fn setup_call(
        &self,
        reducer: &str,
        send: impl FnOnce(&RemoteReducers) -> Result<(), spacetimedb_sdk::Error>,
    ) -> Result<(), String> {
        send(&self.conn.reducers).map_err(|e| format!("sending {reducer}: {e}"))?;
        let deadline = Instant::now() + SETUP_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.setup_rx.recv_timeout(left) {
                Ok((name, res)) if name == reducer => return res,
                Ok(_) => continue,
                Err(_) => return Err(format!("no answer to {reducer} within {SETUP_TIMEOUT:?}")),
            }
        }
    }
}

/// What the players share: the ids of their characters (contest targets) and the weapon to drop.
struct Shared {
    chars: Mutex<Vec<u64>>,
    admin: Option<DbConnection>,
    admin_rx: Option<Mutex<Receiver<SetupOutcome>>>,
}

/// Start `opts.players` load players (their threads run until `stop`). Returns their handles;
/// each yields (calls sent, setup error if any).
pub fn start(
    opts: &LoadOpts,
    url: &str,
    db: &str,
    stop: Arc<AtomicBool>,
    totals: Arc<Totals>,
) -> Result<Vec<std::thread::JoinHandle<Result<u64, String>>>, String> {
    if opts.players == 0 {
        return Ok(Vec::new());
    }
    let (admin, admin_rx) = match &opts.admin_token {
        Some(t) => {
            let p = open(url, db, Some(t.clone()), totals.clone())?;
            (Some(p.conn), Some(Mutex::new(p.setup_rx)))
        }
        None => (None, None),
    };
    let shared = Arc::new(Shared { chars: Mutex::new(Vec::new()), admin, admin_rx });
    let tag = std::process::id();
    let mut handles = Vec::new();
    for i in 0..opts.players {
        let (url, db, stop, totals, shared, rate) =
            (url.to_string(), db.to_string(), stop.clone(), totals.clone(), shared.clone(), opts.rate);
        handles.push(std::thread::spawn(move || run(i, tag, &url, &db, rate, &stop, totals, &shared)));
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(handles)
}

#[allow(clippy::too_many_arguments)]
fn run(
    i: usize,
    tag: u32,
    url: &str,
    db: &str,
    rate: f64,
    stop: &AtomicBool,
    totals: Arc<Totals>,
    shared: &Shared,
) -> Result<u64, String> {
    let p = open(url, db, None, totals.clone())?;
    let name = format!("load-{tag}-{i}");
    let mine = format!("SELECT * FROM character WHERE name = '{name}'");
    wk_client::subscribe(&p.conn, Some(&[mine.as_str()]), SETUP_TIMEOUT)?;
    let classes: Vec<String> = ["fighter", "warrior"].iter().map(|s| s.to_string()).collect();
    let mut created = Err(String::new());
    for class in classes {
        let scores = AbilityScores { str: 15, dex: 14, con: 13, int: 8, wis: 12, cha: 10 };
        let n = name.clone();
        created = p.setup_call("create_character", |r| r.create_character(n, class, scores, vec![]));
        if created.is_ok() {
            break;
        }
    }
    created.map_err(|e| format!("{name}: create_character: {e}"))?;
    wk_client::wait_for("the load player's character", SETUP_TIMEOUT, || p.conn.db.character().count() > 0)?;
    let me = p.conn.db.character().iter().next().ok_or("character row missing")?;
    let (id, loc) = (me.id, me.location_id.clone());
    let items = format!("SELECT * FROM item_instance WHERE character_id = {id}");
    wk_client::subscribe(&p.conn, Some(&[items.as_str()]), SETUP_TIMEOUT)?;
    p.setup_call("begin_run", |r| r.begin_run(id))?;
    // A spot of its own (40 ft apart: outside every other player's contact zone).
    let (hx, hy) = (1000.0 + 40.0 * (i % 50) as f64, 3000.0 + 40.0 * (i / 50) as f64);
    p.setup_call("step_to", |r| r.step_to(id, hx, hy))?;
    let weapon = drop_weapon(shared, &loc, hx, hy).and_then(|()| {
        p.setup_call("pick_up", |r| r.pick_up(id))?;
        wk_client::wait_for("the picked-up weapon", SETUP_TIMEOUT, || p.conn.db.item_instance().count() > 0)?;
        p.conn.db.item_instance().iter().map(|it| it.uid).min().ok_or_else(|| "no item after pick_up".to_string())
    });
    let weapon = match weapon {
        Ok(uid) => Some(uid),
        Err(e) => {
            println!("wk-agents: load player {i}: no weapon ({e}); it steps, picks up and contests only");
            None
        }
    };
    if let Ok(mut v) = shared.chars.lock() {
        v.push(id);
    }
    totals.ready.fetch_add(1, Ordering::SeqCst);
    p.measuring.store(true, Ordering::SeqCst);

    let period = Duration::from_secs_f64(1.0 / rate);
    // Start at a random phase so the players' ticks spread over the period.
    let mut next = Instant::now() + period.mul_f64((i as f64 * 0.618_034).fract());
    let mut k: u64 = 0;
    let mut sent = 0u64;
    let mut rng = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut rand = |n: u64| {
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        rng.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    };
    while !stop.load(Ordering::SeqCst) {
        let now = Instant::now();
        if now < next {
            std::thread::sleep(next - now);
            continue;
        }
        next += period;
        if next < Instant::now() {
            // far behind (a stalled thread): do not burst to catch up
            next = Instant::now() + period;
        }
        if p.sent_at.lock().map(|q| q.len()).unwrap_or(0) >= MAX_IN_FLIGHT {
            totals.skipped.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let step = k % 6;
        k += 1;
        let (x, y) = (hx + rand(3) as f64, hy + rand(3) as f64);
        let others: Vec<u64> =
            shared.chars.lock().map(|v| v.iter().copied().filter(|c| *c != id).collect()).unwrap_or_default();
        let other = if others.is_empty() { None } else { Some(others[rand(others.len() as u64) as usize]) };
        // Record the send time before sending: the answer may arrive before `send` returns.
        if let Ok(mut q) = p.sent_at.lock() {
            q.push_back(Instant::now());
        }
        let r = &p.conn.reducers;
        let res = match (step, weapon, other) {
            (1, Some(uid), _) => r.equip(id, uid, LoadoutSlot::MainHand),
            (3, Some(_), _) => r.unequip(id, LoadoutSlot::MainHand),
            (4, _, _) => r.pick_up(id),
            (5, _, Some(o)) => r.contest(id, o, CheckKind::Ability(Ability::Cha), CheckKind::Ability(Ability::Wis)),
            _ => r.step_to(id, x, y),
        };
        match res {
            Ok(()) => {
                sent += 1;
                totals.sent.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                if let Ok(mut q) = p.sent_at.lock() {
                    q.pop_back();
                }
                stats::record(Instant::now(), 0.0, "E_CLIENT");
                println!("wk-agents: load player {i}: send failed: {e}");
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
    // Let the last answers arrive (they are recorded as they come).
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until && p.sent_at.lock().map(|q| !q.is_empty()).unwrap_or(false) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = p.conn.disconnect();
    Ok(sent)
}

/// The admin connection drops one weapon at (x, y) in `loc` (a simple melee weapon of the loaded
/// ruleset: the first main-hand weapon by id).
fn drop_weapon(shared: &Shared, loc: &str, x: f64, y: f64) -> Result<(), String> {
    let (Some(admin), Some(rx)) = (&shared.admin, &shared.admin_rx) else {
        return Err("no admin token (WK_ADMIN_TOKEN)".into());
    };
    let def = weapon_def(admin)?;
    // One admin call at a time (the admin connection is shared by every player's setup).
    let rx = rx.lock().map_err(|_| "admin lock poisoned")?;
    admin
        .reducers
        .admin_spawn_world_item(def, 1, loc.to_string(), x, y, 5.0, 3600.0)
        .map_err(|e| format!("sending admin_spawn_world_item: {e}"))?;
    let deadline = Instant::now() + SETUP_TIMEOUT;
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(("admin_spawn_world_item", res)) => return res,
            Ok(_) => continue,
            Err(_) => return Err("no answer to admin_spawn_world_item".into()),
        }
    }
}

/// The weapon to drop: `dagger` when the ruleset has one, else the first main-hand weapon by id.
fn weapon_def(admin: &DbConnection) -> Result<String, String> {
    static DEF: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    DEF.get_or_init(|| {
        wk_client::subscribe(admin, Some(&["SELECT * FROM item_def"]), SETUP_TIMEOUT)?;
        let mut weapons: Vec<String> = admin
            .db
            .item_def()
            .iter()
            .filter(|d| {
                matches!(d.def.item_type, ItemType::Weapon)
                    && matches!(d.def.slot, EquipSlot::MainHand | EquipSlot::EitherHand)
            })
            .map(|d| d.id)
            .collect();
        weapons.sort();
        if weapons.iter().any(|w| w == "dagger") {
            return Ok("dagger".to_string());
        }
        weapons.first().cloned().ok_or_else(|| "no main-hand weapon in item_def".to_string())
    })
    .clone()
}
