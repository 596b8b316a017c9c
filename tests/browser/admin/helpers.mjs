// Helpers of the admin app's browser test: the real collector binary on a fresh data dir,
// headless Chromium, the NPS arithmetic the report must show (computed independently here).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../../..');
export const DIST = process.env.NPS_WIDGET_DIST || join(ROOT, 'widget/dist');
export const ARTIFACTS = process.env.NPS_ARTIFACTS_DIR || join(ROOT, 'tests/artifacts');
const BIN = process.env.NPS_COLLECTOR_BIN || join(ROOT, 'target/debug/nps-collector');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export async function startCollector() {
  const dir = mkdtempSync(join(tmpdir(), 'nps-admin-'));
  const log = createWriteStream(join(dir, 'collector.log'));
  const child = spawn(BIN, [], {
    env: {
      ...process.env,
      NPS_DATA_DIR: dir,
      NPS_DATABASE_URL: `sqlite://${dir}/nps.sqlite`,
      NPS_HTTP__PORT: '0',
      NPS_ASSETS_DIR: DIST,
      NPS_AUTH__SERVER_SECRET: 'admin-browser-test-secret-0123456789abcdef',
      NPS_LIMITS__PER_IP_RPS: '100000',
      NPS_LIMITS__PER_IP_BURST: '100000',
      RUST_LOG: 'info,sqlx=warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr.pipe(log);
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`collector did not start; see ${dir}/collector.log`)), 60_000);
    let buf = '';
    child.stdout.on('data', (chunk) => {
      buf += chunk;
      const m = buf.match(/NPS collector listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`collector exited with ${code}; see ${dir}/collector.log`)); });
  });
  child.removeAllListeners('exit');
  return {
    url, dir,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r).once('error', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

export function screenshotPath(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, `admin-${name}.png`);
}

/** Polls `f` until it returns a truthy value. */
export async function eventually(f, what, ms = 15_000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try { last = await f(); if (last) return last; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

/** Rounds half away from zero, like Rust's f64::round, and never prints -0. */
export function points(x) {
  const r = Math.sign(x) * Math.round(Math.abs(x));
  return r === 0 ? '0' : String(r);
}

/** NPS and its 95% adjusted-Wald interval (shared/reference/nps-statistics.md). */
export function npsOf(scores) {
  const n = scores.length;
  const P = scores.filter((s) => s >= 9).length;
  const D = scores.filter((s) => s <= 6).length;
  const nps = (100 * (P - D)) / n;
  const n2 = n + 3;
  const p2 = (P + 0.75) / n2;
  const d2 = (D + 0.75) / n2;
  const se = 100 * Math.sqrt((p2 + d2 - (p2 - d2) ** 2) / n2);
  const centre = 100 * (p2 - d2);
  const low = Math.max(-100, centre - 1.959964 * se);
  const high = Math.min(100, centre + 1.959964 * se);
  return { n, P, D, passives: n - P - D, nps, low, high };
}

export function headlineOf(scores) {
  const s = npsOf(scores);
  return `NPS ${points(s.nps)} (95% CI ${points(s.low)} to ${points(s.high)}), n = ${s.n}`;
}
