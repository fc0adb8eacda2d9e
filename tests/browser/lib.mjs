// Helpers shared by the browser tests: building and starting the real Go programs they run
// against, finding Chromium, and opening pages that fail the test on any error.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** root is the repository's root directory. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const children = [];

/** chromiumPath is the Chromium to drive: CHROMIUM, or `chromium` on PATH. */
export function chromiumPath() {
  if (process.env.CHROMIUM) {
    return process.env.CHROMIUM;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    throw new Error("Chromium not found: install Debian's chromium package or set CHROMIUM to its path");
  }
}

/** chromiumArgs are the flags a headless Chromium needs in a container. */
export const chromiumArgs = ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'];

/** start runs a program that prints "listening on <url>" first and returns that URL. */
export function start(bin, args) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`${bin} did not start within 30 s`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${bin} exited with ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = /^listening on (\S+)/.exec(line);
      m ? resolve(m[1]) : reject(new Error(`${bin}: unexpected first line ${JSON.stringify(line)}`));
    });
  });
}

/** stopAll kills every program start started. */
export function stopAll() {
  for (const c of children.splice(0)) {
    c.kill('SIGKILL');
  }
}

/** closedAddress returns a URL nothing listens on: a target that refuses connections. */
export async function closedAddress() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** goBuild builds a Go package of this module into out and returns out. */
export function goBuild(pkg, out) {
  execFileSync('go', ['build', '-o', out, pkg], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  return out;
}

/**
 * watchErrors collects what would make a page fail: thrown errors, console errors and 4xx/5xx
 * responses. Grafana's fonts ship with the Grafana server, not with any npm package: the page
 * falls back to system fonts, and their requests are allowed to fail, as are those allowed(pathname) accepts.
 */
export function watchErrors(page, allowed = () => false) {
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('response', (res) => {
    const { pathname } = new URL(res.url());
    if (res.status() >= 400 && !pathname.startsWith('/public/fonts/') && !allowed(pathname)) {
      errors.push(`${res.status()} ${res.url()}`);
    }
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) {
      errors.push(msg.text());
    }
  });
  return errors;
}

/** builtModule returns dist/module.js, or fails with what to run when the plugin is not built. */
export function builtModule() {
  const file = path.join(root, 'dist', 'module.js');
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    // Reported below, with what to run.
  }
  if (size === 0) {
    throw new Error(`${file} is missing or empty: build the plugin first (bash scripts/build.sh or npm run build)`);
  }
  return readFileSync(file, 'utf8');
}

/** amdDependencies lists the modules an AMD bundle's define([...]) header asks for. */
export function amdDependencies(source) {
  const m = /\bdefine\((\[[^\]]*\])/.exec(source);
  if (!m) {
    throw new Error('dist/module.js is not an AMD module: no define([...]) header');
  }
  return JSON.parse(m[1]);
}

/**
 * PAGE_BUNDLE is how both test pages are bundled with esbuild: one minified browser script
 * with the production builds of React and the @grafana packages, and their assets inlined or
 * copied.
 */
export const PAGE_BUNDLE = {
  bundle: true,
  format: 'iife',
  target: 'es2022',
  jsx: 'automatic',
  minify: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
  loader: { '.svg': 'text', '.woff': 'file', '.woff2': 'file', '.png': 'file', '.ttf': 'file' },
};

/** copyIcons serves @grafana/ui's icons under Grafana's public path, where its icon buttons fetch them. */
export async function copyIcons(out) {
  await cp(
    path.join(root, 'node_modules/@grafana/ui/dist/public/img/icons'),
    path.join(out, 'public/build/img/icons'),
    {
      recursive: true,
    }
  );
}
