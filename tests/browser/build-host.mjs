// Builds the screenshot host page (host/) into the directory given as the first argument, laid
// out as Grafana serves a plugin: the built plugin (dist/) under
// /public/plugins/leakwatch-pprof-datasource/, SystemJS under /systemjs/, and @grafana/ui's
// icons under /public/build/img/icons. The plugin itself is not bundled here: the page loads
// dist/module.js at run time, so `bash scripts/build.sh` (or `npm run build`) must run first.
import { build } from 'esbuild';
import { copyFile, cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { builtModule } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const out = process.argv[2];
if (!out) {
  throw new Error('usage: node tests/browser/build-host.mjs <output directory>');
}

builtModule();

// The ESM builds of these packages default-import CommonJS modules (react-custom-scrollbars-2,
// among others) expecting a bundler's interop, which esbuild gives .mjs importers only the Node
// way (the whole module.exports). Their CommonJS builds carry their own interop, so the page
// uses those, as one copy each for the page and the plugin.
const CJS_BUILDS = ['@grafana/ui', '@grafana/flamegraph'];
const commonJSBuilds = {
  name: 'commonjs-builds',
  setup(b) {
    const filter = new RegExp(`^(${CJS_BUILDS.map((p) => p.replace('/', '\\/')).join('|')})$`);
    b.onResolve({ filter }, (args) => ({
      path: path.join(root, 'node_modules', args.path, 'dist/cjs/index.cjs'),
    }));
  },
};
await mkdir(out, { recursive: true });
await build({
  entryPoints: [path.join(here, 'host', 'host.tsx')],
  bundle: true,
  outdir: out,
  format: 'iife',
  target: 'es2022',
  jsx: 'automatic',
  minify: true,
  logLevel: 'warning',
  plugins: [commonJSBuilds],
  define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
  loader: { '.svg': 'text', '.woff': 'file', '.woff2': 'file', '.png': 'file', '.ttf': 'file' },
});
await copyFile(path.join(here, 'host', 'index.html'), path.join(out, 'index.html'));
await cp(path.join(root, 'dist'), path.join(out, 'public/plugins/leakwatch-pprof-datasource'), { recursive: true });
await mkdir(path.join(out, 'systemjs/extras'), { recursive: true });
await copyFile(path.join(root, 'node_modules/systemjs/dist/system.js'), path.join(out, 'systemjs/system.js'));
await copyFile(path.join(root, 'node_modules/systemjs/dist/extras/amd.js'), path.join(out, 'systemjs/extras/amd.js'));
await cp(path.join(root, 'node_modules/@grafana/ui/dist/public/img/icons'), path.join(out, 'public/build/img/icons'), {
  recursive: true,
});
