import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SRC = join(ROOT, "src/console");

/**
 * Bundles the web console (Preact + uPlot + the typed client) into `outDir`: index.html,
 * main.js, main.css. No CDN at run time; the server serves these files at /console/.
 */
export async function buildConsole(outDir: string, options: { minify?: boolean } = {}): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(SRC, "main.tsx")],
    outdir: outDir,
    bundle: true,
    format: "esm",
    target: ["es2022"],
    platform: "browser",
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: options.minify ?? true,
    sourcemap: "linked",
    legalComments: "linked",
    logLevel: "warning",
    tsconfig: join(SRC, "tsconfig.json"),
  });
  copyFileSync(join(SRC, "index.html"), join(outDir, "index.html"));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? join(ROOT, "dist/console"));
  await buildConsole(out);
  console.log(`console built into ${out}`);
}
