//! Schema only, one file per aggregate. Names by role: `*_def` static data loaded from CSV,
//! state tables for runtime rows, `*_timer` / clock tables for schedules.

pub mod buffs;
pub mod characters;
pub mod combat;
pub mod combat_log;
pub mod dice;
pub mod events;
pub mod gates;
pub mod items;
pub mod perks;
#[cfg(feature = "profiles")]
pub mod profiles;
pub mod pvp;
pub mod snapshot;
pub mod statics;
pub mod world;

#[cfg(test)]
pub(crate) mod naming {
    //! The row-struct naming rule, checked over the schema files: a table's row struct is the
    //! table name in UpperCamelCase (`item_instance` -> `ItemInstance`), with `Row` appended
    //! exactly when the pure core (`systems`, `rules`) has a type of that name
    //! (`active_buff` -> `ActiveBuffRow`, because `systems::buffs` has `ActiveBuff`).

    use std::path::Path;

    fn rust_files(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&p).unwrap());
            }
        }
    }

    fn camel(table: &str) -> String {
        table
            .split('_')
            .map(|w| {
                let mut c = w.chars();
                c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
            })
            .collect()
    }

    /// `(table, struct)` for every table attribute in the schema files (one line or several),
    /// for the schema tests here and in `systems::migrate`.
    pub(crate) fn schema_tables() -> Vec<(String, String)> {
        let mut files = Vec::new();
        rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tables"), &mut files);
        let ident = |s: &str| -> String { s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect() };
        let mut out = Vec::new();
        for text in files {
            let mut rest = text.as_str();
            // Spelled in two parts so this file holds no table attribute of its own.
            let open = concat!("#[ta", "ble(");
            while let Some(i) = rest.find(open) {
                rest = &rest[i + open.len()..];
                let attr = rest.split(')').next().unwrap_or("");
                let name = attr
                    .split("name")
                    .nth(1)
                    .and_then(|s| s.trim_start().strip_prefix('='))
                    .map(|s| ident(s.trim_start()))
                    .unwrap_or_default();
                assert!(!name.is_empty(), "could not read a table name in {attr}");
                let after = &rest[rest.find("pub struct ").expect("a table attribute without a struct") + 11..];
                out.push((name, ident(after)));
            }
        }
        out
    }

    #[test]
    fn row_structs_follow_one_naming_rule() {
        let mut core = Vec::new();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        rust_files(&src.join("systems"), &mut core);
        rust_files(&src.join("rules"), &mut core);
        let core_has = |ty: &str| {
            ["struct ", "enum ", "type "].iter().any(|k| {
                core.iter().any(|f| {
                    f.match_indices(&format!("{k}{ty}")).any(|(i, m)| {
                        f[i + m.len()..].chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
                    })
                })
            })
        };
        let tables = schema_tables();
        assert!(tables.len() > 40, "read only {} tables", tables.len());
        let mut wrong = Vec::new();
        for (table, st) in &tables {
            let base = camel(table);
            let want = if core_has(&base) { format!("{base}Row") } else { base };
            if *st != want {
                wrong.push(format!("{table}: {st} (want {want})"));
            }
        }
        assert!(wrong.is_empty(), "row structs off the naming rule: {wrong:?}");
    }
}
