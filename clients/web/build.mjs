// Bundles src/main.ts (and the bindings it imports) into dist/viewer.js and copies public/.
import { build } from "esbuild";
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "dist");
mkdirSync(out, { recursive: true });
cpSync(join(here, "public"), out, { recursive: true });
await build({
  entryPoints: [join(here, "src/main.ts")],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  outfile: join(out, "viewer.js"),
  sourcemap: true,
  minify: true,
  logLevel: "warning",
  // The SDK's Node-only WebSocket fallback (undici) is never used in a browser.
  external: ["undici"],
  // The bindings in ../typescript/module_bindings import the SDK from this package's node_modules.
  nodePaths: [join(here, "node_modules")],
});
console.log(`built ${join(out, "viewer.js")}`);
