// Builds the screenshot host page (host/) into the directory given as the first argument, laid
// out as Grafana serves a plugin: the built plugin (dist/) under
// /public/plugins/leakwatch-pprof-datasource/, SystemJS under /systemjs/, and @grafana/ui's
// icons under /public/build/img/icons. The plugin itself is not bundled here: the page loads
// dist/module.js at run time, so `bash scripts/build.sh` (or `npm run build`) must run first.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { copyFile, cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { builtModule, copyIcons, PAGE_BUNDLE } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const out = process.argv[2];
if (!out) {
  throw new Error('usage: node tests/browser/build-host.mjs <output directory>');
}

builtModule();

// The ESM builds of Grafana's packages default-import CommonJS modules (react-custom-scrollbars-2
// among others) the way bundlers that honour __esModule do; esbuild gives .mjs importers the
// Node reading instead (the whole module.exports), so such components would be objects. Those
// imports go through a small ES module, not an .mjs one, that esbuild reads the bundler way.
const GRAFANA_ESM = /node_modules\/@grafana\/[^/]+\/dist\/esm\//;
const isCommonJS = (file) =>
  file.endsWith('.cjs') || (!file.endsWith('.mjs') && !/^\s*(import|export)\s/m.test(readFileSync(file, 'utf8')));
const bundlerInterop = {
  name: 'bundler-interop',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'interop' || !GRAFANA_ESM.test(args.importer)) {
        return undefined;
      }
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'interop',
      });
      if (resolved.errors.length > 0 || !isCommonJS(resolved.path)) {
        return resolved;
      }
      return { path: resolved.path, namespace: 'bundler-interop' };
    });
    b.onLoad({ filter: /.*/, namespace: 'bundler-interop' }, (args) => {
      const file = JSON.stringify(args.path);
      return {
        contents: `import * as m from ${file};\nexport default m.default;\nexport * from ${file};\n`,
        resolveDir: path.dirname(args.path),
        loader: 'js',
      };
    });
  },
};

await mkdir(out, { recursive: true });
await build({
  ...PAGE_BUNDLE,
  entryPoints: [path.join(here, 'host', 'host.tsx')],
  outdir: out,
  plugins: [bundlerInterop],
});
await copyFile(path.join(here, 'host', 'index.html'), path.join(out, 'index.html'));
await cp(path.join(root, 'dist'), path.join(out, 'public/plugins/leakwatch-pprof-datasource'), { recursive: true });
await mkdir(path.join(out, 'systemjs/extras'), { recursive: true });
await copyFile(path.join(root, 'node_modules/systemjs/dist/system.js'), path.join(out, 'systemjs/system.js'));
await copyFile(path.join(root, 'node_modules/systemjs/dist/extras/amd.js'), path.join(out, 'systemjs/extras/amd.js'));
await copyIcons(out);
