//! The live-server suite: the real module on a real local SpacetimeDB server, driven through the
//! real client SDK. `scripts/test.sh` starts the server, publishes, and runs this binary with
//! WK_URL, WK_DB, WK_RULESET and WK_ADMIN_TOKEN set.
//!
//! The scenarios run as libtest-mimic trials: the standard test harness's command line
//! (`client-sdk-tests [FILTER] [--exact] [--skip S] [--list]`, `--help`), its output and its exit
//! code (101 when a scenario failed). They share one live world and some build on earlier ones,
//! so they run one at a time in registration order (`--test-threads N` overrides). The last line
//! is `client suite (<ruleset>): N passed, N failed` (scripts/test.sh counts it).

/// The generated bindings live in the shared client crate; the scenarios import them from here.
pub use wk_client::module_bindings;

mod harness;
mod http;
mod scenarios;

use clap::{CommandFactory, FromArgMatches};
use harness::{Env, Runner};
use std::sync::mpsc;

/// Every scenario, in the order they run.
fn register(env: &Env, runner: &mut Runner) {
    scenarios::foundation::run(env, runner);
    scenarios::world::run(env, runner);
    scenarios::buffs::run(env, runner);
    scenarios::combat::run(env, runner);
    scenarios::truth::run(env, runner);
    scenarios::monster_buffs::run(env, runner);
    scenarios::items::run(env, runner);
    scenarios::perks::run(env, runner);
    scenarios::profiles::run(env, runner);
    scenarios::stakes::run(env, runner);
    scenarios::reliability::run(env, runner);
    scenarios::replay::run(env, runner);
    scenarios::security::run(env, runner);
    scenarios::limits::run(env, runner);
    // Last: they shorten the fight retention window, which prunes the earlier scenarios' fights.
    scenarios::storage::run(env, runner);
}

/// The live client-SDK suite of World Kernel: its scenarios against a published module.
#[derive(clap::Parser, Debug)]
#[command(
    name = "client-sdk-tests",
    after_help = "The scenarios share one world and some build on earlier ones: they run one at a \
                  time, in order, unless --test-threads says otherwise. Scenarios that need them \
                  also read WK_RESTART_SCRIPT (restarts the server: the restart scenario), \
                  WK_REPLAY_BIN (a wk-replay built for the ruleset) and WK_PRIVATE_TABLES (the \
                  module's private tables, comma-separated); scripts/test.sh sets them."
)]
struct Cli {
    /// The server.
    #[arg(long, env = "WK_URL", default_value = "http://127.0.0.1:3000")]
    url: String,
    /// The database the module is published as.
    #[arg(long, env = "WK_DB", default_value = "world-kernel")]
    db: String,
    /// The ruleset the module was built with (dnd5e or lite): picks the scenarios' fixtures.
    #[arg(long, env = "WK_RULESET", default_value = "dnd5e")]
    ruleset: String,
    /// The publisher's token (`spacetime login show --token`): the admin of the scenarios.
    #[arg(long, env = "WK_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// The standard test-harness options and the name filter.
    #[command(flatten)]
    harness: libtest_mimic::Arguments,
}

fn main() {
    // libtest-mimic's arguments bring their own help template (no description): put ours back.
    let cmd = Cli::command().help_template("{about}\n\n{usage-heading} {usage}\n\n{all-args}{after-help}");
    let cli = Cli::from_arg_matches(&cmd.get_matches()).unwrap_or_else(|e| e.exit());
    let env =
        Env { url: cli.url, db: cli.db, ruleset: cli.ruleset, admin_token: cli.admin_token.filter(|t| !t.is_empty()) };
    let mut args = cli.harness;
    if args.test_threads.is_none() {
        args.test_threads = Some(1);
    }
    if !args.list {
        println!("client-sdk-tests: {} db={} ruleset={}", env.url, env.db, env.ruleset);
    }
    // One trial per scenario; running a trial asks the scenario thread to run that scenario.
    let (requests, incoming) = mpsc::channel::<harness::Request>();
    let trials: Vec<libtest_mimic::Trial> = harness::names(&env, register)
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let requests = requests.clone();
            libtest_mimic::Trial::test(name, move || {
                let (reply, result) = mpsc::channel();
                requests.send((i, reply)).map_err(|_| "the scenario thread has stopped")?;
                result.recv().map_err(|_| "the scenario thread stopped before answering")?.map_err(Into::into)
            })
        })
        .collect();
    drop(requests);
    // The trials are dropped as they run (or when the run ends): then the scenario thread ends.
    let conclusion = std::thread::scope(|s| {
        let serving = std::thread::Builder::new().name("scenarios".into()).spawn_scoped(s, || {
            harness::serve(&env, register, incoming);
        });
        if let Err(e) = serving {
            eprintln!("client-sdk-tests: cannot start the scenario thread: {e}");
            std::process::exit(2);
        }
        libtest_mimic::run(&args, trials)
    });
    if !args.list {
        println!("client suite ({}): {} passed, {} failed", env.ruleset, conclusion.num_passed, conclusion.num_failed);
    }
    conclusion.exit();
}
