// Employee NPS as HR lives it in the admin app: an anonymous campaign whose links are never
// shown (they go out by e-mail, here to a local SMTP server), answered by six people, five in
// eng and one in legal (k = 5). The report shows the wave's figures with what the disclosure
// rules hold back; the department breakdown (offered at once) lists neither group (legal is under 5,
// and eng goes with it since hiding legal alone would expose it as the total minus eng); a filter on legal shows
// "Withheld" instead of one person's answer. Then a second wave starts and is answered by one
// person: the report withholds it, and HR picks the first wave back from the wave picker.
// Screenshots: tests/artifacts/admin-enps-{campaign,report,withheld,wave-picker}.png.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { admin } from './harness.mjs';
import { smtpSink, linkIn, recipientOf } from './smtp.mjs';
import { adminSuite, capture, signedInPage, eventually, headlineOf, createLinkSurvey } from './admin/helpers.mjs';

const HR = { email: 'hr@corp.test', password: 'a long enough password for hr' };
const PEOPLE = [
  ['e0@corp.test', 'eng', 9], ['e1@corp.test', 'eng', 10], ['e2@corp.test', 'eng', 7],
  ['e3@corp.test', 'eng', 9], ['e4@corp.test', 'eng', 3], ['l0@corp.test', 'legal', 0],
];

let sink;
// The collector sends through a local SMTP server, started first.
const suite = adminSuite(async () => {
  sink = await smtpSink();
  return {
    NPS_SMTP__HOST: '127.0.0.1', NPS_SMTP__PORT: String(sink.port), NPS_SMTP__FROM: 'People <people@corp.test>',
    // A campaign "day" is a second here, so a second wave can start during the test.
    NPS_CAMPAIGNS__TICK_MS: '250', NPS_CAMPAIGNS__DAY_MS: '1000',
  };
});

after(async () => {
  await sink?.close();
});

async function employeeSurvey(api) {
  const project = await api.post('/api/admin/projects', { name: 'People', allowed_origins: [] });
  const survey = await createLinkSurvey(api, project.id, { name: 'eNPS Q1', kind: 'enps', question: 'How likely are you to recommend working here to a friend?' });
  const campaign = await api.post('/api/admin/campaigns', { survey_id: survey.id, name: 'Q1 pulse', anonymity: 'anonymous', group_attributes: ['department'] });
  const recipients = PEOPLE.map(([email, department]) => ({ email, attributes: { department } }));
  await api.post(`/api/admin/campaigns/${campaign.id}/recipients`, { recipients });
  await api.post('/api/admin/users', { ...HR, role: 'hr' });
  return { survey, campaign };
}

test('admin: HR sends an anonymous campaign and reads only what keeps people anonymous', async () => {
  const api = await admin(suite.collector.url);
  const { survey, campaign } = await employeeSurvey(api);
  const { context, page, problems } = await signedInPage(suite, { who: HR });

  // The campaign page offers to send, never shows a link.
  await page.goto(`${suite.collector.url}/admin/campaigns/${campaign.id}`);
  await page.getByTestId('private-links').waitFor();
  assert.equal(await page.getByTestId('links-table').count(), 0);
  await page.getByRole('button', { name: 'Send invitations by e-mail' }).click();
  await page.getByText('Invitations handed to the outbox').waitFor();
  // Participation of an anonymous campaign: reminders are never counted (they go only to who has
  // not answered), and the card says why.
  await page.getByTestId('participation-withheld').waitFor();
  assert.match(await page.getByTestId('waves-table').locator('tbody tr').first().textContent(), /withheld/);
  await capture(page, 'enps-campaign');
  await eventually(async () => sink.mails.length >= PEOPLE.length, 'the six invitations to arrive');

  // Each person answers through their own link.
  for (const mail of sink.mails) {
    const to = recipientOf(mail);
    const person = PEOPLE.find(([email]) => email === to);
    assert.ok(person, `a mail to ${to}`);
    const link = linkIn(mail);
    assert.ok(link, `no link in the mail to ${to}`);
    const r = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `score=${person[2]}&comment=` });
    assert.equal(r.status, 200, `${to}: ${r.status}`);
  }

  // The wave's figures, with the disclosure note.
  await page.goto(`${suite.collector.url}/admin/surveys/${survey.id}/report`);
  await page.getByTestId('disclosure-note').waitFor();
  const headline = headlineOf(PEOPLE.map(([, , score]) => score));
  await page.getByText(headline).first().waitFor();
  assert.match(await page.getByTestId('disclosure-note').textContent(), /wave 1: groups under 5 answers are withheld/);

  // By department, shown at once (the campaign's group attribute is the only breakdown employee
  // NPS releases): eng (5) is withheld with legal (1), or the total would expose legal; and
  // neither is named, which would say that legal's one person answered.
  await page.getByTestId('segments-withheld').waitFor();
  assert.equal(await page.locator('select[name=segment_by]').inputValue(), 'attr');
  assert.equal(await page.locator('input[name=segment_key]').inputValue(), 'department');
  assert.match(await page.getByTestId('segments-withheld').textContent(), /fewer than 5 answers are not listed/);
  for (const group of ['eng', 'legal']) {
    assert.equal(await page.locator(`tr[data-segment="${group}"]`).count(), 0, group);
  }
  // No card or field that employee NPS would refuse or leave empty is offered: it is read per
  // wave, so no date range or period, and it has no accounts or in-app eligibility decisions.
  assert.equal(await page.getByRole('heading', { name: 'Accounts (B2B roll-ups)' }).count(), 0);
  assert.equal(await page.getByRole('heading', { name: 'Excluded users per rule' }).count(), 0);
  assert.equal(await page.locator('input[name=from]').count(), 0);
  assert.equal(await page.locator('select[name=granularity]').count(), 0);
  await capture(page, 'enps-report');

  // A filter on the one-person group shows "Withheld", not the person.
  await page.locator('input[name=filter_attr]').fill('department:legal');
  await page.locator('input[name=filter_attr]').dispatchEvent('change');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByTestId('withheld').waitFor();
  assert.match(await page.getByTestId('withheld').textContent(), /Fewer than 5 answers in wave 1/);
  assert.equal(await page.getByText(/NPS -100/).count(), 0, 'the single answer must not show');
  await capture(page, 'enps-withheld');

  // A second wave starts (cadence of 2 "days"); one person answers it so far. The report opens
  // on the latest wave, withheld, and HR goes back to the first one with the wave picker.
  await api.put(`/api/admin/campaigns/${campaign.id}/delivery`, { cadence_days: 2 });
  await eventually(async () => sink.mails.length >= 2 * PEOPLE.length, "the second wave's invitations to arrive");
  await api.put(`/api/admin/campaigns/${campaign.id}/delivery`, { cadence_days: null });
  const secondWave = sink.mails.slice(PEOPLE.length).find((mail) => recipientOf(mail) === PEOPLE[0][0]);
  const answered = await fetch(linkIn(secondWave), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'score=10&comment=' });
  assert.equal(answered.status, 200);

  await page.goto(`${suite.collector.url}/admin/surveys/${survey.id}/report`);
  await page.getByTestId('withheld').waitFor();
  assert.match(await page.getByTestId('withheld').textContent(), /Fewer than 5 answers in wave 2/);
  const picker = page.locator('select[name=wave]');
  await picker.waitFor();
  const choices = (await picker.locator('option').allTextContents()).map((t) => t.trim());
  assert.equal(choices[0], 'Latest');
  assert.ok(choices.some((c) => /^Wave 2 \(from .*, withheld\)$/.test(c)), choices.join(' | '));
  assert.ok(choices.some((c) => /^Wave 1 \(from [^,]*\)$/.test(c)), choices.join(' | '));
  await picker.selectOption('1');
  await page.getByText(headline).first().waitFor();
  assert.match(await page.getByTestId('disclosure-note').textContent(), /wave 1: groups under 5 answers are withheld/);
  assert.equal(await page.getByTestId('withheld').count(), 0);
  await capture(page, 'enps-wave-picker');

  assert.deepEqual(problems, []);
  await context.close();
});
