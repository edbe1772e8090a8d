// Serves dist/ on 127.0.0.1 only: node serve.mjs [PORT] [DIR]. With WK_URL / WK_DB set it also
// answers config.json with them (the page's default connection; ?url=&db= still override).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".map": "application/json", ".png": "image/png" };

/** Starts the static server; resolves with the port it listens on (0 = any free port). */
export function serve(port, root = join(here, "dist"), config = process.env.WK_URL ? { url: process.env.WK_URL, db: process.env.WK_DB ?? "world-kernel" } : undefined) {
const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  if (path === "/config.json") {
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(config ?? {}));
    return;
  }
  const file = normalize(join(root, path === "/" ? "index.html" : path));
  if (!file.startsWith(normalize(root))) {
    res.writeHead(403).end();
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    res.end(body);
  } catch {
    res.writeHead(404).end("not found");
  }
});
return new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(port, "127.0.0.1", () => resolve({ server, port: server.address().port }));
});
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { server, port } = await serve(Number(process.argv[2] ?? 8080), process.argv[3] ?? join(here, "dist"));
  console.log(`viewer at http://127.0.0.1:${port}/`);
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { server.close(); process.exit(0); });
}
