// The admin app at phone width (390 x 844), with answers and a campaign so the lists have
// rows: each main screen fits the width (no sideways scrolling), the rows of a list stack with
// each cell named by its column, and every screen passes axe-core's WCAG 2.1 AA rules there
// too. Screenshots: tests/artifacts/admin-phone-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, createProject } from './harness.mjs';
import { adminSuite, capture, clientPost, createLinkSurvey, eventually, signedInPage } from './admin/helpers.mjs';

const suite = adminSuite();
const COMMENT = 'The export to spreadsheets takes far too long on our largest accounts';

/** Four answers with comments, from users of four accounts. */
async function seedAnswers(api, project, survey) {
  for (const [i, score] of [9, 3, 10, 6].entries()) {
    const user = `phone-user-${i}`;
    await clientPost(suite.collector.url, `/v1/p/${project.public_key}/identify`, { user_id: user, attributes: { plan: 'enterprise-annual' }, account: { id: `account-${i}`, role: 'admin' } });
    await clientPost(suite.collector.url, `/v1/p/${project.public_key}/responses`, { response_id: `phone-${i}`, survey_id: survey.id, user_id: user, score });
    await clientPost(suite.collector.url, `/v1/p/${project.public_key}/responses/phone-${i}/complete`, { survey_id: survey.id, user_id: user, comment: COMMENT });
  }
  await eventually(async () => {
    const rows = await api.get(`/api/admin/responses?survey_id=${survey.id}`);
    return rows.length === 4 && rows.every((r) => r.comment === COMMENT);
  }, 'the four answers stored with their comments');
}

/** A partner survey with an identified campaign of two contacts. */
async function seedCampaign(api, project) {
  const survey = await createLinkSurvey(api, project.id, { name: 'Partner pulse', kind: 'partner', question: 'How likely are you to recommend partnering with us?' });
  const campaign = await api.post('/api/admin/campaigns', { survey_id: survey.id, name: 'H2 partners', anonymity: 'identified' });
  const recipients = [['ana@northwind.example', 'Northwind'], ['li@contoso.example', 'Contoso']].map(([email, partner]) => ({ email, attributes: { partner } }));
  await api.post(`/api/admin/campaigns/${campaign.id}/recipients`, { recipients });
  return { survey, campaign };
}

/** Each cell of the list's first row: its column name and its share of the table's width. */
const firstRowCells = (page, testId) =>
  page.evaluate((id) => {
    const table = document.querySelector(`[data-testid=${id}]`);
    const width = table.getBoundingClientRect().width;
    const headers = [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    const cells = [...table.querySelectorAll('tbody tr:first-child > *')].map((cell, i) => ({
      header: headers[i],
      label: cell.tagName === 'TD' ? cell.dataset.label : headers[i],
      share: cell.getBoundingClientRect().width / width,
      shown: cell.getBoundingClientRect().height > 0,
    }));
    return cells.filter((c) => c.shown);
  }, testId);

/** The list stacks: each visible cell spans the row's width and carries its column's name. */
async function assertStacked(page, testId) {
  const cells = await firstRowCells(page, testId);
  assert.ok(cells.length >= 2, `${testId}: ${JSON.stringify(cells)}`);
  for (const cell of cells) {
    assert.equal(cell.label, cell.header, `${testId}: a cell is not named by its column`);
    assert.ok(cell.share > 0.9, `${testId}: the ${cell.header} cell is ${Math.round(cell.share * 100)}% of the width, not stacked`);
  }
}

/** How far the page scrolls sideways (0 when it fits the width). */
const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

test('admin at phone width: every main screen fits the width and passes axe', async () => {
  const api = await admin(suite.collector.url);
  const { project, survey } = await createProject(api, 'http://127.0.0.1:9');
  await seedAnswers(api, project, survey);
  const partner = await seedCampaign(api, project);
  const { context, page, problems } = await signedInPage(suite, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const screens = [
    ['projects', '/admin/projects', 'Projects'],
    ['project', `/admin/projects/${project.id}`, 'Browser tests'],
    ['editor', `/admin/surveys/${survey.id}`, 'Onboarding tNPS'],
    ['report', `/admin/surveys/${survey.id}/report`, 'Onboarding tNPS'],
    ['responses', `/admin/surveys/${survey.id}/responses`, 'Onboarding tNPS'],
    ['partners', `/admin/projects/${project.id}/partners`, 'Partners'],
    ['revenue', `/admin/projects/${project.id}/revenue`, 'Revenue and churn'],
    ['followups', `/admin/projects/${project.id}/followups`, 'Follow-ups'],
    ['at-risk', `/admin/projects/${project.id}/at-risk`, 'Accounts at risk and actions'],
    ['webhooks', `/admin/projects/${project.id}/webhooks`, 'Webhooks'],
    ['users', '/admin/users', 'Users'],
    ['audit', '/admin/audit', 'Audit log'],
    ['account', '/admin/account', 'My account'],
    ['campaigns', `/admin/surveys/${partner.survey.id}/campaigns`, 'Partner pulse'],
    ['campaign', `/admin/campaigns/${partner.campaign.id}`, 'H2 partners'],
  ];
  const lists = { responses: 'responses-table', campaigns: 'campaigns-table', campaign: 'links-table', projects: 'projects-table' };
  for (const [name, path, heading] of screens) {
    await page.goto(`${suite.collector.url}${path}`);
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    await page.waitForLoadState('networkidle');
    assert.equal(await overflow(page), 0, `${name}: the page scrolls sideways at 390 px`);
    if (lists[name]) {
      await page.getByTestId(lists[name]).locator('tbody tr').first().waitFor();
      await assertStacked(page, lists[name]);
    }
    await capture(page, `phone-${name}`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});
