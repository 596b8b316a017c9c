// Invitations in a real browser: the owner creates an invitation link on the Users screen,
// the invitee opens it without a session, chooses a password and is signed in with the
// invited role; the same link then says it has been used. Screenshots:
// tests/artifacts/admin-{users,accept,accept-used}.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin } from './harness.mjs';
import { adminSuite, capture, signedInPage, watchProblems } from './admin/helpers.mjs';

const suite = adminSuite();

test('admin: invite a user, accept the invitation once, sign in with the invited role', async () => {
  await admin(suite.collector.url); // the first owner
  const { context: ownerContext, page, problems } = await signedInPage(suite, { viewport: { width: 1280, height: 800 } });
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
  await page.getByLabel('E-mail of the person to invite').fill('ana@example.com');
  await page.locator('select[name=invite_role]').selectOption('analyst');
  await page.getByRole('button', { name: 'Create invitation link' }).click();
  const field = page.locator('tr[data-invitee="ana@example.com"]').getByTestId('invitation-link');
  await field.waitFor();
  const link = await field.inputValue();
  assert.ok(link.startsWith(`${suite.collector.url}/admin/accept?token=`), link);
  // Inviting the same address twice is fine until accepted; an existing account is refused.
  await page.getByLabel('E-mail of the person to invite').fill('owner@example.com');
  await page.getByRole('button', { name: 'Create invitation link' }).click();
  await page.getByText('owner@example.com already has an account').waitFor();
  await page.locator('tr[data-user="owner@example.com"]').waitFor();
  assert.equal(await page.getByTestId('users-table').locator('tbody tr').count(), 1);
  await capture(page, 'users');

  // The invitee: no session, a fresh browser context.
  const inviteeContext = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const invitee = await inviteeContext.newPage();
  const inviteeProblems = watchProblems(invitee);
  await invitee.goto(link);
  await invitee.getByTestId('invitation-summary').waitFor();
  assert.match(await invitee.getByTestId('invitation-summary').textContent(), /owner@example\.com invited ana@example\.com as analyst\./);
  await invitee.getByLabel('Choose a password').fill('ana has a long password');
  await invitee.getByLabel('Repeat the password').fill('ana has a different one');
  await invitee.getByRole('button', { name: 'Set password and sign in' }).click();
  await invitee.getByText('the two passwords differ').waitFor();
  await invitee.getByLabel('Repeat the password').fill('ana has a long password');
  await capture(invitee, 'accept');
  await invitee.getByRole('button', { name: 'Set password and sign in' }).click();
  await invitee.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
  assert.equal((await invitee.locator('.who').textContent()).trim(), 'ana@example.com (analyst)');
  assert.equal(await invitee.getByRole('link', { name: 'Users' }).count(), 0, 'analysts do not invite');

  // The owner's list of users now shows Ana with her role.
  await page.reload();
  await page.locator('tr[data-user="ana@example.com"]').waitFor();
  assert.equal((await page.locator('tr[data-user="ana@example.com"]').getByTestId('user-role').textContent()).trim(), 'analyst');
  assert.equal((await page.locator('tr[data-user="owner@example.com"]').getByTestId('user-role').textContent()).trim(), 'owner');
  assert.equal(await page.getByTestId('users-table').locator('tbody tr').count(), 2);

  // Used: the same link now says so.
  const again = await (await suite.browser.newContext()).newPage();
  await again.goto(link);
  await again.getByTestId('invitation-error').waitFor();
  assert.equal((await again.getByTestId('invitation-error').textContent()).trim(), 'the invitation has already been used; sign in instead');
  await capture(again, 'accept-used');

  assert.deepEqual([...problems, ...inviteeProblems], []);
  await ownerContext.close();
  await inviteeContext.close();
});
