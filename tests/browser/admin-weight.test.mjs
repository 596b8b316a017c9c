// The admin app's weight on a first visit (issue #13): its files are served precompressed with
// brotli to a browser that accepts it (gzip to one that accepts only gzip), content-hashed files
// are cached as immutable, and what a first visit downloads stays within its budget. The screens
// past the project page are WASM chunks fetched when first opened, served the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin } from './harness.mjs';
import { OWNER, adminSuite, signIn } from './admin/helpers.mjs';
import { firstVisit, WIRE_BUDGET_BYTES } from './admin/first-visit.mjs';

const suite = adminSuite();

const appFiles = (visit) => visit.responses.filter((r) => r.path.startsWith('/admin'));

test(`a first visit gets every admin file brotli-compressed, hashed files immutable, within the ${WIRE_BUDGET_BYTES / 1024} KB budget`, async () => {
  const visit = await firstVisit(suite.browser, suite.collector.url);
  for (const r of visit.responses) console.log(`  ${r.path}: ${r.wire} B on the wire (${r.encoding}) ${r.cache}`);
  const files = appFiles(visit);
  for (const kind of ['.js', '.wasm', '.css']) assert.ok(files.some((r) => r.path.endsWith(kind)), `the visit loads a ${kind} file`);
  for (const r of files) {
    assert.equal(r.encoding, 'br', `${r.path} is served with brotli`);
    assert.match(r.vary, /accept-encoding/i, `${r.path} varies by Accept-Encoding`);
    if (/-[0-9a-f]{12}\.(js|wasm|css)$/.test(r.path)) assert.match(r.cache, /immutable/, `${r.path} is cached as immutable`);
    else assert.match(r.cache, /no-cache/, `${r.path} (not content-hashed) is revalidated`);
  }
  console.log(`first visit: ${visit.wire} B on the wire, sign-in form after ${visit.renderMs} ms`);
  assert.ok(visit.wire <= WIRE_BUDGET_BYTES, `a first visit downloads ${visit.wire} B, over the ${WIRE_BUDGET_BYTES} B budget`);
});

test('a browser accepting only gzip gets the gzip copies, one accepting neither the files as they are', async () => {
  const gzip = await firstVisit(suite.browser, suite.collector.url, { acceptEncoding: 'gzip' });
  for (const r of appFiles(gzip)) assert.equal(r.encoding, 'gzip', `${r.path} with Accept-Encoding: gzip`);
  const plain = await firstVisit(suite.browser, suite.collector.url, { acceptEncoding: 'identity' });
  for (const r of appFiles(plain)) assert.equal(r.encoding, 'identity', `${r.path} with Accept-Encoding: identity`);
  const brotli = await firstVisit(suite.browser, suite.collector.url);
  assert.ok(brotli.wire < gzip.wire && gzip.wire < plain.wire, `brotli ${brotli.wire} B < gzip ${gzip.wire} B < identity ${plain.wire} B`);
});

test('a screen outside the main module loads its chunks on first use, compressed and immutable', async () => {
  await admin(suite.collector.url); // the first owner
  const context = await suite.browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  const chunks = [];
  page.on('requestfinished', async (r) => {
    if (/\/admin\/(split|chunk)_[^/]*\.wasm$/.test(new URL(r.url()).pathname)) chunks.push(r);
  });
  await signIn(page, suite.collector.url, OWNER.email, OWNER.password);
  assert.equal(chunks.length, 0, 'signing in and the project list need no chunk');
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
  assert.ok(chunks.length > 0, 'the users screen came in a chunk');
  for (const r of chunks) {
    const res = await r.response();
    assert.equal(res.headers()['content-type'], 'application/wasm', r.url());
    assert.equal(res.headers()['content-encoding'], 'br', r.url());
    assert.match(res.headers()['cache-control'], /immutable/, r.url());
  }
  await context.close();
});
