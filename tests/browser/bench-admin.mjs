// `cargo xtask bench-admin`: what a first visit of the admin app costs (cold cache, a fresh
// browser context each run), up to the sign-in form, with the build's precompressed files
// (brotli) against the same files served as they are (Accept-Encoding: identity), measured in
// one run. Prints `bench admin: first_visit_kb=.. first_render_ms=.. ...`.
import { startCollector, launch } from './harness.mjs';
import { firstVisit, WIRE_GOAL_BYTES } from './admin/first-visit.mjs';

const RUNS = Number(process.env.RUNS || 15);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const collector = await startCollector();
let browser;
try {
  browser = await launch();
  await firstVisit(browser, collector.url); // warm the collector's file cache and the browser
  const compressed = [], identity = [];
  for (let i = 0; i < RUNS; i++) {
    compressed.push(await firstVisit(browser, collector.url));
    identity.push(await firstVisit(browser, collector.url, { acceptEncoding: 'identity' }));
  }
  const kb = (visits) => median(visits.map((v) => v.wire)) / 1024;
  const ms = (visits) => median(visits.map((v) => v.renderMs));
  const firstKb = kb(compressed), rawKb = kb(identity);
  console.log(
    `bench admin: first_visit_kb=${firstKb.toFixed(1)} uncompressed_kb=${rawKb.toFixed(1)} ratio=${(rawKb / firstKb).toFixed(2)} ` +
      `first_render_ms=${ms(compressed)} uncompressed_render_ms=${ms(identity)} runs=${RUNS} goal_kb=${WIRE_GOAL_BYTES / 1024}`,
  );
} finally {
  await browser?.close();
  await collector.stop();
}
