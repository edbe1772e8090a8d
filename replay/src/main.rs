//! wk-replay: re-run World Kernel fights from their action logs.
//!
//! Reads a combat's log (the `combat_action_log` rows: seq, rng stream, state hash, step) from a
//! CSV file or from a live database (the HTTP SQL endpoint, `POST /v1/database/{db}/sql`), replays every step through the
//! module's own pure combat code (`world_kernel::systems::combat::replay`) under the ruleset this
//! binary was built with, checks the RNG stream and the state hash after every step and reports
//! the first divergence. `--dice-trace` prints every step with every roll and its purpose.
//!
//! Fair dice: the log's start step carries the seed blanked (0) while the fight runs; the
//! fight's `combat_instance` row carries a SHA-256 commitment from the start and reveals the
//! seed and nonce when it ends. Before replaying a fight, the revealed seed is checked against
//! the commitment (a mismatch is a failure) and put back into the start step; a fight with no
//! revealed seed (still running) is skipped and said so, as is a fight whose log no longer
//! starts at step 0 (the storage pruner deletes a finished fight's log from step 0 on once it is
//! past `config.fight_retention_secs`; docs/replay.md).
//!
//! ```text
//! wk-replay --file fights.csv [--combat ID]... [--dice-trace]
//! wk-replay --server URL --db NAME [--token JWT] [--combat ID]... [--dice-trace] [--dump out.csv]
//! ```
//! CSV columns (header row, any order, extra columns ignored): `combat_id`, `seq`,
//! `rng_stream` (empty: none), `state_hash` (16 hex digits), `step` (hex BSATN of a
//! `LoggedStep`, exactly as the table stores it); optional `seed_commitment`, `revealed_seed`
//! (empty: not revealed) and `seed_nonce` (the fight's `combat_instance` values, on any of its
//! rows). `--dump` writes that format (plus `action`).
//!
//! Exit status: 0 every combat matches, 1 a divergence, 2 bad usage or input.

use std::collections::BTreeMap;
use std::process::ExitCode;
use world_kernel::rules::{ActiveRules, RulesEngine};
use world_kernel::systems::combat::replay::{decode_step, replay, unlogged_draws, LogEntry, ReplayAction, StepTrace};
use world_kernel::systems::combat::{hash_hex, Fight};
use world_kernel::systems::fair_dice;

/// A fight's public dice record: the commitment from its start, the seed and nonce once over.
#[derive(Debug, Clone, Default, PartialEq)]
struct Reveal {
    commitment: String,
    seed: Option<u64>,
    nonce: String,
}

/// Replay World Kernel fights from their action logs and check every state hash.
#[derive(Debug, Default, clap::Parser)]
#[command(name = "wk-replay", about, long_about = None)]
struct Args {
    /// Read the logs from this CSV file (columns: combat_id, seq, rng_stream, state_hash, step).
    #[arg(long, conflicts_with_all = ["server", "db"])]
    file: Option<String>,
    /// Read the logs from this server (127.0.0.1 or localhost) [default without --file: $WK_URL].
    #[arg(long)]
    server: Option<String>,
    /// The database to read from [default without --file: $WK_DB].
    #[arg(long)]
    db: Option<String>,
    /// A token to read as (the log table is public: none is needed today).
    #[arg(long, env = "WK_TOKEN")]
    token: Option<String>,
    /// Only this combat (repeatable).
    #[arg(long = "combat", value_name = "ID")]
    combats: Vec<u64>,
    /// Print every step with every roll and its purpose.
    #[arg(long)]
    dice_trace: bool,
    /// Also write the rows read to this CSV file.
    #[arg(long, value_name = "OUT.csv")]
    dump: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    use clap::Parser;
    // --help prints and exits 0; a usage error prints clap's message and exits 2.
    let mut a = Args::parse();
    // The environment names the server only when no file is given (a test run exports WK_URL and
    // WK_DB to everything it starts, `--file` runs too).
    if a.file.is_none() {
        a.server = a.server.or_else(|| std::env::var("WK_URL").ok());
        a.db = a.db.or_else(|| std::env::var("WK_DB").ok());
        if a.server.is_none() || a.db.is_none() {
            return Err("give --file FILE.csv, or --server URL and --db NAME (or WK_URL and WK_DB); see --help".into());
        }
    }
    if let Some(s) = &a.server {
        if !(s.starts_with("http://127.0.0.1") || s.starts_with("http://localhost")) {
            return Err(format!("refusing server {s}: wk-replay reads from a local server (http://127.0.0.1:PORT)"));
        }
    }
    Ok(a)
}

/// One raw row, as read from a file or the database.
#[derive(Debug, Clone)]
struct Row {
    combat_id: u64,
    seq: u32,
    rng_stream: Option<u64>,
    state_hash: String,
    step: String,
    action: String,
    reveal: Option<Reveal>,
}

fn parse_hash(s: &str) -> Result<u64, String> {
    u64::from_str_radix(s.trim(), 16).map_err(|_| format!("state hash `{s}` is not 16 hex digits"))
}

fn read_csv(path: &str) -> Result<Vec<Row>, String> {
    let mut r = csv::Reader::from_path(path).map_err(|e| format!("{path}: {e}"))?;
    let headers = r.headers().map_err(|e| format!("{path}: {e}"))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let need = |name: &str| col(name).ok_or_else(|| format!("{path}: no `{name}` column"));
    let (ci, si, ri, hi, pi) =
        (need("combat_id")?, need("seq")?, need("rng_stream")?, need("state_hash")?, need("step")?);
    let ai = col("action");
    let (ci2, si2, ni2) = (col("seed_commitment"), col("revealed_seed"), col("seed_nonce"));
    let mut out = Vec::new();
    for (n, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| format!("{path}: {e}"))?;
        let get = |i: usize| rec.get(i).unwrap_or("").trim().to_string();
        let line = n + 2;
        let stream = get(ri);
        out.push(Row {
            combat_id: get(ci).parse().map_err(|_| format!("{path}:{line}: bad combat_id"))?,
            seq: get(si).parse().map_err(|_| format!("{path}:{line}: bad seq"))?,
            rng_stream: if stream.is_empty() {
                None
            } else {
                Some(stream.parse().map_err(|_| format!("{path}:{line}: bad rng_stream"))?)
            },
            state_hash: get(hi),
            step: get(pi),
            action: ai.map(get).unwrap_or_default(),
            reveal: ci2.map(|c| Reveal {
                commitment: get(c),
                seed: si2.map(get).and_then(|s| s.parse().ok()),
                nonce: ni2.map(get).unwrap_or_default(),
            }),
        });
    }
    Ok(out)
}

fn write_csv(path: &str, rows: &[Row]) -> Result<(), String> {
    let mut w = csv::Writer::from_path(path).map_err(|e| format!("{path}: {e}"))?;
    let io = |e: csv::Error| format!("{path}: {e}");
    w.write_record([
        "combat_id",
        "seq",
        "rng_stream",
        "state_hash",
        "action",
        "step",
        "seed_commitment",
        "revealed_seed",
        "seed_nonce",
    ])
    .map_err(io)?;
    for r in rows {
        let stream = r.rng_stream.map(|s| s.to_string()).unwrap_or_default();
        let rv = r.reveal.clone().unwrap_or_default();
        let seed = rv.seed.map(|s| s.to_string()).unwrap_or_default();
        w.write_record([
            &r.combat_id.to_string(),
            &r.seq.to_string(),
            &stream,
            &r.state_hash,
            &r.action,
            &r.step,
            &rv.commitment,
            &seed,
            &rv.nonce,
        ])
        .map_err(io)?;
    }
    w.flush().map_err(|e| format!("{path}: {e}"))
}

/// One SQL statement through the HTTP endpoint; the answer's rows as JSON values (SATS JSON:
/// a row is an array of its columns, an option is `[0, value]` for some and `[1, []]` for none).
fn sql(a: &Args, query: &str) -> Result<Vec<Vec<serde_json::Value>>, String> {
    let (server, db) = (a.server.as_deref().unwrap_or(""), a.db.as_deref().unwrap_or(""));
    let url = format!("{}/v1/database/{db}/sql", server.trim_end_matches('/'));
    let mut req = ureq::post(&url).set("Content-Type", "text/plain");
    if let Some(t) = &a.token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    let body = match req.send_string(query) {
        Ok(r) => r.into_string().map_err(|e| format!("POST {url}: {e}"))?,
        Err(ureq::Error::Status(code, r)) => {
            return Err(format!("POST {url}: HTTP {code}: {}", r.into_string().unwrap_or_default().trim()))
        }
        Err(e) => return Err(format!("POST {url}: {e} (is the server running?)")),
    };
    sql_rows(&body)
}

/// The rows of every statement's result in an HTTP SQL answer.
fn sql_rows(body: &str) -> Result<Vec<Vec<serde_json::Value>>, String> {
    let v: serde_json::Value = serde_json::from_str(body).map_err(|e| format!("SQL answer is not JSON: {e}"))?;
    let mut out = Vec::new();
    for res in v.as_array().ok_or("SQL answer: expected a list of results")? {
        for row in res["rows"].as_array().ok_or("SQL answer: a result without rows")? {
            out.push(row.as_array().ok_or("SQL answer: a row that is not a list")?.clone());
        }
    }
    Ok(out)
}

/// `[0, 3]` → Some(3); `[1, []]` → None (an `Option<u64>` in SATS JSON).
fn option_u64(v: &serde_json::Value) -> Result<Option<u64>, String> {
    match v.as_array().map(|a| (a.first().and_then(|t| t.as_u64()), a.get(1))) {
        Some((Some(0), Some(x))) => x.as_u64().map(Some).ok_or_else(|| format!("bad option value {v}")),
        Some((Some(1), _)) => Ok(None),
        _ => Err(format!("bad option {v}")),
    }
}

fn row_of(cells: &[serde_json::Value]) -> Result<Row, String> {
    if cells.len() < 6 {
        return Err(format!("unexpected SQL row: {cells:?}"));
    }
    let text =
        |i: usize| cells[i].as_str().map(String::from).ok_or_else(|| format!("column {i} is not text: {}", cells[i]));
    Ok(Row {
        combat_id: cells[0].as_u64().ok_or_else(|| format!("bad combat_id {}", cells[0]))?,
        seq: cells[1].as_u64().and_then(|s| u32::try_from(s).ok()).ok_or_else(|| format!("bad seq {}", cells[1]))?,
        rng_stream: option_u64(&cells[2])?,
        state_hash: text(3)?,
        step: text(4)?,
        action: text(5)?,
        reveal: None,
    })
}

fn fetch_live(a: &Args) -> Result<Vec<Row>, String> {
    // Every fight's public dice record (commitment; seed and nonce once it is over).
    let mut reveals: BTreeMap<u64, Reveal> = BTreeMap::new();
    for cells in sql(a, "SELECT id, seed_commitment, revealed_seed, seed_nonce FROM combat_instance")? {
        if cells.len() < 4 {
            return Err(format!("unexpected SQL row: {cells:?}"));
        }
        let id = cells[0].as_u64().ok_or_else(|| format!("bad combat id {}", cells[0]))?;
        let text = |i: usize| {
            cells[i].as_str().map(String::from).ok_or_else(|| format!("column {i} is not text: {}", cells[i]))
        };
        let rv = Reveal { commitment: text(1)?, seed: option_u64(&cells[2])?, nonce: text(3)? };
        reveals.insert(id, rv);
    }
    let mut rows = Vec::new();
    let filters: Vec<Option<u64>> =
        if a.combats.is_empty() { vec![None] } else { a.combats.iter().map(|c| Some(*c)).collect() };
    for f in filters {
        let mut q = "SELECT combat_id, seq, rng_stream, state_hash, step, action FROM combat_action_log".to_string();
        if let Some(c) = f {
            q.push_str(&format!(" WHERE combat_id = {c}"));
        }
        for cells in sql(a, &q)? {
            rows.push(row_of(&cells)?);
        }
    }
    for r in rows.iter_mut() {
        r.reveal = reveals.get(&r.combat_id).cloned();
    }
    Ok(rows)
}

/// Put a fight's revealed seed back into its start step, after checking it against the
/// commitment. `Ok(false)`: no seed revealed yet (a running fight), nothing to replay.
fn unblind(id: u64, log: &mut [LogEntry], reveal: Option<&Reveal>) -> Result<bool, String> {
    let Some(first) = log.first_mut() else { return Ok(false) };
    let ReplayAction::Start(s) = &first.step.action else { return Ok(true) };
    if s.seed != fair_dice::REDACTED_SEED {
        return Ok(true); // a log written before seeds were secret carries its seed
    }
    let Some(seed) = reveal.and_then(|r| r.seed) else { return Ok(false) };
    let rv = reveal.cloned().unwrap_or_default();
    if !fair_dice::verify(&rv.commitment, seed, &rv.nonce) {
        return Err(format!(
            "combat {id}: the revealed seed {seed} and nonce do not match the commitment {} the fight published at its start",
            rv.commitment
        ));
    }
    first.step = fair_dice::unredacted_start(&first.step, seed)?;
    Ok(true)
}

fn entries(rows: &[Row]) -> Result<BTreeMap<u64, Vec<LogEntry>>, String> {
    let mut by: BTreeMap<u64, Vec<LogEntry>> = BTreeMap::new();
    for r in rows {
        let step = decode_step(&r.step).map_err(|e| format!("combat {} seq {}: {}", r.combat_id, r.seq, e.message))?;
        let hash = parse_hash(&r.state_hash).map_err(|e| format!("combat {} seq {}: {e}", r.combat_id, r.seq))?;
        by.entry(r.combat_id).or_default().push(LogEntry {
            seq: r.seq,
            step,
            rng_stream: r.rng_stream,
            hash,
            lines: Vec::new(),
        });
    }
    for (id, v) in by.iter_mut() {
        v.sort_by_key(|e| e.seq);
        if let Some(k) = v.iter().enumerate().position(|(i, e)| e.seq != i as u32) {
            return Err(format!("combat {id}: the log has a gap or a duplicate at seq {k}; fetch the whole log"));
        }
    }
    Ok(by)
}

fn name_of(f: &Fight, id: u64) -> String {
    f.get(id).map(|c| c.name().to_string()).unwrap_or_else(|| format!("#{id}"))
}

fn print_trace(t: &StepTrace) {
    let stream = t.applied.stream.map(|s| format!("stream {s}")).unwrap_or_else(|| "no dice".into());
    println!("  #{} {} ({stream}) -> {}", t.entry.seq, t.entry.step.action.describe(), hash_hex(t.hash));
    for l in t.lines {
        println!("    [{:?}] {}", l.kind, l.text);
        for d in &l.dice {
            let who = if d.purpose.contains(':') || l.actor == 0 {
                d.purpose.clone()
            } else {
                format!("{}: {}", name_of(t.fight, l.actor), d.purpose)
            };
            let m = match d.modifier {
                0 => String::new(),
                m if m > 0 => format!(" +{m}"),
                m => format!(" {m}"),
            };
            println!("      roll {who}: {} -> faces {:?}{m} = {}", d.expr, d.rolls, d.total);
        }
    }
    let loose = unlogged_draws(t.applied, t.lines);
    if loose > 0 {
        println!(
            "      WARNING: {loose} draw(s) without a purpose: {:?}",
            &t.applied.draws[t.applied.draws.len() - loose..]
        );
    }
}

fn run() -> Result<bool, String> {
    let a = parse_args()?;
    let rows = match &a.file {
        Some(p) => read_csv(p)?,
        None => fetch_live(&a)?,
    };
    let rows: Vec<Row> =
        rows.into_iter().filter(|r| a.combats.is_empty() || a.combats.contains(&r.combat_id)).collect();
    if let Some(p) = &a.dump {
        write_csv(p, &rows)?;
        println!("wrote {} log rows to {p}", rows.len());
    }
    let by = entries(&rows)?;
    if by.is_empty() {
        return Err("no combat log rows found (wrong database, combat id or file?)".into());
    }
    for want in &a.combats {
        if !by.contains_key(want) {
            return Err(format!("combat {want} has no log rows"));
        }
    }
    let reveals: BTreeMap<u64, Reveal> = rows
        .iter()
        .filter_map(|r| r.reveal.clone().filter(|v| !v.commitment.is_empty()).map(|v| (r.combat_id, v)))
        .collect();
    println!("wk-replay: ruleset {}, {} combat(s)", ActiveRules::ID, by.len());
    let (mut ok, mut steps, mut skipped, mut bad) = (0usize, 0usize, 0usize, 0usize);
    let mut pruning = 0usize;
    let mut by = by;
    for (id, log) in by.iter_mut() {
        // The storage pruner deletes a long log over several runs from step 0 on: a log that no
        // longer starts at 0 is being deleted (its fight is past its retention window).
        if log.first().is_some_and(|e| e.seq != 0) {
            pruning += 1;
            println!("combat {id}: its log no longer starts at step 0 (the storage pruner is deleting it); skipped");
            continue;
        }
        match unblind(*id, log, reveals.get(id)) {
            Ok(true) => {}
            Ok(false) => {
                skipped += 1;
                println!(
                    "combat {id}: no seed revealed yet (still running?): its dice stay secret until it ends; skipped"
                );
                continue;
            }
            Err(e) => {
                bad += 1;
                println!("combat {id}: COMMITMENT MISMATCH: {e}");
                continue;
            }
        }
        let log = &*log;
        if a.dice_trace {
            println!("combat {id}:");
        }
        let report = replay::<ActiveRules>(log, |t| {
            if a.dice_trace {
                print_trace(t)
            }
        });
        steps += report.matched;
        match &report.divergence {
            None => {
                ok += 1;
                let last = log.last().map(|e| hash_hex(e.hash)).unwrap_or_default();
                println!("combat {id}: {} steps replayed, every state hash matches (final {last})", log.len());
            }
            Some(d) => {
                println!("combat {id}: DIVERGED after {} matching steps", report.matched);
                println!("  {d}");
            }
        }
    }
    let total = by.len() - skipped - pruning;
    if skipped > 0 {
        println!("{skipped} running combat(s) skipped (seed not revealed)");
    }
    if pruning > 0 {
        println!("{pruning} combat(s) skipped while the storage pruner deletes them");
    }
    if bad > 0 {
        println!("{bad} combat(s) whose revealed seed does not match its commitment");
    }
    println!("replayed {total} combat(s), {steps} step(s): {ok}/{total} match ({}%)", ok * 100 / total.max(1));
    Ok(ok == total)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("wk-replay: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use world_kernel::systems::combat::replay::{encode_step, LoggedStep, Recorder, ReplayAction, StartArgs};
    use world_kernel::systems::combat::{monster_combatant, CombatMode, ModeConfig};

    #[test]
    fn parses_http_sql_answers() {
        let body = r#"[{"schema":{"elements":[]},"rows":[
            [1,0,[0,0],"b34e25b33540e637","0a0b","start a | b"],
            [1,2,[1,[]],"635b1e0ff1029c87","0c","connection"]]}]"#;
        let rows: Vec<Row> = sql_rows(body).unwrap().iter().map(|c| row_of(c).unwrap()).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].combat_id, rows[0].seq, rows[0].rng_stream), (1, 0, Some(0)));
        assert_eq!((rows[0].step.as_str(), rows[0].action.as_str()), ("0a0b", "start a | b"));
        assert_eq!(rows[1].rng_stream, None);
        assert_eq!(parse_hash(&rows[1].state_hash), Ok(0x635b_1e0f_f102_9c87));
        assert!(parse_hash("xyz").is_err());
        // A malformed answer is an error, not an empty log.
        assert!(sql_rows("{}").is_err());
        assert!(row_of(&sql_rows(r#"[{"rows":[[1,0,[2,0],"h","s","a"]]}]"#).unwrap()[0]).is_err());
    }

    fn fight_rows() -> Vec<Row> {
        let cfg = ModeConfig::default();
        let def = |id: &str| ActiveRules::monster(id).unwrap();
        let guard = if ActiveRules::ID == "dnd5e" { "guard" } else { "bandit" };
        let cs = vec![
            monster_combatant::<ActiveRules>(1, 1, &def(guard), None),
            monster_combatant::<ActiveRules>(2, 2, &def("goblin"), None).at(30.0, 0.0),
        ];
        let start = ReplayAction::Start(StartArgs {
            ruleset: ActiveRules::ID.into(),
            seed: 5,
            mode: CombatMode::InstantResolution,
            combatants: cs,
        });
        let mut r = Recorder::start::<ActiveRules>(LoggedStep::new(0, &cfg, start)).unwrap();
        r.step::<ActiveRules>(LoggedStep::new(0, &cfg, ReplayAction::Instant)).unwrap();
        r.entries
            .iter()
            .map(|e| Row {
                combat_id: 7,
                seq: e.seq,
                rng_stream: e.rng_stream,
                state_hash: hash_hex(e.hash),
                step: encode_step(&e.step),
                action: e.step.action.describe(),
                reveal: None,
            })
            .collect()
    }

    #[test]
    fn csv_round_trip_replays_and_a_changed_hash_diverges() {
        let rows = fight_rows();
        let path = std::env::temp_dir().join(format!("wk-replay-test-{}.csv", std::process::id()));
        let p = path.to_str().unwrap();
        write_csv(p, &rows).unwrap();
        let back = read_csv(p).unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(back.len(), rows.len());
        let by = entries(&back).unwrap();
        assert!(replay::<ActiveRules>(&by[&7], |_| {}).ok());
        let mut bad = back.clone();
        bad[1].state_hash = "0000000000000000".into();
        let d = replay::<ActiveRules>(&entries(&bad).unwrap()[&7], |_| {}).divergence.unwrap();
        assert_eq!(d.index, 1);
        // A gap in the log is refused before replaying.
        assert!(entries(&back[1..]).is_err());
    }

    #[test]
    fn a_blinded_log_replays_only_with_the_committed_seed() {
        // The fixture fight (seed 5) as the live log stores it: the seed blanked in the start step.
        let mut rows = fight_rows();
        let first = decode_step(&rows[0].step).unwrap();
        rows[0].step = encode_step(&fair_dice::redacted_start(&first));
        let nonce = [9u8; 32];
        let commitment = fair_dice::commitment(5, &nonce);
        let nonce_hex = world_kernel::systems::sha256::hex(&nonce);
        let reveal = |seed: Option<u64>| Reveal { commitment: commitment.clone(), seed, nonce: nonce_hex.clone() };
        let prepared = |rv: Option<Reveal>| {
            let mut log = entries(&rows).unwrap().remove(&7).unwrap();
            unblind(7, &mut log, rv.as_ref()).map(|ready| (ready, log))
        };
        // Revealed and matching: the replay matches every step.
        let (ready, log) = prepared(Some(reveal(Some(5)))).unwrap();
        assert!(ready && replay::<ActiveRules>(&log, |_| {}).ok());
        // Not revealed (a running fight): skipped, not replayed.
        assert!(!prepared(Some(reveal(None))).unwrap().0);
        assert!(!prepared(None).unwrap().0);
        // Another seed does not match the commitment.
        assert!(prepared(Some(reveal(Some(6)))).unwrap_err().contains("do not match the commitment"));
        // Without the seed put back, the blanked log does not replay.
        let blind = entries(&rows).unwrap().remove(&7).unwrap();
        assert!(!replay::<ActiveRules>(&blind, |_| {}).ok());
    }
}
