/**
 * The page's script, served at /app.js (a same-origin script, as the CSP requires). It builds
 * every node with textContent, never innerHTML, so order data cannot inject markup.
 * Sign-in: OAuth 2.0 authorization code flow with PKCE (RFC 7636) against the issuer named by
 * GET /auth/config, as a public client (no secret). Tokens live in this script's memory only;
 * sessionStorage holds the PKCE verifier, the state and the page's place across the redirect.
 * A 401 (the token expired) signs in again and comes back to the same order.
 * Kept as a string so that the function bundle needs no extra build step; no template literals
 * inside, so this TypeScript template string holds it verbatim.
 */
export const APP_JS = String.raw`'use strict';
(function () {
  var UID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
  var PAGE_SIZE = 10;
  var $ = function (id) { return document.getElementById(id); };
  var nextCursor = null;
  var SIGN_IN_KEY = 'order-page.sign-in';
  // config: GET /auth/config (null: sign-in not configured); tokens only here, never in storage.
  // fresh: a token the API has not accepted yet (a 401 for it means: stop, do not sign in again).
  var auth = { config: null, accessToken: null, idToken: null, redirecting: false, fresh: false };

  function SignInNeeded() { this.message = 'sign-in needed'; }

  function base64url(bytes) {
    return btoa(String.fromCharCode.apply(null, new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function randomString() {
    var bytes = new Uint8Array(32);
    crypto.getRandomValues(bytes);
    return base64url(bytes);
  }

  function claimsOf(jwt) {
    try {
      var part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      var binary = atob(part + '==='.slice((part.length + 3) % 4));
      return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, function (c) { return c.charCodeAt(0); })));
    } catch (e) {
      return {};
    }
  }

  function redirectUri() { return location.origin + '/'; }

  // A GET form to the identity provider: the CSP's form-action names exactly its origin.
  function navigate(url, params) {
    var form = el('form');
    form.method = 'get';
    form.action = url;
    form.hidden = true;
    Object.keys(params).forEach(function (name) {
      var input = el('input');
      input.type = 'hidden';
      input.name = name;
      input.value = params[name];
      form.append(input);
    });
    document.body.append(form);
    form.submit();
  }

  function signIn() {
    if (auth.redirecting) return;
    auth.redirecting = true;
    var verifier = randomString();
    var state = randomString();
    sessionStorage.setItem(SIGN_IN_KEY, JSON.stringify({ verifier: verifier, state: state, hash: location.hash }));
    crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)).then(function (digest) {
      navigate(auth.config.authorize_url, {
        response_type: 'code', client_id: auth.config.client_id, redirect_uri: redirectUri(), scope: auth.config.scopes,
        state: state, code_challenge: base64url(digest), code_challenge_method: 'S256'
      });
    });
  }

  function signOut() {
    var idToken = auth.idToken;
    auth.accessToken = null;
    auth.idToken = null;
    showAccount();
    if (!auth.config.logout_url) return;
    // Cognito's /logout reads logout_uri, an OpenID provider post_logout_redirect_uri: send both.
    var params = { client_id: auth.config.client_id, logout_uri: redirectUri(), post_logout_redirect_uri: redirectUri() };
    if (idToken) params.id_token_hint = idToken;
    navigate(auth.config.logout_url, params);
  }

  // Back from the authorize endpoint: the code for tokens, with the verifier only this tab has.
  function finishSignIn(query) {
    var saved = JSON.parse(sessionStorage.getItem(SIGN_IN_KEY) || 'null');
    sessionStorage.removeItem(SIGN_IN_KEY);
    history.replaceState(null, '', '/' + (saved && saved.hash ? saved.hash : ''));
    if (!saved || query.get('state') !== saved.state || !query.get('code')) {
      showMessage('error', 'Sign-in failed' + (query.get('error') ? ': ' + query.get('error') : '') + '.');
      return Promise.resolve();
    }
    var body = new URLSearchParams({ grant_type: 'authorization_code', code: query.get('code'), redirect_uri: redirectUri(),
      client_id: auth.config.client_id, code_verifier: saved.verifier });
    return fetch(auth.config.token_url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body })
      .then(function (response) { return response.json().then(function (tokens) { return { ok: response.ok, tokens: tokens }; }); })
      .then(function (result) {
        if (!result.ok || !result.tokens.access_token) throw new Error(result.tokens.error || 'no token');
        auth.accessToken = result.tokens.access_token;
        auth.idToken = result.tokens.id_token || null;
        auth.fresh = true;
      })
      .catch(function (error) { showMessage('error', 'Sign-in failed: ' + error.message + '.'); });
  }

  function showAccount() {
    var signedIn = Boolean(auth.accessToken);
    var claims = signedIn && auth.idToken ? claimsOf(auth.idToken) : {};
    var name = claims.name || claims.preferred_username || claims['cognito:username'] || claims.email || claims.sub || 'signed in';
    $('account-name').textContent = signedIn ? 'Signed in as ' + name : '';
    $('account-name').hidden = !signedIn;
    $('sign-in').hidden = signedIn || !auth.config;
    $('sign-out').hidden = !signedIn;
  }

  // The API with the token; without one (or with an expired one: 401) the page signs in.
  function api(path, init) {
    init = init || {};
    var headers = init.headers || {};
    if (auth.config) {
      if (!auth.accessToken) { signIn(); return Promise.reject(new SignInNeeded()); }
      headers.authorization = 'Bearer ' + auth.accessToken;
    }
    init.headers = headers;
    return fetch(path, init).then(function (response) {
      if (response.status === 401 && auth.config) {
        if (auth.fresh) throw new Error('the API refused a token just issued (HTTP 401)');
        auth.accessToken = null;
        signIn();
        throw new SignInNeeded();
      }
      auth.fresh = false;
      return response;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function money(minor, currency) {
    try {
      var format = new Intl.NumberFormat(undefined, { style: 'currency', currency: currency });
      // Amounts are in minor units; the currency says how many (2 for USD/EUR/RUB, 0 for JPY).
      var digits = format.resolvedOptions().maximumFractionDigits;
      return format.format(minor / Math.pow(10, digits));
    } catch (e) {
      return minor + ' ' + currency + ' (minor units)';
    }
  }

  function dateTime(value) {
    var date = new Date(value);
    return isNaN(date.getTime()) ? String(value) : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  }

  function fillFacts(dl, facts) {
    dl.replaceChildren();
    facts.forEach(function (fact) {
      if (fact[1] === undefined) return;
      dl.append(el('dt', null, fact[0]), el('dd', fact[2] || null, fact[1] === '' ? '—' : fact[1]));
    });
  }

  function showMessage(kind, text) {
    var box = $('message');
    box.className = 'message ' + kind;
    box.textContent = text;
    box.hidden = false;
  }

  function hideMessage() { $('message').hidden = true; }

  function renderOrder(order, cache, timing) {
    $('placeholder').hidden = true;
    $('order-uid').textContent = order.order_uid;
    var badge = $('cache-badge');
    badge.textContent = cache === 'hit' ? 'cache hit' : cache === 'miss' ? 'cache miss (database)' : 'cache: unknown';
    badge.className = 'badge ' + (cache === 'hit' ? 'hit' : 'miss');
    badge.title = timing ? 'server-timing: ' + timing : '';
    fillFacts($('order-facts'), [
      ['Created', dateTime(order.date_created)],
      ['Track number', order.track_number, 'mono'],
      ['Customer', order.customer_id],
      ['Entry', order.entry],
      ['Delivery service', order.delivery_service],
      ['Locale', order.locale],
      ['Shard / SM / OOF', order.shardkey + ' / ' + order.sm_id + ' / ' + order.oof_shard],
      ['Internal signature', order.internal_signature]
    ]);
    var d = order.delivery;
    fillFacts($('delivery'), [
      ['Name', d.name], ['Phone', d.phone], ['Email', d.email],
      ['Address', d.address], ['City', d.city], ['Region', d.region], ['ZIP', d.zip]
    ]);
    var p = order.payment;
    fillFacts($('payment'), [
      ['Amount', money(p.amount, p.currency), 'amount'],
      ['Goods', money(p.goods_total, p.currency)],
      ['Delivery', money(p.delivery_cost, p.currency)],
      ['Custom fee', money(p.custom_fee, p.currency)],
      ['Currency', p.currency],
      ['Provider / bank', p.provider + ' / ' + p.bank],
      ['Paid at', dateTime(p.payment_dt * 1000)],
      ['Transaction', p.transaction, 'mono'],
      ['Request id', p.request_id]
    ]);
    var body = $('items').tBodies[0];
    body.replaceChildren();
    order.items.forEach(function (item, index) {
      var row = el('tr');
      row.append(
        el('td', 'num', index + 1),
        el('td', null, item.name),
        el('td', null, item.brand),
        el('td', null, item.size),
        el('td', 'num', money(item.price, p.currency)),
        el('td', 'num', item.sale + '%'),
        el('td', 'num', money(item.total_price, p.currency)),
        el('td', 'num', item.status),
        el('td', 'num mono', item.nm_id)
      );
      body.append(row);
    });
    $('raw-json').textContent = JSON.stringify(order, null, 2);
    $('order').hidden = false;
  }

  function hideOrder() { $('order').hidden = true; }

  function lookup(input, options) {
    var uid = String(input).trim();
    $('search-input').value = uid;
    if (!UID_PATTERN.test(uid)) {
      hideOrder();
      showMessage('error', 'Invalid order UID: use 1–64 letters, digits, “-” or “_”.');
      return Promise.resolve();
    }
    showMessage('info', 'Looking up ' + uid + '…');
    if (location.hash !== '#/orders/' + uid) history.replaceState(null, '', '#/orders/' + uid);
    // no-store: show what the API's cache did, not the browser's.
    return api('/orders/' + encodeURIComponent(uid), { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (response) {
        return response.text().then(function (text) {
          if (response.ok) {
            hideMessage();
            renderOrder(JSON.parse(text), response.headers.get('x-cache'), response.headers.get('server-timing'));
            if (options && options.focus) $('order-heading').focus();
            return;
          }
          hideOrder();
          if (response.status === 404) showMessage('warn', 'Order not found: there is no order with UID “' + uid + '”.');
          else if (response.status === 400) showMessage('error', 'Invalid order UID: use 1–64 letters, digits, “-” or “_”.');
          else if (response.status === 403) showMessage('error', 'Your account may not read orders (HTTP 403).');
          else if (response.status === 503) showMessage('error', 'Server error: the database is unavailable right now (orders already cached still load). Try again shortly.');
          else showMessage('error', 'Server error (HTTP ' + response.status + '). Try again.');
        });
      })
      .catch(function (error) {
        if (error instanceof SignInNeeded) { showMessage('info', 'Signing in…'); return; }
        hideOrder();
        showMessage('error', 'Server error: the API could not be reached.');
      });
  }

  function recentItem(summary) {
    var li = el('li');
    var button = el('button', 'recent-item');
    button.type = 'button';
    button.setAttribute('data-order-uid', summary.order_uid);
    var top = el('span', 'recent-top');
    top.append(el('span', 'mono uid', summary.order_uid), el('span', 'amount', money(summary.amount, summary.currency)));
    var bottom = el('span', 'recent-bottom', dateTime(summary.date_created) + ' · ' + summary.delivery_city + ' · ' +
      summary.item_count + (summary.item_count === 1 ? ' item' : ' items'));
    button.append(top, bottom);
    button.addEventListener('click', function () { lookup(summary.order_uid, { focus: true }); });
    li.append(button);
    return li;
  }

  function loadRecent(reset) {
    if (reset) nextCursor = null;
    var url = '/orders?limit=' + PAGE_SIZE + (nextCursor ? '&cursor=' + encodeURIComponent(nextCursor) : '');
    $('recent-message').textContent = 'Loading…';
    return api(url, { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (page) {
        var list = $('recent-list');
        if (reset) list.replaceChildren();
        page.orders.forEach(function (summary) { list.append(recentItem(summary)); });
        nextCursor = page.next_cursor;
        $('recent-more').hidden = !nextCursor;
        $('recent-message').textContent = list.children.length === 0 ? 'No orders stored yet.' : '';
      })
      .catch(function (error) {
        $('recent-message').textContent = error instanceof SignInNeeded ? 'Sign in to see the recent orders.' : 'Could not load recent orders (' + error.message + ').';
      });
  }

  // Demo: a small valid order (the money rules hold) with a fresh order_uid.
  function sampleOrder() {
    var bytes = new Uint8Array(10);
    crypto.getRandomValues(bytes);
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join('');
    var rnd = function (n) { return Math.floor(Math.random() * n); };
    var uid = hex + 'demo';
    var track = 'WBDEMO' + hex.slice(0, 8).toUpperCase();
    var names = ['Mascaras', 'Tea kettle', 'Wool socks', 'Desk lamp', 'Notebook'];
    var brands = ['Vivienne Sabo', 'Nordic Home', 'Acme', 'Paper & Co'];
    var items = [];
    for (var i = 0, n = 1 + rnd(3); i < n; i++) {
      var price = 100 + rnd(20000);
      var sale = rnd(50);
      items.push({
        chrt_id: 1000000 + rnd(8999999), track_number: track, price: price, rid: hex + 'r' + i,
        name: names[rnd(names.length)], sale: sale, size: ['0', 'S', 'M', 'L'][rnd(4)],
        total_price: Math.floor(price * (100 - sale) / 100), nm_id: 1000000 + rnd(8999999),
        brand: brands[rnd(brands.length)], status: 202
      });
    }
    var goods = items.reduce(function (sum, item) { return sum + item.total_price; }, 0);
    var deliveryCost = rnd(2000);
    return {
      order_uid: uid, track_number: track, entry: 'WBIL',
      delivery: { name: 'Demo Customer', phone: '+15550100000', zip: '2639809', city: 'Demo City',
        address: 'Sample Street 1', region: 'Demo Region', email: 'demo@example.com' },
      payment: { transaction: uid, request_id: '', currency: 'USD', provider: 'wbpay',
        amount: goods + deliveryCost, payment_dt: Math.floor(Date.now() / 1000), bank: 'alpha',
        delivery_cost: deliveryCost, goods_total: goods, custom_fee: 0 },
      items: items, locale: 'en', internal_signature: '', customer_id: 'demo', delivery_service: 'meest',
      shardkey: '9', sm_id: 99, date_created: new Date().toISOString(), oof_shard: '1'
    };
  }

  function submitSample() {
    var box = $('submit-result');
    var order = sampleOrder();
    box.className = 'message info';
    box.textContent = 'Submitting ' + order.order_uid + '…';
    box.hidden = false;
    api('/orders', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(order) })
      .then(function (response) {
        return response.text().then(function (text) {
          var answer = null;
          try { answer = JSON.parse(text); } catch (e) { answer = null; }
          box.replaceChildren();
          if (response.status === 202) {
            box.className = 'message ok';
            box.append(el('p', null, 'Accepted (202): ' + order.order_uid + '. It appears once the consumer has stored it.'));
            var look = el('button', 'secondary', 'Look it up');
            look.type = 'button';
            look.addEventListener('click', function () { lookup(order.order_uid, { focus: true }); loadRecent(true); });
            box.append(look);
            return;
          }
          box.className = 'message error';
          var message = answer && (answer.message || (typeof answer.error === 'string' ? answer.error : answer.error && answer.error.message));
          box.append(el('p', null, 'Rejected (HTTP ' + response.status + ')' + (message ? ': ' + message : '.')));
          var violations = answer && (answer.violations || (answer.error && answer.error.violations));
          if (Array.isArray(violations)) {
            var list = el('ul');
            violations.forEach(function (v) { list.append(el('li', 'mono', (v.path || '') + ' ' + (v.message || ''))); });
            box.append(list);
          }
        });
      })
      .catch(function (error) {
        box.className = 'message ' + (error instanceof SignInNeeded ? 'info' : 'error');
        box.textContent = error instanceof SignInNeeded ? 'Signing in…' : 'Could not reach POST /orders.';
      });
  }

  function loadAuthConfig() {
    return fetch('/auth/config', { headers: { accept: 'application/json' } })
      .then(function (response) { return response.status === 200 ? response.json() : null; })
      .then(function (config) { auth.config = config; }, function () { auth.config = null; });
  }

  function start() {
    showAccount();
    if (auth.config && !auth.accessToken) {
      $('recent-message').textContent = 'Sign in to see the recent orders.';
      $('placeholder').textContent = 'Sign in to look up orders.';
      return;
    }
    $('placeholder').textContent = 'Type an order UID above, or pick one of the recent orders.';
    var match = /^#\/orders\/(.+)$/.exec(location.hash);
    if (match) lookup(decodeURIComponent(match[1]));
    loadRecent(true);
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('search-form').addEventListener('submit', function (event) {
      event.preventDefault();
      lookup($('search-input').value);
    });
    $('raw-toggle').addEventListener('click', function () {
      var raw = $('raw-json');
      raw.hidden = !raw.hidden;
      this.setAttribute('aria-expanded', String(!raw.hidden));
      this.textContent = raw.hidden ? 'Show raw JSON' : 'Hide raw JSON';
    });
    $('recent-refresh').addEventListener('click', function () { loadRecent(true); });
    $('recent-more').addEventListener('click', function () { loadRecent(false); });
    $('submit-sample').addEventListener('click', submitSample);
    $('sign-in').addEventListener('click', signIn);
    $('sign-out').addEventListener('click', signOut);
    var query = new URLSearchParams(location.search);
    loadAuthConfig()
      .then(function () { return auth.config && (query.has('code') || query.has('error')) ? finishSignIn(query) : undefined; })
      .then(start);
  });
})();
`;
