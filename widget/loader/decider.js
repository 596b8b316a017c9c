/* NPS widget decider: the part of the widget that every page of the host app runs. It takes the
   host's commands from the loader, identifies the user, evaluates the surveys' triggers, asks
   the collector whether a survey is due (`decide`), keeps the outbox of answers, and only when a
   survey is due fetches the leptos renderer (WASM) to show it.

   Why JavaScript and not WASM: on a page where no survey is due everything the widget transfers
   must stay under 20 KB gzipped. A Rust build of this same logic (nps-core's triggers, JSON via
   the browser, no serde_json parser) measured 61 KB gzipped WASM + 5 KB glue, because std's
   allocator, panic/formatting machinery, the float parser and the futures runtime come with it.
   This file is ~3 KB gzipped. The trigger rules below are a line-by-line port of nps-core's
   `eligibility::{triggers, conditions, dates}`; tests/browser/rules.test.mjs runs them on the
   vectors in core/tests/trigger_vectors.json, which core's own test checks against the Rust
   implementation, so the two cannot drift apart unnoticed.

   `__NPS_RENDERER__` is replaced by the build with the renderer's content-hashed glue name. */

// ---------------------------------------------------------------------------------------------
// Trigger rules (port of nps-core eligibility::{triggers, conditions, dates})
// ---------------------------------------------------------------------------------------------

var has = Object.prototype.hasOwnProperty;
var own = function (o, k) { return o && typeof o === 'object' && has.call(o, k) ? o[k] : undefined; };

/** The first trigger in `triggers` that fires on `ctx` (`{type:'event', name, properties,
    occurrence}` or `{type:'page_view', url}`), or null. */
export function triggerFires(triggers, ctx) {
  return (Array.isArray(triggers) ? triggers : []).find(function (t) { return fires(t, ctx); }) || null;
}

function fires(t, ctx) {
  if (!t) return false;
  if (t.type === 'event') {
    return ctx.type === 'event' && t.name === ctx.name && ctx.occurrence >= (t.nth_occurrence == null ? 1 : t.nth_occurrence) &&
      (t.conditions || []).every(function (c) { return test(c.op, own(ctx.properties, c.property), c.value == null ? null : c.value); });
  }
  if (t.type === 'page_view') return ctx.type === 'page_view' && !!t.url && urlMatches(t.url.op, t.url.value, ctx.url);
  return t.type === 'cadence';
}

/** `event:NAME`, `page_view:VALUE` or `cadence:Nd`, as stored with displays and responses. */
export function triggerLabel(t) {
  return t.type === 'event' ? 'event:' + t.name : t.type === 'page_view' ? 'page_view:' + t.url.value : 'cadence:' + t.every_days + 'd';
}

export function triggerDelay(t) {
  return t.type === 'cadence' ? 0 : t.delay_ms || 0;
}

function urlMatches(op, value, url) {
  if (typeof value !== 'string') return false;
  if (op === 'exact') return url === value;
  if (op === 'prefix') return url.startsWith(value);
  if (op === 'contains') return url.includes(value);
  return op === 'glob' && globMatch(value, url);
}

/** `*` = any run of characters, `?` = exactly one; the whole text must match. Greedy with one
    backtrack point: O(pattern x text) at worst, never exponential. */
export function globMatch(pattern, text) {
  var p = Array.from(pattern), t = Array.from(text), pi = 0, ti = 0, star = -1, mark = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === t[ti]))) { pi++; ti++; }
    else if (pi < p.length && p[pi] === '*') { star = pi++; mark = ti; }
    else if (star >= 0) { pi = star + 1; ti = ++mark; }
    else return false;
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/** Whether `actual` (undefined when missing) satisfies `op expected`. A missing or null value
    satisfies only the negative operators. */
export function test(op, actual, expected) {
  if (actual == null) return op === 'not_equals' || op === 'not_in' || op === 'not_exists';
  switch (op) {
    case 'equals': return looseEq(actual, expected);
    case 'not_equals': return !looseEq(actual, expected);
    case 'in': return oneOf(actual, expected);
    case 'not_in': return !oneOf(actual, expected);
    case 'gt': return compare(actual, expected, asNumber) > 0;
    case 'lt': return compare(actual, expected, asNumber) < 0;
    case 'contains':
      if (typeof actual === 'string') return typeof expected === 'string' && actual.includes(expected);
      return Array.isArray(actual) && actual.some(function (i) { return looseEq(i, expected); });
    case 'exists': return true;
    case 'before': return compare(actual, expected, asDate) < 0;
    case 'after': return compare(actual, expected, asDate) > 0;
  }
  return false;
}

/** JSON equality (`serde_json::Value ==`), numbers by value. */
function looseEq(a, b) {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every(function (x, i) { return looseEq(x, b[i]); });
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(b)) return false;
  var ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every(function (k) { return has.call(b, k) && looseEq(a[k], b[k]); });
}

function oneOf(actual, expected) {
  return Array.isArray(expected) ? expected.some(function (i) { return looseEq(actual, i); }) : looseEq(actual, expected);
}

/** -1, 0 or 1; NaN when either side has no value of the kind. */
function compare(a, b, read) {
  var x = read(a), y = read(b);
  return x == null || y == null ? NaN : x < y ? -1 : x > y ? 1 : 0;
}

/** Numbers, and strings that hold one in Rust's `f64` syntax (`1`, `-2.5`, `.5`, `1e3`). */
function asNumber(v) {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return null;
  var s = v.trim();
  var n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : NaN;
  return isFinite(n) ? n : null;
}

function asDate(v) {
  return typeof v === 'number' ? Math.trunc(v) : typeof v === 'string' ? parseDateMs(v) : null;
}

/** `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` to unix ms, else null. */
export function parseDateMs(text) {
  var d = /^(\d{4})-(\d\d)-(\d\d)(.*)$/s.exec(text.trim());
  if (!d) return null;
  var y = +d[1], m = +d[2], day = +d[3], time = 0;
  var leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  var days = m === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].indexOf(m) >= 0 ? 30 : 31;
  if (m < 1 || m > 12 || day < 1 || day > days) return null;
  if (d[4]) {
    var t = /^[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d))$/.exec(d[4]);
    if (!t || +t[1] > 23 || +t[2] > 59 || +t[3] > 59 || (!t[5] && (+t[7] > 23 || +t[8] > 59))) return null;
    var offset = t[5] ? 0 : (t[6] === '-' ? -1 : 1) * (+t[7] * 60 + +t[8]) * 60000;
    time = (+t[1] * 3600 + +t[2] * 60 + +t[3]) * 1000 + +((t[4] || '') + '000').slice(0, 3) - offset;
  }
  // H. Hinnant's days_from_civil.
  var yy = m <= 2 ? y - 1 : y, era = Math.floor(yy / 400), yoe = yy - era * 400;
  var doy = Math.floor((153 * ((m + 9) % 12) + 2) / 5) + day - 1;
  var doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return (era * 146097 + doe - 719468) * 86400000 + time;
}

// ---------------------------------------------------------------------------------------------
// The widget's brain
// ---------------------------------------------------------------------------------------------

var app = { collector: '', key: '', config: null, user: null, waiting: [], busy: false, current: null };
var emit = function () {}, base = '', renderer = null;

function warn() { console.warn.apply(console, ['nps:'].concat([].slice.call(arguments))); }
/** A JSON-safe copy: functions and undefined dropped, dates as strings, as the wire sees it. */
function plain(v) { try { return v === undefined ? undefined : JSON.parse(JSON.stringify(v)); } catch (e) { return undefined; } }
function load(k) { try { return JSON.parse(localStorage.getItem(k)); } catch (e) { return null; } }
function save(k, v) { try { localStorage.setItem(k, JSON.stringify(v)); } catch (e) { /* storage full or disabled */ } }
function uuid() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, function (c) {
    var r = Math.random() * 16 | 0;
    return (c === 'x' ? r : (r & 3) | 8).toString(16);
  });
}
function url(path) { return app.collector + '/v1/p/' + app.key + '/' + path; }
function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
function device() { return matchMedia('(max-width: 640px)').matches ? 'mobile' : 'desktop'; }

/** `{status, body}` (body parsed when JSON), or `{status: 0}` when there was no answer.
    `keepalive` lets writes started just before the user navigates away still arrive. */
function send(method, path, body, token) {
  var headers = {};
  if (body) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = 'Bearer ' + token;
  return fetch(url(path), { method: method, headers: headers, body: body, keepalive: !!body }).then(function (r) {
    return r.text().then(function (text) {
      var parsed = null;
      try { parsed = JSON.parse(text); } catch (e) { /* not JSON */ }
      return { status: r.status, text: text, body: parsed };
    });
  }, function () { return { status: 0 }; });
}

/** Called by the loader with its event emitter and the URL it was loaded from; returns the
    function the host's commands go to. */
export function start(emitter, src) {
  emit = emitter;
  base = src;
  addEventListener('online', function () { flush(true); });
  setInterval(flush, 15000);
  return command;
}

function command(name, args) {
  var a = args[0];
  if (name === 'init') init(a || {});
  else if (name === 'identify') identify(plain(a) || {});
  else if (name === 'track') {
    if (typeof a !== 'string') return warn('track: the event name must be a string');
    var props = plain(args[1]);
    // The occurrence count is filled in once the user is known.
    observe({ type: 'event', name: a, properties: props && typeof props === 'object' ? props : {}, occurrence: 0 });
  } else if (name === 'page') observe({ type: 'page_view', url: typeof a === 'string' ? a : location.href });
  else if (name === 'reset') {
    app.user = null;
    app.waiting = [];
    close();
  } else if (name === 'flush') flush();
  else if (name === 'preview') preview(plain(a) || {});
  else warn('unknown command', name);
}

function init(o) {
  if (typeof o.projectKey !== 'string') return warn('init: projectKey is required');
  app.collector = String(o.collectorUrl || new URL(base).origin).replace(/\/+$/, '');
  app.key = o.projectKey;
  // Answers left behind by an earlier page go first, without waiting for their back-off.
  flush(true);
  send('GET', 'config').then(function (r) {
    if (r.status === 200 && r.body) app.config = r.body.surveys || [];
    else warn('config:', r.status ? r.status + ' ' + r.text : 'the collector cannot be reached');
    drain();
  });
}

function identify(o) {
  var id = o.userId != null ? o.userId : o.user_id;
  if (typeof id !== 'string') return warn('identify: userId must be a string');
  var attributes = o.attributes && typeof o.attributes === 'object' ? o.attributes : {};
  var created = o.createdAt != null ? o.createdAt : o.created_at;
  if (typeof created === 'string') created = Date.parse(created);
  var user = { id: id, language: o.language, email: o.email || (typeof attributes.email === 'string' ? attributes.email : undefined) };
  app.user = user;
  var body = JSON.stringify({
    user_id: id, attributes: attributes, created_at: typeof created === 'number' && isFinite(created) ? Math.trunc(created) : undefined,
    language: o.language, account: o.account, identity_token: o.identityToken != null ? o.identityToken : o.identity_token,
  });
  // A few quick retries: decisions wait for this, answers do not (they are queued).
  var attempt = function (waits) {
    return send('POST', 'identify', body).then(function (r) {
      if (r.status === 200 && r.body) {
        save('nps:session:' + app.key, { user_id: r.body.user_id, token: r.body.session_token, expires_at: r.body.expires_at });
      } else if (r.status && r.status < 500 && r.status !== 429) {
        warn('identify:', r.status, r.text);
      } else if (waits.length) {
        return sleep(waits[0]).then(function () { return attempt(waits.slice(1)); });
      }
    });
  };
  attempt([1000, 4000]).then(function () {
    if (app.user !== user) return; // signed out or someone else meanwhile
    user.identified = true;
    flush(true);
    drain();
  });
}

/** Something happened in the host app: evaluate it now if we can, else when we can. */
function observe(ctx) {
  if (app.waiting.length < 50) app.waiting.push(ctx);
  drain();
}

function drain() {
  if (!app.config || !app.user || !app.user.identified) return;
  app.waiting.splice(0).forEach(evaluate);
}

function retryKey(user, surveyId) { return 'nps:retry:' + app.key + ':' + user.id + ':' + surveyId; }

function evaluate(ctx) {
  var user = app.user;
  if (ctx.type === 'event') {
    // Counted per user across page loads, for `nth_occurrence`.
    var k = 'nps:events:' + app.key + ':' + user.id, counts = load(k) || {};
    ctx.occurrence = counts[ctx.name] = (+own(counts, ctx.name) || 0) + 1;
    save(k, counts);
  }
  if (app.busy) return;
  var now = Date.now(), trigger = null;
  var survey = app.config.find(function (s) {
    if (load(retryKey(user, s.id)) > now) return false;
    trigger = triggerFires(s.rules && s.rules.triggers, ctx);
    return !!trigger;
  });
  if (!survey) return;
  app.busy = true;
  sleep(triggerDelay(trigger)).then(function () { return decide(survey, user, triggerLabel(trigger)); }).then(function (shown) {
    if (!shown) app.busy = false;
  });
}

/** The texts for `lang` and the language they are in: the language, its primary subtag
    (`pt-BR` -> `pt`), the survey's default, else any. */
function textsFor(definition, lang) {
  var texts = (definition && definition.texts) || {};
  var langs = [lang, lang.split(/[-_]/)[0], definition && definition.default_language].concat(Object.keys(texts));
  var found = langs.find(function (l) { return own(texts, l) && typeof texts[l] === 'object'; });
  return found ? { lang: found, texts: texts[found] } : null;
}

/** Asks the collector; shows the survey when it says yes. Resolves to whether it is shown. */
function decide(survey, user, trigger) {
  var lang = user.language || navigator.language || 'en';
  var displayId = uuid();
  var body = JSON.stringify({
    survey_id: survey.id, user_id: user.id, display_id: displayId, trigger: trigger, url: location.href,
    language: lang, device: device(), email: user.email,
  });
  return send('POST', 'decide', body, token(user.id)).then(function (r) {
    var d = r.status === 200 && r.body;
    if (!d) return false;
    if (!d.eligible) {
      // Hold back local re-asks for a while (cadence triggers fire on every page view), but
      // never for long: the collector stays the authority, and its history may change.
      if (typeof d.retry_after === 'number') save(retryKey(user, survey.id), Math.min(d.retry_after, Date.now() + 3600000));
      return false;
    }
    return show(survey.definition, {
      survey_id: survey.id, user_id: user.id, display_id: d.display_id || displayId, response_id: uuid(), trigger: trigger,
      sampling_rate_bp: d.sampling_rate_bp, lang: lang,
    });
  });
}

/** The renderer's module, fetched and instantiated on first use only. */
function loadRenderer() {
  renderer = renderer || import(new URL('__NPS_RENDERER__', base).href).then(function (m) {
    return m.default().then(function () { return m; });
  });
  return renderer;
}

/** Shows the card for `current` (start: `{band, thanks}` for the admin preview). */
function show(definition, current, start) {
  var chosen = textsFor(definition, current.lang);
  if (!chosen) return Promise.resolve(false);
  current.lang = chosen.lang;
  app.current = current;
  var payload = { lang: chosen.lang, texts: chosen.texts, appearance: definition.appearance || {}, start_band: start && start.band, start_thanks: !!(start && start.thanks), preview: !!current.preview };
  return loadRenderer().then(function (m) {
    if (app.current !== current) return false; // reset or replaced while the renderer loaded
    m.show(payload, report);
    if (!current.preview) emit('shown', { surveyId: current.survey_id });
    return true;
  }).catch(function (e) {
    warn('the survey could not be shown', e);
    renderer = null;
    app.current = null;
    return false;
  });
}

function close() {
  app.busy = false;
  app.current = null;
  if (renderer) renderer.then(function (m) { m.close(); }, function () {});
}

/** `nps('preview', {definition, language, step, band})`: the admin's survey editor shows the
    unsaved survey in the real card. Nothing is asked of or sent to the collector. */
function preview(o) {
  var definition = o.definition || {};
  var step = o.step, band = o.band || 'promoter';
  var start = step === 'follow_up' || step === 'thank_you' ? { band: band, thanks: step === 'thank_you' } : null;
  show(definition, { survey_id: 0, preview: true, lang: o.language || definition.default_language || 'en' }, start);
}

/** What happened on the card: `score` {score}, `complete` {comment, extra_answers}, `feedback`
    {kind} or `closed` {reason}. Every write goes through the outbox. */
function report(what, detail) {
  var c = app.current;
  if (!c) return;
  if (what === 'closed') {
    app.busy = false;
    app.current = null;
    return emit('closed', { surveyId: c.survey_id, reason: detail.reason });
  }
  if (c.preview) return;
  if (what === 'score') {
    enqueue('responses', c.user_id, {
      response_id: c.response_id, survey_id: c.survey_id, user_id: c.user_id, display_id: c.display_id, score: detail.score,
      language: c.lang, device: device(), trigger: c.trigger, sampling_rate_bp: c.sampling_rate_bp,
    });
    emit('answered', { surveyId: c.survey_id, score: detail.score });
  } else if (what === 'complete') {
    enqueue('responses/' + c.response_id + '/complete', c.user_id, { survey_id: c.survey_id, user_id: c.user_id, comment: detail.comment, extra_answers: detail.extra_answers });
  } else if (what === 'feedback') {
    enqueue('feedback', c.user_id, { action_id: uuid(), survey_id: c.survey_id, user_id: c.user_id, kind: detail.kind });
  }
}

// ---------------------------------------------------------------------------------------------
// The outbox: every write goes to localStorage (`nps:outbox:KEY`, a JSON array of {id, path,
// body, user_id, attempts, next_at}) first and is removed only once the collector has
// acknowledged it. Writes carry client-generated ids, so sending one twice (a lost
// acknowledgement, two tabs flushing at once) still stores it once.
// ---------------------------------------------------------------------------------------------

var MAX_ATTEMPTS = 40, MAX_ITEMS = 200, flushing = false;

function outboxKey() { return 'nps:outbox:' + app.key; }
function pending() { var items = load(outboxKey()); return Array.isArray(items) ? items : []; }
/** Re-reads the stored queue and changes it, so writes made meanwhile (other tabs) are kept. */
function update(f) { var items = pending(); f(items); save(outboxKey(), items); }
function keep(items, f) { var kept = items.filter(f); items.length = 0; items.push.apply(items, kept); }

/** The widget session of the last identify, so that writes queued on an earlier page can be
    flushed before this page's identify has finished. */
function token(userId) {
  var s = load('nps:session:' + app.key);
  return s && s.user_id === userId && s.expires_at > Date.now() ? s.token : undefined;
}

function enqueue(path, userId, body) {
  update(function (items) {
    if (items.length >= MAX_ITEMS) items.shift();
    items.push({ id: uuid(), path: path, body: JSON.stringify(body), user_id: userId, attempts: 0, next_at: 0 });
  });
  flush();
}

/** Exponential back-off from 2 s up to 10 minutes, jittered so that many clients coming back
    online together do not hit the collector in step. */
function backoff(attempts) {
  var b = Math.min(2000 * Math.pow(2, Math.min(attempts, 9)), 600000);
  return b + Math.random() * b * 0.25;
}

/** Sends every due entry in order; stops at the first one that must be retried, so a
    completion never overtakes its score. `due`: make every entry due first (page load, back
    online: the reason for the back-off may be gone). */
function flush(due) {
  if (!app.key) return;
  if (due === true && pending().some(function (i) { return i.next_at > 0; })) {
    update(function (items) { items.forEach(function (i) { i.next_at = 0; }); });
  }
  if (flushing) return;
  flushing = true;
  var next = function () {
    var item = pending()[0];
    if (!item || item.next_at > Date.now()) return Promise.resolve();
    return send('POST', item.path, item.body, token(item.user_id)).then(function (r) {
      var s = r.status;
      // Throttled, server trouble, no answer, or an identity the next identify renews: the
      // write is fine, the moment is not.
      var retry = !s || s === 429 || s >= 500 || (s === 401 && /identity_(expired|required)/.test(r.text));
      if (retry) {
        return update(function (items) {
          items.forEach(function (i) { if (i.id === item.id) { i.attempts++; i.next_at = Date.now() + backoff(i.attempts); } });
          keep(items, function (i) { return i.attempts < MAX_ATTEMPTS; });
        });
      }
      if (s >= 300) warn('write refused, dropped:', s, r.text);
      update(function (items) { keep(items, function (i) { return i.id !== item.id; }); });
      return next();
    });
  };
  next().then(function () { flushing = false; }, function () { flushing = false; });
}
