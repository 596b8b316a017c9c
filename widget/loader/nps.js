/* NPS widget loader. Defines window.nps, queues calls until the decider (content-hashed
   nps-decider-*.js, which fetches the WASM renderer only when a survey is due) has loaded after
   the page's own work, then replays them in order. `__NPS_DECIDER__` is replaced by the build
   with the hashed file name. */
(function (w, d) {
  var prev = w.nps;
  if (prev && prev.loader) return; // included twice
  var script = d.currentScript;
  var src = (script && script.src) || location.href;
  var queue = [], listeners = {}, command = null, lastUrl = null;
  function on(name, fn) { if (typeof fn === 'function') (listeners[name] = listeners[name] || []).push(fn); }
  function off(name, fn) { listeners[name] = (listeners[name] || []).filter(function (f) { return f !== fn; }); }
  function emit(name, detail) {
    (listeners[name] || []).slice().forEach(function (fn) {
      try { fn(detail); } catch (e) { setTimeout(function () { throw e; }); }
    });
  }
  function run(args) {
    // The collector defaults to where this script came from (first-party under the vendor's domain).
    if (args[0] === 'init') args[1] = Object.assign({ collectorUrl: new URL(src).origin }, args[1]);
    try { command(args[0], args.slice(1)); } catch (e) { console.warn('nps:', e); }
  }
  function nps() {
    var args = Array.prototype.slice.call(arguments);
    if (args[0] === 'on') return on(args[1], args[2]);
    if (args[0] === 'off') return off(args[1], args[2]);
    if (args[0] === 'page') lastUrl = args[1] || location.href;
    command ? run(args) : queue.push(args);
  }
  nps.loader = 1;
  w.nps = nps;
  (prev && prev.q || []).forEach(function (a) { nps.apply(null, a); });
  if (script && script.dataset.projectKey) queue.unshift(['init', { projectKey: script.dataset.projectKey }]);

  // Page views, including single-page-app route changes.
  function page() { if (location.href !== lastUrl) nps('page', location.href); }
  ['pushState', 'replaceState'].forEach(function (m) {
    var orig = history[m];
    history[m] = function () { var r = orig.apply(this, arguments); page(); return r; };
  });
  w.addEventListener('popstate', page);
  page();

  function load() {
    import(new URL('__NPS_DECIDER__', src).href).then(function (m) {
      command = m.start(emit, src);
      // init first, whatever order the page queued things in.
      queue.sort(function (a, b) { return (b[0] === 'init') - (a[0] === 'init'); });
      queue.splice(0).forEach(run);
    }).catch(function (e) { console.warn('nps: the widget did not load', e); });
  }
  function idle() { (w.requestIdleCallback || setTimeout)(load, { timeout: 2000 }); }
  d.readyState === 'complete' ? idle() : w.addEventListener('load', idle);
})(window, document);
