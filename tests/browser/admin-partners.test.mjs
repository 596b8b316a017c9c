// The partner manager's journey and role-aware navigation in a real browser. The owner imports
// partners from CSV (a bad file first: every problem named, nothing saved), a partner campaign
// is answered by some contacts, and the Partners screen shows coverage (did a decision-maker
// at each partner answer?) and NPS per partner. A partner manager sees their own partners
// only. Every role opens every tool its project page offers, and none answers 403.
// Screenshots: tests/artifacts/admin-partners.png, admin-partners-manager.png.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { admin } from './harness.mjs';
import { OWNER, adminSuite, capture, signedInPage, createLinkSurvey } from './admin/helpers.mjs';

const PASSWORD = 'a long enough password';
const PM1 = 'pm1@partners.test';
const PARTNERS_CSV = `id,name,tier,region,owner_email
p1,Northwind,gold,emea,${PM1}
p2,Contoso,silver,emea,${PM1}
p3,Fabrikam,gold,amer,pm2@partners.test
`;
// (email, partner, role, score or null when the contact does not answer)
const CONTACTS = [
  ['ceo@p1.test', 'p1', 'executive_buyer', 9],
  ['dev@p1.test', 'p1', 'end_user', 6],
  ['boss@p2.test', 'p2', 'decision_maker', null],
  ['it@p3.test', 'p3', 'admin', 10],
  ['vp@p3.test', 'p3', 'executive_buyer', null],
];

const suite = adminSuite();
let project;
let api;

// The programme every test here shares: a project and one user per role besides the owner.
before(async () => {
  await suite.ready;
  api = await admin(suite.collector.url);
  project = await api.post('/api/admin/projects', { name: 'Partner programme', allowed_origins: [] });
  for (const [email, role] of [[PM1, 'partner_manager'], ['analyst@x.test', 'analyst'], ['hr@x.test', 'hr']]) {
    await api.post('/api/admin/users', { email, password: PASSWORD, role });
  }
});

/** A partner survey whose identified campaign the contacts above answer (or not). */
async function answeredPartnerCampaign() {
  const survey = await createLinkSurvey(api, project.id, { name: 'Partner NPS', kind: 'partner', question: 'How likely are you to recommend partnering with us?' });
  const campaign = await api.post('/api/admin/campaigns', { survey_id: survey.id, name: 'H2 partners', anonymity: 'identified' });
  const recipients = CONTACTS.map(([email, partner, role]) => ({ email, attributes: { partner, role } }));
  await api.post(`/api/admin/campaigns/${campaign.id}/recipients`, { recipients });
  const links = await api.get(`/api/admin/campaigns/${campaign.id}/links`);
  for (const [email, , , score] of CONTACTS.filter((c) => c[3] !== null)) {
    const { url } = links.find((l) => l.email === email);
    const answered = await fetch(url, { method: 'POST', body: new URLSearchParams({ score: String(score), comment: '' }) });
    assert.equal(answered.status, 200, `answering as ${email}`);
  }
}

const signedIn = (email, password) => signedInPage(suite, { who: { email, password } });

const rowsOf = async (table) => table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.partner || r.dataset.segment));

test('admin: the owner imports partners from CSV and reads coverage and NPS per partner', async () => {
  const { context, page, problems } = await signedIn(OWNER.email, OWNER.password);
  await page.goto(`${suite.collector.url}/admin/projects/${project.id}`);
  await page.getByRole('navigation', { name: 'Project tools' }).getByRole('link', { name: 'Partners' }).click();
  await page.getByTestId('partners-empty').waitFor();

  // A file with a problem: named by line and field, and nothing is saved.
  const csv = page.locator('textarea[name=partners_csv]');
  await csv.fill(`${PARTNERS_CSV},Nameless,,,\n`);
  await page.getByRole('button', { name: 'Import partners' }).click();
  await page.getByTestId('import-problems').getByText('line 5, field id: must be 1 to 128 characters').waitFor();
  assert.equal(await page.getByTestId('partners-empty').count(), 1);

  await csv.fill(PARTNERS_CSV);
  await page.getByRole('button', { name: 'Import partners' }).click();
  await page.getByText('Saved. The project has 3 partner(s).').waitFor();
  assert.deepEqual(await rowsOf(page.getByTestId('partners-table')), ['p1', 'p2', 'p3']);
  assert.equal(await page.getByTestId('coverage-empty').count(), 1, 'no campaign yet: the coverage card says what to do');

  await answeredPartnerCampaign();
  await page.reload();
  const coverage = page.getByTestId('coverage-table');
  await coverage.waitFor();
  assert.deepEqual(await rowsOf(coverage), ['p1', 'p2', 'p3']);
  const covered = async (p) => (await coverage.locator(`tr[data-partner=${p}] [data-testid=coverage-covered]`).textContent()).trim();
  assert.deepEqual([await covered('p1'), await covered('p2'), await covered('p3')], ['yes', 'no', 'no'], 'p3 answered, but no decision-maker did');
  assert.equal((await page.getByTestId('coverage-summary').textContent()).trim(), '1 of 3 partners: a decision-maker answered');
  // NPS per partner: p1 = one promoter and one detractor (0), p3 = one promoter (100).
  const segments = page.getByTestId('segments-table');
  await segments.waitFor();
  const npsOf = async (p) => (await segments.locator(`tr[data-segment=${p}] [data-testid=segment-nps]`).textContent()).trim();
  assert.deepEqual([await npsOf('p1'), await npsOf('p3')], ['0', '100']);
  await capture(page, 'partners');
  assert.deepEqual(problems, []);
  await context.close();
});

test('admin: a partner manager sees only their own partners, and cannot import', async () => {
  const { context, page, problems, forbidden } = await signedIn(PM1, PASSWORD);
  await page.goto(`${suite.collector.url}/admin/projects/${project.id}/partners`);
  await page.getByTestId('partners-table').waitFor();
  assert.deepEqual(await rowsOf(page.getByTestId('partners-table')), ['p1', 'p2']);
  assert.equal(await page.locator('textarea[name=partners_csv]').count(), 0);
  await page.getByTestId('coverage-table').waitFor();
  assert.deepEqual(await rowsOf(page.getByTestId('coverage-table')), ['p1', 'p2']);
  await page.getByTestId('segments-table').waitFor();
  assert.deepEqual(await rowsOf(page.getByTestId('segments-table')), ['p1'], 'p3 belongs to another manager');
  await capture(page, 'partners-manager');
  assert.deepEqual(forbidden, []);
  assert.deepEqual(problems, []);
  await context.close();
});

for (const [email, password, tools] of [
  [OWNER.email, OWNER.password, ['Follow-ups', 'Accounts at risk', 'Revenue', 'Partners', 'Webhooks', 'Data requests', 'Comment themes']],
  ['analyst@x.test', PASSWORD, ['Follow-ups', 'Accounts at risk', 'Revenue', 'Partners']],
  [PM1, PASSWORD, ['Follow-ups', 'Partners']],
  ['hr@x.test', PASSWORD, []],
]) {
  test(`admin: ${email} opens every tool of the project page without a 403`, async () => {
    const { context, page, problems, forbidden } = await signedIn(email, password);
    const projectUrl = `${suite.collector.url}/admin/projects/${project.id}`;
    await page.goto(projectUrl);
    await page.getByRole('heading', { name: 'Surveys' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Project tools' });
    assert.deepEqual((await nav.getByRole('link').allTextContents()).map((t) => t.trim()), tools);
    for (const tool of tools) {
      await page.goto(projectUrl);
      await nav.getByRole('link', { name: tool }).click();
      await page.getByRole('heading', { level: 1 }).filter({ hasNotText: 'Partner programme' }).first().waitFor();
      await page.waitForLoadState('networkidle');
      assert.equal(await page.getByRole('alert').count(), 0, `${tool}: ${await page.getByRole('alert').allTextContents()}`);
    }
    assert.deepEqual(forbidden, []);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
