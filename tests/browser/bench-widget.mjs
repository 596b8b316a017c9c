// In-browser benchmark of the widget (`cargo xtask bench-widget`, or `node bench-widget.mjs`
// with the environment of the browser tests): the time from the host's trigger
// (`nps('track', ...)`) to the survey being visible, over RUNS page loads with cached assets,
// and the longest main-thread task seen in that time (PerformanceObserver `longtask`, which
// reports tasks of 50 ms or more: 0 means none was that long).
//
// Each run is a new page of one browser context (so the HTTP cache is warm after the warm-up
// run) and a new user (so the collector's fatigue rules let the survey show every time). The
// time covers the decision round trip to the collector, fetching the renderer from the cache,
// compiling and instantiating it, and mounting the card, up to the next frame.
import { startWidgetWorld, launch, preIdentify, hostQuery, EVENT } from './harness.mjs';

const RUNS = Number(process.env.RUNS || 50);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

const { collector, api, host, survey, key } = await startWidgetWorld();
let browser;
try {
  const users = Array.from({ length: RUNS + 1 }, (_, i) => `bench-${i}`);
  for (const user of users) await preIdentify(collector.url, api, key, survey, user);

  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const times = [], tasks = [];
  for (const [i, user] of users.entries()) {
    const tab = await context.newPage();
    const identified = tab.waitForResponse((r) => r.url().endsWith('/identify'));
    const configured = tab.waitForResponse((r) => r.url().endsWith('/config'));
    await tab.goto(`${host.origin}/index.html${hostQuery({ user, track: '' })}`);
    await Promise.all([identified, configured]);
    await tab.waitForTimeout(50); // let the decider act on both answers
    const run = await tab.evaluate((event) => new Promise((resolve, reject) => {
      const long = [];
      const observer = new PerformanceObserver((list) => long.push(...list.getEntries()));
      observer.observe({ type: 'longtask' });
      const timer = setTimeout(() => reject(new Error('the survey did not show within 10 s')), 10_000);
      const t0 = performance.now();
      nps('on', 'shown', () => requestAnimationFrame(() => {
        const t1 = performance.now();
        clearTimeout(timer);
        const visible = !!document.querySelector('nps-survey')?.shadowRoot?.querySelector('[role=dialog]');
        // Long tasks are reported after they end; give the observer a moment.
        setTimeout(() => {
          observer.disconnect();
          const during = long.filter((e) => e.startTime + e.duration >= t0 && e.startTime <= t1);
          resolve({ ms: t1 - t0, visible, longest: Math.max(0, ...during.map((e) => e.duration)) });
        }, 100);
      }));
      nps('track', event);
    }), EVENT);
    if (!run.visible) throw new Error(`run ${i}: shown, but no dialog in the page`);
    if (i > 0) { // run 0 warms the cache (loader, decider and renderer)
      times.push(run.ms);
      tasks.push(run.longest);
    }
    await tab.close();
  }
  times.sort((a, b) => a - b);
  const fmt = (n) => n.toFixed(1);
  console.log(`bench widget: p50_ms=${fmt(percentile(times, 50))} p95_ms=${fmt(percentile(times, 95))} longest_task_ms=${fmt(Math.max(...tasks))} runs=${times.length} collector=${process.env.NPS_COLLECTOR_BIN || 'target/debug/nps-collector'}`);
} finally {
  await browser?.close();
  await host.stop();
  await collector.stop();
}
