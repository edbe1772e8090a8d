// World Kernel live viewer: subscribes to the public tables of a World Kernel database with the
// SpacetimeDB TypeScript SDK (1.3.3, on the bindings the 1.2 CLI generates) and redraws the
// location graph, the fights, the selected character's sheet and the event log as rows change.
// A small play panel (src/play.ts) calls reducers as the page's identity.
//
// Connection: `?url=http://127.0.0.1:3000&db=world-kernel` in the page address, else
// `config.json` beside index.html ({"url": ..., "db": ...}), else those defaults
// (scripts/common.sh's WK_URL / WK_DB). `&token=<JWT>` connects as that identity (its characters
// then count as connected players in fights, whose turns wait for them); without one the page
// gets a fresh anonymous identity.
//
// The DOM carries data-* attributes (data-location, data-character-id, data-combat-id, data-hp,
// ...) that the headless test (clients/web/test/viewer-test.mjs) reads.

import {
  DbConnection,
  type ActiveBuffRow,
  type Character,
  type CombatantRow,
  type CombatInstance,
  type ErrorContext,
  type EventContext,
  type ItemInstanceRow,
  type MonsterInstance,
  type EffectiveStat,
  type SubscriptionEventContext,
  type TravelState,
  type WorldEvent,
} from "../../typescript/module_bindings/index.ts";
import { layoutGraph, type Point } from "./layout.ts";
import { bindPlay, renderPlay, tokenKey, wirePlay } from "./play.ts";

const MONSTER_ID_BASE = 1n << 48n;
const NEVER = 9223372036854775807n; // i64::MAX: no deadline / permanent
const EVENTS_SHOWN = 200;
const ENDED_FIGHT_SHOWN_MS = 30_000;

/** The first subscription: every public table the viewer draws from, but only the fights going
 * on (`combat_instance` and `combatant` keep every fight ever fought). */
export const QUERIES = [
  "SELECT * FROM config",
  "SELECT * FROM world_state",
  "SELECT * FROM location_def",
  "SELECT * FROM character",
  "SELECT * FROM character_stats",
  "SELECT * FROM effective_stats",
  "SELECT * FROM effective_stat",
  "SELECT * FROM travel_state",
  "SELECT * FROM rest_state",
  "SELECT * FROM monster_instance",
  "SELECT * FROM combatant WHERE active = true",
  "SELECT * FROM active_buff",
  "SELECT * FROM buff_def",
  "SELECT * FROM item_def",
  "SELECT * FROM item_instance",
  "SELECT * FROM run_state",
  "SELECT * FROM character_perk",
  "SELECT * FROM perk_def",
  "SELECT * FROM world_event",
  "SELECT * FROM class_def",
];

/** The second subscription: fights from id `from` on (the ones in the event log, those going on,
 * and every new one). */
function fightQueries(from: bigint): string[] {
  return [`SELECT * FROM combat_instance WHERE id >= ${from}`, `SELECT * FROM combatant WHERE combat_id >= ${from}`];
}

/** The oldest fight worth loading: the oldest one still going on or named in the event log (its
 * rows are bounded by `config.event_log_limit`); with none, the next fight (from the ids the
 * server has, over its SQL endpoint), or everything if that fails. */
async function firstFight(conn: DbConnection, cfg: Cfg): Promise<bigint> {
  const ids: bigint[] = [];
  for (const r of conn.db.combatant.iter()) ids.push(r.combatId);
  for (const m of conn.db.monsterInstance.iter()) if (m.combatId !== 0n) ids.push(m.combatId);
  for (const e of conn.db.worldEvent.iter()) {
    const m = /(?:^|;)combat=(\d+)/.exec(e.detail);
    if (m) ids.push(BigInt(m[1]));
  }
  if (ids.length) return ids.reduce((a, b) => (b < a ? b : a));
  try {
    const r = await fetch(`${cfg.url.replace(/\/$/, "")}/v1/database/${encodeURIComponent(cfg.db)}/sql`, {
      method: "POST",
      body: "SELECT id FROM combat_instance",
    });
    const [res] = await r.json();
    let max = 0n;
    for (const [id] of res.rows as [number | string][]) if (BigInt(id) > max) max = BigInt(id);
    return max + 1n;
  } catch {
    return 0n;
  }
}

type Cfg = { url: string; db: string; token?: string };

async function loadConfig(): Promise<Cfg> {
  const cfg: Cfg = { url: "http://127.0.0.1:3000", db: "world-kernel" };
  try {
    const r = await fetch("config.json", { cache: "no-store" });
    if (r.ok) Object.assign(cfg, await r.json());
  } catch {
    /* no config.json: defaults */
  }
  const q = new URLSearchParams(location.search);
  cfg.url = q.get("url") ?? cfg.url;
  cfg.db = q.get("db") ?? cfg.db;
  cfg.token = q.get("token") ?? cfg.token;
  if (!cfg.token) {
    // The play panel's identity survives a reload (kept per server and database).
    cfg.token = localStorage.getItem(tokenKey(cfg.url, cfg.db)) ?? undefined;
  }
  return cfg;
}

// ---------------------------------------------------------------- state

const state = {
  conn: undefined as DbConnection | undefined,
  status: "connecting",
  statusText: "",
  applied: false,
  txCount: 0, // row changes seen after the initial subscription
  eventsReceived: 0, // world_event inserts after the initial subscription
  events: [] as WorldEvent[], // sorted by id
  kindFilter: "",
  charFilter: "",
  selected: undefined as bigint | undefined,
  endedAt: new Map<string, number>(), // combat id -> ms when the viewer saw it end
  layout: new Map<string, Point>(),
  layoutKey: "",
};

function db() {
  return state.conn!.db;
}

// ---------------------------------------------------------------- helpers

function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function nowMicros(): bigint {
  return BigInt(Date.now()) * 1000n;
}

function secsLeft(atMicros: bigint): number {
  return Number(atMicros - nowMicros()) / 1e6;
}

function fmtSecs(s: number): string {
  if (s <= 0) return "0s";
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${Math.floor(s % 60)
    .toString()
    .padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${(m % 60).toString().padStart(2, "0")}m`;
}

function hpBar(hp: number, max: number): string {
  const pct = max > 0 ? Math.max(0, Math.min(100, (100 * hp) / max)) : 0;
  const cls = pct > 50 ? "ok" : pct > 20 ? "low" : "crit";
  return `<span class="hpbar" title="${hp}/${max} HP"><span class="fill ${cls}" style="width:${pct.toFixed(0)}%"></span><span class="hptext">${hp}/${max}</span></span>`;
}

function buffName(id: string): string {
  return db().buffDef.id.find(id)?.name ?? id;
}

function itemName(defId: string): string {
  return db().itemDef.id.find(defId)?.def.name ?? defId;
}

function charName(id: bigint): string {
  if (id >= MONSTER_ID_BASE) {
    return db().monsterInstance.id.find(id - MONSTER_ID_BASE)?.name ?? `monster #${id - MONSTER_ID_BASE}`;
  }
  return db().character.id.find(id)?.name ?? `#${id}`;
}

/** Conditions (buffs flagged `condition`) on a character or monster, by combatant/target id. */
function conditionsOf(targetId: bigint): ActiveBuffRow[] {
  const out: ActiveBuffRow[] = [];
  for (const b of db().activeBuff.iter()) {
    if (b.targetId === targetId && b.flags.condition) out.push(b);
  }
  return out;
}

function buffsOf(targetId: bigint): ActiveBuffRow[] {
  return [...db().activeBuff.iter()].filter((b) => b.targetId === targetId).sort((a, b) => Number(a.id - b.id));
}

/** The character's row in the fight it is in now, if any. */
function fightRow(characterId: bigint): CombatantRow | undefined {
  for (const r of db().combatant.iter()) if (r.active && r.characterId === characterId) return r;
  return undefined;
}

function travelOf(characterId: bigint): TravelState | undefined {
  return db().travelState.characterId.find(characterId);
}

// ---------------------------------------------------------------- rendering

let dirty = true;
function markDirty() {
  dirty = true;
}

function renderStatus() {
  const el = document.getElementById("status")!;
  el.dataset.state = state.status;
  el.textContent = state.statusText || state.status;
  const ws = state.applied ? db().worldState.id.find(0) : undefined;
  const cfg = state.applied ? db().config.id.find(0) : undefined;
  const upd = document.getElementById("updates")!;
  upd.dataset.tx = String(state.txCount);
  upd.textContent = state.applied
    ? `ruleset ${cfg?.ruleset ?? "?"} · world tick ${ws?.tick ?? "?"} · ${state.txCount} live row changes`
    : "";
}

function renderMap() {
  const locs = [...db().locationDef.iter()].sort((a, b) => a.id.localeCompare(b.id));
  const key = locs.map((l) => l.id + ":" + l.neighbours.map((e) => e.to).join(",")).join("|");
  if (key !== state.layoutKey) {
    state.layout = layoutGraph(
      locs.map((l) => l.id),
      locs.flatMap((l) => l.neighbours.map((e) => [l.id, e.to] as [string, string])),
    );
    state.layoutKey = key;
  }
  const W = 1000,
    H = 640;
  const pos = (id: string): Point => {
    const p = state.layout.get(id) ?? { x: 0.5, y: 0.5 };
    return { x: 90 + p.x * (W - 180), y: 60 + p.y * (H - 120) };
  };
  const travelling = new Map<string, TravelState>();
  for (const t of db().travelState.iter()) travelling.set(String(t.characterId), t);

  const byLoc = new Map<string, { chars: Character[]; mons: MonsterInstance[] }>();
  for (const l of locs) byLoc.set(l.id, { chars: [], mons: [] });
  for (const c of db().character.iter()) {
    if (travelling.has(String(c.id))) continue;
    byLoc.get(c.locationId)?.chars.push(c);
  }
  for (const m of db().monsterInstance.iter()) byLoc.get(m.locationId)?.mons.push(m);

  // roads
  let svg = `<svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="xMidYMid meet" class="roads">`;
  const seen = new Set<string>();
  for (const l of locs) {
    for (const e of l.neighbours) {
      const k = [l.id, e.to].sort().join("~");
      if (seen.has(k)) continue;
      seen.add(k);
      const a = pos(l.id),
        b = pos(e.to);
      svg += `<line x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}" class="road"/>`;
      svg += `<text x="${(a.x + b.x) / 2}" y="${(a.y + b.y) / 2 - 4}" class="roadlabel">${e.travelSecs}s</text>`;
    }
  }
  // travellers on their road
  let travellers = "";
  for (const t of travelling.values()) {
    const a = pos(t.from),
      b = pos(t.to);
    const dep = t.departedAt.microsSinceUnixEpoch;
    const total = Number(t.arrivesAtMicros - dep);
    const f = total > 0 ? Math.max(0, Math.min(1, Number(nowMicros() - dep) / total)) : 1;
    const x = a.x + (b.x - a.x) * f,
      y = a.y + (b.y - a.y) * f;
    svg += `<circle cx="${x}" cy="${y}" r="7" class="traveller-dot"/>`;
    const name = db().character.id.find(t.characterId)?.name ?? `#${t.characterId}`;
    travellers += `<div class="traveller" data-character-id="${t.characterId}" data-from="${esc(t.from)}" data-to="${esc(t.to)}" style="left:${(100 * x) / W}%;top:${(100 * y) / H}%">${esc(name)} → ${esc(t.to)} <small>${fmtSecs(secsLeft(t.arrivesAtMicros))}</small></div>`;
  }
  svg += "</svg>";

  let cards = "";
  for (const l of locs) {
    const p = pos(l.id);
    const here = byLoc.get(l.id)!;
    const chars = here.chars
      .sort((a, b) => Number(a.id - b.id))
      .map((c) => {
        const v = c.sheet.vitals;
        // In a fight the fight holds the HP (the character row catches up when it ends).
        const f = fightRow(c.id);
        const [hp, max] = f ? [f.hp, f.maxHp] : [v.hp, v.maxHp];
        const cls = ["char", c.isAi ? "ai" : "human", v.dead ? "dead" : hp <= 0 ? "down" : "", state.selected === c.id ? "selected" : ""].join(" ");
        return `<li class="${cls}" data-character-id="${c.id}" data-hp="${hp}" title="click for the sheet">${f ? "⚔ " : ""}${esc(c.name)} <small>L${c.sheet.level} ${esc(c.sheet.classId)}</small> ${hpBar(hp, max)}</li>`;
      })
      .join("");
    const mons = here.mons
      .sort((a, b) => Number(a.id - b.id))
      .map((m) => `<li class="mon${m.combatId !== 0n ? " fighting" : ""}" data-monster-id="${m.id}" data-hp="${m.hp}">${m.combatId !== 0n ? "⚔ " : ""}${esc(m.name)} ${hpBar(m.hp, m.maxHp)}</li>`)
      .join("");
    cards += `<div class="loc${l.safe ? " safe" : ""}" data-location="${esc(l.id)}" style="left:${(100 * p.x) / W}%;top:${(100 * p.y) / H}%" title="${esc(l.description)}">
      <div class="locname">${esc(l.name)}${l.safe ? ' <span class="tag">safe</span>' : ""}</div>
      <ul class="chars">${chars}</ul><ul class="mons">${mons}</ul></div>`;
  }
  document.getElementById("map")!.innerHTML = svg + cards + travellers;
}

function renderFights() {
  const now = Date.now();
  const fights: CombatInstance[] = [];
  for (const f of db().combatInstance.iter()) {
    const key = String(f.id);
    if (f.status.tag === "Active") {
      fights.push(f);
    } else {
      const ended = state.endedAt.get(key);
      if (ended !== undefined && now - ended < ENDED_FIGHT_SHOWN_MS) fights.push(f);
    }
  }
  fights.sort((a, b) => Number(b.id - a.id));
  const byCombat = new Map<string, CombatantRow[]>();
  for (const r of db().combatant.iter()) {
    const k = String(r.combatId);
    if (!byCombat.has(k)) byCombat.set(k, []);
    byCombat.get(k)!.push(r);
  }
  const html = fights
    .map((f) => {
      const active = f.status.tag === "Active";
      const rows = (byCombat.get(String(f.id)) ?? []).sort((a, b) => a.turnOrder - b.turnOrder || Number(a.key - b.key));
      const deadline =
        active && f.turnDeadlineMicros !== NEVER
          ? `<span class="deadline" data-secs="${secsLeft(f.turnDeadlineMicros).toFixed(1)}">turn ends in ${fmtSecs(secsLeft(f.turnDeadlineMicros))}</span>`
          : "";
      const turn = active && f.currentCombatant !== undefined ? `<span class="turn">turn: ${esc(charName(f.currentCombatant))}</span>` : "";
      const body = rows
        .map((r) => {
          const conds = conditionsOf(r.combatantId)
            .map((b) => `<span class="cond">${esc(buffName(b.buffId))}</span>`)
            .join("");
          const tags = [r.dead ? "dead" : "", r.down && !r.dead ? "down" : "", r.fled ? "fled" : "", r.isAi ? "AI" : "human"]
            .filter(Boolean)
            .map((t) => `<span class="tag">${t}</span>`)
            .join("");
          const current = active && f.currentCombatant === r.combatantId;
          const clickable = r.characterId !== 0n ? ` data-character-id="${r.characterId}"` : "";
          return `<tr class="combatant side${r.side}${current ? " current" : ""}" data-combatant-id="${r.combatantId}" data-hp="${r.hp}" data-max-hp="${r.maxHp}"${clickable}>
            <td>${current ? "▶" : ""}</td><td class="cname">${esc(r.name)}</td><td>side ${r.side}</td><td>${hpBar(r.hp, r.maxHp)}</td><td>AC ${r.ac}</td><td>${tags}${conds}</td></tr>`;
        })
        .join("");
      const status = active ? "" : `<span class="tag ended">${esc(f.status.tag)}${f.winner !== undefined ? ` · side ${f.winner} won` : ""}</span>`;
      return `<div class="fight" data-combat-id="${f.id}" data-active="${active}">
        <div class="fighthead">Fight #${f.id} at ${esc(f.locationId)} · ${esc(f.mode.tag)} · round ${f.round} ${turn} ${deadline} ${status}</div>
        <table>${body}</table>${!active && f.summary ? `<div class="summary">${esc(f.summary)}</div>` : ""}</div>`;
    })
    .join("");
  const el = document.getElementById("fights")!;
  el.innerHTML = html || '<p class="empty">No fight right now.</p>';
  el.dataset.count = String(fights.filter((f) => f.status.tag === "Active").length);
  el.dataset.loaded = String(db().combatInstance.count());
}

function statName(s: EffectiveStat): string {
  return s.stat.tag.replace(/([a-z])([A-Z])/g, "$1 $2");
}

function renderSheet() {
  const el = document.getElementById("sheet")!;
  const id = state.selected;
  const c = id === undefined ? undefined : db().character.id.find(id);
  if (!c) {
    el.dataset.characterId = "";
    el.innerHTML = '<p class="empty">Click a character for its sheet.</p>';
    return;
  }
  el.dataset.characterId = String(c.id);
  const v = c.sheet.vitals;
  const eff = db().effectiveStats.characterId.find(c.id);
  const derived = db().characterStats.characterId.find(c.id)?.derived;
  const t = travelOf(c.id);
  const rest = db().restState.characterId.find(c.id);
  const fight = fightRow(c.id);
  const lines = [...db().effectiveStat.iter()].filter((l) => l.characterId === c.id).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const stats = lines
    .map((s) => {
      const srcs = s.contributions
        .map((k) => `<span class="src${k.effective ? "" : " ineffective"}">${esc(k.sourceKind.tag)}: ${esc(k.label)}</span>`)
        .join(" ");
      return `<tr data-stat="${s.stat.tag}"><td>${statName(s)}</td><td class="num">${s.value}</td><td class="num base">${s.base}</td><td>${esc(s.explain)} ${srcs}</td></tr>`;
    })
    .join("");
  const flags = (eff?.flags ?? []).map((f) => `<span class="tag">${esc(f.tag)}${"value" in f && f.value !== undefined ? ":" + esc(typeof f.value === "object" ? (f.value as { tag: string }).tag : f.value) : ""}</span>`).join("");
  const buffs = buffsOf(c.id)
    .map((b) => {
      const left = b.permanent || b.expiresAtMicros === NEVER ? "permanent" : fmtSecs(secsLeft(b.expiresAtMicros));
      return `<li data-buff-id="${esc(b.buffId)}">${esc(buffName(b.buffId))}${b.stacks > 1 ? ` ×${b.stacks}` : ""} <small>${esc(b.category.tag)}${b.flags.condition ? " · condition" : ""}${b.sourceId !== 0n ? ` · from ${esc(charName(b.sourceId))}` : ""}</small> <span class="left">${left}</span></li>`;
    })
    .join("");
  const items: ItemInstanceRow[] = [...db().itemInstance.iter()].filter((i) => i.characterId === c.id);
  const loadout = items
    .filter((i) => i.place.tag === "Loadout")
    .map((i) => `<li>${esc(i.slot?.tag ?? "?")}: ${esc(itemName(i.defId))}${i.quantity > 1 ? ` ×${i.quantity}` : ""}</li>`)
    .join("");
  const stash = items
    .filter((i) => i.place.tag === "RunStash")
    .map((i) => `<li>${esc(itemName(i.defId))}${i.quantity > 1 ? ` ×${i.quantity}` : ""}</li>`)
    .join("");
  const run = db().runState.characterId.find(c.id);
  const perks = [...db().characterPerk.iter()]
    .filter((p) => p.characterId === c.id)
    .map((p) => `<li>${esc(db().perkDef.id.find(p.perkId)?.name ?? p.perkId)}</li>`)
    .join("");
  const where = t ? `travelling ${esc(t.from)} → ${esc(t.to)} (${fmtSecs(secsLeft(t.arrivesAtMicros))})` : esc(c.locationId);
  el.innerHTML = `<h3>${esc(c.name)} <small>#${c.id} · level ${c.sheet.level} ${esc(c.sheet.classId)} · ${c.sheet.xp} XP · ${c.isAi ? "AI" : "player"}</small></h3>
    <p>${hpBar(v.hp, v.maxHp)} ${v.tempHp ? `+${v.tempHp} temp` : ""} ${fight ? `· in fight #${fight.combatId}: ${hpBar(fight.hp, fight.maxHp)}` : ""} ${v.dead ? '<span class="tag">dead</span>' : ""} at ${where}${rest ? ` · resting (${esc(rest.rest.kind.tag)} ${rest.rest.elapsedSecs}/${rest.rest.requiredSecs}s)` : ""}</p>
    ${derived ? `<p class="derived">AC ${derived.ac} · proficiency +${derived.proficiencyBonus} · initiative ${derived.initiativeBonus >= 0 ? "+" : ""}${derived.initiativeBonus} · save DC ${derived.saveDc} · passive perception ${derived.passivePerception}</p>` : ""}
    <h4>Effective stats</h4><table class="stats"><tr><th>stat</th><th>value</th><th>base</th><th>where it comes from</th></tr>${stats || '<tr><td colspan="4">no effective_stat rows yet</td></tr>'}</table>
    ${flags ? `<p>flags: ${flags}</p>` : ""}
    <h4>Active buffs</h4><ul class="buffs">${buffs || "<li class=empty>none</li>"}</ul>
    <h4>Loadout</h4><ul>${loadout || "<li class=empty>nothing equipped</li>"}</ul>
    <h4>Run stash ${run ? `<small>${run.active ? "run active" : "no run"} · ${run.currencyCp} cp</small>` : ""}</h4><ul>${stash || "<li class=empty>empty</li>"}</ul>
    ${perks ? `<h4>Perks</h4><ul>${perks}</ul>` : ""}`;
}

function renderEvents() {
  const list = document.getElementById("events")!;
  list.dataset.received = String(state.eventsReceived);
  list.dataset.total = String(state.events.length);
  list.dataset.lastId = String(state.events.length ? state.events[state.events.length - 1].id : 0n);
  const kinds = new Set(state.events.map((e) => e.kind.tag));
  const ksel = document.getElementById("kind-filter") as HTMLSelectElement;
  const want = ["", ...[...kinds].sort()];
  if ([...ksel.options].map((o) => o.value).join("|") !== want.join("|")) {
    ksel.innerHTML = want.map((k) => `<option value="${esc(k)}">${k || "all kinds"}</option>`).join("");
    ksel.value = state.kindFilter;
  }
  const csel = document.getElementById("char-filter") as HTMLSelectElement;
  const chars = [...db().character.iter()].sort((a, b) => Number(a.id - b.id));
  const cwant = ["", ...chars.map((c) => String(c.id))];
  if ([...csel.options].map((o) => o.value).join("|") !== cwant.join("|")) {
    csel.innerHTML = `<option value="">all characters</option>` + chars.map((c) => `<option value="${c.id}">${esc(c.name)} #${c.id}</option>`).join("");
    csel.value = state.charFilter;
  }
  const cf = state.charFilter ? BigInt(state.charFilter) : undefined;
  const shown: WorldEvent[] = [];
  for (let i = state.events.length - 1; i >= 0 && shown.length < EVENTS_SHOWN; i--) {
    const e = state.events[i];
    if (state.kindFilter && e.kind.tag !== state.kindFilter) continue;
    if (cf !== undefined && !e.actors.includes(cf)) continue;
    shown.push(e);
  }
  list.innerHTML = shown
    .map((e) => {
      const t = e.at.toDate().toLocaleTimeString();
      return `<li class="event k-${esc(e.kind.tag)}" data-event-id="${e.id}" data-kind="${esc(e.kind.tag)}" data-actors="${e.actors.join(" ")}"><span class="time">${t}</span> <span class="kind">${esc(e.kind.tag)}</span> ${esc(e.text)}</li>`;
    })
    .join("");
}

function render() {
  renderStatus();
  if (!state.applied) return;
  renderMap();
  renderFights();
  renderSheet();
  renderEvents();
  renderPlay(state.conn!);
}

// Redraw at most 4 times a second, and every second anyway (countdowns, travellers).
let lastRender = 0;
function tick() {
  const now = performance.now();
  if ((dirty && now - lastRender > 250) || now - lastRender > 1000) {
    dirty = false;
    lastRender = now;
    try {
      render();
    } catch (e) {
      console.error("render failed", e);
    }
  }
  requestAnimationFrame(tick);
}
// Headless or background tabs may throttle animation frames: a timer backs it up.
setInterval(() => {
  if (performance.now() - lastRender > 1000) {
    lastRender = performance.now();
    dirty = false;
    render();
  }
}, 500);

// ---------------------------------------------------------------- wiring

function onRowChange() {
  if (state.applied) state.txCount++;
  markDirty();
}

function wire(conn: DbConnection) {
  const d = conn.db;
  const tables = [
    d.config, d.worldState, d.locationDef, d.character, d.characterStats, d.effectiveStats, d.effectiveStat, d.travelState, d.restState,
    d.monsterInstance, d.combatant, d.activeBuff, d.buffDef, d.itemDef, d.itemInstance, d.runState, d.characterPerk, d.perkDef,
  ];
  for (const t of tables) {
    // Each handle has onInsert/onDelete (and onUpdate where the table has a primary key).
    const h = t as unknown as {
      onInsert: (cb: () => void) => void;
      onDelete: (cb: () => void) => void;
      onUpdate?: (cb: () => void) => void;
    };
    h.onInsert(onRowChange);
    h.onDelete(onRowChange);
    h.onUpdate?.(onRowChange);
  }
  const fightChanged = (_ctx: EventContext, f: CombatInstance) => {
    if (f.status.tag !== "Active" && state.applied && !state.endedAt.has(String(f.id))) state.endedAt.set(String(f.id), Date.now());
    onRowChange();
  };
  d.combatInstance.onInsert(fightChanged);
  d.combatInstance.onUpdate((ctx, _old, f) => fightChanged(ctx, f));
  d.combatInstance.onDelete(onRowChange);
  d.worldEvent.onInsert((_ctx: EventContext, e: WorldEvent) => {
    if (state.applied) {
      state.eventsReceived++;
      state.events.push(e);
      if (state.events.length > 1 && state.events[state.events.length - 2].id > e.id) state.events.sort((a, b) => Number(a.id - b.id));
    }
    onRowChange();
  });
  d.worldEvent.onDelete((_ctx: EventContext, e: WorldEvent) => {
    const i = state.events.findIndex((x) => x.id === e.id);
    if (i >= 0) state.events.splice(i, 1);
    onRowChange();
  });
}

const playCtx = { conn: () => state.conn, redraw: () => render() };

function bindUi() {
  bindPlay(playCtx);
  // pointerdown, not click: the map is redrawn up to 4 times a second, and a click whose
  // mousedown and mouseup land on different (redrawn) nodes never reaches the character.
  document.body.addEventListener("pointerdown", (ev) => {
    const t = (ev.target as HTMLElement).closest("[data-character-id]") as HTMLElement | null;
    if (!t || !t.dataset.characterId) return;
    state.selected = BigInt(t.dataset.characterId);
    markDirty();
    render();
  });
  (document.getElementById("kind-filter") as HTMLSelectElement).addEventListener("change", (ev) => {
    state.kindFilter = (ev.target as HTMLSelectElement).value;
    render();
  });
  (document.getElementById("char-filter") as HTMLSelectElement).addEventListener("change", (ev) => {
    state.charFilter = (ev.target as HTMLSelectElement).value;
    render();
  });
}

async function main() {
  bindUi();
  const cfg = await loadConfig();
  document.getElementById("target")!.textContent = `${cfg.db} @ ${cfg.url}`;
  state.statusText = `connecting to ${cfg.url} …`;
  renderStatus();
  const conn = DbConnection.builder()
    .withUri(cfg.url)
    .withModuleName(cfg.db)
    .withToken(cfg.token)
    .onConnect((c: DbConnection, _identity, token: string) => {
      if (!new URLSearchParams(location.search).get("token")) localStorage.setItem(tokenKey(cfg.url, cfg.db), token);
      state.status = "subscribing";
      state.statusText = "connected, subscribing …";
      renderStatus();
      const failed = (_ctx: ErrorContext) => {
        state.status = "error";
        state.statusText = "subscription failed (see the console)";
        renderStatus();
      };
      c.subscriptionBuilder()
        .onApplied(async (_ctx: SubscriptionEventContext) => {
          const from = await firstFight(c, cfg);
          document.getElementById("fights")!.dataset.from = String(from);
          c.subscriptionBuilder()
            .onApplied((_ctx2: SubscriptionEventContext) => {
              state.events = [...c.db.worldEvent.iter()].sort((a, b) => Number(a.id - b.id));
              for (const f of c.db.combatInstance.iter()) if (f.status.tag !== "Active") state.endedAt.set(String(f.id), 0);
              state.applied = true;
              state.status = "connected";
              state.statusText = "live";
              markDirty();
              render();
            })
            .onError(failed)
            .subscribe(fightQueries(from));
        })
        .onError(failed)
        .subscribe(QUERIES);
    })
    .onConnectError((_ctx: ErrorContext, e: Error) => {
      state.status = "error";
      // The SDK may hand over the WebSocket's CloseEvent rather than an Error.
      const why = e instanceof Error ? e.message : "the connection closed (is the server up, and the database name right?)";
      state.statusText = `cannot connect to ${cfg.url} / ${cfg.db}: ${why}`;
      renderStatus();
    })
    .onDisconnect(() => {
      state.status = "disconnected";
      state.statusText = "disconnected (reload to reconnect)";
      renderStatus();
    })
    .build();
  state.conn = conn;
  wire(conn);
  wirePlay(conn, playCtx);
  requestAnimationFrame(tick);
}

void main();
