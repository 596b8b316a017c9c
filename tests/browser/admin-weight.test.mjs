// The admin app's weight on a first visit (issue #13): its files are served precompressed with
// brotli to a browser that accepts it (gzip to one that accepts only gzip), content-hashed files
// are cached as immutable, and what a first visit downloads stays within its budget.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launch } from './admin/helpers.mjs';
import { firstVisit, WIRE_BUDGET_BYTES } from './admin/first-visit.mjs';

let collector;
let browser;

before(async () => {
  collector = await startCollector();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
});

const appFiles = (visit) => visit.responses.filter((r) => r.path.startsWith('/admin'));

test('a first visit gets every admin file brotli-compressed, hashed files immutable, within the 400 KB budget', async () => {
  const visit = await firstVisit(browser, collector.url);
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
  const gzip = await firstVisit(browser, collector.url, { acceptEncoding: 'gzip' });
  for (const r of appFiles(gzip)) assert.equal(r.encoding, 'gzip', `${r.path} with Accept-Encoding: gzip`);
  const plain = await firstVisit(browser, collector.url, { acceptEncoding: 'identity' });
  for (const r of appFiles(plain)) assert.equal(r.encoding, 'identity', `${r.path} with Accept-Encoding: identity`);
  const brotli = await firstVisit(browser, collector.url);
  assert.ok(brotli.wire < gzip.wire && gzip.wire < plain.wire, `brotli ${brotli.wire} B < gzip ${gzip.wire} B < identity ${plain.wire} B`);
});
