/**
 * The dashboard's HTML, served as GET /dashboard. Static markup only: rows are built by app.js with
 * textContent. URLs are relative (`dashboard/app.js`, `v1/calls`) so the page also works behind a
 * proxy that mounts the ops API under a prefix.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>callguard · live calls</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="dashboard/app.css">
<script src="dashboard/app.js" defer></script>
</head>
<body>
<a class="skip" href="#calls-h">Skip to live calls</a>
<header>
  <h1>callguard</h1>
  <p id="conn" class="conn" data-state="idle" role="status">Not connected</p>
  <button type="button" id="forget" hidden>Forget token</button>
</header>
<main>
  <section id="auth" aria-labelledby="auth-h" hidden>
    <h2 id="auth-h">Sign in</h2>
    <form id="token-form" novalidate>
      <label for="token">Ops API token</label>
      <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required>
      <button type="submit">Open dashboard</button>
      <p id="auth-error" class="error" role="alert"></p>
    </form>
  </section>

  <div id="views" hidden>
    <p id="alert-live" class="latest" aria-live="polite" aria-atomic="true"></p>

    <section aria-labelledby="calls-h">
      <h2 id="calls-h">Live calls <span id="calls-count"></span></h2>
      <div class="scroll" role="region" aria-labelledby="calls-h" tabindex="0">
        <table id="calls">
          <caption>Recordings in progress on every node, newest first. Numbers are masked.</caption>
          <thead><tr>
            <th scope="col">Call</th>
            <th scope="col">Node</th>
            <th scope="col">State</th>
            <th scope="col">Subscriber</th>
            <th scope="col">Started</th>
            <th scope="col">Streams</th>
            <th scope="col">Risk</th>
            <th scope="col">Alerted</th>
          </tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <p id="calls-empty" class="empty">No live calls.</p>
    </section>

    <section aria-labelledby="alerts-h">
      <h2 id="alerts-h">Recent alerts</h2>
      <div class="scroll" role="region" aria-labelledby="alerts-h" tabindex="0">
        <table id="alerts">
          <caption>The 20 most recent SMS warnings, newest first.</caption>
          <thead><tr>
            <th scope="col">Time</th>
            <th scope="col">Subscriber</th>
            <th scope="col">Category</th>
            <th scope="col">Risk</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">Attempts</th>
            <th scope="col">Disputed</th>
          </tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <p id="alerts-empty" class="empty">No alerts yet.</p>
    </section>

    <section aria-labelledby="nodes-h">
      <h2 id="nodes-h">Nodes</h2>
      <div class="scroll" role="region" aria-labelledby="nodes-h" tabindex="0">
        <table id="nodes">
          <caption>Recording nodes and their last heartbeat.</caption>
          <thead><tr>
            <th scope="col">Node</th>
            <th scope="col" class="num">Calls</th>
            <th scope="col">Last seen</th>
            <th scope="col">Health</th>
          </tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <p id="nodes-empty" class="empty">No nodes reported.</p>
    </section>
  </div>
</main>
</body>
</html>
`;
