// The admin app in a real browser against the real collector: first owner, sign-in, a project
// and its install snippet, a survey edited with validation and the live preview, published,
// answered through the client API, then the report (NPS, interval, n checked against values
// computed here) and the responses with their CSV and XLSX exports. Screenshots of every screen go to
// tests/artifacts/admin-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OWNER, adminSuite, capture, clientPost, drained, enter, eventually, npsOf, headlineOf, points, watchProblems } from './admin/helpers.mjs';

const EVENT = 'report_exported';
// 7 promoters, 2 passives, 3 detractors: NPS 33.3.
const SCORES = [10, 10, 9, 9, 9, 10, 9, 8, 7, 6, 3, 0];

const suite = adminSuite();

test('admin: first owner, project, survey with preview, publish, report and responses', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1360, height: 1000 } });
  const page = await context.newPage();
  // Chromium logs every 4xx answer as "Failed to load resource" (the 401 of the first session
  // check, the expected 401 of the failed sign-in); anything else is a bug.
  const problems = watchProblems(page);
  page.on('dialog', (d) => d.accept());

  // 1. Sign-in fails (nobody exists yet), the first-run offer creates the owner and signs in.
  await page.goto(`${suite.collector.url}/admin`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('E-mail').fill(OWNER.email);
  await page.getByLabel('Password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('wrong e-mail or password').waitFor();
  await page.getByRole('button', { name: 'Create the first owner' }).waitFor();
  await capture(page, 'sign-in');
  await page.getByRole('button', { name: 'Create the first owner' }).click();
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();

  // 2. A project: key, identity secret (rotated), install snippet.
  await page.getByLabel('Name').fill('Acme web app');
  await page.getByLabel(/Allowed origins/).fill('https://app.acme.test\nhttp://localhost:3000');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByTestId('project-name').waitFor();
  const key = (await page.getByTestId('public-key').textContent()).trim();
  assert.match(key, /^pk_[0-9a-f]+$/);
  const snippet = await page.getByTestId('install-snippet').textContent();
  assert.ok(snippet.includes(`${suite.collector.url}/widget/nps.js`), snippet);
  assert.ok(snippet.includes(key), snippet);
  assert.ok(snippet.includes("nps('identify'") && snippet.includes("nps('track'"), snippet);
  const secret = (await page.getByTestId('identity-secret').textContent()).trim();
  await page.getByRole('button', { name: 'Rotate secret' }).click();
  await eventually(async () => (await page.getByTestId('identity-secret').textContent()).trim() !== secret, 'a new identity secret');
  await page.getByRole('button', { name: 'Copy to clipboard' }).click();
  await page.getByRole('status').filter({ hasText: /Copied|Ctrl\+C/ }).waitFor();
  // "Check installation": nothing yet; then a page on a foreign origin is refused, and says why.
  await page.getByRole('button', { name: 'Check installation' }).click();
  await page.getByText('Nothing received yet').waitFor();
  const config = `${suite.collector.url}/v1/p/${key}/config`;
  assert.equal((await fetch(config, { headers: { Origin: 'https://app.acme.test' } })).status, 200);
  assert.equal((await fetch(config, { headers: { Origin: 'https://evil.test' } })).status, 403);
  await page.getByRole('button', { name: 'Check installation' }).click();
  const activity = page.getByTestId('installation-activity');
  await activity.getByText('origin is not in the allowed origins').waitFor();
  assert.match(await activity.locator('tbody tr').nth(0).textContent(), /https:\/\/evil\.test.*403/);
  assert.match(await activity.locator('tbody tr').nth(1).textContent(), /https:\/\/app\.acme\.test.*200 received/);
  await capture(page, 'project');

  // 3. A survey: client-side validation names the field, the preview shows the unsaved texts.
  await page.getByRole('link', { name: 'New survey' }).click();
  await page.getByRole('heading', { name: 'New survey' }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('Export tNPS');
  await page.getByRole('button', { name: 'Add event trigger' }).click();
  await enter(page.getByLabel(/Sampling rate/), '150');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.locator('[data-field="rules.sampling_rate_bp"]').getByText('rules.sampling_rate_bp must be at most 10000').waitFor();
  await page.locator('[data-field="rules.triggers[0].name"]').getByText('must not be empty').waitFor();
  await capture(page, 'editor-validation');
  await enter(page.getByLabel(/Sampling rate/), '100');
  // Fields commit on `change` (when they lose focus) or on `input`; a commit of one field must
  // never rewrite another that the user has typed into. Typed once each, at machine speed,
  // every field still holds its value afterwards.
  const typed = [['Event name', EVENT], ['From the nth occurrence (1 = first)', '2'], ['Delay (seconds)', '1.5']];
  const question = 'How likely are you to recommend Acme exports to a colleague?';
  typed.push(['Question (0-10)', question]);
  for (const [label, value] of typed) {
    await enter(page.getByLabel(label), value);
  }
  for (const [label, value] of typed) {
    assert.equal(await page.getByLabel(label).inputValue(), value, `${label} keeps what was typed`);
  }
  // Fixed problems are no longer reported (the editor re-validates as the fields change).
  await page.getByTestId('problem-count').waitFor({ state: 'detached', timeout: 15_000 });
  const preview = page.frameLocator('iframe[title="Survey preview"]');
  await eventually(async () => (await preview.locator('.q').first().textContent({ timeout: 1000 })).includes('Acme exports'), 'the preview to show the unsaved question');
  // The preview follows every keystroke and never takes the focus from the field being typed
  // in (the card focuses its scale when shown for real, and used to do so in the preview too).
  const questionField = page.getByLabel('Question (0-10)');
  await questionField.focus();
  await page.keyboard.press('End');
  await page.keyboard.type(' Really?');
  await eventually(async () => (await preview.locator('.q').first().textContent({ timeout: 1000 })).includes('Really?'), 'the preview to follow the keystrokes');
  await page.waitForTimeout(200); // two animation frames and more: when the card would focus itself
  assert.ok(await questionField.evaluate((el) => el === document.activeElement && document.hasFocus()), 'the editor keeps the focus');
  for (let i = 0; i < ' Really?'.length; i++) await page.keyboard.press('Backspace');
  assert.equal(await questionField.inputValue(), question);
  await page.locator('select[name=preview_step]').selectOption('follow_up');
  await page.locator('select[name=preview_band]').selectOption('detractor');
  await preview.getByText('What is the main reason for your score?').waitFor();
  assert.equal(await preview.locator('nps-survey').count(), 1, 'the preview is the real widget');
  assert.equal(await preview.locator('#static-preview .card').count(), 0, 'and only the real widget');
  await capture(page, 'editor');

  // 4. Publish: the survey is created live.
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByTestId('save-status').getByText('the survey is live').waitFor();
  await eventually(() => /\/admin\/surveys\/\d+$/.test(page.url()), 'the survey url');
  const surveyId = Number(page.url().match(/\/admin\/surveys\/(\d+)$/)[1]);

  // Saved as edited (sampling 100% = 10000 bp, nth occurrence 2, 1.5 s delay).
  const saved = await page.evaluate(async (id) => (await fetch(`/api/admin/surveys/${id}`)).json(), surveyId);
  assert.equal(saved.status, 'live');
  assert.equal(saved.rules.sampling_rate_bp, 10000);
  assert.deepEqual(saved.rules.triggers, [{ type: 'event', name: EVENT, conditions: [], nth_occurrence: 2, delay_ms: 1500 }]);
  assert.equal(saved.definition.texts.en.question, question);

  // 5. Answers through the client API, then wait for the spool to drain.
  for (const [i, score] of SCORES.entries()) {
    const user = `user-${i}`;
    await clientPost(suite.collector.url, `/v1/p/${key}/identify`, { user_id: user, attributes: { plan: i % 2 ? 'pro' : 'free' } });
    await clientPost(suite.collector.url, `/v1/p/${key}/responses`, { response_id: `r-${i}-${Date.now()}`, survey_id: surveyId, user_id: user, score });
  }
  await drained(suite.collector.url);
  await eventually(async () => {
    const rows = await page.evaluate(async (id) => (await fetch(`/api/admin/responses?survey_id=${id}`)).json(), surveyId);
    return rows.length === SCORES.length;
  }, 'every answer in the database');

  // 6. The report: headline n, NPS and interval as computed here.
  await page.getByRole('link', { name: 'Report' }).click();
  const expected = headlineOf(SCORES);
  const stats = npsOf(SCORES);
  await page.getByTestId('nps-headline').waitFor();
  assert.equal((await page.getByTestId('nps-headline').textContent()).trim(), expected);
  assert.equal((await page.getByTestId('nps-n').textContent()).trim(), String(stats.n));
  assert.equal((await page.getByTestId('nps-value').textContent()).trim(), points(stats.nps));
  assert.equal((await page.getByTestId('nps-interval').textContent()).trim(), `95% CI ${points(stats.low)} to ${points(stats.high)}`);
  assert.equal((await page.getByTestId('promoters').textContent()).trim(), String(stats.P));
  assert.equal((await page.getByTestId('detractors').textContent()).trim(), String(stats.D));
  assert.equal((await page.getByTestId('passives').textContent()).trim(), String(stats.passives));
  await page.getByTestId('trend-table').waitFor();
  await page.locator('svg[aria-label^="NPS per period"]').waitFor();
  await page.locator('select[name=granularity]').selectOption('day');
  await page.getByTestId('trend-table').locator('tbody tr').first().waitFor();
  await capture(page, 'report');

  // 7. Responses: all, then promoters only; the CSV export has the same filters.
  await page.getByRole('link', { name: 'Responses' }).click();
  await page.getByTestId('responses-table').waitFor();
  assert.equal(await page.getByTestId('responses-table').locator('tbody tr').count(), SCORES.length);
  await page.locator('select[name=band]').selectOption('promoter');
  await page.getByRole('button', { name: 'Apply' }).click();
  await eventually(async () => (await page.getByTestId('responses-table').locator('tbody tr').count()) === stats.P, 'promoters only');
  const href = await page.getByTestId('export-csv').getAttribute('href');
  assert.ok(href.includes('format=csv') && href.includes('band=promoter') && href.includes(`survey_id=${surveyId}`), href);
  const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href);
  assert.equal(csv.trim().split('\n').length, 1 + stats.P, csv);
  // The XLSX export: the same filters, a real workbook (a zip archive).
  const xlsxHref = await page.getByTestId('export-xlsx').getAttribute('href');
  assert.equal(xlsxHref, href.replace('format=csv', 'format=xlsx'));
  const magic = await page.evaluate(async (url) => { const b = new Uint8Array(await (await fetch(url)).arrayBuffer()); return String.fromCharCode(b[0], b[1]); }, xlsxHref);
  assert.equal(magic, 'PK');
  await capture(page, 'responses');

  // 8. A reload keeps the session and the route (deep link served as index.html).
  await page.reload();
  await page.getByTestId('responses-table').waitFor();

  assert.deepEqual(problems, []);
  await context.close();
});
