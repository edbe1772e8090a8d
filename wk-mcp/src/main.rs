//! `wk-mcp`: an MCP server through which language-model agents play World Kernel.
//!
//! ```text
//! wk-mcp [--url URL] [--db NAME] [--token-file FILE] [--admin-token TOKEN] [--http 127.0.0.1:PORT]
//! ```
//! stdio by default; `--http` serves streamable HTTP at `/mcp` on a loopback address. The player's
//! token lives in `--token-file` (created on first run), so the agent stays the same player across
//! restarts. Tools: one per reducer a player may call (admin reducers too with `--admin-token`),
//! generated from the module's reducer catalogue and its schema; plus `my_characters`, `observe`,
//! `events_since`, `wait`. See docs/mcp.md.

mod schema;
mod server;
mod world;

use clap::Parser;
use rmcp::ServiceExt;
use spacetimedb_sdk::TableWithPrimaryKey;
use std::path::PathBuf;
use std::sync::Arc;
use wk_client::module_bindings::*;

#[derive(Parser)]
#[command(name = "wk-mcp", about = "MCP server for World Kernel agents")]
struct Args {
    /// The SpacetimeDB server.
    #[arg(long, env = "WK_URL", default_value = "http://127.0.0.1:3000")]
    url: String,
    /// The database (module) name.
    #[arg(long, env = "WK_DB", default_value = "world-kernel")]
    db: String,
    /// Where the player's token is kept (created on first run).
    #[arg(long, env = "WK_MCP_TOKEN_FILE", default_value = "wk-mcp-token")]
    token_file: PathBuf,
    /// An admin's token: adds the admin reducers as tools (run as that admin).
    #[arg(long, env = "WK_MCP_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// Serve streamable HTTP on this loopback address (e.g. 127.0.0.1:8765) instead of stdio.
    #[arg(long)]
    http: Option<std::net::SocketAddr>,
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(args) {
        eprintln!("wk-mcp: {e}");
        std::process::exit(1);
    }
}

fn run(args: Args) -> Result<(), String> {
    if let Some(a) = args.http {
        if !a.ip().is_loopback() {
            return Err(format!("--http {a}: only loopback addresses (127.0.0.1, ::1) are served"));
        }
    }
    let schema = schema::Schema::fetch(&args.url, &args.db)?;
    let (player, _) = (world::Session::open_with_token_file(&args.url, &args.db, &args.token_file)?, ());
    let admin = match args.admin_token.clone().filter(|t| !t.is_empty()) {
        Some(t) => Some(world::Session::open(&args.url, &args.db, Some(t))?.0),
        None => None,
    };
    eprintln!(
        "wk-mcp: {} / {} as player {}{}",
        args.url,
        args.db,
        player.identity.to_hex(),
        if admin.is_some() { " (admin tools on)" } else { "" }
    );
    let world = Arc::new(world::World { player, admin, schema });
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    // The last reference to the world is this one, dropped (hanging up the connections) after the
    // runtime: the SDK's disconnect must not run inside an async context.
    let res = rt.block_on(serve(world.clone(), args.http));
    drop(rt);
    drop(world);
    res
}

/// Rows that change a resource -> `notifications/resources/updated` for its subscribers.
fn watch(world: &Arc<world::World>, subs: Arc<server::Subs>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let db = &world.player.conn.db;
    let me = world.player.identity;
    let t = tx.clone();
    db.character().on_update(move |_c, _old, new| {
        if new.owner == me {
            let _ = t.send(format!("wk://character/{}", new.id));
        }
    });
    // A stats row of one of my characters changed: that character's resource changed.
    let mine = |world: &Arc<world::World>, tx: &tokio::sync::mpsc::UnboundedSender<String>| {
        let (w, t) = (Arc::downgrade(world), tx.clone());
        move |character_id: u64| {
            if w.upgrade().is_some_and(|w| w.my_character_ids().contains(&character_id)) {
                let _ = t.send(format!("wk://character/{character_id}"));
            }
        }
    };
    let stats_changed = mine(world, &tx);
    db.effective_stats().on_update(move |_c, _old, new| stats_changed(new.character_id));
    let line_changed = mine(world, &tx);
    db.effective_stat().on_update(move |_c, _old, new| line_changed(new.character_id));
    let t = tx.clone();
    db.location_def().on_update(move |_c, _old, _new| {
        let _ = t.send("wk://locations".to_string());
    });
    tokio::spawn(async move {
        while let Some(uri) = rx.recv().await {
            subs.notify(&uri).await;
        }
    });
}

async fn serve(world: Arc<world::World>, http: Option<std::net::SocketAddr>) -> Result<(), String> {
    let subs = Arc::new(server::Subs::default());
    watch(&world, subs.clone());
    match http {
        None => {
            let service = server::Server::new(world, subs)
                .serve(rmcp::transport::stdio())
                .await
                .map_err(|e| format!("MCP over stdio: {e}"))?;
            service.waiting().await.map_err(|e| e.to_string())?;
            Ok(())
        }
        Some(addr) => {
            use rmcp::transport::streamable_http_server::{
                session::local::LocalSessionManager, StreamableHttpServerConfig, StreamableHttpService,
            };
            let svc = StreamableHttpService::new(
                move || Ok(server::Server::new(world.clone(), subs.clone())),
                Arc::new(LocalSessionManager::default()),
                StreamableHttpServerConfig::default(),
            );
            let router = axum::Router::new().nest_service("/mcp", svc);
            let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("bind {addr}: {e}"))?;
            eprintln!("wk-mcp: streamable HTTP on http://{addr}/mcp");
            axum::serve(listener, router).await.map_err(|e| e.to_string())
        }
    }
}
