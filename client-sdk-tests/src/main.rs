//! The live-server suite: the real module on a real local SpacetimeDB server, driven through the
//! real client SDK. `scripts/test.sh` starts the server, publishes, and runs this binary with
//! WK_URL, WK_DB, WK_RULESET and WK_ADMIN_TOKEN set. An optional first argument filters scenarios
//! by name. Prints `PASS name` / `FAIL name: why` lines and a summary; exits non-zero on failure.

/// The generated bindings live in the shared client crate; the scenarios import them from here.
pub use wk_client::module_bindings;

mod harness;
mod http;
mod scenarios;

fn main() {
    let env = harness::Env::from_env();
    println!("client-sdk-tests: {} db={} ruleset={}", env.url, env.db, env.ruleset);
    let mut runner = harness::Runner::new();
    scenarios::foundation::run(&env, &mut runner);
    scenarios::world::run(&env, &mut runner);
    scenarios::buffs::run(&env, &mut runner);
    scenarios::combat::run(&env, &mut runner);
    scenarios::truth::run(&env, &mut runner);
    scenarios::monster_buffs::run(&env, &mut runner);
    scenarios::items::run(&env, &mut runner);
    scenarios::perks::run(&env, &mut runner);
    scenarios::profiles::run(&env, &mut runner);
    scenarios::stakes::run(&env, &mut runner);
    scenarios::reliability::run(&env, &mut runner);
    scenarios::replay::run(&env, &mut runner);
    scenarios::security::run(&env, &mut runner);
    // Last: it shortens the retention windows, which prunes the finished fights of the others.
    scenarios::storage::run(&env, &mut runner);
    println!("client suite ({}): {} passed, {} failed", env.ruleset, runner.passed, runner.failed);
    std::process::exit(if runner.failed == 0 { 0 } else { 1 });
}
