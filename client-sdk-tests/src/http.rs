//! Plain HTTP, as an agent in any language would use it: a fresh identity from
//! `POST /v1/identity`, reducer calls as `POST /v1/database/<db>/call/<reducer>` with a JSON array
//! (a reducer `Err` is HTTP 530 with the message), and reads as `POST /v1/database/<db>/sql`. No
//! websocket: every call connects and disconnects (the module's `client_connected` and
//! `client_disconnected` run around it). HTTP/1.1 over `std::net`, no client library.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

pub struct HttpAgent {
    host: String,
    db: String,
    pub token: String,
    /// Hex, as `POST /v1/identity` answers it.
    #[allow(dead_code)]
    pub identity: String,
}

fn request(host: &str, path: &str, token: Option<&str>, ctype: &str, body: &str) -> Result<(u16, String), String> {
    let mut s = TcpStream::connect(host).map_err(|e| format!("connect {host}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {ctype}\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).map_err(|e| format!("send {path}: {e}"))?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| format!("read {path}: {e}"))?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, rest) = text.split_once("\r\n\r\n").ok_or_else(|| format!("{path}: no HTTP header in {text:?}"))?;
    let status: u16 = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).ok_or("no HTTP status")?;
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    Ok((status, if chunked { dechunk(rest) } else { rest.to_string() }))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((len, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

impl HttpAgent {
    /// A new player: the server mints an identity and its token.
    pub fn new(url: &str, db: &str) -> Result<HttpAgent, String> {
        let host = url.trim_start_matches("http://").trim_end_matches('/').to_string();
        let (st, body) = request(&host, "/v1/identity", None, "application/json", "")?;
        let v: Value = serde_json::from_str(&body).map_err(|e| format!("identity answer {st} {body:?}: {e}"))?;
        let (Some(identity), Some(token)) = (v["identity"].as_str(), v["token"].as_str()) else {
            return Err(format!("identity answer without identity/token: {body}"));
        };
        Ok(HttpAgent { host, db: db.into(), token: token.into(), identity: identity.into() })
    }

    /// An agent with a given token (the admin's, to read private tables as the database owner).
    pub fn with_token(url: &str, db: &str, token: &str) -> HttpAgent {
        let host = url.trim_start_matches("http://").trim_end_matches('/').to_string();
        HttpAgent { host, db: db.into(), token: token.into(), identity: String::new() }
    }

    /// Call a reducer: `Ok(())`, or `Err(message)` (the `E_CODE: ...` text of an HTTP 530).
    pub fn call(&self, reducer: &str, args: Value) -> Result<Result<(), String>, String> {
        let path = format!("/v1/database/{}/call/{reducer}", self.db);
        let (st, body) = request(&self.host, &path, Some(&self.token), "application/json", &args.to_string())?;
        match st {
            200..=299 => Ok(Ok(())),
            530 => Ok(Err(body)),
            _ => Err(format!("{reducer}: HTTP {st}: {body}")),
        }
    }

    /// `call` that must succeed.
    pub fn ok(&self, reducer: &str, args: Value) -> Result<(), String> {
        self.call(reducer, args)?.map_err(|e| format!("{reducer} over HTTP refused: {e}"))
    }

    /// One SQL statement; its rows as JSON objects keyed by column name.
    pub fn sql(&self, query: &str) -> Result<Vec<serde_json::Map<String, Value>>, String> {
        let path = format!("/v1/database/{}/sql", self.db);
        let (st, body) = request(&self.host, &path, Some(&self.token), "text/plain", query)?;
        if st != 200 {
            return Err(format!("sql {query:?}: HTTP {st}: {body}"));
        }
        let v: Value = serde_json::from_str(&body).map_err(|e| format!("sql answer: {e}"))?;
        let res = &v[0];
        let elements = res["schema"]["elements"].as_array().ok_or("sql answer without a schema")?;
        let cols: Vec<String> = elements.iter().map(|c| c["name"]["some"].as_str().unwrap_or("").to_string()).collect();
        // A sum value (enum, Option) comes as `[variant index, value]`: name it from the schema.
        let variants: Vec<Vec<String>> = elements
            .iter()
            .map(|c| {
                c["algebraic_type"]["Sum"]["variants"]
                    .as_array()
                    .map(|vs| vs.iter().map(|v| v["name"]["some"].as_str().unwrap_or("").to_string()).collect())
                    .unwrap_or_default()
            })
            .collect();
        let rows = res["rows"].as_array().ok_or("sql answer without rows")?;
        Ok(rows
            .iter()
            .map(|r| {
                let vals = r.as_array().cloned().unwrap_or_default();
                cols.iter()
                    .zip(vals)
                    .zip(&variants)
                    .map(|((c, v), names)| {
                        let named = match (names.is_empty(), v.as_array()) {
                            (false, Some(pair)) if pair.len() == 2 => {
                                let i = pair[0].as_u64().unwrap_or(u64::MAX) as usize;
                                let name = names.get(i).cloned().unwrap_or_default();
                                json!({ name: pair[1].clone() })
                            }
                            _ => v,
                        };
                        (c.clone(), named)
                    })
                    .collect()
            })
            .collect())
    }
}

/// A JSON `Option` as SATS writes it (`{"some": v}` / `{"none": []}`), as a u64.
pub fn some_u64(v: &Value) -> Option<u64> {
    v.get("some").and_then(Value::as_u64)
}
