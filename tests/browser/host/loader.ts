import React from 'react';
import ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as JSXRuntime from 'react/jsx-runtime';
import * as EmotionCss from '@emotion/css';
import * as GrafanaData from '@grafana/data';
import * as GrafanaI18n from '@grafana/i18n';
import * as GrafanaRuntime from '@grafana/runtime';
import * as GrafanaUI from '@grafana/ui';
import lodash from 'lodash';
import * as RxJS from 'rxjs';

import type { plugin as Plugin } from '../../../src/module';

/**
 * Loading the built plugin the way Grafana loads it: SystemJS with its AMD extra imports
 * dist/module.js from the plugin's public path, and every module the bundle leaves external
 * is the one this page itself runs, registered under its bare name. The plugin and the page
 * therefore share one React, one @grafana/ui and one @grafana/runtime (whose services the
 * page installs), as plugins and Grafana do.
 */

/** PluginModule is what the plugin's module.js exports. */
export type PluginModule = { plugin: typeof Plugin };

/** MODULE_URL is where Grafana serves a plugin's module.js; its public path derives from it. */
export const MODULE_URL = '/public/plugins/leakwatch-pprof-datasource/module.js';

/** SHARED_MODULES are the externals Grafana supplies to plugins that this page supplies too. */
export const SHARED_MODULES: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  'react-dom/client': ReactDOMClient,
  'react/jsx-runtime': JSXRuntime,
  '@emotion/css': EmotionCss,
  '@grafana/data': GrafanaData,
  '@grafana/i18n': GrafanaI18n,
  '@grafana/runtime': GrafanaRuntime,
  '@grafana/ui': GrafanaUI,
  lodash,
  rxjs: RxJS,
};

interface SystemJS {
  addImportMap(map: { imports: Record<string, string> }): void;
  set(id: string, module: object): void;
  import(id: string): Promise<unknown>;
}

declare global {
  interface Window {
    System?: SystemJS;
  }
}

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`loading ${src} failed`));
    document.head.appendChild(script);
  });
}

/** loadPlugin starts SystemJS, registers the shared modules and imports the plugin's module.js. */
export async function loadPlugin(): Promise<PluginModule> {
  await loadScript('/systemjs/system.js');
  await loadScript('/systemjs/extras/amd.js');
  const system = window.System;
  if (!system) {
    throw new Error('SystemJS did not start');
  }
  const names = Object.keys(SHARED_MODULES);
  system.addImportMap({ imports: Object.fromEntries(names.map((name) => [name, `app:${name}`])) });
  for (const name of names) {
    const mod = SHARED_MODULES[name] as object;
    // __useDefault hands AMD modules the value itself rather than a namespace around it.
    system.set(`app:${name}`, { ...mod, default: mod, __useDefault: true });
  }
  const loaded = (await system.import(MODULE_URL)) as Partial<PluginModule>;
  if (!loaded.plugin) {
    throw new Error(`${MODULE_URL} does not export plugin`);
  }
  return loaded as PluginModule;
}
