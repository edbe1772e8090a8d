// A small deterministic force-directed layout for the location graph (a dozen nodes): nodes
// start on a circle in id order, edges pull, every pair pushes; the result is scaled to 0..1.

export type Point = { x: number; y: number };

export function layoutGraph(ids: string[], edges: [string, string][]): Map<string, Point> {
  const n = ids.length;
  const idx = new Map(ids.map((id, i) => [id, i]));
  const p = ids.map((_, i) => ({ x: Math.cos((2 * Math.PI * i) / Math.max(n, 1)), y: Math.sin((2 * Math.PI * i) / Math.max(n, 1)) }));
  const links = edges.map(([a, b]) => [idx.get(a), idx.get(b)]).filter((e): e is [number, number] => e[0] !== undefined && e[1] !== undefined);
  const k = 1.2 / Math.sqrt(Math.max(n, 1));
  for (let iter = 0; iter < 400; iter++) {
    const temp = 0.1 * (1 - iter / 400) + 0.002;
    const d = p.map(() => ({ x: 0, y: 0 }));
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const dx = p[i].x - p[j].x, dy = p[i].y - p[j].y;
        const dist = Math.max(Math.hypot(dx, dy), 0.01);
        const f = (k * k) / dist;
        d[i].x += (dx / dist) * f; d[i].y += (dy / dist) * f;
        d[j].x -= (dx / dist) * f; d[j].y -= (dy / dist) * f;
      }
    }
    for (const [a, b] of links) {
      const dx = p[a].x - p[b].x, dy = p[a].y - p[b].y;
      const dist = Math.max(Math.hypot(dx, dy), 0.01);
      const f = (dist * dist) / k / 2; // each road is listed at both ends
      d[a].x -= (dx / dist) * f; d[a].y -= (dy / dist) * f;
      d[b].x += (dx / dist) * f; d[b].y += (dy / dist) * f;
    }
    for (let i = 0; i < n; i++) {
      const len = Math.max(Math.hypot(d[i].x, d[i].y), 1e-9);
      p[i].x += (d[i].x / len) * Math.min(len, temp);
      p[i].y += (d[i].y / len) * Math.min(len, temp);
    }
  }
  const xs = p.map((q) => q.x), ys = p.map((q) => q.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const out = new Map<string, Point>();
  ids.forEach((id, i) => out.set(id, { x: x1 > x0 ? (p[i].x - x0) / (x1 - x0) : 0.5, y: y1 > y0 ? (p[i].y - y0) / (y1 - y0) : 0.5 }));
  return out;
}
