#!/usr/bin/env node
// `npm start`: set up if needed, then serve the app (embedded default models, no network) and
// print the URL. Extra args go to Vite, e.g. `npm start -- --port 8080`.
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [resolve(root, 'tools/setup.mjs')], { stdio: 'inherit' });
const { createServer } = await import('vite');
const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 5173;
const server = await createServer({ root, server: { port, strictPort: false } });
await server.listen();
const url = server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${port}/`;
console.log(`\nDecoding Playground is running at ${url}\nOpen it in Chrome or Edge (WebGPU); press Ctrl+C to stop.\n`);
