#!/usr/bin/env node
// One-time setup that `npm start` and `npm test` run first, so both work on a fresh clone:
// installs node_modules from the lock file when missing or stale, and (with --browser) makes
// sure a Chromium exists for the end-to-end tests, installing Debian's when running as root.
// Uses only Node built-ins: it runs before any dependency is installed.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' });

function ensureNodeModules() {
  const marker = resolve(root, 'node_modules/.package-lock.json');
  const lock = resolve(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('[setup] installing dependencies (npm ci)…');
  run('npm ci --no-audit --no-fund');
}

/** Same order the tests use: CHROME_PATH, then Debian's chromium, then Playwright's own. */
export function findBrowser() {
  if (process.env.CHROME_PATH) return existsSync(process.env.CHROME_PATH) ? process.env.CHROME_PATH : null;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) if (existsSync(p)) return p;
  return null;
}

function ensureBrowser() {
  if (findBrowser()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log('[setup] no Chromium found: installing Debian chromium + libvulkan1…');
    run('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libvulkan1');
    return;
  }
  console.warn('[setup] no Chromium found. Install Chrome/Chromium or set CHROME_PATH; the e2e tests will fall back to Playwright\'s own browser if it is installed.');
}

ensureNodeModules();
if (process.argv.includes('--browser')) ensureBrowser();
