// Bundles the web UI (Preact + uPlot) with esbuild into dashboard/dist/, which the gateway
// serves at `/`. Run by `npm run build` (so `npm ci`, `npm start` and the tests have it).
// Prints the size of the first load, raw and gzipped; fails if the gzipped size is over budget.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');
const BUDGET_GZIP = 150 * 1024;

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
await build({
  entryPoints: { app: join(here, 'src', 'main.tsx') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: join(out, 'assets'),
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(here, 'src', 'index.html'), join(out, 'index.html'));

const files = ['index.html', 'assets/app.js', 'assets/app.css'];
let raw = 0;
let gz = 0;
for (const f of files) {
  const b = readFileSync(join(out, f));
  raw += b.length;
  gz += gzipSync(b, { level: 9 }).length;
}
const report = { files, rawBytes: raw, gzipBytes: gz, budgetGzipBytes: BUDGET_GZIP };
writeFileSync(join(out, 'size.json'), `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(
  `dashboard: first load ${(raw / 1024).toFixed(1)} KiB, ${(gz / 1024).toFixed(1)} KiB gzipped (budget 150)\n`,
);
if (gz > BUDGET_GZIP) {
  process.stderr.write('dashboard: first load over the 150 KiB gzip budget\n');
  process.exit(1);
}
