// Helpers of the admin app's browser test: the real collector binary on a fresh data dir,
// headless Chromium, the NPS arithmetic the report must show (computed independently here).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { before, after } from 'node:test';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, DIST, OWNER, startCollector, launch } from '../harness.mjs';

// The collector, the browser, polling and the client API are the same as for the widget's tests.
export { startCollector, launch, eventually, clientPost, drained, OWNER, DIST, ARTIFACTS } from '../harness.mjs';

/** A live survey answered through links (employee or partner NPS): no triggers, English only. */
export async function createLinkSurvey(api, projectId, { name, kind, question }) {
  const band = (d, p, pr) => ({ detractor: d, passive: p, promoter: pr });
  return api.post(`/api/admin/projects/${projectId}/surveys`, {
    name,
    kind,
    status: 'live',
    definition: {
      default_language: 'en',
      texts: {
        en: {
          question,
          follow_up: band('What should change first?', 'What would make it a 10?', 'What do you value most?'),
          thank_you: band('Thank you.', 'Thank you.', 'Thank you!'),
          extra_questions: [],
          promoter_link: null,
        },
      },
      appearance: { placement: 'centre', theme: 'auto', brand_colour: '#0f766e' },
    },
    rules: { triggers: [] },
  });
}

export function screenshotPath(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, `admin-${name}.png`);
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

/** A segment against the rest, as the collector compares them (adjusted NPS, two-sided z test). */
export function compareOf(a, b) {
  const adj = (scores) => {
    const n = scores.length + 3;
    const p = (scores.filter((s) => s >= 9).length + 0.75) / n;
    const d = (scores.filter((s) => s <= 6).length + 0.75) / n;
    return { n, centre: p - d, variance: p + d - (p - d) ** 2 };
  };
  const x = adj(a);
  const y = adj(b);
  const difference = 100 * (x.centre - y.centre);
  const se = 100 * Math.sqrt(x.variance / x.n + y.variance / y.n);
  return { difference, significant: Math.abs(difference / se) > 1.959964 };
}

/** Signs in through the app's own form (the owner must exist). */
export async function signIn(page, url, email, password) {
  await page.goto(`${url}/admin`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
}

/**
 * A page of its own browser context (1360 x 900 unless `contextOptions` say otherwise), signed
 * in through the form as `who` (the owner unless told): the page, its context, the problems
 * `watchProblems` collects and the URLs answered 403, both watched from before the sign-in.
 */
export async function signedInPage(suite, { who = OWNER, ...contextOptions } = {}) {
  const context = await suite.browser.newContext({ viewport: { width: 1360, height: 900 }, ...contextOptions });
  const page = await context.newPage();
  const problems = watchProblems(page);
  const forbidden = [];
  page.on('response', (r) => { if (r.status() === 403) forbidden.push(r.url()); });
  await signIn(page, suite.collector.url, who.email, who.password);
  return { context, page, problems, forbidden };
}

/** Types `value` into a form field and leaves it, as a person does (the app validates on blur). */
export async function enter(field, value) {
  await field.fill(value);
  await field.blur();
}

/** Collects page errors and console errors other than Chromium's "Failed to load resource". */
export function watchProblems(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`); });
  return problems;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * The WCAG 2.1 AA violations axe-core finds on the page as it is now, one line each (rule, how
 * many elements, the first few selectors); empty when it passes. axe is evaluated through the
 * DevTools protocol, so the admin's CSP (no inline script) stays on.
 */
export async function accessibilityViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const results = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return results.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.length} element(s), e.g. ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  }, WCAG_21_AA);
  return violations;
}

/** A full-page screenshot for admin/README.md, and the screen as shown passes axe-core's WCAG 2.1 AA rules. */
export async function capture(page, name) {
  await page.screenshot({ path: screenshotPath(name), fullPage: true });
  assert.deepEqual(await accessibilityViolations(page), [], `admin-${name}: WCAG 2.1 AA`);
}

/**
 * The set-up of an admin suite: the built app is there, one fresh collector (started with
 * `env`) and one browser for the whole file. Their handles are on the returned object once
 * the suite's `before` has run (`await suite.ready` in a suite's own `before`); `after` stops both.
 */
export function adminSuite(env = {}) {
  // `env`: the collector's settings, or a function giving them (once what they name is up).
  let started;
  // A suite's own `before` awaits this: the runner does not wait for one root hook to end
  // before starting the next.
  const ready = new Promise((resolve) => { started = resolve; });
  const suite = { collector: undefined, browser: undefined, ready };
  before(async () => {
    assert.ok(existsSync(join(DIST, 'admin/index.html')), `${DIST}/admin is not built: run cargo xtask build-admin first`);
    suite.collector = await startCollector(typeof env === 'function' ? await env() : env);
    suite.browser = await launch();
    started();
  });
  after(async () => {
    await suite.browser?.close();
    await suite.collector?.stop();
  });
  return suite;
}
