// Webhooks in a real browser: the owner adds an endpoint (a receiver run by this test), sends
// a test event, and the delivery log shows it delivered with the receiver's answer; the
// receiver checks it got exactly that event, signed; then the e-mail alert policy is switched on
// and read back from the API. Screenshot: tests/artifacts/admin-webhooks.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { admin, createProject } from './harness.mjs';
import { adminSuite, capture, eventually, signedInPage } from './admin/helpers.mjs';

// The receiver listens on 127.0.0.1, which webhooks may not reach by default (SSRF guard).
const suite = adminSuite({ NPS_OUTBOX__ALLOWED_NETWORKS: '127.0.0.1/32' });
let receiver;
const received = [];

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { received.push({ headers: req.headers, body }); res.writeHead(200).end('ok'); });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
});

after(async () => {
  await new Promise((r) => receiver?.close(r));
});

test('admin: add a webhook endpoint, send a test event, see it delivered in the log', async () => {
  const api = await admin(suite.collector.url);
  const { project } = await createProject(api, 'http://127.0.0.1:9');
  const url = `http://127.0.0.1:${receiver.address().port}/hook`;
  const { context, page, problems } = await signedInPage(suite);
  await page.goto(`${suite.collector.url}/admin/projects/${project.id}`);
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByTestId('deliveries-empty').waitFor();

  // A bad URL is refused with the collector's message; a good one is listed with its secret.
  await page.getByLabel('Endpoint URL').fill('ftp://example.invalid/x');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await page.getByText('url must be http(s)://host/...').waitFor();
  await page.getByLabel('Endpoint URL').fill(url);
  await page.getByLabel('Only detractors').check();
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  const row = page.getByTestId('webhooks-table').locator('tbody tr').first();
  await row.getByText(url).waitFor();
  assert.equal((await row.locator('td').nth(2).textContent()).trim(), 'detractor');
  assert.match((await row.locator('code').textContent()).trim(), /^whsec_/);

  await row.getByRole('button', { name: 'Send test event' }).click();
  const notice = (await page.getByTestId('webhook-notice').textContent()).trim();
  const messageId = notice.match(/message (\S+);/)[1];
  await eventually(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    const r = page.locator(`tr[data-message="${messageId}"]`);
    return (await r.count()) > 0 && (await r.first().getByTestId('delivery-status').textContent()).trim() === 'delivered';
  }, 'the test event delivered', 30_000);
  const delivered = page.locator(`tr[data-message="${messageId}"]`).first();
  assert.equal((await delivered.getByTestId('delivery-code').textContent()).trim(), '200');
  assert.equal(received.length, 1);
  assert.equal(JSON.parse(received[0].body).type, 'webhook.test');
  assert.ok(received[0].headers['webhook-signature']?.startsWith('v1,'), JSON.stringify(received[0].headers));

  // E-mail alerts: off by default; switched on for detractors and passives with an address.
  assert.equal(await page.locator('input[name=alerts_enabled]').isChecked(), false);
  await page.locator('input[name=alerts_enabled]').check();
  await page.locator('input[name=alert_passive]').check();
  await page.getByLabel('and to these addresses').fill('cs-lead@example.com');
  await page.getByRole('button', { name: 'Save alert policy' }).click();
  await page.getByTestId('alert-status').getByText('Saved: alerts are on.').waitFor();
  const policy = await api.get(`/api/admin/projects/${project.id}/alert-policy`);
  assert.deepEqual(policy, { enabled: true, bands: ['detractor', 'passive'], notify_owner: true, recipients: ['cs-lead@example.com'] });
  await capture(page, 'webhooks');

  assert.deepEqual(problems, []);
  await context.close();
});
