/**
 * The order lookup page. No inline script or style (the CSP forbids them): behaviour comes from
 * /app.js, looks from /app.css. The empty data: icon keeps browsers from asking for /favicon.ico.
 */
export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Order lookup</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<a class="skip" href="#search-input">Skip to the search box</a>
<header class="top">
  <h1>Order lookup</h1>
  <form id="search-form" class="search" role="search" novalidate>
    <label for="search-input">Order UID</label>
    <input id="search-input" name="order_uid" type="search" autocomplete="off" spellcheck="false"
           maxlength="64" placeholder="e.g. b563feb7b2b84b6test" aria-describedby="search-hint" required>
    <button type="submit">Look up</button>
    <span id="search-hint" class="hint">1–64 letters, digits, “-” or “_”</span>
  </form>
  <div class="account" aria-live="polite">
    <span id="account-name" hidden></span>
    <button id="sign-in" type="button" class="secondary" hidden>Sign in</button>
    <button id="sign-out" type="button" class="secondary" hidden>Sign out</button>
  </div>
</header>
<main class="layout">
  <section class="panel order-panel" aria-labelledby="order-heading">
    <div id="message" class="message" role="status" aria-live="polite" hidden></div>
    <article id="order" class="order" hidden>
      <div class="order-head">
        <h2 id="order-heading" tabindex="-1">Order <span id="order-uid" class="mono"></span></h2>
        <span id="cache-badge" class="badge"></span>
      </div>
      <dl id="order-facts" class="facts"></dl>
      <div class="columns">
        <section aria-labelledby="delivery-heading">
          <h3 id="delivery-heading">Delivery</h3>
          <dl id="delivery" class="facts"></dl>
        </section>
        <section aria-labelledby="payment-heading">
          <h3 id="payment-heading">Payment</h3>
          <dl id="payment" class="facts"></dl>
        </section>
      </div>
      <section aria-labelledby="items-heading">
        <h3 id="items-heading">Items</h3>
        <div class="table-wrap">
          <table id="items">
            <thead><tr>
              <th scope="col">#</th><th scope="col">Name</th><th scope="col">Brand</th><th scope="col">Size</th>
              <th scope="col" class="num">Price</th><th scope="col" class="num">Sale</th><th scope="col" class="num">Total</th>
              <th scope="col" class="num">Status</th><th scope="col" class="num">nm_id</th>
            </tr></thead>
            <tbody></tbody>
          </table>
        </div>
      </section>
      <button id="raw-toggle" type="button" class="secondary" aria-expanded="false" aria-controls="raw-json">Show raw JSON</button>
      <pre id="raw-json" class="raw" hidden></pre>
    </article>
    <p id="placeholder" class="placeholder">Type an order UID above, or pick one of the recent orders.</p>
  </section>
  <aside class="panel recent-panel" aria-labelledby="recent-heading">
    <div class="recent-head">
      <h2 id="recent-heading">Recent orders</h2>
      <button id="recent-refresh" type="button" class="secondary">Refresh</button>
    </div>
    <ol id="recent-list" class="recent"></ol>
    <p id="recent-message" class="hint" role="status" aria-live="polite"></p>
    <button id="recent-more" type="button" class="secondary" hidden>Load more</button>
    <section class="demo" aria-labelledby="demo-heading">
      <h2 id="demo-heading">Demo</h2>
      <p class="hint">Sends a generated sample order to <code>POST /orders</code> (through Kafka and the consumer).</p>
      <button id="submit-sample" type="button">Submit a sample order</button>
      <div id="submit-result" class="message" role="status" aria-live="polite" hidden></div>
    </section>
  </aside>
</main>
</body>
</html>
`;
