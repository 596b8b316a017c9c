// Shared set-up for the browser tests: the real collector binary, an owner session on its admin
// API, a host page on another origin, and headless Chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, mkdirSync, rmSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
export const DIST = process.env.NPS_WIDGET_DIST || join(root, 'widget/dist');
export const ARTIFACTS = process.env.NPS_ARTIFACTS_DIR || join(root, 'tests/artifacts');
const BIN = process.env.NPS_COLLECTOR_BIN || join(root, 'target/debug/nps-collector');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DAY = 86_400_000;

export async function startCollector(extraEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'nps-browser-'));
  const log = createWriteStream(join(dir, 'collector.log'));
  const child = spawn(BIN, [], {
    env: {
      ...process.env,
      NPS_DATA_DIR: dir,
      NPS_DATABASE_URL: `sqlite://${dir}/nps.sqlite`,
      NPS_HTTP__PORT: '0',
      NPS_ASSETS_DIR: DIST,
      NPS_AUTH__SERVER_SECRET: 'browser-test-server-secret-0123456789abcdef',
      NPS_LIMITS__PER_IP_RPS: '1000000',
      NPS_LIMITS__PER_IP_BURST: '1000000',
      NPS_LIMITS__PER_PROJECT_RPS: '1000000',
      NPS_LIMITS__PER_PROJECT_BURST: '1000000',
      RUST_LOG: 'info,sqlx=warn',
      ...extraEnv,
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
    async stop() { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r).once('error', r)); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** The first owner every suite's collector gets (`admin` creates them). */
export const OWNER = { email: 'owner@example.com', password: 'correct horse battery staple' };

/** A signed-in owner on the admin API (cookie + CSRF header). */
export async function admin(collector) {
  const post = (path, body, headers = {}) => fetch(collector + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const boot = await post('/api/admin/bootstrap', OWNER);
  if (![201, 409].includes(boot.status)) throw new Error(`bootstrap: ${boot.status} ${await boot.text()}`);
  const signIn = await post('/api/admin/session', OWNER);
  if (signIn.status !== 200) throw new Error(`sign in: ${signIn.status} ${await signIn.text()}`);
  const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrf_token } = await signIn.json();
  const headers = { cookie, 'x-csrf-token': csrf_token, 'content-type': 'application/json' };
  async function call(method, path, body) {
    const r = await fetch(collector + path, { method, headers, body: body && JSON.stringify(body) });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
  return { get: (p) => call('GET', p), post: (p, b) => call('POST', p, b), put: (p, b) => call('PUT', p, b) };
}

/** POSTs JSON to the collector's client API as the widget would; its JSON answer (null if none), or a throw unless 2xx. */
export async function clientPost(collector, path, body) {
  const r = await fetch(collector + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`POST ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Waits until the collector's spool is empty: every acknowledged write is in the database. */
export async function drained(collector) {
  await eventually(async () => (await (await fetch(`${collector}/readyz`)).json()).spool_depth === 0, 'the spool to drain');
}

export const EVENT = 'onboarding_completed';

/** A project whose widget may run on `hostOrigin`, with a live tNPS survey on EVENT. */
export async function createProject(api, hostOrigin) {
  const project = await api.post('/api/admin/projects', { name: 'Browser tests', allowed_origins: [hostOrigin] });
  const band = (d, p, pr) => ({ detractor: d, passive: p, promoter: pr });
  const survey = await api.post(`/api/admin/projects/${project.id}/surveys`, {
    name: 'Onboarding tNPS',
    kind: 'tnps',
    status: 'live',
    definition: {
      default_language: 'en',
      texts: {
        en: {
          question: 'How likely are you to recommend Acme to a friend or colleague?',
          follow_up: band('What should we fix first?', 'What would make it a 10?', 'What do you like most?'),
          thank_you: band('Thank you, we will work on it.', 'Thank you for your feedback.', 'Thank you! Glad you like it.'),
          extra_questions: [{ id: 'value', text: 'How do you rate the value for money?', kind: 'rating' }],
          promoter_link: null,
        },
        ar: {
          question: 'ما مدى احتمال أن توصي بـ Acme لصديق أو زميل؟',
          follow_up: band('ما الذي يجب أن نصلحه أولاً؟', 'ما الذي يجعلها 10؟', 'ما الذي يعجبك أكثر؟'),
          thank_you: band('شكرًا لك.', 'شكرًا لملاحظاتك.', 'شكرًا لك!'),
          extra_questions: [],
          promoter_link: null,
        },
      },
      appearance: { placement: 'bottom_right', theme: 'auto', brand_colour: '#0f766e' },
    },
    rules: { triggers: [{ type: 'event', name: EVENT }] },
  });
  return { project, survey };
}

/**
 * What the widget's suites run against: a collector, its owner's API, a host page server on
 * another origin, and a project allowed there with EVENT's survey. The host's port is only known
 * once it listens, so the pages read the project key at serve time. Stops what it started if a
 * later step fails.
 */
export async function startWidgetWorld() {
  const collector = await startCollector();
  let host;
  try {
    const api = await admin(collector.url);
    const vars = { COLLECTOR: collector.url, KEY: '' };
    host = await startHost(vars);
    const { project, survey } = await createProject(api, host.origin);
    vars.KEY = project.public_key;
    return { collector, api, host, project, survey, key: vars.KEY };
  } catch (e) {
    await host?.stop();
    await collector.stop();
    throw e;
  }
}

/**
 * Serves tests/browser/host/*.html on its own port (= another origin than the collector), with
 * host/NAME.part.html in place of each `{{include:NAME}}` (a part's name has a dot too many to
 * be served as a page).
 */
export async function startHost(vars) {
  const server = createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname.slice(1) || 'index.html';
    if (!/^[a-z-]+\.html$/.test(name)) { res.writeHead(404).end(); return; }
    let html;
    try { html = readFileSync(join(here, 'host', name), 'utf8'); } catch { res.writeHead(404).end(); return; }
    // What every page has alike (the snippet, the host's own content) is written once.
    html = html.replace(/{{include:([a-z-]+)}}/g, (_, part) => readFileSync(join(here, 'host', `${part}.part.html`), 'utf8'));
    for (const [k, v] of Object.entries(vars)) html = html.replaceAll(`{{${k}}}`, v);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, server, stop: () => new Promise((r) => server.close(r)) };
}

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** The query string a host page reads: who to identify and what to track. */
export function hostQuery({ user, lang, track = EVENT }) {
  const created = Date.now() - 60 * DAY; // past the default 30-day first-survey delay
  return `?user=${encodeURIComponent(user)}&created=${created}&track=${encodeURIComponent(track)}${lang ? `&lang=${lang}` : ''}`;
}

/**
 * Identifies `user` (signed up 60 days ago) through the client API and waits until the
 * collector's eligibility sees it. Works around a collector race: `identify` is acknowledged
 * once spooled, but `decide` reads the SQL store, so a decide right after it can find a
 * "new" user and answer `first_survey_delay`. The page identifies the same user again.
 */
export async function preIdentify(collector, api, key, survey, user) {
  const r = await fetch(`${collector}/v1/p/${key}/identify`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: user, created_at: Date.now() - 60 * DAY, attributes: { plan: 'pro', seats: 12 } }),
  });
  if (r.status !== 200) throw new Error(`identify: ${r.status} ${await r.text()}`);
  await eventually(async () => {
    const e = await api.get(`/api/admin/explain?survey_id=${survey.id}&user_id=${encodeURIComponent(user)}`);
    return e.decision.rule !== 'first_survey_delay';
  }, `the collector to know ${user}`);
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

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.waitForTimeout(300); // let the card's entry animation finish
  return page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}
