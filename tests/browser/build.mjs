// Bundles the browser tests' page (harness/) with the plugin's own editors and data source
// class and the real @grafana packages, into the directory given as the first argument.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { copyIcons, PAGE_BUNDLE } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  throw new Error('usage: node tests/browser/build.mjs <output directory>');
}
await mkdir(out, { recursive: true });
await build({ ...PAGE_BUNDLE, entryPoints: [path.join(here, 'harness', 'main.tsx')], outdir: out });
await copyFile(path.join(here, 'harness', 'index.html'), path.join(out, 'index.html'));
await copyIcons(out);
