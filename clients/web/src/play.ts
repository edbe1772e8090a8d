// The small play panel: create a character, pick which of yours acts, travel to a neighbouring
// location, start a fight with a monster there, attack (closing in first), end the turn, flee. Every button calls
// one reducer over the SDK; the answer (ok or the `E_CODE: message`) shows under the buttons.
// The page's identity is the `?token=` one, else a token kept in localStorage per server and
// database (so a reload keeps your characters).

import type { DbConnection, ReducerEventContext } from "../../typescript/module_bindings/index.ts";

const MONSTER_ID_BASE = 1n << 48n;
// dnd5e point buy (27 points); the lite ruleset accepts it too (6..=16, sum <= 72).
const SCORES = { str: 15, dex: 14, con: 13, int: 8, wis: 12, cha: 10 };

type Ctx = { conn: () => DbConnection | undefined; redraw: () => void };

const play = {
  actAs: undefined as bigint | undefined,
  pendingName: "",
  lastActions: "",
  lastClasses: "",
};

function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function result(text: string, ok: boolean) {
  const el = document.getElementById("play-result")!;
  el.dataset.status = ok ? "ok" : "failed";
  el.textContent = text;
}

export function tokenKey(url: string, db: string): string {
  return `wk-viewer-token:${url}:${db}`;
}

/** Reducer answers for the calls this page makes. */
export function wirePlay(conn: DbConnection, ctx: Ctx) {
  const r = conn.reducers;
  const report = (name: string) => (c: ReducerEventContext) => {
    // Only our own calls (the SDK also reports others' calls that touched our subscription).
    if (!conn.identity || !c.event.callerIdentity.isEqual(conn.identity)) return;
    const st = c.event.status;
    if (st.tag === "Committed") result(`${name}: ok`, true);
    else if (st.tag === "Failed") result(`${name}: ${st.value}`, false);
    else result(`${name}: ${st.tag}`, false);
    ctx.redraw();
  };
  r.onCreateCharacter(report("create_character"));
  r.onMoveTo(report("move_to"));
  r.onStartCombat(report("start_combat"));
  r.onAttack(report("attack"));
  r.onMoveInCombat(report("move_in_combat"));
  r.onEndTurn(report("end_turn"));
  r.onFlee(report("flee"));
  conn.db.character.onInsert((_c, row) => {
    if (conn.identity && row.owner.isEqual(conn.identity) && row.name === play.pendingName) {
      play.actAs = row.id;
      play.pendingName = "";
    }
  });
}

export function bindPlay(ctx: Ctx) {
  document.getElementById("create-form")!.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const conn = ctx.conn();
    if (!conn) return;
    const name = (document.getElementById("new-name") as HTMLInputElement).value.trim();
    const cls = (document.getElementById("new-class") as HTMLSelectElement).value;
    play.pendingName = name;
    result(`create_character ${name} …`, true);
    conn.reducers.createCharacter(name, cls, SCORES, []);
  });
  document.getElementById("play-actions")!.addEventListener("click", (ev) => {
    const b = (ev.target as HTMLElement).closest("button[data-action]") as HTMLButtonElement | null;
    const conn = ctx.conn();
    if (!b || !conn || play.actAs === undefined) return;
    const id = play.actAs;
    const d = b.dataset;
    switch (d.action) {
      case "act-as":
        play.actAs = BigInt(d.id!);
        break;
      case "move":
        result(`move_to ${d.to} …`, true);
        conn.reducers.moveTo(id, d.to!);
        break;
      case "fight":
        result(`start_combat …`, true);
        conn.reducers.startCombat(id, [], [BigInt(d.monster!)]);
        break;
      case "attack": {
        // Close in first when out of melee reach (30 ft of movement a turn), then attack.
        const target = BigInt(d.target!);
        let me, them;
        for (const r of conn.db.combatant.iter()) {
          if (!r.active) continue;
          if (r.characterId === id) me = r;
          if (r.combatantId === target) them = r;
        }
        if (me && them) {
          const dist = Math.hypot(them.x - me.x, them.y - me.y);
          if (dist > 5) {
            const step = Math.min(dist - 4.5, 30) / dist;
            conn.reducers.moveInCombat(id, me.x + (them.x - me.x) * step, me.y + (them.y - me.y) * step);
          }
        }
        result(`attack …`, true);
        conn.reducers.attack(id, target, 0);
        break;
      }
      case "end-turn":
        conn.reducers.endTurn(id);
        break;
      case "flee":
        conn.reducers.flee(id);
        break;
    }
    ctx.redraw();
  });
}

export function renderPlay(conn: DbConnection) {
  const db = conn.db;
  const me = conn.identity;
  document.getElementById("play-who")!.textContent = me ? `you are ${me.toHexString().slice(0, 12)}…` : "";

  const classes = [...db.classDef.iter()].map((c) => c.id).sort();
  if (classes.join("|") !== play.lastClasses) {
    play.lastClasses = classes.join("|");
    const sel = document.getElementById("new-class") as HTMLSelectElement;
    const keep = sel.value;
    sel.innerHTML = classes.map((c) => `<option value="${esc(c)}">${esc(c)}</option>`).join("");
    sel.value = classes.includes(keep) ? keep : classes.includes("fighter") ? "fighter" : (classes[0] ?? "");
  }

  const mine = me ? [...db.character.iter()].filter((c) => c.owner.isEqual(me)).sort((a, b) => Number(a.id - b.id)) : [];
  if (play.actAs === undefined || !mine.some((c) => c.id === play.actAs)) play.actAs = mine[mine.length - 1]?.id;
  let html = "";
  if (mine.length) {
    html += `<div>act as: ${mine
      .map((c) => `<button data-action="act-as" data-id="${c.id}" class="${c.id === play.actAs ? "on" : ""}">${esc(c.name)}</button>`)
      .join(" ")}</div>`;
  }
  const c = mine.find((x) => x.id === play.actAs);
  if (c) {
    const travel = db.travelState.characterId.find(c.id);
    let fighting: bigint | undefined;
    let myRow;
    for (const r of db.combatant.iter()) if (r.active && r.characterId === c.id) ((fighting = r.combatId), (myRow = r));
    if (c.sheet.vitals.dead) {
      html += `<p>${esc(c.name)} is dead.</p>`;
    } else if (travel) {
      html += `<p>${esc(c.name)} is on the road to ${esc(travel.to)}.</p>`;
    } else if (fighting !== undefined && myRow) {
      const f = db.combatInstance.id.find(fighting);
      const mine_turn = f?.currentCombatant === myRow.combatantId;
      const enemies = [...db.combatant.iter()].filter((r) => r.combatId === fighting && r.side !== myRow.side && !r.dead && !r.fled && r.active);
      html += `<p>In fight #${fighting}${mine_turn ? " — <b>your turn</b>" : ""}:</p><div>${enemies
        .map((e) => `<button data-action="attack" data-target="${e.combatantId}">attack ${esc(e.name)} (${e.hp} HP)</button>`)
        .join(" ")} <button data-action="end-turn">end turn</button> <button data-action="flee">flee</button></div>`;
    } else {
      const loc = db.locationDef.id.find(c.locationId);
      html += `<p>${esc(c.name)} is at ${esc(loc?.name ?? c.locationId)}.</p><div>${(loc?.neighbours ?? [])
        .map((e) => `<button data-action="move" data-to="${esc(e.to)}" data-secs="${e.travelSecs}">go to ${esc(e.to)} (${e.travelSecs}s)</button>`)
        .join(" ")}</div>`;
      const mons = [...db.monsterInstance.iter()].filter((m) => m.locationId === c.locationId && m.combatId === 0n && m.hp > 0);
      if (mons.length) {
        html += `<div>${mons
          .map((m) => `<button data-action="fight" data-monster="${m.id}" data-combatant="${MONSTER_ID_BASE + m.id}">fight ${esc(m.name)}</button>`)
          .join(" ")}</div>`;
      }
    }
  } else {
    html += `<p class="empty">Create a character to play.</p>`;
  }
  // Redraw only on change, so a button is not replaced under the mouse.
  if (html !== play.lastActions) {
    play.lastActions = html;
    const el = document.getElementById("play-actions")!;
    el.innerHTML = html;
    el.dataset.actAs = play.actAs === undefined ? "" : String(play.actAs);
  }
}
