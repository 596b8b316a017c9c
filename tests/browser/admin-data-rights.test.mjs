// A data subject's request answered from the app: from the project's tools an admin exports what
// is held about one respondent (a JSON file with their answer) and then erases them; the other
// respondent's answer stays; the project's retention runs from the same page. Screenshot: tests/artifacts/admin-data-request.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, createProject } from './harness.mjs';
import { adminSuite, capture, clientPost, drained, eventually, signedInPage } from './admin/helpers.mjs';

const suite = adminSuite();

test('admin: export and erase one respondent from the project page', async () => {
  const api = await admin(suite.collector.url);
  const { project, survey } = await createProject(api, 'http://127.0.0.1:9');
  for (const [user, score] of [['ann-1', 3], ['bob-2', 9]]) {
    await clientPost(suite.collector.url, `/v1/p/${project.public_key}/identify`, { user_id: user, attributes: { plan: 'pro' } });
    await clientPost(suite.collector.url, `/v1/p/${project.public_key}/responses`, { response_id: `r-${user}`, survey_id: survey.id, user_id: user, score });
  }
  await drained(suite.collector.url);
  const stored = async () => (await api.get(`/api/admin/responses?survey_id=${survey.id}`)).map((r) => r.user_id).sort();
  await eventually(async () => (await stored()).length === 2, 'both answers stored');

  const { context, page, problems } = await signedInPage(suite, { viewport: { width: 1280, height: 900 } });
  await page.goto(`${suite.collector.url}/admin/projects/${project.id}`);
  await page.getByRole('link', { name: 'Data requests' }).click();
  await page.getByRole('heading', { name: 'Data requests', level: 1 }).waitFor();
  const card = page.getByRole('region', { name: 'One respondent' });
  await card.waitFor();

  // Nothing typed: the form says what is missing, nothing is sent.
  await card.getByRole('button', { name: 'Export' }).click();
  await card.getByText('type the user id or the e-mail address').waitFor();

  // Export: a JSON file holding the respondent's answer, and not the other one's.
  await card.getByLabel('Respondent').fill('ann-1');
  await card.getByRole('button', { name: 'Export' }).click();
  await card.getByTestId('data-request-download').waitFor();
  assert.match(await card.getByTestId('data-request-result').textContent(), /^Export of ann-1: [1-9]\d* records\./);
  const href = await card.getByTestId('data-request-download').getAttribute('href');
  assert.ok(href.startsWith('data:application/json'), href.slice(0, 40));
  const document = JSON.parse(decodeURIComponent(href.slice(href.indexOf(',') + 1)));
  assert.deepEqual(document.user_ids, ['ann-1']);
  assert.deepEqual(document.answers.map((a) => a.id), ['r-ann-1']);
  assert.ok(!JSON.stringify(document).includes('bob-2'), 'the export holds only the respondent');

  // Erase, after the confirmation: ann's answer is gone, bob's stays.
  page.once('dialog', (dialog) => dialog.accept());
  await card.getByRole('button', { name: 'Erase' }).click();
  await card.getByText(/^Erased ann-1: [1-9]\d* records removed/).waitFor();
  await capture(page, 'data-request');
  assert.deepEqual(await stored(), ['bob-2']);

  // Retention on the same page: this project keeps answers for ever, so there is nothing to run.
  const retention = page.getByRole('region', { name: 'Retention' });
  await retention.getByText('keeps answers for ever').waitFor();
  assert.equal(await retention.getByRole('button', { name: 'Run retention now' }).count(), 0);
  // With a period of 12 months, a run from the app deletes nothing of today's answers (what
  // it deletes when answers are old is tested in tests/tests/data_rights/retention.rs).
  const current = await api.get(`/api/admin/projects/${project.id}`);
  await api.put(`/api/admin/projects/${project.id}`, {
    name: current.name, allowed_origins: current.allowed_origins, identity_enforced: current.identity_enforced,
    fatigue: current.fatigue, retention_months: 12,
  });
  await page.reload();
  await retention.getByText('older than 12 months').waitFor();
  page.once('dialog', (dialog) => dialog.accept());
  await retention.getByRole('button', { name: 'Run retention now' }).click();
  assert.match(await retention.getByTestId('retention-result').textContent(), /^Retention ran: 0 answers, \d+ displays, \d+ decisions and 0 follow-ups deleted\.$/);
  assert.deepEqual(await stored(), ['bob-2']);

  assert.deepEqual(problems, []);
  await context.close();
});
