// The hosted survey page (/s/{token}) of a link campaign in real headless Chromium, with
// JavaScript off and on: answering with the mouse and with the keyboard only, the thank-you
// page, the stored answer, accessibility basics (labels, lang, focus order), a phone-sized
// viewport, and the clear page a reused link shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, admin, launch, screenshot } from './harness.mjs';

let collector, api, browser, survey;
/** email -> personal link */
const links = {};

const band = (d, p, pr) => ({ detractor: d, passive: p, promoter: pr });
const TEXTS = {
  en: {
    question: 'How likely are you to recommend Acme as a partner?',
    follow_up: band('What should we fix first?', 'What would make it a 10?', 'What do you like most?'),
    thank_you: band('Thank you, we will work on it.', 'Thank you for your feedback.', 'Thank you! Glad you like it.'),
    extra_questions: [], promoter_link: null,
  },
  de: {
    question: 'Wie wahrscheinlich empfehlen Sie Acme als Partner weiter?',
    follow_up: band('Was sollen wir zuerst verbessern?', 'Was würde daraus eine 10 machen?', 'Was gefällt Ihnen am besten?'),
    thank_you: band('Danke, wir arbeiten daran.', 'Danke für Ihr Feedback.', 'Danke! Schön, dass es Ihnen gefällt.'),
    extra_questions: [], promoter_link: null,
  },
};

before(async () => {
  collector = await startCollector();
  api = await admin(collector.url);
  const project = await api.post('/api/admin/projects', { name: 'Hosted pages', allowed_origins: ['*'] });
  survey = await api.post(`/api/admin/projects/${project.id}/surveys`, {
    name: 'Partner NPS', kind: 'partner', status: 'live',
    definition: { default_language: 'en', texts: TEXTS, appearance: { placement: 'bottom_right', theme: 'auto', brand_colour: '#4f46e5' } },
    rules: {},
  });
  const campaign = await api.post('/api/admin/campaigns', { survey_id: survey.id, name: 'Partners Q1', anonymity: 'identified' });
  const recipients = [
    { email: 'ann@p1.test', name: 'Ann', language: 'en', attributes: { partner: 'p1' } },
    { email: 'bert@p1.test', name: 'Bert', language: 'de', attributes: { partner: 'p1' } },
    { email: 'cleo@p2.test', name: 'Cleo', language: 'en', attributes: { partner: 'p2' } },
  ];
  await api.post(`/api/admin/campaigns/${campaign.id}/recipients`, { recipients });
  for (const l of await api.get(`/api/admin/campaigns/${campaign.id}/links`)) links[l.email] = l.url;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
});

async function open(url, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 }, ...options });
  const tab = await context.newPage();
  tab.on('pageerror', (e) => console.log('page error:', e.message));
  const response = await tab.goto(url);
  return { context, tab, response };
}

/** The stored answers of a recipient (identified campaign: user_id = recipient id). */
async function storedAnswers() {
  return api.get(`/api/admin/responses?survey_id=${survey.id}`);
}

/** What has the focus: tag, type, name and id. */
const focused = (tab) => tab.evaluate(() => {
  const a = document.activeElement;
  return a ? { tag: a.tagName.toLowerCase(), type: a.getAttribute('type'), name: a.getAttribute('name'), id: a.id, text: a.textContent.trim(), value: a.value } : null;
});

/** Every form control has an accessible name: radios inside their label, the comment box by `for`. */
async function checkLabels(tab) {
  const problems = await tab.evaluate(() => {
    const out = [];
    for (const input of document.querySelectorAll('input, textarea, select')) {
      const label = input.closest('label') || (input.id && document.querySelector(`label[for="${input.id}"]`));
      if (!label || !label.textContent.trim()) out.push(`${input.tagName} ${input.name} has no label`);
    }
    if (!document.querySelector('fieldset > legend')?.textContent.trim()) out.push('the scale has no legend');
    for (const b of document.querySelectorAll('button')) if (!b.textContent.trim()) out.push('a button has no text');
    return out;
  });
  assert.deepEqual(problems, []);
  assert.equal(await tab.getByRole('radio').count(), 11);
  for (const n of ['0', '5', '10']) assert.equal(await tab.getByRole('radio', { name: n, exact: true }).count(), 1, `radio ${n} by its label`);
}

test('JavaScript off: the plain form answers with the mouse, stores the answer and thanks', async () => {
  const { context, tab, response } = await open(links['ann@p1.test'], { javaScriptEnabled: false });
  assert.equal(response.status(), 200);
  assert.equal(await tab.evaluate(() => document.documentElement.lang), 'en');
  assert.equal(await tab.locator('script').count(), 0, 'the page needs no script');
  await checkLabels(tab);
  await tab.getByRole('radio', { name: '7', exact: true }).check();
  await tab.getByLabel(TEXTS.en.follow_up.passive).fill('More regional events, please.');
  await tab.getByRole('button', { name: 'Send' }).click();
  await tab.getByRole('heading', { name: TEXTS.en.thank_you.passive }).waitFor();
  assert.equal(await tab.evaluate(() => document.documentElement.lang), 'en');
  const stored = (await storedAnswers()).filter((r) => r.attributes.partner === 'p1' && r.score === 7);
  assert.equal(stored.length, 1);
  assert.equal(stored[0].comment, 'More regional events, please.');
  assert.equal(stored[0].attributes.wave, 1);
  await context.close();
});

test('JavaScript on, keyboard only, in German: focus order scale, comment, send', async () => {
  const { context, tab, response } = await open(links['bert@p1.test'], { javaScriptEnabled: true, locale: 'de-DE' });
  assert.equal(response.status(), 200);
  assert.equal(await tab.evaluate(() => document.documentElement.lang), 'de');
  await checkLabels(tab);
  assert.ok(await tab.getByRole('heading', { name: TEXTS.de.question }).isVisible());
  // Tab into the scale: the first radio; arrows move (and select) within the group.
  await tab.keyboard.press('Tab');
  assert.deepEqual(await focused(tab).then((f) => [f.tag, f.type, f.value]), ['input', 'radio', '0']);
  for (let i = 0; i < 9; i++) await tab.keyboard.press('ArrowRight');
  assert.equal((await focused(tab)).value, '9');
  assert.ok(await tab.getByRole('radio', { name: '9', exact: true }).isChecked());
  await tab.keyboard.press('Tab');
  assert.equal((await focused(tab)).id, 'comment', 'after the scale: the comment box');
  await tab.keyboard.type('Schnelle Antworten vom Support.');
  await tab.keyboard.press('Tab');
  const send = await focused(tab);
  assert.deepEqual([send.tag, send.text], ['button', 'Senden'], 'then the send button');
  await tab.keyboard.press('Enter');
  await tab.getByRole('heading', { name: TEXTS.de.thank_you.promoter }).waitFor();
  assert.equal(await tab.evaluate(() => document.documentElement.lang), 'de');
  const stored = (await storedAnswers()).filter((r) => r.score === 9);
  assert.equal(stored.length, 1);
  assert.equal(stored[0].comment, 'Schnelle Antworten vom Support.');
  assert.equal(stored[0].language, 'de');
  await context.close();
});

test('a phone-sized viewport: no sideways scrolling, large touch targets, tap to answer', async () => {
  const { context, tab } = await open(links['cleo@p2.test'], { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const layout = await tab.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    labels: [...document.querySelectorAll('.scale label')].map((l) => l.getBoundingClientRect()),
    viewport: document.querySelector('meta[name=viewport]')?.content,
  }));
  assert.ok(layout.overflow <= 0, `the page scrolls sideways by ${layout.overflow}px`);
  assert.match(layout.viewport, /width=device-width/);
  for (const r of layout.labels) {
    assert.ok(r.height >= 44 && r.width >= 40, `a score is too small to tap: ${r.width}x${r.height}`);
    assert.ok(r.right <= 360, 'a score is off screen');
  }
  await screenshot(tab, 'hosted-mobile');
  await tab.getByRole('radio', { name: '10', exact: true }).tap();
  await tab.getByRole('button', { name: 'Send' }).tap();
  await tab.getByRole('heading', { name: TEXTS.en.thank_you.promoter }).waitFor();
  assert.equal((await storedAnswers()).filter((r) => r.attributes.partner === 'p2' && r.score === 10).length, 1);
  await context.close();
});

test('a reused link shows a clear page, with JavaScript off and on', async () => {
  for (const javaScriptEnabled of [false, true]) {
    const { context, tab, response } = await open(links['ann@p1.test'], { javaScriptEnabled });
    assert.equal(response.status(), 409);
    assert.ok(await tab.getByRole('heading', { name: 'You have already answered this survey. Thank you!' }).isVisible());
    assert.equal(await tab.getByRole('radio').count(), 0, 'no form to answer again');
    assert.equal(await tab.evaluate(() => document.documentElement.lang), 'en');
    await context.close();
  }
  assert.equal((await storedAnswers()).length, 3, 'one answer per link');
});
