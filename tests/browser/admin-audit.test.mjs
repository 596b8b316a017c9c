// The audit log in a real browser: the owner opens "Audit log" from the navigation, sees who
// did what (their own sign-in, a refused attempt of an analyst), filters it, loads older
// entries with "Load more", has the collector verify the hash chain, and downloads the CSV
// export of the filtered view; an analyst sees
// no link to the page and the collector refuses them the log. Screenshot:
// tests/artifacts/admin-audit.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin } from './harness.mjs';
import { adminSuite, capture, signedInPage } from './admin/helpers.mjs';

const suite = adminSuite();

const ANALYST = { email: 'ana@example.com', password: 'ana has a long password' };

test('admin: owners read, filter, page and export the audit log; other roles never see it', async () => {
  const api = await admin(suite.collector.url);
  await api.post('/api/admin/users', { ...ANALYST, role: 'analyst' });
  // More entries than one page holds (50), so "Load more" has something to load.
  for (let i = 0; i < 55; i += 1) await api.post('/api/admin/projects', { name: `Project ${i}`, allowed_origins: ['*'] });

  // The analyst: no link to the audit log, and the page itself is refused by the collector.
  const { context: analystContext, page: analyst } = await signedInPage(suite, { who: ANALYST, viewport: { width: 1280, height: 800 } });
  assert.equal(await analyst.getByRole('link', { name: 'Audit log' }).count(), 0, 'analysts see no audit log link');
  await analyst.goto(`${suite.collector.url}/admin/audit`);
  await analyst.getByText('only an owner can do this').waitFor();
  assert.equal(await analyst.getByTestId('audit-table').count(), 0);

  const { context, page, problems } = await signedInPage(suite, { viewport: { width: 1400, height: 900 } });
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
  const rows = page.getByTestId('audit-table').locator('tbody tr');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 50, 'one page of 50 entries');
  // The newest entries: the owner's own sign-in through the form, then the analyst's refused read.
  const signInRow = page.getByTestId('audit-entry').filter({ hasText: 'POST /api/admin/session' }).first();
  assert.match(await signInRow.getByTestId('audit-actor').textContent(), /owner@example\.com \(owner\)/);
  assert.equal((await signInRow.getByTestId('audit-status').textContent()).trim(), '200');

  // The chain check: the collector recomputes every hash.
  await page.getByRole('button', { name: 'Verify the chain' }).click();
  const chain = await page.getByTestId('chain-result').textContent();
  const checked = Number(/Intact: (\d+) entries checked; the newest is #\d+ \(hash [0-9a-f]{16}\.\.\.\)\./.exec(chain)?.[1]);
  assert.ok(checked > 55, chain);

  await page.getByTestId('audit-more').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=audit-table] tbody tr').length > 50);
  assert.ok(await rows.count() > 50);

  // Filtered: the analyst's refused attempts only.
  await page.getByLabel('User e-mail').fill(ANALYST.email);
  await page.locator('select[name=kind]').selectOption('audit_read');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=audit-table] tbody tr').length === 1);
  const refused = page.getByTestId('audit-entry').first();
  assert.match(await refused.getByTestId('audit-actor').textContent(), /ana@example\.com \(analyst\)/);
  assert.equal((await refused.getByTestId('audit-action').textContent()).trim(), 'GET /api/admin/audit');
  assert.equal((await refused.getByTestId('audit-status').textContent()).trim(), '403');
  await capture(page, 'audit');

  // The export link carries the same filters and downloads CSV with the owner's session.
  const href = await page.getByTestId('audit-export').getAttribute('href');
  assert.ok(href.startsWith('/api/admin/audit/export.csv?') && href.includes('kind=audit_read'), href);
  const download = await page.request.get(suite.collector.url + href);
  assert.equal(download.status(), 200);
  assert.match(download.headers()['content-type'], /^text\/csv/);
  const lines = (await download.text()).trim().split('\n');
  assert.equal(lines.length, 2, `header and the one entry: ${lines}`);
  assert.match(lines[1], /ana@example\.com,analyst,audit_read,GET \/api\/admin\/audit,/);
  assert.deepEqual(problems, []);
});
