//! `wk-agents`: N AI agents playing World Kernel through its public reducers only. Each agent has
//! its own connection (a fresh identity minted by the server) and character, and a small
//! goal-driven policy (see `agent.rs`). An observer connection watches the event log.
//!
//! `wk-agents --help` lists the options (`Opts` below). `--test` is the live scenario of
//! `scripts/test.sh`: after the duration it prints `PASS agents_cross_agent_events` /
//! `PASS agents_world_invariants` (or `FAIL name: why`) and exits non-zero on a failure.
//! Load players (`load.rs`, for scripts/soak.sh): `WK_LOAD_PLAYERS=N` adds N players that act at a
//! fixed pace (`WK_LOAD_RATE` calls/s each, default 10) with narrow subscriptions, so the soak's
//! load reaches a share of the bench's capacity; their calls are recorded with the agents'.

use wk_client::module_bindings;

mod agent;
mod conn;
mod load;

use clap::Parser;
use module_bindings::*;
use spacetimedb_sdk::{Identity, Table};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// N AI agents playing World Kernel through its public reducers, each with its own connection
/// and character; an observer connection watches the event log.
#[derive(Parser, Debug)]
#[command(name = "wk-agents")]
struct Opts {
    /// How many agents (1..=64).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=64))]
    agents: u64,
    /// Seconds to play; 0 runs until killed.
    #[arg(long, default_value_t = 0, value_name = "SECS")]
    duration: u64,
    /// The server.
    #[arg(long, env = "WK_URL", default_value = "http://127.0.0.1:3000")]
    url: String,
    /// The database.
    #[arg(long, env = "WK_DB", default_value = "world-kernel")]
    db: String,
    /// One line per action decision.
    #[arg(short, long)]
    verbose: bool,
    /// The live scenario of scripts/test.sh: after the duration (played on up to twice as long
    /// while fewer than 2 kinds of cross-agent event were seen), PASS/FAIL lines for the
    /// cross-agent events and the world invariants; exits non-zero on a failure.
    #[arg(long)]
    test: bool,
    /// Write one line per call (secs-since-start TAB latency-ms TAB ok|E_CODE) to FILE and print
    /// the number of connections the server closed (scripts/reliability.py load).
    #[arg(long, value_name = "FILE")]
    stats: Option<String>,
    /// Pause between one agent's steps (ms); 0 = act without pauses (scripts/soak.sh).
    #[arg(long, default_value_t = 300, value_name = "MS")]
    pause_ms: u64,
}

/// What the observer saw: cross-agent events by kind (from the `kind=` of their detail).
#[derive(Default)]
struct Seen {
    cross: BTreeMap<String, u32>,
    events: u64,
}

fn main() {
    let opts = Opts::parse();
    println!(
        "wk-agents: {} agents against {} / {} for {}",
        opts.agents,
        opts.url,
        opts.db,
        if opts.duration == 0 { "ever (Ctrl-C stops)".to_string() } else { format!("{} s", opts.duration) }
    );
    let observer = match conn::Conn::open(&opts.url, &opts.db) {
        Ok(c) => c,
        Err(e) => {
            println!("FAIL agents_connect: {e}");
            std::process::exit(1);
        }
    };
    let seen = Arc::new(Mutex::new(Seen::default()));
    {
        let seen = seen.clone();
        observer.conn.db.world_event().on_insert(move |_ctx, e| {
            if let Ok(mut s) = seen.lock() {
                s.events += 1;
                if e.kind == EventKind::CrossAgent {
                    let kind = e.detail.split(';').find_map(|kv| kv.strip_prefix("kind=")).unwrap_or("?").to_string();
                    *s.cross.entry(kind).or_default() += 1;
                }
            }
        });
    }
    let load_opts = match load::LoadOpts::from_env() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("wk-agents: {e}");
            std::process::exit(2);
        }
    };
    conn::stats::start(opts.stats.is_some());
    let stop = Arc::new(AtomicBool::new(false));
    let load_totals = Arc::new(load::Totals::default());
    let load_started = Instant::now();
    let load_handles = match load::start(&load_opts, &opts.url, &opts.db, stop.clone(), load_totals.clone()) {
        Ok(h) => h,
        Err(e) => {
            println!("FAIL load_players_connect: {e}");
            std::process::exit(1);
        }
    };
    if load_opts.players > 0 {
        println!(
            "wk-agents: {} load players at {} calls/s each ({:.0} calls/s offered), started in {:.1} s",
            load_opts.players,
            load_opts.rate,
            load_opts.players as f64 * load_opts.rate,
            load_started.elapsed().as_secs_f64()
        );
    }
    let mut handles = Vec::new();
    for idx in 0..opts.agents as usize {
        let (url, db, verbose, stop, pause) =
            (opts.url.clone(), opts.db.clone(), opts.verbose, stop.clone(), opts.pause_ms);
        handles.push(std::thread::spawn(move || run_agent(idx, &url, &db, verbose, pause, &stop)));
        std::thread::sleep(Duration::from_millis(150));
    }
    let started = Instant::now();
    // --test: the agents meet by chance (a gift needs a spare item, a shared fight a fight in the
    // same place), so a slow machine may need longer than the duration for the second kind of
    // cross-agent event. Play on, up to twice the duration, while fewer than 2 kinds were seen;
    // the check itself is unchanged.
    let kinds_seen = || seen.lock().map(|s| s.cross.len()).unwrap_or(0);
    let played_enough = |elapsed: Duration| {
        let d = Duration::from_secs(opts.duration);
        opts.duration != 0 && elapsed >= d && (!opts.test || kinds_seen() >= 2 || elapsed >= 2 * d)
    };
    while !played_enough(started.elapsed()) {
        std::thread::sleep(Duration::from_millis(250));
        if handles.iter().all(|h| h.is_finished()) {
            break;
        }
    }
    if opts.test && started.elapsed() > Duration::from_secs(opts.duration) + Duration::from_millis(500) {
        println!(
            "wk-agents: played {:.0} s (past --duration, for a second kind of cross-agent event)",
            started.elapsed().as_secs_f64()
        );
    }
    conn::stats::CLOSING.store(true, Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    let mut load_errors = Vec::new();
    for h in load_handles {
        match h.join() {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => load_errors.push(e),
            Err(_) => load_errors.push("a load player panicked".to_string()),
        }
    }
    if load_opts.players > 0 {
        let t = &load_totals;
        println!(
            "wk-agents: load players: {} of {} ready, {} calls sent, {} answered, {} ticks skipped at {} in flight{}",
            t.ready.load(Ordering::SeqCst),
            load_opts.players,
            t.sent.load(Ordering::SeqCst),
            t.answered.load(Ordering::SeqCst),
            t.skipped.load(Ordering::SeqCst),
            load::MAX_IN_FLIGHT,
            if load_errors.is_empty() { String::new() } else { format!("; setup errors: {}", load_errors.join(" | ")) }
        );
    }
    let mut actions = 0;
    let mut rejections = 0;
    for h in handles {
        if let Ok((a, r)) = h.join() {
            actions += a;
            rejections += r;
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    let (cross, events) = {
        let s = seen.lock().map(|s| (s.cross.clone(), s.events)).unwrap_or_default();
        (s.0, s.1)
    };
    println!(
        "wk-agents: {actions} actions ({rejections} rejected and handled), {events} events seen, cross-agent: {cross:?}"
    );
    if let Some(path) = &opts.stats {
        if let Err(e) = write_stats(path) {
            eprintln!("wk-agents: writing {path}: {e}");
            std::process::exit(1);
        }
        println!("wk-agents: disconnected by the server: {}", conn::stats::SERVER_DISCONNECTS.load(Ordering::SeqCst));
    }
    if opts.test {
        let mut failed = 0;
        if cross.len() >= 2 {
            println!("PASS agents_cross_agent_events ({} kinds: {:?})", cross.len(), cross.keys().collect::<Vec<_>>());
        } else {
            failed += 1;
            println!("FAIL agents_cross_agent_events: want >= 2 kinds of CrossAgent events, saw {cross:?}");
        }
        match invariants(&observer) {
            Ok(n) => println!("PASS agents_world_invariants ({n})"),
            Err(e) => {
                failed += 1;
                println!("FAIL agents_world_invariants: {e}");
            }
        }
        std::process::exit(if failed == 0 { 0 } else { 1 });
    }
}

fn write_stats(path: &str) -> std::io::Result<()> {
    use std::io::Write;
    let samples = conn::stats::SAMPLES.lock().map(|v| v.clone()).unwrap_or_default();
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    for (t, ms, outcome) in samples {
        writeln!(f, "{t:.3}\t{ms:.3}\t{outcome}")?;
    }
    f.flush()
}

fn run_agent(idx: usize, url: &str, db: &str, verbose: bool, pause_ms: u64, stop: &AtomicBool) -> (u64, u64) {
    let c = match conn::Conn::open(url, db) {
        Ok(c) => c,
        Err(e) => {
            println!("[agent {idx}] cannot connect: {e}");
            return (0, 0);
        }
    };
    let mut a = agent::Agent::new(idx, c, verbose);
    while !stop.load(Ordering::SeqCst) {
        a.step();
        if pause_ms > 0 {
            std::thread::sleep(Duration::from_millis(pause_ms));
        }
    }
    (a.actions, a.rejections)
}

/// World invariants over the observer's cache: every item in exactly one well-formed place with a
/// valid quantity; HP within [0, max] (characters and monsters); every character owned by an
/// existing player (or an AI character of the world).
fn invariants(o: &conn::Conn) -> Result<String, String> {
    let db = &o.conn.db;
    let defs: BTreeMap<String, u32> = db.item_def().iter().map(|d| (d.id, d.def.stack_limit)).collect();
    let chars: BTreeSet<u64> = db.character().iter().map(|c| c.id).collect();
    let players: BTreeSet<Identity> = db.player().iter().map(|p| p.identity).collect();
    let mut items = 0;
    for i in db.item_instance().iter() {
        items += 1;
        let limit = defs.get(&i.def_id).ok_or_else(|| format!("item {} has unknown def {}", i.uid, i.def_id))?;
        if i.quantity == 0 || i.quantity > (*limit).max(1) {
            return Err(format!("item {} quantity {} outside 1..={limit}", i.uid, i.quantity));
        }
        let ok = match i.place {
            PlaceKind::Ground => !i.location_id.is_empty() && i.character_id == 0 && i.slot.is_none(),
            PlaceKind::RunStash => chars.contains(&i.character_id) && i.location_id.is_empty() && i.slot.is_none(),
            PlaceKind::Loadout => chars.contains(&i.character_id) && i.location_id.is_empty() && i.slot.is_some(),
            PlaceKind::MasterStash => {
                i.character_id == 0 && i.location_id.is_empty() && i.slot.is_none() && i.owner != Identity::ZERO
            }
        };
        if !ok {
            return Err(format!("item {} is not in exactly one well-formed place: {:?}", i.uid, i.place));
        }
    }
    let mut n_chars = 0;
    for c in db.character().iter() {
        n_chars += 1;
        let v = &c.sheet.vitals;
        if v.hp < 0 || v.hp > v.max_hp {
            return Err(format!("{} has HP {} outside [0, {}]", c.name, v.hp, v.max_hp));
        }
        if !c.is_ai && !players.contains(&c.owner) {
            return Err(format!("{} is owned by {} who is not a player", c.name, c.owner));
        }
    }
    for m in db.monster_instance().iter() {
        if m.hp < 0 || m.hp > m.max_hp {
            return Err(format!("monster {} has HP {} outside [0, {}]", m.id, m.hp, m.max_hp));
        }
    }
    Ok(format!("{items} items, {n_chars} characters checked"))
}
