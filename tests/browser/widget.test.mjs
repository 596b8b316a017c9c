// The widget in real headless Chromium, on a host page served from another origin than the
// real collector it talks to.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { startWidgetWorld, launch, hostQuery, eventually, screenshot, preIdentify, DIST } from './harness.mjs';

let collector, api, host, browser, survey, key, project;

before(async () => {
  ({ collector, api, host, project, survey, key } = await startWidgetWorld());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await collector?.stop();
});

async function openHost(opts, page = 'index.html') {
  await preIdentify(collector.url, api, key, survey, opts.user);
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const tab = await context.newPage();
  tab.on('pageerror', (e) => console.log('page error:', e.message));
  tab.on('console', (m) => { if (m.type() === 'warning' || m.type() === 'error') console.log(`console.${m.type()}:`, m.text()); });
  // Why a survey did or did not show, for whoever reads a failing run.
  tab.on('response', async (r) => { if (r.url().endsWith('/decide')) console.log(`decide for ${opts.user}:`, await r.text().catch(() => '?')); });
  await tab.goto(`${host.origin}/${page}${hostQuery(opts)}`);
  return { context, tab };
}

const dialog = (tab) => tab.locator('nps-survey [role=dialog]');
const responsesOf = (user) => api.get(`/api/admin/responses?survey_id=${survey.id}`).then((rows) => rows.filter((r) => r.user_id === user));
/** The element focused inside the widget's shadow root (document.activeElement is the host). */
const focused = (tab) => tab.evaluate(() => {
  const a = document.activeElement;
  const inner = a && a.shadowRoot ? a.shadowRoot.activeElement : a;
  return inner ? { tag: inner.tagName.toLowerCase(), text: inner.textContent.trim(), role: inner.getAttribute('role'), id: inner.id } : null;
});

// The size budgets of issue #4, gzipped; going over fails the run. (`enforced: false` would
// mark a budget not met yet, printed as OVER BUDGET instead: none is, see widget/README.md.)
const BUDGETS = {
  loader: { bytes: 2 * 1024, enforced: true },
  noSurvey: { bytes: 20 * 1024, enforced: true },
  renderer: { bytes: 60 * 1024, enforced: true },
};
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const manifest = () => JSON.parse(readFileSync(join(DIST, 'manifest.json'), 'utf8'));

function budget(name, what, bytes) {
  const b = BUDGETS[name];
  const verdict = bytes <= b.bytes ? 'within budget' : b.enforced ? 'OVER BUDGET' : 'OVER BUDGET (not enforced yet)';
  console.log(`size ${what}: ${bytes} B gzip (${(bytes / 1024).toFixed(1)} KiB), budget ${b.bytes / 1024} KiB: ${verdict}`);
  if (b.enforced) assert.ok(bytes <= b.bytes, `${what}: ${bytes} B gzip is over the ${b.bytes} B budget`);
}

test('size budget: loader and renderer files (gzip)', () => {
  const m = manifest();
  const file = (f) => readFileSync(join(DIST, f));
  const wasm = gz(file(m.wasm)), glue = gz(file(m.glue));
  console.log(`widget files: loader ${gz(file('nps.js'))} B gzip, decider ${gz(file(m.decider))} B gzip, renderer wasm ${statSync(join(DIST, m.wasm)).size} B raw / ${wasm} B gzip + glue ${glue} B gzip`);
  budget('loader', 'loader (nps.js)', gz(file('nps.js')));
  budget('renderer', 'renderer (wasm + glue)', wasm + glue);
});

test('size budget: a page where no survey is due transfers little and never the renderer', async () => {
  const user = 'no-survey-user';
  await preIdentify(collector.url, api, key, survey, user);
  const context = await browser.newContext();
  const tab = await context.newPage();
  const origin = new URL(collector.url).origin;
  const seen = [];
  tab.on('requestfinished', async (r) => {
    if (!r.url().startsWith(origin)) return;
    const res = await r.response();
    const body = await res.body().catch(() => Buffer.alloc(0));
    seen.push({ url: r.url(), wire: (await r.sizes()).responseBodySize, gzip: gz(body), sent: r.postDataBuffer()?.length || 0, encoding: res.headers()['content-encoding'] });
  });
  // Identified, and an event no survey triggers on: the widget boots, identifies, reads the
  // configuration, evaluates the triggers and stops there.
  await tab.goto(`${host.origin}/index.html${hostQuery({ user, track: 'nothing_due_here' })}`);
  await eventually(() => seen.some((s) => s.url.endsWith('/identify')) && seen.some((s) => s.url.endsWith('/config')), 'identify and config');
  await tab.waitForTimeout(1500); // anything the widget would still fetch
  const m = manifest();
  for (const s of seen) console.log(`  ${s.url.replace(origin, '')}: ${s.wire} B on the wire (${s.encoding || 'identity'}), ${s.gzip} B gzip, ${s.sent} B sent`);
  for (const s of seen.filter((s) => s.url.includes('/widget/'))) assert.equal(s.encoding, 'br', `${s.url} is served brotli-compressed`);
  assert.ok(!seen.some((s) => s.url.includes(m.wasm) || s.url.includes(m.glue)), 'the renderer is not fetched');
  assert.equal(await tab.locator('nps-survey').count(), 0, 'no card');
  budget('noSurvey', `page with no survey due (${seen.length} responses)`, seen.reduce((n, s) => n + s.gzip, 0));
  await context.close();
});

test('end to end: identify, track, answer with the keyboard only, stored with the attributes', async () => {
  const user = 'e2e-user';
  const { context, tab } = await openHost({ user });
  await dialog(tab).waitFor({ timeout: 20_000 });
  await screenshot(tab, 'e2e-shown');
  assert.equal((await focused(tab)).role, 'radio', 'focus moves into the scale when shown');
  // 0 -> 9 with the arrow keys, then Enter.
  for (let i = 0; i < 9; i++) await tab.keyboard.press('ArrowRight');
  assert.equal((await focused(tab)).text, '9');
  await tab.keyboard.press('Enter');
  // Follow-up: the comment box has the focus.
  await eventually(async () => (await focused(tab))?.tag === 'textarea', 'focus in the comment box');
  await tab.keyboard.type('Setup was quick.');
  // Tab to the rating, pick 4 with the arrows, then Tab to Send.
  await tab.keyboard.press('Tab');
  await tab.keyboard.press('Space');
  for (let i = 0; i < 3; i++) await tab.keyboard.press('ArrowRight');
  await tab.keyboard.press('Tab');
  assert.equal((await focused(tab)).text, 'Send');
  await screenshot(tab, 'e2e-follow-up');
  await tab.keyboard.press('Enter');
  await tab.locator('nps-survey .q', { hasText: 'Thank you! Glad you like it.' }).waitFor();
  await screenshot(tab, 'e2e-thanks');

  const row = await eventually(async () => (await responsesOf(user)).find((r) => r.comment), 'the completed response');
  assert.equal(row.score, 9);
  assert.equal(row.band, 'promoter');
  assert.equal(row.comment, 'Setup was quick.');
  assert.equal(row.extra_answers.value, 4);
  assert.equal(row.attributes.plan, 'pro');
  assert.equal(row.trigger, 'event:onboarding_completed');
  assert.equal(row.language, 'en');
  const events = await tab.evaluate(() => window.events.map((e) => e[0]));
  assert.deepEqual(events.slice(0, 2), ['shown', 'answered']);
  await context.close();
});

test('offline: the answer is kept and delivered exactly once after a reload', async () => {
  const user = 'offline-user';
  const { context, tab } = await openHost({ user });
  await dialog(tab).waitFor({ timeout: 20_000 });
  const collectorOrigin = new URL(collector.url).origin;
  await tab.route(`${collectorOrigin}/**`, (route) => route.abort('internetdisconnected'));
  await tab.locator('nps-survey [role=radio]', { hasText: /^3$/ }).click();
  await tab.locator('nps-survey textarea').fill('Too slow on my phone.');
  await tab.locator('nps-survey button[type=submit]').click();
  const queued = () => tab.evaluate((k) => JSON.parse(localStorage.getItem(`nps:outbox:${k}`) || '[]').map((i) => i.path), key);
  await eventually(async () => (await queued()).length === 2, 'two queued writes');
  assert.deepEqual((await responsesOf(user)).length, 0, 'nothing reached the collector');
  await screenshot(tab, 'offline-thanks');

  await tab.unroute(`${collectorOrigin}/**`);
  const writes = [];
  tab.on('request', (r) => { if (r.method() === 'POST' && /\/responses/.test(r.url())) writes.push(r.url()); });
  await tab.reload();
  await eventually(async () => (await queued()).length === 0, 'the outbox to drain');
  const rows = await eventually(async () => { const r = await responsesOf(user); return r.length && r[0].comment ? r : null; }, 'the delivered response');
  assert.equal(rows.length, 1);
  assert.equal(rows[0].score, 3);
  assert.equal(rows[0].comment, 'Too slow on my phone.');
  assert.equal(writes.length, 2, `one score and one completion were sent: ${writes.join(', ')}`);
  await context.close();
});

test('isolation: hostile host CSS does not break the widget, the widget does not restyle the host', async () => {
  const user = 'hostile-user';
  const { context, tab } = await openHost({ user }, 'hostile.html');
  await dialog(tab).waitFor({ timeout: 20_000 });
  await screenshot(tab, 'isolation-hostile');
  const radio = tab.locator('nps-survey [role=radio]', { hasText: /^10$/ });
  const box = await radio.boundingBox();
  assert.ok(box && box.width >= 20 && box.height >= 24, `radios are visible and tappable: ${JSON.stringify(box)}`);
  const card = await tab.evaluate(() => {
    const c = getComputedStyle(document.querySelector('nps-survey').shadowRoot.querySelector('.card'));
    return { fontSize: c.fontSize, display: c.display, color: c.color, position: c.position };
  });
  assert.equal(card.fontSize, '15px');
  assert.equal(card.position, 'fixed');
  assert.notEqual(card.color, 'rgb(255, 0, 0)');
  const diff = await tab.evaluate(() => {
    const now = window.snapshot(), out = [];
    for (const sel of Object.keys(now)) for (const k of Object.keys(now[sel])) {
      if (now[sel][k] !== window.before[sel][k]) out.push(`${sel} ${k}: ${window.before[sel][k]} -> ${now[sel][k]}`);
    }
    return out;
  });
  assert.deepEqual(diff, [], 'host computed styles unchanged');
  assert.equal(await tab.evaluate(() => document.styleSheets.length), 1, 'no stylesheet added to the host document');
  await radio.click();
  await tab.locator('nps-survey textarea').waitFor();
  await screenshot(tab, 'isolation-follow-up');
  await eventually(async () => (await responsesOf(user)).length === 1, 'the response');
  await context.close();
});

test('isolation: on a host page that transforms and clips its body, the card stays whole and in place', async () => {
  const user = 'layout-user';
  const { context, tab } = await openHost({ user }, 'hostile-layout.html');
  await dialog(tab).waitFor({ timeout: 20_000 });
  // Where the card is once its entry animation (a 12 px slide) is over.
  const place = () => tab.evaluate(async () => {
    const card = document.querySelector('nps-survey').shadowRoot.querySelector('.card');
    await Promise.all(card.getAnimations().map((a) => a.finished));
    const r = card.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: innerWidth, height: innerHeight };
  });
  let r = await place();
  assert.ok(r.top >= 0 && r.bottom <= r.height && r.left >= 0 && r.right <= r.width, `the card is within the viewport: ${JSON.stringify(r)}`);
  assert.ok(Math.abs(r.height - 16 - r.bottom) < 2 && Math.abs(r.width - 16 - r.right) < 2, `at the bottom right, 16 px in: ${JSON.stringify(r)}`);
  assert.ok(await tab.evaluate(() => document.querySelector('nps-survey').matches(':popover-open')), 'the card is in the top layer');
  await tab.locator('nps-survey [role=radio]', { hasText: /^3$/ }).click();
  await tab.locator('nps-survey textarea').waitFor();
  r = await place();
  assert.ok(r.top >= 0 && r.bottom <= r.height, `after the score the card is still whole: ${JSON.stringify(r)}`);
  await screenshot(tab, 'isolation-transformed-body');
  await eventually(async () => (await responsesOf(user)).length === 1, 'the response');
  await context.close();
});

test('accessibility: radiogroup, labels, roving focus, focus in and back, Esc declines', async () => {
  const user = 'a11y-user';
  const { context, tab } = await openHost({ user, track: '' });
  await tab.focus('#focus-me');
  await tab.evaluate(() => nps('track', 'onboarding_completed'));
  await dialog(tab).waitFor({ timeout: 20_000 });
  const info = await tab.evaluate(() => {
    const root = document.querySelector('nps-survey').shadowRoot;
    const group = root.querySelector('[role=radiogroup]');
    const radios = [...group.querySelectorAll('[role=radio]')];
    const text = (id) => root.getElementById(id)?.textContent;
    return {
      dialogLabel: text(root.querySelector('[role=dialog]').getAttribute('aria-labelledby')),
      groupLabel: text(group.getAttribute('aria-labelledby')),
      count: radios.length,
      checked: radios.map((r) => r.getAttribute('aria-checked')),
      tabbable: radios.filter((r) => r.tabIndex === 0).map((r) => r.textContent),
      low: text(radios[0].getAttribute('aria-describedby')),
      high: text(radios[10].getAttribute('aria-describedby')),
    };
  });
  assert.match(info.groupLabel, /How likely are you to recommend Acme/);
  assert.equal(info.dialogLabel, info.groupLabel);
  assert.equal(info.count, 11);
  assert.ok(info.checked.every((c) => c === 'false'));
  assert.deepEqual(info.tabbable, ['0'], 'roving tabindex: one tab stop');
  assert.equal(info.low, 'Not at all likely');
  assert.equal(info.high, 'Extremely likely');
  assert.equal((await focused(tab)).text, '0', 'focus moved into the dialog');
  await tab.keyboard.press('End');
  assert.equal((await focused(tab)).text, '10');
  await tab.keyboard.press('ArrowRight');
  assert.equal((await focused(tab)).text, '0', 'arrows wrap');
  await tab.keyboard.press('ArrowLeft');
  assert.equal((await focused(tab)).text, '10');
  await tab.keyboard.press('Home');
  assert.equal((await focused(tab)).text, '0');
  await screenshot(tab, 'a11y-shown');
  await tab.keyboard.press('Escape');
  await dialog(tab).waitFor({ state: 'detached' });
  assert.equal(await tab.evaluate(() => document.activeElement.id), 'focus-me', 'focus returned to the host');
  const events = await tab.evaluate(() => window.events);
  assert.deepEqual(events.at(-1), ['closed', { surveyId: survey.id, reason: 'decline' }]);
  const explained = await eventually(async () => {
    const e = await api.get(`/api/admin/explain?survey_id=${survey.id}&user_id=${user}`);
    return e.blocking.some((d) => d.rule === 'after_decline') ? e : null;
  }, 'the decline to be stored');
  assert.ok(explained);
  await context.close();
});

test('RTL: an Arabic user gets a right-to-left dialog in Arabic', async () => {
  const user = 'rtl-user';
  const { context, tab } = await openHost({ user, lang: 'ar' });
  await dialog(tab).waitFor({ timeout: 20_000 });
  assert.equal(await dialog(tab).getAttribute('dir'), 'rtl');
  assert.equal(await dialog(tab).getAttribute('lang'), 'ar');
  assert.match(await tab.locator('nps-survey .q').textContent(), /Acme/);
  assert.equal(await tab.locator('nps-survey #nps-low').textContent(), 'غير محتمل على الإطلاق');
  // In RTL, ArrowLeft moves towards the higher scores (they are on the left).
  await tab.keyboard.press('ArrowLeft');
  assert.equal((await focused(tab)).text, '1');
  await screenshot(tab, 'rtl-ar');
  await context.close();
});

test('opt-out: "Don\'t ask me again" is honoured by the collector for every survey', async () => {
  const user = 'opt-out-user';
  const { context, tab } = await openHost({ user });
  await dialog(tab).waitFor({ timeout: 20_000 });
  await tab.locator('nps-survey button', { hasText: "Don't ask me again" }).click();
  await dialog(tab).waitFor({ state: 'detached' });
  const events = await tab.evaluate(() => window.events);
  assert.deepEqual(events.at(-1), ['closed', { surveyId: survey.id, reason: 'opt_out' }]);
  const explained = await eventually(async () => {
    const e = await api.get(`/api/admin/explain?survey_id=${survey.id}&user_id=${user}`);
    return e.decision.rule === 'opted_out' ? e : null;
  }, 'the opt-out to be stored');
  assert.ok(explained);
  await context.close();
});

test('focus trap: Tab and Shift+Tab stay inside the centre modal', async () => {
  // A second survey of the same project, shown as a centre modal on its own event.
  const band = (d, p, pr) => ({ detractor: d, passive: p, promoter: pr });
  const modal = await api.post(`/api/admin/projects/${project.id}/surveys`, {
    name: 'Modal tNPS', kind: 'tnps', status: 'live',
    definition: {
      default_language: 'en',
      texts: { en: {
        question: 'How likely are you to recommend the modal?', follow_up: band('Why?', 'Why?', 'Why?'),
        thank_you: band('Thanks.', 'Thanks.', 'Thanks.'), extra_questions: [], promoter_link: null,
      } },
      appearance: { placement: 'centre', theme: 'light', brand_colour: '#0f766e' },
    },
    rules: { triggers: [{ type: 'event', name: 'modal_opened' }] },
  });
  const user = 'modal-user';
  const { context, tab } = await openHost({ user, track: 'modal_opened' });
  await dialog(tab).waitFor({ timeout: 20_000 });
  assert.equal(await dialog(tab).getAttribute('aria-modal'), 'true');
  assert.equal((await focused(tab)).role, 'radio', 'focus starts in the scale');
  const inside = () => tab.evaluate(() => document.activeElement?.tagName === 'NPS-SURVEY');
  const label = async () => { const f = await focused(tab); return f.role === 'radio' ? 'radio' : f.text; };
  // Score step, in order: close, the scale (one stop), "Ask me later", "Don't ask me again".
  await tab.keyboard.press('Shift+Tab');
  assert.equal(await label(), '×');
  await tab.keyboard.press('Shift+Tab');
  assert.equal(await label(), "Don't ask me again", 'Shift+Tab from the first stop wraps to the last');
  await tab.keyboard.press('Tab');
  assert.equal(await label(), '×', 'Tab from the last stop wraps to the first');
  const forward = [];
  for (let i = 0; i < 8; i++) {
    await tab.keyboard.press('Tab');
    assert.ok(await inside(), 'the focus never leaves the dialog');
    forward.push(await label());
  }
  assert.deepEqual(forward, ['radio', 'Ask me later', "Don't ask me again", '×', 'radio', 'Ask me later', "Don't ask me again", '×']);
  await screenshot(tab, 'modal-focus-trap');
  // Follow-up step: from the comment box, Send is the last stop and wraps to close.
  await tab.keyboard.press('Tab');
  await tab.keyboard.press('Enter');
  await eventually(async () => (await focused(tab))?.tag === 'textarea', 'focus in the comment box');
  await tab.keyboard.press('Tab');
  assert.equal(await label(), 'Send');
  await tab.keyboard.press('Tab');
  assert.equal(await label(), '×');
  await tab.keyboard.press('Shift+Tab');
  assert.equal(await label(), 'Send');
  assert.ok(await inside());
  await tab.keyboard.press('Escape');
  await dialog(tab).waitFor({ state: 'detached' });
  const events = await tab.evaluate(() => window.events);
  assert.deepEqual(events.at(-1), ['closed', { surveyId: modal.id, reason: 'dismissed' }]);
  await context.close();
});
