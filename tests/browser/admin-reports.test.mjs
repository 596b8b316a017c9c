// The admin app's analysis screens in a real browser against the real collector: segments
// (NPS, interval, n, significance against the rest and small-segment marks, a dimension kept
// fast from the screen, checked against
// values computed here from the raw scores), B2B account roll-ups with per-role NPS, the
// eligibility explanation, the follow-up queue with a status change and the loop metrics, and
// the accounts at risk with the action log and an account's timeline, and revenue (business data from CSV, revenue-
// weighted NPS, churned against retained, renewals).
// Screenshots go to tests/artifacts/admin-{segments,accounts,explain,followups,at-risk,timeline,revenue}.png.
// A second test holds one report answer back: a late answer to an earlier range must not
// replace the figures of a later one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, createProject } from './harness.mjs';
import { adminSuite, capture, clientPost, drained, enter, eventually, npsOf, points, compareOf, signedInPage } from './admin/helpers.mjs';

const ROLES = ['executive_buyer', 'admin', 'end_user'];
const USERS = Array.from({ length: 48 }, (_, i) => {
  const pro = i < 24;
  return {
    id: `u-${i}`,
    plan: pro ? 'pro' : 'free',
    account: `acct-${i % 4}`,
    role: ROLES[i % 3],
    score: pro ? [10, 9, 9, 10, 8, 7][i % 6] : [3, 6, 8, 2, 10, 5][i % 6],
  };
});

const suite = adminSuite();

test('admin: segments, account roll-ups, explain, follow-ups, accounts at risk and actions', async () => {
  const api = await admin(suite.collector.url);
  const { project, survey } = await createProject(api, 'http://127.0.0.1:9');
  const key = project.public_key;
  for (const u of USERS) {
    const tier = u.account === 'acct-0' ? 'gold' : 'silver';
    await clientPost(suite.collector.url, `/v1/p/${key}/identify`, { user_id: u.id, attributes: { plan: u.plan }, account: { id: u.account, role: u.role, attributes: { tier } } });
  }
  await drained(suite.collector.url);
  for (const u of USERS) {
    await clientPost(suite.collector.url, `/v1/p/${key}/responses`, { response_id: `r-${u.id}`, survey_id: survey.id, user_id: u.id, score: u.score, device: 'desktop' });
  }
  await drained(suite.collector.url);
  await eventually(async () => (await api.get(`/api/admin/responses?survey_id=${survey.id}&limit=1000`)).length === USERS.length, 'every answer stored');

  const { context, page, problems } = await signedInPage(suite, { viewport: { width: 1360, height: 1000 } });

  // 0. An action recorded because of NPS shows alongside the trend of the range it falls in
  // (decided 200 days ago: the last-90-days view further down still has none).
  await api.post('/api/admin/actions', {
    project_id: project.id, survey_id: survey.id, title: 'Faster exports', decision: 'Moved exports to a background job',
    decided_at: Date.now() - 200 * 86_400_000, owner: 'ops@acme.test', themes: ['performance'], response_ids: [],
  });
  await page.goto(`${suite.collector.url}/admin/surveys/${survey.id}/report`);
  await page.getByTestId('trend-actions').getByText('Faster exports').waitFor();
  assert.match(await page.getByTestId('trend-actions').textContent(), /Moved exports to a background job \(owner: ops@acme\.test\)/);

  // 0b. Filters of the headline: attribute values and band, as the raw answers say.
  await page.getByTestId('nps-n').getByText(String(USERS.length), { exact: true }).waitFor();
  await enter(page.locator('input[name=filter_attr]'), 'plan:pro');
  await page.getByRole('button', { name: 'Apply' }).click();
  const pro = USERS.filter((u) => u.plan === 'pro');
  await page.getByTestId('nps-n').getByText(String(pro.length), { exact: true }).waitFor();
  await page.locator('select[name=filter_band]').selectOption('detractor');
  await page.getByRole('button', { name: 'Apply' }).click();
  const proDetractors = pro.filter((u) => u.score <= 6).length;
  await page.getByTestId('nps-n').getByText(String(proDetractors), { exact: true }).waitFor();
  assert.equal((await page.getByTestId('promoters').textContent()).trim(), '0');
  await capture(page, 'report-filters');

  // 1. Segments by a user attribute: NPS, interval, n and the flag against the rest.
  await page.goto(`${suite.collector.url}/admin/surveys/${survey.id}/report`);
  await page.getByTestId('segments-table').waitFor();
  await page.locator('select[name=segment_by]').selectOption('attr');
  await page.locator('input[name=segment_key]').fill('plan');
  await page.getByRole('button', { name: 'Show segments' }).click();
  await page.locator('tr[data-segment="pro"]').waitFor();
  for (const plan of ['pro', 'free']) {
    const mine = USERS.filter((u) => u.plan === plan).map((u) => u.score);
    const rest = USERS.filter((u) => u.plan !== plan).map((u) => u.score);
    const s = npsOf(mine);
    const c = compareOf(mine, rest);
    const row = page.locator(`tr[data-segment="${plan}"]`);
    assert.equal((await row.getByTestId('segment-nps').textContent()).trim(), points(s.nps), plan);
    assert.equal((await row.getByTestId('segment-ci').textContent()).trim(), `${points(s.low)} to ${points(s.high)}`, plan);
    assert.equal((await row.getByTestId('segment-n').textContent()).trim(), String(s.n), plan);
    const vs = (await row.getByTestId('segment-vs-rest').textContent()).trim();
    assert.ok(vs.startsWith(c.significant ? 'significant: ' : 'not significant: '), `${plan}: ${vs}`);
    assert.ok(vs.includes(`${c.difference >= 0 ? '+' : ''}${c.difference.toFixed(1)} points`), `${plan}: ${vs} vs ${c.difference}`);
    assert.equal((await row.getByTestId('segment-note').textContent()).trim(), s.n < 30 ? 'small (n < 30)' : '', plan);
    assert.equal(await row.locator('svg.interval-bar').count(), 1);
  }
  await page.locator('#segments-title').scrollIntoViewIfNeeded();
  await capture(page, 'segments');
  // By an attribute of the account: acct-0 is gold, the others silver.
  await page.locator('select[name=segment_by]').selectOption('acct');
  await page.locator('input[name=segment_key]').fill('tier');
  await page.getByRole('button', { name: 'Show segments' }).click();
  await page.locator('tr[data-segment="gold"]').waitFor();
  for (const tier of ['gold', 'silver']) {
    const n = USERS.filter((u) => (u.account === 'acct-0') === (tier === 'gold')).length;
    assert.equal((await page.locator(`tr[data-segment="${tier}"]`).getByTestId('segment-n').textContent()).trim(), String(n), tier);
  }
  // Another dimension: by role, each role's n as sent.
  await page.locator('select[name=segment_by]').selectOption('role');
  await page.locator('tr[data-segment="executive_buyer"]').waitFor();
  for (const role of ROLES) {
    const n = USERS.filter((u) => u.role === role).length;
    assert.equal((await page.locator(`tr[data-segment="${role}"]`).getByTestId('segment-n').textContent()).trim(), String(n), role);
  }
  // Keep the role dimension fast (rollups from now on), from the screen: the same figures after.
  await page.getByTestId('dimension-state').getByText('Breakdowns by role read every answer').waitFor();
  await page.getByRole('button', { name: 'Keep it fast' }).click();
  await page.getByTestId('dimension-state').getByText('Kept fast: breakdowns by role').waitFor();
  assert.deepEqual((await api.get(`/api/admin/projects/${project.id}/report-dimensions`)).dimensions, ['role']);
  await page.getByRole('button', { name: 'Show segments' }).click();
  for (const role of ROLES) {
    const n = USERS.filter((u) => u.role === role).length;
    assert.equal((await page.locator(`tr[data-segment="${role}"]`).getByTestId('segment-n').textContent()).trim(), String(n), `${role} from the rollups`);
  }
  await page.getByRole('button', { name: 'Stop keeping it' }).click();
  await page.getByRole('button', { name: 'Keep it fast' }).waitFor();
  assert.deepEqual((await api.get(`/api/admin/projects/${project.id}/report-dimensions`)).dimensions, []);

  // 2. B2B roll-ups: every response, per account, decision-maker first, per role.
  const all = npsOf(USERS.map((u) => u.score));
  await page.getByTestId('rollups-table').waitFor();
  assert.equal((await page.getByTestId('every-response-nps').textContent()).trim(), points(all.nps));
  assert.equal((await page.getByTestId('every-response-n').textContent()).trim(), String(USERS.length));
  assert.equal((await page.getByTestId('per-account-n').textContent()).trim(), '4');
  assert.equal((await page.getByTestId('decision-maker-n').textContent()).trim(), '4');
  const buyers = USERS.filter((u) => u.role === 'executive_buyer');
  const perAccount = [0, 1, 2, 3].map((a) => npsOf(USERS.filter((u) => u.account === `acct-${a}`).map((u) => u.score)).nps);
  assert.equal((await page.getByTestId('per-account-nps').textContent()).trim(), points(perAccount.reduce((x, y) => x + y, 0) / 4));
  assert.equal((await page.locator('tr[data-role="executive_buyer"] td.num').first().textContent()).trim(), points(npsOf(buyers.map((u) => u.score)).nps));
  await page.locator('#accounts-title').scrollIntoViewIfNeeded();
  await capture(page, 'accounts');

  // 3. Explain: the same verdict as the API.
  const expected = await api.get(`/api/admin/explain?survey_id=${survey.id}&user_id=u-0`);
  await page.getByLabel('User id').fill('u-0');
  await page.getByRole('button', { name: 'Explain' }).click();
  const verdict = (await page.getByTestId('explain-decision').textContent()).trim();
  if (expected.decision.eligible) assert.ok(verdict.startsWith('asked'), verdict);
  else assert.ok(verdict.startsWith('not asked') && verdict.includes(expected.decision.rule.replaceAll('_', ' ')), `${verdict} vs ${expected.decision.rule}`);
  assert.ok(verdict.includes(expected.decision.detail), verdict);
  await page.getByTestId('explain-logged').waitFor();
  await page.getByTestId('exclusions-table').or(page.getByText('No eligibility decisions in this period.')).waitFor();
  await page.locator('#explain-title').scrollIntoViewIfNeeded();
  await capture(page, 'explain');

  // 4. Follow-ups: one per detractor, a status change with a note, the loop metrics follow.
  await page.goto(`${suite.collector.url}/admin/projects/${project.id}`);
  await page.getByRole('link', { name: 'Follow-ups' }).click();
  await page.getByTestId('followups-table').waitFor();
  const detractors = USERS.filter((u) => u.score <= 6).length;
  assert.equal(await page.getByTestId('followups-table').locator('tbody tr').count(), detractors);
  assert.equal((await page.getByTestId('overdue-count').textContent()).trim(), '0');
  const first = page.getByTestId('followups-table').locator('tbody tr').first();
  const responseId = await first.getAttribute('data-response');
  await first.locator('select[name=status]').selectOption('contacted');
  await first.locator('input[name=note]').fill('Called, fixing the export');
  await first.getByRole('button', { name: 'Save' }).click();
  const row = page.locator(`tr[data-response="${responseId}"]`);
  await eventually(async () => (await row.getByTestId('followup-status').textContent()).trim() === 'contacted', 'the new status');
  await eventually(async () => (await page.getByTestId('closure-rate').textContent()).trim() === '100.0%', 'the closure rate');
  // The policy: the default shown, a refused SLA named, then a team gets the new follow-ups.
  assert.equal(await page.locator('input[name=sla_hours]').inputValue(), '48');
  assert.equal(await page.locator('input[name=followup_detractor]').isChecked(), true);
  await enter(page.locator('input[name=sla_hours]'), '0');
  await page.getByRole('button', { name: 'Save policy' }).click();
  await page.getByText('sla_hours must be between 1 and 2160').waitFor();
  await enter(page.locator('input[name=sla_hours]'), '24');
  await page.locator('input[name=team]').fill('dana@example.com, eli@example.com');
  await page.getByRole('button', { name: 'Save policy' }).click();
  await page.getByTestId('policy-status').getByText('Saved: follow-ups due within 24 hours.').waitFor();
  const policy = await api.get(`/api/admin/projects/${project.id}/followup-policy`);
  assert.equal(policy.sla_hours, 24);
  assert.deepEqual(policy.team, ['dana@example.com', 'eli@example.com']);
  await capture(page, 'followups');

  // 5. Accounts at risk: every account whose NPS is below 0 (the default threshold), with the
  // reason in numbers; then an action recorded in the log answers "changed anything lately?".
  await page.goto(`${suite.collector.url}/admin/projects/${project.id}`);
  await page.getByRole('link', { name: 'Accounts at risk' }).click();
  await page.getByTestId('at-risk-summary').waitFor();
  const risky = [0, 1, 2, 3].map((a) => ({ account: `acct-${a}`, nps: perAccount[a], n: USERS.filter((u) => u.account === `acct-${a}`).length })).filter((a) => a.nps < 0);
  assert.match(await page.getByTestId('at-risk-summary').textContent(), new RegExp(`^${risky.length} of 4 accounts show a risk signal`));
  for (const a of risky) {
    const reasons = await page.locator(`tr[data-account="${a.account}"]`).getByTestId('risk-reasons').textContent();
    assert.ok(reasons.includes(`NPS ${points(a.nps)} below 0`) && reasons.includes(`(n = ${a.n})`), `${a.account}: ${reasons}`);
  }
  await page.getByTestId('recent-actions').getByText('No action decided because of NPS in the last 90 days.').waitFor();
  await page.getByLabel('Title').fill('Faster exports for free plans');
  await page.getByLabel('What was decided').fill('Move exports to the background queue');
  await page.getByLabel('Owner').fill('dana@example.com');
  await page.getByLabel('Decided on').fill(new Date().toISOString().slice(0, 10));
  await page.getByRole('button', { name: 'Record action' }).click();
  await page.getByTestId('actions-table').getByText('Move exports to the background queue').waitFor();
  await page.getByTestId('recent-actions').getByText('Yes: 1 action(s) decided because of NPS in the last 90 days.').waitFor();
  await capture(page, 'at-risk');

  // The riskiest account's timeline: its NPS per wave (one wave: this quarter) and every answer.
  assert.ok(risky.length > 0, "the test data has an account at risk");
  const riskiest = risky[0];
  await page.locator(`tr[data-account="${riskiest.account}"]`).getByRole('link', { name: riskiest.account }).click();
  await page.getByTestId('account-name').getByText(`Account ${riskiest.account}`).waitFor();
  await page.getByTestId('account-answers').waitFor();
  assert.equal(await page.getByTestId('account-answers').locator('tbody tr').count(), riskiest.n);
  assert.deepEqual(await page.getByTestId('wave-nps').allTextContents(), [points(riskiest.nps)]);
  assert.match(await page.getByTestId('account-reasons').textContent(), new RegExp(`NPS ${points(riskiest.nps)} below 0`));
  await capture(page, 'timeline');

  // 6. Revenue: business data imported as CSV (a bad file first: its problems, nothing saved),
  // then the revenue-weighted NPS (acct-3 churned, so left out), churned against retained, and
  // the renewal coming up.
  await page.goto(`${suite.collector.url}/admin/projects/${project.id}`);
  await page.getByRole('navigation', { name: 'Project tools' }).getByRole('link', { name: 'Revenue' }).click();
  await page.getByTestId('business-count').getByText('No account has business data yet').waitFor();
  const accountsCsv = page.locator('textarea[name=business_csv]');
  await accountsCsv.fill('account_id,mrr\nacct-0,12;5\n');
  await page.getByRole('button', { name: 'Import accounts' }).click();
  await page.getByTestId('import-problems').getByText('line 2, field mrr: `12;5` is not an amount').waitFor();
  const renewal = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  await accountsCsv.fill(`account_id,mrr,arr,renewal_date,churned\nacct-0,1000,,,\nacct-1,3000,,${renewal},\nacct-2,,24000,,\nacct-3,500,,,yes\n`);
  await page.getByRole('button', { name: 'Import accounts' }).click();
  await page.getByText('Saved: 4 account(s) added or updated.').waitFor();
  await page.getByTestId('business-count').getByText('4 account(s) have business data.').waitFor();
  const mrr = [1000, 3000, 2000];
  const weighted = mrr.reduce((sum, m, a) => sum + m * perAccount[a], 0) / mrr.reduce((x, y) => x + y, 0);
  await eventually(async () => (await page.getByTestId('weighted-nps').textContent()).startsWith(`${points(weighted)} (`), `weighted NPS ${points(weighted)}`);
  assert.equal((await page.getByTestId('left-out').textContent()).trim(), 'Left out of the weighted NPS: 0 account(s) with answers but no revenue, 1 churned account(s).');
  assert.equal((await page.locator('tr[data-account="acct-1"]').getByTestId('weight').first().textContent()).trim(), '50.0%');
  const churned = npsOf(USERS.filter((u) => u.account === 'acct-3').map((u) => u.score)).nps;
  const retained = npsOf(USERS.filter((u) => u.account !== 'acct-3').map((u) => u.score)).nps;
  assert.equal((await page.getByTestId('churned-nps').first().textContent()).trim(), points(churned));
  assert.equal((await page.getByTestId('retained-nps').first().textContent()).trim(), points(retained));
  assert.deepEqual(await page.getByTestId('renewals-table').locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.account)), ['acct-1']);
  await capture(page, 'revenue');

  assert.deepEqual(problems, []);
  await context.close();
});

/** Whether a request is the report of every answer (no range asked). */
const everyAnswer = (url) => url.includes('/api/admin/reports/nps?') && !new URL(url).searchParams.has('to');

test('admin report: a late answer to an earlier range never replaces the figures of a later one', async () => {
  const api = await admin(suite.collector.url);
  const { project, survey } = await createProject(api, 'http://127.0.0.1:9');
  for (const [i, score] of [9, 10, 4].entries()) {
    await clientPost(suite.collector.url, `/v1/p/${project.public_key}/responses`, { response_id: `late-${i}`, survey_id: survey.id, user_id: `late-${i}`, score });
  }
  await drained(suite.collector.url);
  await eventually(async () => (await api.get(`/api/admin/responses?survey_id=${survey.id}`)).length === 3, 'the three answers stored');
  const { context, page } = await signedInPage(suite);

  // The first report (every answer, n = 3) is held back until the reader has asked for a
  // range in 2001 (no answer); then it is let through.
  let release;
  let passedOn = false;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route((url) => everyAnswer(url.toString()), async (route) => {
    await held;
    // The app may have given the request up meanwhile; then there is nothing to continue.
    await route.continue().catch(() => {});
    passedOn = true;
  });
  await page.goto(`${suite.collector.url}/admin/surveys/${survey.id}/report`);
  const form = page.getByRole('form', { name: 'Report range' });
  await form.locator('input[name=to]').fill('2001-01-31');
  const applied = page.waitForResponse((r) => r.url().includes('/api/admin/reports/exclusions?') && new URL(r.url()).searchParams.has('to'));
  await form.getByRole('button', { name: 'Apply' }).click();
  await applied;
  release();
  await eventually(async () => passedOn, 'the held request passed on');
  await page.waitForLoadState('networkidle');
  // Time for the late answer to render if it were going to.
  await page.waitForTimeout(500);
  await eventually(async () => (await page.getByTestId('nps-n').count()) === 1, 'a report');
  assert.equal((await page.getByTestId('nps-n').textContent()).trim(), '0', 'the late answer for every answer replaced the 2001 figures');
  await context.close();
});
