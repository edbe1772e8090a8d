//! Reads the generated bindings (`src/module_bindings/*_reducer.rs`) and writes
//! `$OUT_DIR/reducers.rs`: the list of every reducer with its arguments (name and Rust type) and a
//! function registering one outcome callback per reducer. Regenerating the bindings is enough for
//! a new reducer to be listened to; nothing is listed by hand.

use std::fmt::Write as _;
use std::path::Path;

struct Reducer {
    name: String,
    method: String,
    args: Vec<(String, String)>,
}

fn parse(text: &str) -> Option<Reducer> {
    let name = text.split("call_reducer(").nth(1)?.trim_start().strip_prefix('"')?.split('"').next()?.to_string();
    let method = text.split("fn on_").nth(1)?.split('(').next()?.to_string();
    let body = text.split("Args {").nth(1)?.split('}').next()?;
    let args = body
        .lines()
        .filter_map(|l| {
            let l = l.trim().strip_prefix("pub ")?;
            let (n, t) = l.split_once(':')?;
            Some((n.trim().to_string(), t.trim().trim_end_matches(',').trim().to_string()))
        })
        .collect();
    Some(Reducer { name, method, args })
}

fn main() {
    let dir = Path::new("src/module_bindings");
    println!("cargo:rerun-if-changed=src/module_bindings");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("src/module_bindings (run scripts/generate.sh)")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with("_reducer.rs"))
        .collect();
    files.sort();
    let mut reducers = Vec::new();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let text = std::fs::read_to_string(f).expect("read bindings file");
        match parse(&text) {
            Some(r) => reducers.push(r),
            None => panic!("cannot read the reducer of {} (bindings format changed?)", f.display()),
        }
    }
    let mut out = String::new();
    out.push_str("/// Every reducer of the generated bindings: its name and its arguments (name, Rust type).\n");
    out.push_str("pub const REDUCERS: &[(&str, &[(&str, &str)])] = &[\n");
    for r in &reducers {
        let args: Vec<String> = r.args.iter().map(|(n, t)| format!("({n:?}, {t:?})")).collect();
        writeln!(out, "    ({:?}, &[{}]),", r.name, args.join(", ")).unwrap();
    }
    out.push_str("];\n\n");
    out.push_str("fn register_every_reducer(conn: &DbConnection, f: OutcomeFn) {\n");
    for r in &reducers {
        let params: String = r.args.iter().map(|_| ", _: &_").collect();
        writeln!(
            out,
            "    {{ let f = f.clone(); conn.reducers.on_{}(move |ctx: &ReducerEventContext{params}| f(ctx, {:?})); }}",
            r.method, r.name
        )
        .unwrap();
    }
    out.push_str("}\n\n");
    // `call_json`: a reducer called by name with SATS-JSON arguments (feature `json`, for wk-mcp).
    out.push_str("/// Call reducer `name` with its arguments in SATS-JSON (one value per argument, in order).\n");
    out.push_str(
        "/// `None`: no such reducer. `Some(Err)`: an argument does not parse, or the call could not be sent.\n",
    );
    out.push_str("#[cfg(feature = \"json\")]\n#[allow(clippy::len_zero, clippy::redundant_closure_call)]\n");
    out.push_str("pub fn call_json(r: &RemoteReducers, name: &str, args: &[serde_json::Value]) -> Option<Result<(), String>> {\n");
    out.push_str("    #[allow(unused_imports)]\n    use spacetimedb_sdk::__codegen as __sdk;\n    match name {\n");
    for r in &reducers {
        let mut call = String::new();
        for (i, (n, t)) in r.args.iter().enumerate() {
            let _ = write!(call, "json_arg::<{t}>(args, {i}, {n:?})?, ");
        }
        writeln!(
            out,
            "        {:?} => Some((|| {{ if args.len() != {} {{ return Err(format!(\"{} takes {} arguments, got {{}}\", args.len())); }} r.{}({call}).map_err(|e| e.to_string()) }})()),",
            r.name,
            r.args.len(),
            r.name,
            r.args.len(),
            r.method
        )
        .unwrap();
    }
    out.push_str("        _ => None,\n    }\n}\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("reducers.rs");
    std::fs::write(dest, out).unwrap();
}
