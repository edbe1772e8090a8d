//! Keeps the catalogue, the bindings, the reducer sources and docs/reducers.md in sync.
//! `WK_BLESS=1 cargo test -p world-kernel --lib catalogue` rewrites docs/reducers.md.

use super::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Reducers that exist but get no bindings file (`init` is never generated).
const NOT_IN_BINDINGS: &[&str] = &["init"];

/// The order of the groups in docs/reducers.md.
const GROUPS: &[(&str, &str)] = &[
    ("characters", "Characters"),
    ("social", "Social: checks and contests"),
    ("travel", "Travel"),
    ("rest", "Rest"),
    ("items", "Items, stashes and runs"),
    ("combat", "Combat"),
    ("buffs", "Buffs"),
    ("perks", "Perks"),
    ("profiles", "Modifier profiles"),
    ("audit", "Audit and replay"),
    ("admin", "Admin and health"),
    ("scheduled", "Scheduled (not callable by clients)"),
    ("lifecycle", "Lifecycle (run by the host)"),
];

const BLESS_HINT: &str = "run `WK_BLESS=1 cargo test -p world-kernel --lib catalogue` to rewrite it";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

type Args = Vec<(String, String)>;

/// Reducer name -> arguments (name, type), from the committed Rust bindings.
fn bindings_args() -> BTreeMap<String, Args> {
    let dir = root().join("wk-client/src/module_bindings");
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
        let p = e.expect("dir entry").path();
        let file = p.file_name().and_then(|f| f.to_str()).unwrap_or_default().to_string();
        let Some(name) = file.strip_suffix("_reducer.rs") else { continue };
        let text = read(&p);
        out.insert(name.to_string(), parse_args(name, &text));
    }
    out
}

fn pascal(name: &str) -> String {
    name.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// The fields of `struct <Pascal>Args { pub a: T, ... }` in a generated reducer file.
fn parse_args(name: &str, text: &str) -> Args {
    let head = format!("struct {}Args", pascal(name));
    let at = text.find(&head).unwrap_or_else(|| panic!("{name}_reducer.rs has no `{head}`"));
    let rest = &text[at + head.len()..];
    let open = rest.find('{').expect("struct body");
    let close = rest[open..].find('}').expect("struct end") + open;
    rest[open + 1..close]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with("#["))
        .map(|l| {
            let l = l.strip_prefix("pub ").unwrap_or(l).trim_end_matches(',');
            let (n, t) = l.split_once(':').unwrap_or_else(|| panic!("{name}: cannot parse field `{l}`"));
            (n.trim().to_string(), t.trim().replace("__sdk::", "").replace("__lib::", ""))
        })
        .collect()
}

fn signature(name: &str, args: &Args) -> String {
    let a: Vec<String> = args.iter().map(|(n, t)| format!("{n}: {t}")).collect();
    format!("{name}({})", a.join(", "))
}

fn anchor(name: &str) -> String {
    name.to_string()
}

/// docs/reducers.md, from the catalogue, `fix` and the argument lists.
fn render(args: &BTreeMap<String, Args>) -> String {
    let none: Args = Vec::new();
    let args_of = |n: &str| args.get(n).unwrap_or(&none);
    let mut s = String::new();
    s.push_str("# Reducer catalogue\n\n");
    s.push_str(
        "<!-- Generated from module/src/catalogue.rs and the Rust bindings; do not edit by hand. \
         Rewrite with: WK_BLESS=1 cargo test -p world-kernel --lib catalogue -->\n\n",
    );
    s.push_str(
        "Every reducer of the World Kernel module: its arguments (names and types as in the generated \
         bindings), who may call it, what it does, and every error code it can answer with the general \
         fix. A rejected call changes nothing and answers `E_CODE: message`: match on the code before \
         the first `:`; the message adds the specifics (which id, which range, whose turn). How to call \
         reducers and subscribe from any language: [docs/calling.md](calling.md).\n\n",
    );
    s.push_str(
        "Arguments in JSON (HTTP body `[arg1, arg2, ...]`, or one JSON value per `spacetime call` \
         argument): integers and floats as numbers (`u64` too), `String` as a string, `Vec<T>` as an array, \
         a struct as an object of its fields (e.g. `AbilityScores`: \
         `{\"str_\":15,\"dex\":14,\"con\":13,\"int\":8,\"wis\":12,\"cha\":10}`), an enum as \
         `{\"Variant\": payload}` with `[]` for no payload (`{\"Short\":[]}`, `{\"Skill\":\"stealth\"}`, \
         `{\"Slot\":{\"Belt1\":[]}}`), `Option<T>` as `{\"some\": value}` or `{\"none\": []}`, an `Identity` as \
         `{\"__identity__\": \"0x<64 hex digits>\"}`.\n\n",
    );
    s.push_str("Who may call:\n\n");
    for c in [
        Caller::Anyone,
        Caller::Player,
        Caller::Owner("character_id"),
        Caller::Admin,
        Caller::Scheduler,
        Caller::Lifecycle,
    ] {
        let _ = writeln!(s, "- {}", c.describe());
    }
    s.push_str("\n## Contents\n\n| reducer | who may call | errors |\n|---|---|---|\n");
    for (g, _) in GROUPS {
        for r in sorted(g) {
            let _ =
                writeln!(s, "| [`{}`](#{}) | {} | {} |", r.name, anchor(r.name), r.caller.describe(), r.errors.len());
        }
    }
    for (g, title) in GROUPS {
        let _ = write!(s, "\n## {title}\n");
        for r in sorted(g) {
            let _ = write!(s, "\n### {}\n\n", r.name);
            let _ = write!(s, "`{}`\n\n", signature(r.name, args_of(r.name)));
            let _ = write!(s, "**Who:** {}\n\n{}\n\n", r.caller.describe(), r.summary);
            if r.errors.is_empty() {
                s.push_str("Answers no error code.\n");
            } else {
                s.push_str("| error | fix |\n|---|---|\n");
                for c in r.errors {
                    let _ = writeln!(s, "| `{}` | {} |", c.as_str(), fix(*c));
                }
            }
        }
    }
    s.push_str(
        "\n## Input bounds\n\nEvery string and list argument a reducer takes, with its bound \
                (`module/src/systems/limits.rs`, `ARG_BOUNDS`; a native test fails when a reducer takes one \
                without a bound). A longer value is refused before anything is written.\n\n",
    );
    s.push_str("| reducer | argument | bound | answers |\n|---|---|---|---|\n");
    for b in crate::systems::limits::ARG_BOUNDS {
        let _ = writeln!(
            s,
            "| [`{}`](#{}) | `{}` | {} | `{}` |",
            b.reducer,
            anchor(b.reducer),
            b.arg,
            b.limit.describe(),
            b.code.as_str()
        );
    }
    let rl = crate::systems::limits::DEFAULT_RATE;
    let _ = write!(
        s,
        "\nRate limit: every reducer that lists `E_RATE_LIMITED` takes one call from its caller's token \
         bucket (default {} calls/s sustained, bursts of {}; config `rate_limit_per_sec`, \
         `rate_limit_burst`; admins exempt). At most {} open challenges and {} pending house-rule \
         proposals per identity. Details: [security.md](security.md).\n",
        rl.per_sec,
        rl.burst,
        crate::systems::pvp::MAX_OPEN_CHALLENGES,
        crate::systems::limits::MAX_OPEN_PROPOSALS
    );
    s.push_str("\n## Error codes\n\nEvery code of `module/src/error.rs`, its general fix, and the reducers that can answer it.\n\n");
    s.push_str("| code | fix | answered by |\n|---|---|---|\n");
    for c in ErrorCode::ALL {
        let by: Vec<String> = REDUCERS
            .iter()
            .filter(|r| r.errors.contains(c))
            .map(|r| r.name)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|n| format!("`{n}`"))
            .collect();
        let by = if by.is_empty() { "— (reserved; no reducer answers it today)".to_string() } else { by.join(", ") };
        let _ = writeln!(s, "| `{}` | {} | {} |", c.as_str(), fix(*c), by);
    }
    s
}

fn sorted(group: &str) -> Vec<&'static ReducerDoc> {
    let mut v: Vec<&ReducerDoc> = REDUCERS.iter().filter(|r| r.group == group).collect();
    v.sort_by_key(|r| r.name);
    v
}

#[test]
fn catalogue_matches_the_bindings() {
    let bound: BTreeSet<String> = bindings_args().into_keys().collect();
    let listed: BTreeSet<String> = REDUCERS.iter().map(|r| r.name.to_string()).collect();
    let missing: Vec<&String> = bound.difference(&listed).collect();
    let stale: Vec<&String> = listed.difference(&bound).filter(|n| !NOT_IN_BINDINGS.contains(&n.as_str())).collect();
    assert!(
        missing.is_empty(),
        "reducers in the bindings without a catalogue entry (add them to REDUCERS in module/src/catalogue.rs): {missing:?}"
    );
    assert!(stale.is_empty(), "catalogue entries with no reducer in the bindings (remove or rename them): {stale:?}");
}

#[test]
fn docs_reducers_md_is_current() {
    let want = render(&bindings_args());
    let path = root().join("docs/reducers.md");
    if std::env::var("WK_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("docs dir")).expect("create docs/");
        std::fs::write(&path, &want).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        let line = have.lines().zip(want.lines()).position(|(a, b)| a != b).map(|i| i + 1);
        panic!(
            "docs/reducers.md is stale (first difference at line {}); {BLESS_HINT}",
            line.map_or_else(|| "end".to_string(), |l| l.to_string())
        );
    }
}

#[test]
fn names_are_unique_groups_known_and_every_code_has_a_fix() {
    let mut seen = BTreeSet::new();
    for r in REDUCERS {
        assert!(seen.insert(r.name), "duplicate catalogue entry `{}`", r.name);
        assert!(GROUPS.iter().any(|(g, _)| *g == r.group), "{}: unknown group `{}`", r.name, r.group);
        assert!(!r.summary.trim().is_empty(), "{}: empty summary", r.name);
        let mut codes = BTreeSet::new();
        for c in r.errors {
            assert!(codes.insert(c.as_str()), "{}: {} listed twice", r.name, c.as_str());
            assert!(!fix(*c).trim().is_empty(), "{}: no fix for {}", r.name, c.as_str());
        }
    }
    for c in ErrorCode::ALL {
        assert!(!fix(*c).trim().is_empty(), "no fix for {}", c.as_str());
    }
}

#[test]
fn callers_match_their_codes_and_arguments() {
    let args = bindings_args();
    for r in REDUCERS {
        let has = |c: ErrorCode| r.errors.contains(&c);
        match r.caller {
            Caller::Admin => assert!(has(E::NotAdmin), "{}: admin-only but E_NOT_ADMIN not listed", r.name),
            Caller::Scheduler => {
                assert_eq!(
                    r.errors,
                    &[E::SchedulerOnly],
                    "{}: a scheduled reducer answers E_SCHEDULER_ONLY only",
                    r.name
                )
            }
            Caller::Owner(arg) => {
                assert!(
                    has(E::NotOwner) && has(E::UnknownCharacter),
                    "{}: owner-only needs E_NOT_OWNER and E_UNKNOWN_CHARACTER",
                    r.name
                );
                let a = args.get(r.name).map(|a| a.iter().any(|(n, _)| n == arg)).unwrap_or(false);
                assert!(a, "{}: the owner argument `{arg}` is not one of its arguments", r.name);
            }
            Caller::Anyone | Caller::Player | Caller::Lifecycle => {
                assert!(
                    !has(E::NotAdmin) && !has(E::NotOwner) && !has(E::SchedulerOnly),
                    "{}: caller {:?} contradicts its codes",
                    r.name,
                    r.caller
                )
            }
        }
        if has(E::SchedulerOnly) {
            assert_eq!(r.caller, Caller::Scheduler, "{}: E_SCHEDULER_ONLY but not a scheduled reducer", r.name);
        }
    }
    assert_eq!(declared_errors("rest"), entry("rest").map(|r| r.errors));
    assert!(declared_errors("no_such_reducer").is_none());
}

/// The naming rule for admin-only reducers: a reducer is admin-only exactly when its name starts
/// with `admin_`, and its body checks the caller with `require_admin`.
#[test]
fn admin_only_reducers_and_only_they_are_named_admin() {
    let sources = reducer_sources();
    for r in REDUCERS {
        let admin = r.caller == Caller::Admin;
        assert_eq!(
            r.name.starts_with("admin_"),
            admin,
            "{}: admin-only reducers are named `admin_*`, and only they (caller {:?})",
            r.name,
            r.caller
        );
        if r.caller == Caller::Lifecycle {
            continue;
        }
        let body = sources.iter().find_map(|(_, text)| reducer_body(text, r.name));
        let body = body.unwrap_or_else(|| panic!("{}: no `#[reducer] pub fn {}(` found", r.name, r.name));
        assert_eq!(
            body.contains("require_admin("),
            admin,
            "{}: an `admin_*` reducer checks `require_admin` and no other reducer does",
            r.name
        );
    }
}

// ----- the static cross-check: codes named in a reducer's own body ------------------------------

/// The source files that define reducers.
fn reducer_sources() -> Vec<(PathBuf, String)> {
    let src = root().join("module/src");
    let mut files = vec![src.join("lib.rs")];
    for d in ["reducers", "timers"] {
        let mut v: Vec<PathBuf> = std::fs::read_dir(src.join(d))
            .expect("read module source dir")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .collect();
        v.sort();
        files.extend(v);
    }
    files.into_iter().map(|p| (p.clone(), read(&p))).collect()
}

/// The body of `#[reducer...] pub fn <name>(` in `text`, braces included, or None.
fn reducer_body<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let head = format!("pub fn {name}(");
    let mut from = 0;
    while let Some(i) = text[from..].find(&head) {
        let at = from + i;
        from = at + head.len();
        // A reducer: its attribute block (the few lines above) holds `#[reducer`.
        let before = &text[..at];
        let attrs: Vec<&str> = before
            .lines()
            .rev()
            .take_while(|l| {
                let t = l.trim();
                t.starts_with("#[") || t.starts_with("///") || t.is_empty()
            })
            .collect();
        if !attrs.iter().any(|l| l.trim().starts_with("#[reducer")) {
            continue;
        }
        let open = at + text[at..].find('{')?;
        let close = matching_brace(text, open)?;
        return Some(&text[open..=close]);
    }
    None
}

/// Index of the `}` matching the `{` at `open`, skipping strings, chars and comments.
fn matching_brace(text: &str, open: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            // A char literal ('{', '\n'); a lifetime ('a) has no closing quote right after.
            b'\'' if b.get(i + 2) == Some(&b'\'') => i += 2,
            b'\'' if b.get(i + 1) == Some(&b'\\') => {
                i += 3;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
            }
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn code_by_variant(v: &str) -> Option<ErrorCode> {
    ErrorCode::ALL.iter().copied().find(|c| format!("{c:?}") == v)
}

/// `ErrorCode::X` (or `E::X`) written in a body.
fn codes_in(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for prefix in ["ErrorCode::", "E::"] {
        let mut rest = body;
        while let Some(i) = rest.find(prefix) {
            let boundary = i == 0 || !rest.as_bytes()[i - 1].is_ascii_alphanumeric() && rest.as_bytes()[i - 1] != b'_';
            rest = &rest[i + prefix.len()..];
            let ident: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if boundary && !ident.is_empty() {
                out.push(ident);
            }
        }
    }
    out
}

#[test]
fn brace_matching_skips_strings_chars_and_comments() {
    let text = "#[reducer]\npub fn f(x: u8) -> R {\n    let s = \"}{\"; // }\n    let c = '}';\n    if x { g::<'_>() }\n    Err(ErrorCode::NotOwner)\n}\nfn after() { ErrorCode::NotAdmin }";
    let body = reducer_body(text, "f").expect("found");
    assert!(body.ends_with("Err(ErrorCode::NotOwner)\n}"), "{body}");
    assert_eq!(codes_in(body), vec!["NotOwner".to_string()]);
    assert!(reducer_body(text, "after").is_none(), "not a reducer");
}

#[test]
fn every_code_a_reducer_body_names_is_declared() {
    let sources = reducer_sources();
    let mut problems = Vec::new();
    for r in REDUCERS {
        let found: Vec<(&PathBuf, &str)> =
            sources.iter().filter_map(|(p, t)| reducer_body(t, r.name).map(|b| (p, b))).collect();
        let [(path, body)] = found.as_slice() else {
            problems.push(format!(
                "{}: expected one `#[reducer] pub fn {}(` in module/src (lib.rs, reducers/, timers/), found {}",
                r.name,
                r.name,
                found.len()
            ));
            continue;
        };
        for v in codes_in(body) {
            match code_by_variant(&v) {
                None => problems.push(format!("{}: `ErrorCode::{v}` is not a code", r.name)),
                Some(c) if !r.errors.contains(&c) => problems.push(format!(
                    "{} ({}): its body answers {} but the catalogue does not list it",
                    r.name,
                    path.strip_prefix(root()).unwrap_or(path).display(),
                    c.as_str()
                )),
                Some(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "catalogue vs reducer sources:\n{}", problems.join("\n"));
}

// ----- bounded input and the rate limit, enforced over the whole catalogue ---------------------

/// Argument types of a fixed, small size (numbers, identities, all-unit or number-only enums and
/// structs). Any other type (a string, a list, a struct holding one) needs an entry in
/// `systems::limits::ARG_BOUNDS`.
const FIXED_SIZE_TYPES: &[&str] = &[
    "u8",
    "u16",
    "u32",
    "u64",
    "i32",
    "i64",
    "f32",
    "f64",
    "bool",
    "Identity",
    "Option<u32>",
    "Option<Identity>",
    "AbilityScores",
    "LoadoutSlot",
    "ItemTarget",
    "RestKind",
    "ModeConfig",
    "ConsentDecision",
    "BuffCategory",
];

/// Every string and list argument of every reducer a client can call has a declared bound,
/// checked in the reducer's body (or the module `checked_in` names), answering a code the
/// reducer's catalogue entry lists; every declared bound names a real argument. A new reducer
/// with an unbounded string or list argument fails here.
#[test]
fn every_string_and_list_argument_is_bounded() {
    use crate::systems::limits::{bound, ARG_BOUNDS};
    let args = bindings_args();
    let sources = reducer_sources();
    let mut problems = Vec::new();
    for r in REDUCERS {
        if matches!(r.caller, Caller::Scheduler | Caller::Lifecycle) {
            continue;
        }
        let Some(list) = args.get(r.name) else { continue };
        let body = sources.iter().find_map(|(_, t)| reducer_body(t, r.name)).unwrap_or("");
        for (arg, ty) in list {
            if FIXED_SIZE_TYPES.contains(&ty.as_str()) {
                continue;
            }
            let Some(b) = bound(r.name, arg) else {
                problems.push(format!(
                    "{}({arg}: {ty}) has no bound: add it to ARG_BOUNDS in module/src/systems/limits.rs (or, if the type is fixed-size, to FIXED_SIZE_TYPES)",
                    r.name
                ));
                continue;
            };
            if !r.errors.contains(&b.code) {
                problems.push(format!(
                    "{}: `{arg}` is bounded with {} but the catalogue does not list it",
                    r.name,
                    b.code.as_str()
                ));
            }
            if b.checked_in.is_none() && !(body.contains("limits::") && body.contains(&format!("\"{arg}\""))) {
                problems.push(format!(
                    "{}: its body does not check `{arg}` (systems::limits::text/texts/items/encoded)",
                    r.name
                ));
            }
        }
    }
    for b in ARG_BOUNDS {
        if !args.get(b.reducer).is_some_and(|a| a.iter().any(|(n, _)| n == b.arg)) {
            problems
                .push(format!("ARG_BOUNDS names {}.{}, which is not an argument in the bindings", b.reducer, b.arg));
        }
    }
    assert!(problems.is_empty(), "input bounds:\n{}", problems.join("\n"));
}

/// Reducers any player may call without a character of their own that change nothing, so they
/// take no call from the rate limiter.
const NOT_RATE_LIMITED: &[&str] = &["ping"];

/// Every reducer a player calls to change the world takes a call from the caller's token bucket
/// (`db::limits::admit`) and lists `E_RATE_LIMITED`; admin-only, scheduled and lifecycle reducers
/// do not (admins and the scheduler are exempt).
#[test]
fn every_world_changing_player_reducer_is_rate_limited() {
    let sources = reducer_sources();
    let mut problems = Vec::new();
    for r in REDUCERS {
        let body = sources.iter().find_map(|(_, t)| reducer_body(t, r.name)).unwrap_or("");
        let admits = body.contains("limits::admit(ctx)");
        let player = matches!(r.caller, Caller::Player | Caller::Owner(_) | Caller::Anyone);
        if player && !NOT_RATE_LIMITED.contains(&r.name) && !admits {
            problems.push(format!("{}: a player's reducer without `crate::db::limits::admit(ctx)?`", r.name));
        }
        if admits != r.errors.contains(&E::RateLimited) {
            problems.push(format!("{}: calls admit = {admits} but lists E_RATE_LIMITED = {}", r.name, !admits));
        }
    }
    assert!(problems.is_empty(), "rate limit:\n{}", problems.join("\n"));
}
