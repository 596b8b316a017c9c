/* The admin's survey preview. The editor posts {type: 'nps-preview', kind, language, step,
   band, definition} (the unsaved survey) to this frame. The real widget (/widget/nps.js) gets
   it as nps('preview', {...}); until the widget renders a card of its own (an <nps-survey>
   element), a static rendering that follows the widget's layout is shown. */
(function () {
  'use strict';
  var root = document.getElementById('static-preview');
  var last = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function safeColour(c) {
    return typeof c === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(c) ? c : '#4f46e5';
  }

  function textsFor(def, lang) {
    var t = def && def.texts || {};
    return t[lang] || t[def.default_language] || t[Object.keys(t)[0]] || null;
  }

  function render(msg) {
    var def = msg.definition || {};
    var texts = textsFor(def, msg.language);
    var app = def.appearance || {};
    var band = msg.band || 'promoter';
    root.textContent = '';
    if (!texts) { root.appendChild(el('p', 'empty', 'No texts in this language.')); return; }
    var dark = app.theme === 'dark' || (app.theme === 'auto' && window.matchMedia && matchMedia('(prefers-color-scheme: dark)').matches);
    var card = el('div', 'card ' + (app.placement || 'bottom_right') + (dark ? ' dark' : ''));
    card.setAttribute('role', 'dialog');
    card.setAttribute('aria-label', 'Survey');
    card.style.setProperty('--brand', safeColour(app.brand_colour));
    var close = el('button', 'close', '\u00d7');
    close.setAttribute('aria-label', 'Close');
    card.appendChild(close);
    var chosen = band === 'detractor' ? 3 : band === 'passive' ? 7 : 9;
    if (msg.step === 'thank_you') {
      card.appendChild(el('p', 'thanks', (texts.thank_you || {})[band] || ''));
    } else {
      card.appendChild(el('p', 'q', texts.question || ''));
      var scale = el('div', 'scale');
      scale.setAttribute('role', 'radiogroup');
      for (var i = 0; i <= 10; i++) {
        var b = el('button', 'score' + (msg.step === 'follow_up' && i === chosen ? ' chosen' : ''), String(i));
        b.setAttribute('role', 'radio');
        b.setAttribute('aria-checked', msg.step === 'follow_up' && i === chosen ? 'true' : 'false');
        scale.appendChild(b);
      }
      card.appendChild(scale);
      var ends = el('div', 'ends');
      ends.appendChild(el('span', null, 'Not likely'));
      ends.appendChild(el('span', null, 'Very likely'));
      card.appendChild(ends);
      if (msg.step === 'follow_up') {
        card.appendChild(el('label', 'fu', (texts.follow_up || {})[band] || ''));
        card.appendChild(el('textarea', 'comment'));
        card.appendChild(el('button', 'send', 'Send'));
      }
    }
    root.appendChild(card);
  }

  function widgetShowsCard() { return !!document.querySelector('nps-survey'); }

  window.addEventListener('message', function (ev) {
    if (ev.origin !== location.origin || !ev.data || ev.data.type !== 'nps-preview') return;
    last = ev.data;
    if (!widgetShowsCard()) render(last);
    if (typeof window.nps === 'function') {
      try {
        window.nps('preview', { definition: last.definition, kind: last.kind, language: last.language, step: last.step, band: last.band });
      } catch (e) { /* the widget has no preview yet: the static rendering stays */ }
    }
    root.hidden = widgetShowsCard();
  });

  // The widget loads after the page: once its card is there, the static copy goes away (not
  // merely hidden, so that nothing is shown twice).
  var watch = setInterval(function () {
    if (!widgetShowsCard()) return;
    root.hidden = true;
    root.textContent = '';
    clearInterval(watch);
  }, 100);
  new MutationObserver(function () { root.hidden = widgetShowsCard(); }).observe(document.body, { childList: true });
})();
