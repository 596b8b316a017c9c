// Comment themes on the report page: the themes of the project's taxonomy that the comments
// mention, by band, with how much more often detractors raise each one (the lift); a band
// filter narrows the comments read. Screenshot: tests/artifacts/admin-themes.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, createProject } from './harness.mjs';
import { adminSuite, capture, clientPost, drained, eventually, signedInPage } from './admin/helpers.mjs';

const suite = adminSuite();

const ANSWERS = [
  ...Array.from({ length: 6 }, (_, i) => [`d-${i}`, 2 + (i % 3), 'The app is so slow, every page takes ages']),
  ...Array.from({ length: 6 }, (_, i) => [`p-${i}`, 9 + (i % 2), 'Support answered my ticket within the hour']),
  ...Array.from({ length: 2 }, (_, i) => [`q-${i}`, 10, 'The price is fair']),
];

test('admin report: comment themes by band, with the detractor lift', async () => {
  const api = await admin(suite.collector.url);
  const { project, survey } = await createProject(api, 'http://127.0.0.1:9');
  for (const [user, score, comment] of ANSWERS) {
    await clientPost(suite.collector.url, `/v1/p/${project.public_key}/responses`, { response_id: `r-${user}`, survey_id: survey.id, user_id: user, score });
    // The comment follows the score, as the widget sends it.
    await clientPost(suite.collector.url, `/v1/p/${project.public_key}/responses/r-${user}/complete`, { survey_id: survey.id, user_id: user, comment });
  }
  await drained(suite.collector.url);
  await eventually(async () => (await api.get(`/api/admin/responses?survey_id=${survey.id}`)).length === ANSWERS.length, 'every answer stored');

  const { context, page, problems } = await signedInPage(suite, { viewport: { width: 1360, height: 1000 } });
  await page.goto(`${suite.collector.url}/admin/surveys/${survey.id}/report`);
  const card = page.getByRole('region', { name: 'Comment themes' });
  const table = card.getByTestId('themes-table');
  await table.waitFor();
  assert.match(await card.textContent(), /14 comments read\./);
  const row = (theme) => table.locator(`tr[data-theme="${theme}"]`);
  assert.equal((await row('performance').getByTestId('theme-comments').textContent()).trim(), '6');
  assert.equal((await row('support').getByTestId('theme-comments').textContent()).trim(), '6');
  assert.equal((await row('pricing').getByTestId('theme-comments').textContent()).trim(), '2');
  // Every detractor comment is about performance: 1 / (6 / 14) = 2.33 times the base rate.
  assert.match(await row('performance').getByTestId('theme-lift').textContent(), /^2\.33 \(/);
  await capture(page, 'themes');

  // Detractors only: support and pricing are no longer mentioned.
  await page.locator('select[name=filter_band]').selectOption('detractor');
  await page.getByRole('button', { name: 'Apply' }).click();
  await card.getByText('6 comments read.').waitFor();
  assert.equal(await row('support').count(), 0);
  assert.equal((await row('performance').getByTestId('theme-comments').textContent()).trim(), '6');

  assert.deepEqual(problems, []);
  await context.close();
});

// The taxonomy edited in the app: a theme added (and one named alike merged into it), a theme
// removed, a keyword the collector refuses shown by theme number; the report then reads the
// comments with the saved themes. Screenshot: tests/artifacts/admin-taxonomy.png.
test('admin: edit the comment themes of a project, and the report reads with them', async () => {
  const api = await admin(suite.collector.url);
  const { project, survey } = await createProject(api, 'http://127.0.0.1:9');
  const comments = [['b-1', 3, 'The invoice was wrong twice'], ['b-2', 2, 'Refunds take weeks'], ['b-3', 10, 'Lovely product']];
  for (const [user, score, comment] of comments) {
    await clientPost(suite.collector.url, `/v1/p/${project.public_key}/responses`, { response_id: `r-${user}`, survey_id: survey.id, user_id: user, score });
    await clientPost(suite.collector.url, `/v1/p/${project.public_key}/responses/r-${user}/complete`, { survey_id: survey.id, user_id: user, comment });
  }
  await drained(suite.collector.url);
  const defaults = (await api.get(`/api/admin/projects/${project.id}/taxonomy`)).themes;

  const { context, page, problems } = await signedInPage(suite, { viewport: { width: 1280, height: 1000 } });
  await page.goto(`${suite.collector.url}/admin/projects/${project.id}`);
  await page.getByRole('link', { name: 'Comment themes' }).click();
  await page.getByRole('heading', { name: 'Comment themes', level: 1 }).waitFor();
  const card = page.getByRole('region', { name: 'Themes and their keywords' });
  const toolUrl = page.url();
  const rows = card.getByTestId('taxonomy-theme');
  await rows.first().waitFor();
  assert.equal(await rows.count(), defaults.length);
  assert.equal(await card.getByLabel('Theme 1', { exact: true }).inputValue(), defaults[0].name);

  // A keyword the collector refuses: the message names the theme as the form numbers it.
  await card.getByRole('button', { name: 'Add a theme' }).click();
  const added = defaults.length + 1;
  await card.getByLabel(`Theme ${added}`, { exact: true }).fill('Billing');
  await rows.nth(added - 1).getByLabel('Keywords').fill('invoice, re*');
  await card.getByRole('button', { name: 'Save themes' }).click();
  await card.getByText(new RegExp(`theme ${added}: keyword 2 `)).waitFor();

  // Fixed, with a second theme named alike (merged into Billing, its repeated keyword dropped),
  // and the first theme removed.
  await rows.nth(added - 1).getByLabel('Keywords').fill('invoice, refund*');
  await card.getByRole('button', { name: 'Add a theme' }).click();
  await card.getByLabel(`Theme ${added + 1}`, { exact: true }).fill(' billing ');
  await rows.nth(added).getByLabel('Keywords').fill('invoices, charge');
  await card.getByRole('button', { name: 'Remove theme 1', exact: true }).click();
  await card.getByRole('button', { name: 'Save themes' }).click();
  await card.getByTestId('taxonomy-status').getByText(/merged/).waitFor();
  assert.equal(await rows.count(), defaults.length);
  const stored = (await api.get(`/api/admin/projects/${project.id}/taxonomy`)).themes;
  assert.deepEqual(stored.map((t) => t.name), [...defaults.slice(1).map((t) => t.name), 'Billing']);
  assert.deepEqual(stored.at(-1).keywords, ['invoice', 'refund*', 'charge']);
  assert.equal(await rows.last().getByLabel('Keywords').inputValue(), 'invoice, refund*, charge');
  await capture(page, 'taxonomy');

  // The report reads the comments with the saved themes: both detractors mention Billing.
  await page.goto(`${suite.collector.url}/admin/surveys/${survey.id}/report`);
  const billing = page.getByRole('region', { name: 'Comment themes' }).locator('tr[data-theme="Billing"]');
  await billing.waitFor();
  assert.equal((await billing.getByTestId('theme-comments').textContent()).trim(), '2');
  // The report's card leads back to the editor.
  await page.getByRole('region', { name: 'Comment themes' }).getByRole('link', { name: 'Edit the themes' }).click();
  await card.waitFor();
  assert.equal(page.url(), toolUrl);

  assert.deepEqual(problems, []);
  await context.close();
});
