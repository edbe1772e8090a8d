//! Determinism and replay, pure. Every change to a fight is one [`LoggedStep`]: the
//! input of one call (a human's action, a timeout, an action-queue tick, a join, a hand-over to
//! the AI, the start and the instant resolution) with the clock and combat config it ran under.
//! The live code applies a step with [`start`] / [`apply`] and logs it with the fight's
//! [`state_hash`] afterwards; the replay tool re-applies the logged steps, in order, from the
//! start step, through this same code, and compares the hash after each one ([`replay`]).
//!
//! Dice: each step that draws takes exactly one RNG stream of the fight ([`Fight::next_rng`]),
//! so a step's dice depend only on the seed and the stream number, both in the log. Every draw
//! is observed ([`Traced`]): the replay's dice trace lists the faces with the purpose the rules
//! gave them, and counts draws that no dice-log entry accounts for.

use super::ai::{queue_tick, run_ai_turns};
use super::hash::{hash_hex, state_hash, HASH_VERSION};
use super::instant::run_instant;
use super::mode::{CombatMode, ModeConfig};
use super::model::{ActionResult, Combatant, Fight, Pos};
use crate::error::{err, ErrorCode, WkResult};
use crate::rules::{DiceExpr, DiceSource, RulesEngine};
use spacetimedb::SpacetimeType;

/// AI turns run after one call at most (a whole round of 16 is far below it).
pub const MAX_AI_TURNS: u32 = 200;

/// The inputs of [`Fight::start`]: everything a replay needs besides the later steps.
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct StartArgs {
    /// `RulesEngine::ID` of the ruleset the fight ran under (a replay must use the same).
    pub ruleset: String,
    pub seed: u64,
    pub mode: CombatMode,
    /// As placed on the map, before initiative.
    pub combatants: Vec<Combatant>,
}

#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq)]
pub struct AttackArgs {
    pub actor: u64,
    pub target: u64,
    pub attack_index: u32,
}

#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq)]
pub struct MoveArgs {
    pub actor: u64,
    pub x: f32,
    pub y: f32,
}

#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct UseItemArgs {
    pub actor: u64,
    pub target: u64,
    pub item_name: String,
    pub heal: Option<DiceExpr>,
}

#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq)]
pub struct ConnectionArgs {
    pub combatant: u64,
    pub connected: bool,
}

/// What one call did to a fight. (`Join` carries a whole combatant; steps are few and short-lived,
/// so the size difference between variants does not matter.)
#[allow(clippy::large_enum_variant)]
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub enum ReplayAction {
    /// The fight starts: initiative (stream 0) and the first turn.
    Start(StartArgs),
    /// InstantResolution: the AI plays the whole fight.
    Instant,
    /// Right after the start of a turn fight: AI combatants ahead of the first human act.
    AiTurns,
    Attack(AttackArgs),
    Move(MoveArgs),
    Dodge(u64),
    Dash(u64),
    Flee(u64),
    EndTurn(u64),
    UseItem(UseItemArgs),
    /// A combatant joins (as built from its sheet and placed).
    Join(Combatant),
    /// The turn with this `turn_seq` timed out: the AI plays it, then the AI turns after it.
    Timeout(u64),
    /// ActionQueues: the world tick lets the AI act and the dying roll.
    QueueTick,
    /// A human's player left (the AI takes over and plays on) or came back.
    Connection(ConnectionArgs),
    /// House rules (modifier profiles): a stack applied at once or queued for the next turn
    /// boundary, with the encounter layout and type tags it was resolved against.
    HouseRules(HouseRulesArgs),
    /// The world reached into the fight: a combatant's new view and/or outside damage or healing
    /// (no dice drawn: amounts were rolled by the caller).
    Refresh(super::RefreshArgs),
    /// ActionQueues: no human acted for this many micros (`config.queue_idle_secs`); the fight
    /// ends where it stands ([`super::Fight::end_idle`]). Appended last: older logs decode as before.
    Idle(i64),
}

/// Arguments of [`ReplayAction::HouseRules`].
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct HouseRulesArgs {
    pub layout: String,
    pub tags: Vec<crate::systems::profiles::runtime::TypeTag>,
    pub stack: Vec<crate::systems::profiles::Profile>,
    /// The `profile_validation` row of the request.
    pub request: u64,
}

/// One logged step: the action plus the clock and config it ran under.
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct LoggedStep {
    /// [`HASH_VERSION`] of the hash stored with it.
    pub hash_version: u32,
    pub now_micros: i64,
    pub cfg: ModeConfig,
    pub action: ReplayAction,
}

impl LoggedStep {
    pub fn new(now_micros: i64, cfg: &ModeConfig, action: ReplayAction) -> LoggedStep {
        LoggedStep { hash_version: HASH_VERSION, now_micros, cfg: *cfg, action }
    }
}

impl ReplayAction {
    /// The combatant who acted (0 for fight-level steps).
    pub fn actor(&self) -> u64 {
        match self {
            ReplayAction::Attack(a) => a.actor,
            ReplayAction::Move(m) => m.actor,
            ReplayAction::Dodge(a) | ReplayAction::Dash(a) | ReplayAction::Flee(a) | ReplayAction::EndTurn(a) => *a,
            ReplayAction::UseItem(u) => u.actor,
            ReplayAction::Join(c) => c.id,
            ReplayAction::Connection(c) => c.combatant,
            ReplayAction::Refresh(r) => r.combatant,
            ReplayAction::Start(_)
            | ReplayAction::Instant
            | ReplayAction::AiTurns
            | ReplayAction::Timeout(_)
            | ReplayAction::QueueTick
            | ReplayAction::Idle(_)
            | ReplayAction::HouseRules(_) => 0,
        }
    }

    /// A one-line human description with the arguments.
    pub fn describe(&self) -> String {
        match self {
            ReplayAction::Start(s) => {
                let who: Vec<String> =
                    s.combatants.iter().map(|c| format!("{}#{}(side {})", c.base_name, c.id, c.side)).collect();
                format!("start mode={:?} seed={} combatants=[{}]", s.mode, s.seed, who.join(", "))
            }
            ReplayAction::Instant => "instant resolution".into(),
            ReplayAction::AiTurns => "ai turns".into(),
            ReplayAction::Attack(a) => {
                format!("attack actor={} target={} attack_index={}", a.actor, a.target, a.attack_index)
            }
            ReplayAction::Move(m) => format!("move actor={} x={} y={}", m.actor, m.x, m.y),
            ReplayAction::Dodge(a) => format!("dodge actor={a}"),
            ReplayAction::Dash(a) => format!("dash actor={a}"),
            ReplayAction::Flee(a) => format!("flee actor={a}"),
            ReplayAction::EndTurn(a) => format!("end_turn actor={a}"),
            ReplayAction::UseItem(u) => format!(
                "use_item actor={} target={} item={:?} heal={}",
                u.actor,
                u.target,
                u.item_name,
                u.heal.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
            ),
            ReplayAction::Join(c) => {
                format!("join {}#{} side={} at ({}, {})", c.base_name, c.id, c.side, c.pos.x, c.pos.y)
            }
            ReplayAction::Timeout(seq) => format!("timeout turn_seq={seq} (AI takes the turn)"),
            ReplayAction::QueueTick => "queue tick".into(),
            ReplayAction::Idle(us) => format!("idle end after {} s without a human action", us / 1_000_000),
            ReplayAction::Connection(c) => format!("connection combatant={} connected={}", c.combatant, c.connected),
            ReplayAction::HouseRules(h) => {
                let ids: Vec<String> = h.stack.iter().map(|p| format!("{}@{}", p.id, p.version)).collect();
                format!("house rules request={} layout={} stack=[{}]", h.request, h.layout, ids.join(", "))
            }
            ReplayAction::Refresh(r) => {
                let dmg: Vec<String> = r.damage.iter().map(|d| format!("{} {:?}", d.amount, d.damage_type)).collect();
                format!(
                    "refresh combatant={} view={} damage=[{}] heal={} source={}",
                    r.combatant,
                    r.view.is_some(),
                    dmg.join(", "),
                    r.heal,
                    r.source
                )
            }
        }
    }
}

/// One die drawn: its size and face.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Draw {
    pub sides: u32,
    pub face: i32,
}

/// A dice source that records every face it hands out.
#[derive(Debug, Clone)]
pub struct Traced<D> {
    pub inner: D,
    pub draws: Vec<Draw>,
}

impl<D> Traced<D> {
    pub fn new(inner: D) -> Self {
        Traced { inner, draws: Vec::new() }
    }
}

impl<D: DiceSource> DiceSource for Traced<D> {
    fn roll_die(&mut self, sides: u32) -> i32 {
        let face = self.inner.roll_die(sides);
        self.draws.push(Draw { sides, face });
        face
    }
}

/// What applying a step did besides changing the fight.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// The RNG stream the step drew from (`None`: it took none).
    pub stream: Option<u64>,
    /// `fight.log[first_line..]` are the lines the step produced.
    pub first_line: usize,
    /// Every face drawn, in order.
    pub draws: Vec<Draw>,
}

/// Start a fight from a `Start` step (the live `begin` and the replay both call this).
pub fn start<R: RulesEngine>(step: &LoggedStep) -> WkResult<(Fight, Applied)> {
    let ReplayAction::Start(s) = &step.action else {
        return Err(err(ErrorCode::InvalidArgument, "a replay begins with a start step"));
    };
    let mut rng = Traced::new(super::fight::stream_rng(s.seed, 0));
    let mut fight = Fight::start_with::<R>(s.seed, s.mode, s.combatants.clone(), &step.cfg, step.now_micros, &mut rng)?;
    fight.rng_streams = 1;
    Ok((fight, Applied { stream: Some(0), first_line: 0, draws: rng.draws }))
}

/// Apply one (non-start) step to a fight. An error leaves the fight half-changed: the live
/// caller discards it (the transaction rolls back); for a replay it is a divergence.
pub fn apply<R: RulesEngine>(fight: &mut Fight, step: &LoggedStep) -> WkResult<Applied> {
    let first_line = fight.log.len();
    let streams_before = fight.rng_streams;
    fight.now_micros = step.now_micros;
    let cfg = &step.cfg;
    let policy = &cfg.ai;
    let mut draws = Vec::new();
    // A human's action, then (turn modes) the AI turns that follow, all on one stream.
    let mut human = |fight: &mut Fight,
                     action: &dyn Fn(&mut Fight, &mut Traced<rand::rngs::StdRng>) -> WkResult<()>|
     -> WkResult<()> {
        let mut rng = Traced::new(fight.next_rng());
        action(fight, &mut rng)?;
        if fight.mode.is_turn_based() {
            run_ai_turns::<R>(fight, &mut rng, policy, MAX_AI_TURNS);
        }
        draws = std::mem::take(&mut rng.draws);
        Ok(())
    };
    match &step.action {
        ReplayAction::Start(_) => {
            return Err(err(ErrorCode::InvalidArgument, "a start step can only come first"));
        }
        ReplayAction::Instant => {
            let mut rng = Traced::new(fight.next_rng());
            run_instant::<R>(fight, &mut rng, cfg);
            draws = rng.draws;
        }
        ReplayAction::AiTurns => {
            let mut rng = Traced::new(fight.next_rng());
            run_ai_turns::<R>(fight, &mut rng, policy, MAX_AI_TURNS);
            draws = rng.draws;
        }
        ReplayAction::Attack(a) => {
            human(fight, &|f, rng| f.attack::<R>(a.actor, a.target, a.attack_index as usize, rng).map(drop))?
        }
        ReplayAction::Move(m) => human(fight, &|f, _| f.move_to(m.actor, Pos { x: m.x, y: m.y }).map(drop))?,
        ReplayAction::Dodge(a) => human(fight, &|f, _| f.dodge(*a).map(drop))?,
        ReplayAction::Dash(a) => human(fight, &|f, _| f.dash(*a).map(drop))?,
        ReplayAction::Flee(a) => human(fight, &|f, rng| f.flee::<R>(*a, rng).map(drop))?,
        ReplayAction::EndTurn(a) => human(fight, &|f, rng| f.end_turn::<R>(*a, rng).map(drop))?,
        ReplayAction::UseItem(u) => {
            human(fight, &|f, rng| f.use_item::<R>(u.actor, u.target, &u.item_name, u.heal, rng).map(drop))?
        }
        ReplayAction::Join(c) => {
            let mut rng = Traced::new(fight.next_rng());
            fight.join::<R>(c.clone(), &mut rng)?;
            draws = rng.draws;
        }
        ReplayAction::Timeout(turn_seq) => {
            let mut rng = Traced::new(fight.next_rng());
            fight.timeout_turn::<R>(*turn_seq, &mut rng, policy);
            run_ai_turns::<R>(fight, &mut rng, policy, MAX_AI_TURNS);
            draws = rng.draws;
        }
        ReplayAction::QueueTick => {
            let mut rng = Traced::new(fight.next_rng());
            queue_tick::<R>(fight, &mut rng, policy);
            draws = rng.draws;
        }
        ReplayAction::Connection(c) => {
            fight.set_connected(c.combatant, c.connected)?;
            if !c.connected && fight.mode.is_turn_based() {
                let mut rng = Traced::new(fight.next_rng());
                run_ai_turns::<R>(fight, &mut rng, policy, MAX_AI_TURNS);
                draws = rng.draws;
            }
        }
        ReplayAction::HouseRules(h) => {
            // No dice: the stack is applied (retract-then-reapply) or queued for the next turn.
            fight.mods.layout = h.layout.clone();
            fight.mods.tags = h.tags.clone();
            crate::systems::profiles::runtime::apply_or_queue(fight, h.stack.clone(), h.request);
        }
        ReplayAction::Refresh(a) => {
            fight.refresh::<R>(a)?;
        }
        ReplayAction::Idle(us) => fight.end_idle(*us),
    }
    // A step that rolled nothing (a move, a dodge, a dash) consumes no dice: its stream is the
    // next step's, so nobody can skip ahead through the streams with free actions.
    if draws.is_empty() {
        fight.rng_streams = streams_before;
    }
    let stream = (fight.rng_streams > streams_before).then_some(streams_before);
    Ok(Applied { stream, first_line, draws })
}

/// A log line as stored with its step: `[Kind] text`.
pub fn line_text(r: &ActionResult) -> String {
    format!("[{:?}] {}", r.kind, r.text)
}

// ----- encoding ---------------------------------------------------------------------------

/// Lowercase hex of bytes.
pub fn to_hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(D[(x >> 4) as usize] as char);
        s.push(D[(x & 15) as usize] as char);
    }
    s
}

pub fn from_hex(s: &str) -> WkResult<Vec<u8>> {
    let s = s.trim();
    let bad = || err(ErrorCode::InvalidArgument, "not an even-length hex string; copy the `step` column whole");
    if !s.len().is_multiple_of(2) {
        return Err(bad());
    }
    let nib = |c: u8| match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(bad()),
    };
    s.as_bytes().chunks(2).map(|p| Ok((nib(p[0])? << 4) | nib(p[1])?)).collect()
}

/// A step as stored in the log's `step` column: hex of its BSATN encoding.
pub fn encode_step(step: &LoggedStep) -> String {
    to_hex(&spacetimedb::sats::bsatn::to_vec(step).unwrap_or_default())
}

pub fn decode_step(hex: &str) -> WkResult<LoggedStep> {
    let bytes = from_hex(hex)?;
    spacetimedb::sats::bsatn::from_slice(&bytes).map_err(|e| {
        err(ErrorCode::InvalidArgument, format!("the step does not decode ({e}); was it written by another version?"))
    })
}

// ----- replay -----------------------------------------------------------------------------

/// One entry of a combat's action log, as the replay reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub seq: u32,
    pub step: LoggedStep,
    pub rng_stream: Option<u64>,
    pub hash: u64,
    /// The lines the live step produced (for showing where a divergence shows).
    pub lines: Vec<String>,
}

/// What one replayed step produced (for the dice trace).
#[derive(Debug, Clone)]
pub struct StepTrace<'a> {
    pub index: usize,
    pub entry: &'a LogEntry,
    pub applied: &'a Applied,
    pub lines: &'a [ActionResult],
    pub hash: u64,
    /// The fight after the step.
    pub fight: &'a Fight,
}

/// The first step where the replay and the log disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Divergence {
    /// Position in the log (0 = the start step).
    pub index: usize,
    pub seq: u32,
    pub action: String,
    pub expected_hash: u64,
    /// `None` when the step failed to apply.
    pub actual_hash: Option<u64>,
    pub reason: String,
    /// The first line that differs: (logged, replayed), either may be missing.
    pub first_line_diff: Option<(Option<String>, Option<String>)>,
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "divergence at action {} (seq {}, {}): expected hash {}, got {} — {}",
            self.index,
            self.seq,
            self.action,
            hash_hex(self.expected_hash),
            self.actual_hash.map(hash_hex).unwrap_or_else(|| "no state (step failed)".into()),
            self.reason
        )?;
        if let Some((want, got)) = &self.first_line_diff {
            write!(
                f,
                "\n  logged:   {}\n  replayed: {}",
                want.as_deref().unwrap_or("(nothing)"),
                got.as_deref().unwrap_or("(nothing)")
            )?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct ReplayReport {
    /// Steps that matched.
    pub matched: usize,
    pub divergence: Option<Divergence>,
    /// The fight after the last matched step.
    pub fight: Option<Fight>,
}

impl ReplayReport {
    pub fn ok(&self) -> bool {
        self.divergence.is_none()
    }
}

fn first_diff(want: &[String], got: &[String]) -> Option<(Option<String>, Option<String>)> {
    (0..want.len().max(got.len()))
        .find(|&i| want.get(i) != got.get(i))
        .map(|i| (want.get(i).cloned(), got.get(i).cloned()))
}

/// Re-run a combat's log (sorted by seq, starting with the start step) under ruleset `R`,
/// checking the stream and the state hash after every step; stops at the first divergence.
/// `on_step` sees every replayed step (the dice trace).
pub fn replay<R: RulesEngine>(entries: &[LogEntry], mut on_step: impl FnMut(&StepTrace)) -> ReplayReport {
    let mut fight: Option<Fight> = None;
    for (index, e) in entries.iter().enumerate() {
        let diverge = |actual_hash: Option<u64>, reason: String, got: &[String]| Divergence {
            index,
            seq: e.seq,
            action: e.step.action.describe(),
            expected_hash: e.hash,
            actual_hash,
            reason,
            first_line_diff: first_diff(&e.lines, got),
        };
        let fail = |d: Divergence, fight: Option<Fight>| ReplayReport { matched: index, divergence: Some(d), fight };
        if let ReplayAction::Start(s) = &e.step.action {
            if s.ruleset != R::ID {
                let why = format!("the fight ran under the {} ruleset; this replay uses {}", s.ruleset, R::ID);
                return fail(diverge(None, why, &[]), fight);
            }
        }
        if e.step.hash_version != HASH_VERSION {
            let why = format!("logged with hash version {}, this build has {HASH_VERSION}", e.step.hash_version);
            return fail(diverge(None, why, &[]), fight);
        }
        let result = match fight.as_mut() {
            None => start::<R>(&e.step).map(|(f, a)| {
                fight = Some(f);
                a
            }),
            Some(f) => apply::<R>(f, &e.step),
        };
        let applied = match result {
            Ok(a) => a,
            Err(er) => return fail(diverge(None, format!("the step failed: {er}"), &[]), fight),
        };
        let Some(f) = fight.as_mut() else {
            return fail(diverge(None, "no fight after the start step".into(), &[]), None);
        };
        let new_lines = &f.log[applied.first_line.min(f.log.len())..];
        let got: Vec<String> = new_lines.iter().map(line_text).collect();
        let hash = state_hash(f);
        on_step(&StepTrace { index, entry: e, applied: &applied, lines: new_lines, hash, fight: f });
        if applied.stream != e.rng_stream {
            let why = format!("it drew from RNG stream {:?}, the log says {:?}", applied.stream, e.rng_stream);
            return fail(diverge(Some(hash), why, &got), fight);
        }
        if hash != e.hash {
            return fail(diverge(Some(hash), "the state differs after this step".into(), &got), fight);
        }
        f.log.clear();
    }
    ReplayReport { matched: entries.len(), divergence: None, fight }
}

/// Draws of a step that no dice-log entry accounts for (every draw should carry a purpose).
pub fn unlogged_draws(applied: &Applied, lines: &[ActionResult]) -> usize {
    let logged: usize = lines.iter().flat_map(|l| l.dice.iter()).map(|d| d.rolls.len()).sum();
    applied.draws.len().saturating_sub(logged)
}

/// A pure stand-in for the live glue: applies steps like `combat.rs` does (a failed step leaves
/// the fight as it was, like a rolled-back transaction) and keeps the log entries the live code
/// would write. Tests and the world determinism check use it.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    pub fight: Option<Fight>,
    pub entries: Vec<LogEntry>,
}

impl Recorder {
    fn push(&mut self, step: LoggedStep, applied: &Applied) {
        let Some(f) = self.fight.as_mut() else { return };
        let lines = f.log[applied.first_line.min(f.log.len())..].iter().map(line_text).collect();
        self.entries.push(LogEntry {
            seq: self.entries.len() as u32,
            step,
            rng_stream: applied.stream,
            hash: state_hash(f),
            lines,
        });
        f.log.clear();
    }

    pub fn start<R: RulesEngine>(step: LoggedStep) -> WkResult<Recorder> {
        let (fight, applied) = start::<R>(&step)?;
        let mut r = Recorder { fight: Some(fight), entries: Vec::new() };
        r.push(step, &applied);
        Ok(r)
    }

    /// Apply and log a step; on error nothing changes.
    pub fn step<R: RulesEngine>(&mut self, step: LoggedStep) -> WkResult<()> {
        let Some(f) = self.fight.as_mut() else {
            return Err(err(ErrorCode::InvalidArgument, "start the fight first"));
        };
        let mut work = f.clone();
        let applied = apply::<R>(&mut work, &step)?;
        *f = work;
        self.push(step, &applied);
        Ok(())
    }

    pub fn fight(&self) -> &Fight {
        self.fight.as_ref().expect("a recorder is built by start")
    }
}
