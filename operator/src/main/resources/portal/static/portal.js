// Live updates: the server says "changed" (server-sent events) and the page fetches its content again,
// already escaped by the server's templates. Focus stays on the control that had it.
(function () {
  'use strict';
  var updated = document.getElementById('updated');
  var content = document.getElementById('content');
  var pending = false;

  function focusKey() {
    var el = document.activeElement;
    if (!el || !content.contains(el)) { return null; }
    var card = el.closest('[data-service]');
    return { card: card ? card.getAttribute('data-service') : null, value: el.value || null, tag: el.tagName };
  }

  function restore(key) {
    if (!key || !key.card) { return; }
    var cards = content.querySelectorAll('[data-service]');
    for (var i = 0; i < cards.length; i++) {
      if (cards[i].getAttribute('data-service') === key.card) {
        var target = key.value ? cards[i].querySelector('button[value="' + CSS.escape(key.value) + '"]') : cards[i].querySelector('a, button');
        if (target) { target.focus(); }
        return;
      }
    }
  }

  function refresh() {
    if (pending) { return; }
    pending = true;
    fetch('content', { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var key = focusKey();
        content.innerHTML = html;
        restore(key);
        updated.textContent = 'Updated ' + new Date().toLocaleTimeString();
        content.setAttribute('data-version', String(Date.now()));
      })
      .catch(function () { updated.textContent = 'Live updates paused'; })
      .then(function () { pending = false; });
  }

  if (window.EventSource) {
    var source = new EventSource('updates');
    source.addEventListener('changed', refresh);
    source.onerror = function () { updated.textContent = 'Reconnecting'; };
    source.onopen = function () { updated.textContent = 'Live'; };
  }
})();
