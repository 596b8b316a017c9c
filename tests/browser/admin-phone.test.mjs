// The admin app at phone width (390 x 844): each main screen fits the width (no sideways
// scrolling of the page; wide tables scroll inside their own box), and passes axe-core's WCAG
// 2.1 AA rules there too. Screenshots: tests/artifacts/admin-phone-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, createProject } from './harness.mjs';
import { adminSuite, capture, signIn, watchProblems } from './admin/helpers.mjs';

const suite = adminSuite();

/** How far the page scrolls sideways (0 when it fits the width). */
const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

test('admin at phone width: every main screen fits the width and passes axe', async () => {
  const api = await admin(suite.collector.url);
  const { project, survey } = await createProject(api, 'http://127.0.0.1:9');
  const context = await suite.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const problems = watchProblems(page);
  await signIn(page, suite.collector.url, 'owner@example.com', 'correct horse battery staple');
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
  ];
  for (const [name, path, heading] of screens) {
    await page.goto(`${suite.collector.url}${path}`);
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    await page.waitForLoadState('networkidle');
    assert.equal(await overflow(page), 0, `${name}: the page scrolls sideways at 390 px`);
    await capture(page, `phone-${name}`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});
