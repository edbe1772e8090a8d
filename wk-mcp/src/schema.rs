//! The module's own schema (`GET /v1/database/<db>/schema?version=9`, the RawModuleDefV9 the server
//! holds), read at start: every reducer's parameters with their exact types. From a type this
//! module makes a JSON Schema (the tool's input) and converts the plain JSON a model writes
//! (enums as strings, options as value-or-null, identities as hex strings) into the SATS-JSON the
//! SDK's typed calls take. Nothing here is written per reducer.

use serde_json::{json, Map, Value};
use spacetimedb_sats::serde::SerdeWrapper;
use spacetimedb_sdk::Identity;

/// An AlgebraicType in the server's JSON form (`{"U64":[]}`, `{"Ref":3}`, `{"Product":...}`, ...).
pub type Ty = Value;

pub struct Param {
    pub name: String,
    pub ty: Ty,
}

pub struct ReducerDef {
    pub name: String,
    pub params: Vec<Param>,
}

pub struct Schema {
    types: Vec<Ty>,
    /// Type names by typespace index (for descriptions).
    names: Vec<Option<String>>,
    pub reducers: Vec<ReducerDef>,
}

fn opt_name(v: &Value) -> Option<String> {
    v.get("some").and_then(|s| s.as_str()).map(str::to_string)
}

impl Schema {
    pub fn fetch(url: &str, db: &str) -> Result<Schema, String> {
        let u = format!("{}/v1/database/{db}/schema?version=9", url.trim_end_matches('/'));
        let body =
            ureq::get(&u).call().map_err(|e| format!("GET {u}: {e}"))?.into_string().map_err(|e| e.to_string())?;
        let v: Value = serde_json::from_str(&body).map_err(|e| format!("schema of {db}: {e}"))?;
        Schema::from_json(&v)
    }

    pub fn from_json(v: &Value) -> Result<Schema, String> {
        let types = v["typespace"]["types"].as_array().ok_or("schema: no typespace")?.clone();
        let mut names = vec![None; types.len()];
        for t in v["types"].as_array().into_iter().flatten() {
            if let (Some(i), Some(n)) = (t["ty"].as_u64(), t["name"]["name"].as_str()) {
                if let Some(slot) = names.get_mut(i as usize) {
                    *slot = Some(n.to_string());
                }
            }
        }
        let mut reducers = Vec::new();
        for r in v["reducers"].as_array().ok_or("schema: no reducers")? {
            let params = r["params"]["elements"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| Param { name: opt_name(&e["name"]).unwrap_or_default(), ty: e["algebraic_type"].clone() })
                .collect();
            reducers.push(ReducerDef { name: r["name"].as_str().unwrap_or_default().to_string(), params });
        }
        Ok(Schema { types, names, reducers })
    }

    pub fn reducer(&self, name: &str) -> Option<&ReducerDef> {
        self.reducers.iter().find(|r| r.name == name)
    }

    /// Follow `Ref`s to the type itself; the name of the last ref followed.
    fn resolve<'a>(&'a self, mut t: &'a Ty) -> (&'a Ty, Option<&'a str>) {
        let mut name = None;
        for _ in 0..32 {
            match t.get("Ref").and_then(|r| r.as_u64()) {
                Some(i) => {
                    name = self.names.get(i as usize).and_then(|n| n.as_deref()).or(name);
                    match self.types.get(i as usize) {
                        Some(next) => t = next,
                        None => break,
                    }
                }
                None => break,
            }
        }
        (t, name)
    }

    /// The JSON Schema of a type, in the plain JSON [`Schema::to_sats`] accepts.
    pub fn json_schema(&self, t: &Ty) -> Value {
        let (t, name) = self.resolve(t);
        let mut s = self.json_schema_inner(t);
        if let (Some(n), Some(o)) = (name, s.as_object_mut()) {
            o.entry("title").or_insert(json!(n));
        }
        s
    }

    fn json_schema_inner(&self, t: &Ty) -> Value {
        let Some((kind, body)) = t.as_object().and_then(|o| o.iter().next()) else {
            return json!({});
        };
        let int = |min: i64, max: i64| json!({"type": "integer", "minimum": min, "maximum": max});
        match kind.as_str() {
            "Bool" => json!({"type": "boolean"}),
            "String" => json!({"type": "string"}),
            "U8" => int(0, u8::MAX as i64),
            "U16" => int(0, u16::MAX as i64),
            "U32" => int(0, u32::MAX as i64),
            "U64" | "U128" | "U256" => json!({"type": "integer", "minimum": 0}),
            "I8" => int(i8::MIN as i64, i8::MAX as i64),
            "I16" => int(i16::MIN as i64, i16::MAX as i64),
            "I32" => int(i32::MIN as i64, i32::MAX as i64),
            "I64" | "I128" | "I256" => json!({"type": "integer"}),
            "F32" | "F64" => json!({"type": "number"}),
            "Array" => json!({"type": "array", "items": self.json_schema(body)}),
            "Product" => {
                if let Some(special) = special_product(body) {
                    return match special {
                        Special::Identity => {
                            json!({"type": "string", "description": "an identity, 64 hex digits (0x optional)"})
                        }
                        Special::Timestamp => {
                            json!({"type": "integer", "description": "microseconds since the Unix epoch"})
                        }
                        Special::Duration => json!({"type": "integer", "description": "microseconds"}),
                        Special::ConnectionId => json!({"type": "string", "description": "a connection id, hex"}),
                    };
                }
                let mut props = Map::new();
                let mut required = Vec::new();
                for e in elements(body) {
                    let n = opt_name(&e["name"]).unwrap_or_default();
                    if !self.is_option(&e["algebraic_type"]) {
                        required.push(json!(n));
                    }
                    props.insert(n, self.json_schema(&e["algebraic_type"]));
                }
                json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
            }
            "Sum" => {
                let vars = variants(body);
                if let Some(inner) = option_inner(body) {
                    let mut s = self.json_schema(inner);
                    if let Some(o) = s.as_object_mut() {
                        o.insert("description".into(), json!("optional: the value, or null / leave it out"));
                        if let Some(ty) = o.get("type").cloned() {
                            o.insert("type".into(), json!([ty, "null"]));
                        }
                    }
                    return s;
                }
                let unit: Vec<String> = vars
                    .iter()
                    .filter(|v| is_unit(&v["algebraic_type"]))
                    .filter_map(|v| opt_name(&v["name"]))
                    .collect();
                if unit.len() == vars.len() {
                    return json!({"type": "string", "enum": unit});
                }
                let mut one_of = Vec::new();
                if !unit.is_empty() {
                    one_of.push(json!({"type": "string", "enum": unit}));
                }
                for v in vars.iter().filter(|v| !is_unit(&v["algebraic_type"])) {
                    let n = opt_name(&v["name"]).unwrap_or_default();
                    one_of.push(json!({
                        "type": "object",
                        "properties": {n.clone(): self.json_schema(&v["algebraic_type"])},
                        "required": [n],
                        "additionalProperties": false
                    }));
                }
                json!({"oneOf": one_of, "description": "a variant name, or {\"Variant\": value}"})
            }
            _ => json!({}),
        }
    }

    pub fn is_option(&self, t: &Ty) -> bool {
        let (t, _) = self.resolve(t);
        t.get("Sum").is_some_and(|b| option_inner(b).is_some())
    }

    /// Plain JSON -> SATS-JSON for type `t`; `path` names the place in errors.
    pub fn to_sats(&self, t: &Ty, v: &Value, path: &str) -> Result<Value, String> {
        let (t, _) = self.resolve(t);
        let Some((kind, body)) = t.as_object().and_then(|o| o.iter().next()) else {
            return Ok(v.clone());
        };
        let want = |what: &str| format!("`{path}` must be {what}, got {v}");
        match kind.as_str() {
            "Bool" => v.as_bool().map(|_| v.clone()).ok_or_else(|| want("true or false")),
            "String" => v.as_str().map(|_| v.clone()).ok_or_else(|| want("a string")),
            "F32" | "F64" => v.as_f64().map(|_| v.clone()).ok_or_else(|| want("a number")),
            k if k.starts_with('U') || k.starts_with('I') => {
                // Accept integers written as strings too ("12").
                match v {
                    Value::Number(n) if n.is_i64() || n.is_u64() => Ok(v.clone()),
                    Value::String(s) => s
                        .trim()
                        .parse::<i128>()
                        .map(|n| if n < 0 { json!(n as i64) } else { json!(n as u64) })
                        .map_err(|_| want("an integer")),
                    _ => Err(want("an integer")),
                }
            }
            "Array" => {
                let items = v.as_array().ok_or_else(|| want("an array"))?;
                items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| self.to_sats(body, x, &format!("{path}[{i}]")))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
            }
            "Product" => {
                if let Some(special) = special_product(body) {
                    return match special {
                        Special::Identity => {
                            let s = v.as_str().ok_or_else(|| want("an identity (hex string)"))?;
                            let id = Identity::from_hex(s.trim().trim_start_matches("0x"))
                                .map_err(|_| want("an identity of 64 hex digits"))?;
                            serde_json::to_value(SerdeWrapper::new(id)).map_err(|e| e.to_string())
                        }
                        Special::Timestamp | Special::Duration => {
                            let n = v.as_i64().ok_or_else(|| want("an integer (microseconds)"))?;
                            let key = if special == Special::Timestamp {
                                "__timestamp_micros_since_unix_epoch__"
                            } else {
                                "__time_duration_micros__"
                            };
                            Ok(json!({ key: n }))
                        }
                        Special::ConnectionId => Err(want("(connection ids are not supported as arguments)")),
                    };
                }
                let obj = v.as_object().ok_or_else(|| want("an object"))?;
                let els = elements(body);
                for k in obj.keys() {
                    if !els.iter().any(|e| opt_name(&e["name"]).as_deref() == Some(k.as_str())) {
                        let known: Vec<String> = els.iter().filter_map(|e| opt_name(&e["name"])).collect();
                        return Err(format!("`{path}` has no field `{k}` (fields: {})", known.join(", ")));
                    }
                }
                // Positional: SATS reads a product from an array in field order.
                let mut out = Vec::new();
                for e in els {
                    let n = opt_name(&e["name"]).unwrap_or_default();
                    let sub = format!("{path}.{n}");
                    match obj.get(&n) {
                        Some(x) => out.push(self.to_sats(&e["algebraic_type"], x, &sub)?),
                        None if self.is_option(&e["algebraic_type"]) => out.push(json!({"none": []})),
                        None => return Err(format!("`{sub}` is missing")),
                    }
                }
                Ok(Value::Array(out))
            }
            "Sum" => {
                if let Some(inner) = option_inner(body) {
                    return if v.is_null() {
                        Ok(json!({"none": []}))
                    } else {
                        Ok(json!({"some": self.to_sats(inner, v, path)?}))
                    };
                }
                let vars = variants(body);
                let names: Vec<String> = vars.iter().filter_map(|x| opt_name(&x["name"])).collect();
                let (name, payload) = match v {
                    Value::String(s) => (s.clone(), None),
                    Value::Object(o) if o.len() == 1 => {
                        let (k, x) = o.iter().next().unwrap();
                        (k.clone(), Some(x))
                    }
                    _ => return Err(want(&format!("one of {}", names.join(", ")))),
                };
                // Variant names match case-insensitively ("str" finds "Str").
                let var = vars
                    .iter()
                    .find(|x| opt_name(&x["name"]).as_deref() == Some(name.as_str()))
                    .or_else(|| {
                        vars.iter().find(|x| opt_name(&x["name"]).is_some_and(|n| n.eq_ignore_ascii_case(&name)))
                    })
                    .ok_or_else(|| format!("`{path}`: unknown variant `{name}` (one of {})", names.join(", ")))?;
                let vname = opt_name(&var["name"]).unwrap_or_default();
                let vt = &var["algebraic_type"];
                let inner = match payload {
                    None if is_unit(vt) => json!([]),
                    None => return Err(format!("`{path}`: variant `{vname}` needs a value: {{\"{vname}\": ...}}")),
                    Some(x) if is_unit(vt) && (x.is_null() || x == &json!([]) || x == &json!({})) => json!([]),
                    Some(x) => self.to_sats(vt, x, &format!("{path}.{vname}"))?,
                };
                Ok(json!({ vname: inner }))
            }
            _ => Ok(v.clone()),
        }
    }

    /// A short human-readable type, for descriptions.
    pub fn type_name(&self, t: &Ty) -> String {
        let (r, name) = self.resolve(t);
        if let Some(n) = name {
            return n.to_string();
        }
        let Some((kind, body)) = r.as_object().and_then(|o| o.iter().next()) else {
            return "?".into();
        };
        match kind.as_str() {
            "Array" => format!("[{}]", self.type_name(body)),
            "Sum" => match option_inner(body) {
                Some(i) => format!("{}?", self.type_name(i)),
                None => "enum".into(),
            },
            "Product" => match special_product(body) {
                Some(Special::Identity) => "identity".into(),
                Some(Special::Timestamp) => "timestamp".into(),
                _ => "object".into(),
            },
            k => k.to_lowercase(),
        }
    }
}

#[derive(PartialEq, Clone, Copy)]
enum Special {
    Identity,
    Timestamp,
    Duration,
    ConnectionId,
}

fn elements(body: &Value) -> Vec<Value> {
    body["elements"].as_array().cloned().unwrap_or_default()
}

fn variants(body: &Value) -> Vec<Value> {
    body["variants"].as_array().cloned().unwrap_or_default()
}

fn is_unit(t: &Value) -> bool {
    t.get("Product").is_some_and(|p| elements(p).is_empty())
}

fn special_product(body: &Value) -> Option<Special> {
    let els = elements(body);
    if els.len() != 1 {
        return None;
    }
    match opt_name(&els[0]["name"])?.as_str() {
        "__identity__" => Some(Special::Identity),
        "__timestamp_micros_since_unix_epoch__" => Some(Special::Timestamp),
        "__time_duration_micros__" => Some(Special::Duration),
        "__connection_id__" => Some(Special::ConnectionId),
        _ => None,
    }
}

fn option_inner(body: &Value) -> Option<&Value> {
    let vars = body["variants"].as_array()?;
    if vars.len() == 2
        && opt_name(&vars[0]["name"]).as_deref() == Some("some")
        && opt_name(&vars[1]["name"]).as_deref() == Some("none")
    {
        Some(&vars[0]["algebraic_type"])
    } else {
        None
    }
}

/// SATS-JSON (from serializing a row) -> plain JSON: `{"some": x}` -> x, `{"none": []}` -> null,
/// `{"Unit": []}` -> "Unit", identities -> hex, timestamps -> micros. For observation output.
pub fn plain(v: Value) -> Value {
    match v {
        Value::Object(o) => {
            if o.len() == 1 {
                let (k, x) = o.iter().next().unwrap();
                match k.as_str() {
                    "none" if x == &json!([]) => return Value::Null,
                    "some" => return plain(x.clone()),
                    "__identity__" => {
                        let w: Result<SerdeWrapper<Identity>, _> = serde_json::from_value(Value::Object(o.clone()));
                        return w.map(|w| json!(w.0.to_hex().to_string())).unwrap_or(Value::Null);
                    }
                    "__timestamp_micros_since_unix_epoch__" | "__time_duration_micros__" => return x.clone(),
                    _ if k.chars().next().is_some_and(|c| c.is_ascii_uppercase()) => {
                        return if x == &json!([]) { json!(k) } else { json!({ k.clone(): plain(x.clone()) }) };
                    }
                    _ => {}
                }
            }
            Value::Object(o.into_iter().map(|(k, x)| (k, plain(x))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(plain).collect()),
        x => x,
    }
}

/// A row (any generated type) as plain JSON.
pub fn row<T: spacetimedb_sats::ser::Serialize>(r: &T) -> Value {
    serde_json::to_value(SerdeWrapper::from_ref(r)).map(plain).unwrap_or(Value::Null)
}
