// Campaigns in a real browser: the owner creates a link campaign for a survey (a refused
// threshold first), imports recipients as CSV, gets one working personal link each, and finds
// the campaign again in the survey's Campaigns tab; it sets reminders and a quarterly wave.
// Screenshot: tests/artifacts/admin-campaign.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { admin, createProject } from './harness.mjs';
import { adminSuite, capture, enter, signedInPage } from './admin/helpers.mjs';

const suite = adminSuite();

test('admin: create a campaign, import recipients, get their personal links', async () => {
  const api = await admin(suite.collector.url);
  const { survey } = await createProject(api, 'http://127.0.0.1:9');
  const { context, page, problems } = await signedInPage(suite);
  await page.goto(`${suite.collector.url}/admin/surveys/${survey.id}/report`);
  await page.getByRole('link', { name: 'Campaigns' }).click();
  await page.getByText('None yet.').waitFor();
  await page.getByLabel('Campaign name').fill('Q4 customer pulse');
  await page.locator('select[name=anonymity]').selectOption('identified');
  await enter(page.getByLabel('Smallest group shown'), '2');
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await page.getByText('min_group and verbatim_min_group must be at least 3').waitFor();
  await enter(page.getByLabel('Smallest group shown'), '3');
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await page.getByTestId('campaign-name').waitFor();
  assert.equal((await page.getByTestId('campaign-name').textContent()).trim(), 'Q4 customer pulse');
  assert.match(page.url(), /\/admin\/campaigns\/\d+$/);

  const emails = ['ana@example.com', 'bo@example.com', 'cy@example.com'];
  await page.locator('textarea[name=recipients_csv]').fill(`email,name,department\n${emails.map((e, i) => `${e},Person ${i},Sales`).join('\n')}\n`);
  await page.getByRole('button', { name: 'Add recipients' }).click();
  await page.getByText('3 recipient(s) added.').waitFor();
  await page.getByTestId('campaign-recipients').getByText(/^3 recipient\(s\)/).waitFor();
  await page.getByTestId('links-table').waitFor();
  assert.equal((await page.getByTestId('waves-table').locator('tbody th').first().textContent()).trim(), '1');
  assert.equal(await page.getByTestId('links-table').locator('tbody tr').count(), 3);
  for (const e of emails) {
    const link = await page.locator(`tr[data-recipient="${e}"] input`).inputValue();
    assert.ok(link.startsWith(suite.collector.url), link);
  }
  const link = await page.locator('tr[data-recipient="ana@example.com"] input').inputValue();
  const hosted = await fetch(link);
  assert.equal(hosted.status, 200, `${link}: ${hosted.status}`);
  // Reminders and a quarterly wave: a cadence out of range is refused before it is sent, a good
  // schedule is saved (read back from the API) and the next wave's date is shown.
  const delivery = page.getByRole('form', { name: 'Reminders and waves' });
  await delivery.locator('input[name=reminder_after_days]').fill('3');
  await delivery.locator('input[name=max_reminders]').fill('2');
  await delivery.locator('input[name=cadence_days]').fill('800');
  await delivery.getByRole('button', { name: 'Save schedule' }).click();
  await page.getByText('cadence_days must be between 1 and 730').waitFor();
  await delivery.locator('input[name=cadence_days]').fill('91');
  await delivery.getByRole('button', { name: 'Save schedule' }).click();
  await page.getByTestId('delivery-saved').getByText('Schedule saved.').waitFor();
  const saved = await api.get(`/api/admin/campaigns/${page.url().split('/').pop()}/status`);
  assert.deepEqual(saved.settings, { reminder_after_days: 3, max_reminders: 2, cadence_days: 91 });
  const nextWave = new Date(saved.next_wave_at).toISOString().slice(0, 10);
  await page.getByTestId('next-wave').getByText(`Next wave starts on ${nextWave} UTC.`).waitFor();
  await capture(page, 'campaign');
  // The survey's Campaigns tab lists it and leads back to it.
  await page.getByRole('link', { name: 'Survey report' }).click();
  await page.getByRole('link', { name: 'Campaigns' }).click();
  await page.getByTestId('campaigns-table').getByRole('link', { name: 'Q4 customer pulse' }).click();
  await page.getByTestId('campaign-name').waitFor();

  assert.deepEqual(problems, []);
  await context.close();
});
