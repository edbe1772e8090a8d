//! Rows <-> the pure core: the layer between the tables and `systems/` / `rules/`. Reducers,
//! timers and the world tick call it; it calls the pure core and writes rows. Modules listed
//! bottom-up; each calls only modules above it in this list (no circle):
//!
//! - `rows`: reads only (rows -> plain data) for every system;
//! - `limits`: the per-identity token bucket (`admit`) and the fair event-log pruning;
//! - `dice`: the fight dice's private secret and seeds (`systems::fair_dice`), revealed at a fight's end;
//! - `inbox`: posts to a running fight from below `combat` (a view changed, outside damage);
//! - `stats`: the one writer of the derived projections (`character_stats`, `effective_stats`)
//!   and the one gatherer of a character's modifier sources (`effective_for`);
//! - `conditions`: what a character's conditions allow (`require`: the one check every world
//!   action makes), read from the published effective view;
//! - `chars`: the one writer of `character` rows (`save` refreshes the stats);
//! - `items`, `perks`: item places, stashes, runs and gear (`lose_run`); owned perks and offers;
//! - `buffs`: buff instances, their timers and periodic effects, and `on_death`, the one death
//!   handler every path that kills a character calls (buffs that end on death, the run lost);
//! - `combat_log`, `profile_rows`: a fight's action log and house-rule projections;
//! - `combat`: fights (start, act, commit, finish) over all of the above;
//! - `profiles`: the house-rule request and consent workflow (calls `combat`);
//! - `pvp`: challenges, PvP opt-ins and fight invitations (calls `combat` to start an accepted fight);
//! - `tick`, `spawner`: the world tick's perk/effects phases and the monster spawner;
//! - `load`, `world`: static data into tables; cross-system entry points (character deletion);
//! - `snapshot`: a snapshot's batches imported with the live rules' checks (admin restore);
//! - `prune`: bounded storage, the storage pruner's deletes (finished fights, characterless players).

pub mod rows;

pub mod limits;

pub mod dice;

pub mod inbox;
pub mod stats;

pub mod conditions;

pub mod chars;
pub mod items;
pub mod perks;

pub mod buffs;

pub mod combat_log;
#[cfg(feature = "profiles")]
pub mod profile_rows;

pub mod combat;
#[cfg(feature = "profiles")]
pub mod profiles;
pub mod pvp;

pub mod load;
pub mod prune;
pub mod snapshot;
pub mod spawner;
pub mod tick;
pub mod world;
