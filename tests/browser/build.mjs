// Bundles the browser tests' page (harness/) with the plugin's own editors and data source
// class and the real @grafana packages, into the directory given as the first argument.
import { build } from 'esbuild';
import { copyFile, cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  throw new Error('usage: node tests/browser/build.mjs <output directory>');
}
await mkdir(out, { recursive: true });
await build({
  entryPoints: [path.join(here, 'harness', 'main.tsx')],
  bundle: true,
  outdir: out,
  format: 'iife',
  target: 'es2022',
  jsx: 'automatic',
  minify: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
  loader: { '.svg': 'text', '.woff': 'file', '.woff2': 'file', '.png': 'file', '.ttf': 'file' },
});
await copyFile(path.join(here, 'harness', 'index.html'), path.join(out, 'index.html'));
// Grafana serves @grafana/ui's icons under its public path; the editors' icon buttons need them.
await cp(
  path.join(here, '../../node_modules/@grafana/ui/dist/public/img/icons'),
  path.join(out, 'public/build/img/icons'),
  {
    recursive: true,
  }
);
