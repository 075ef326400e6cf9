/** The dashboard's stylesheet, served as /dashboard/app.css (a string: tsc does not copy .css to dist/). */
export const DASHBOARD_CSS = String.raw`
:root {
  color-scheme: light dark;
  --bg: #ffffff;
  --fg: #1b1f24;
  --muted: #57606a;
  --line: #d0d7de;
  --head: #f6f8fa;
  --focus: #0b57d0;
  --ok-bg: #dafbe1; --ok-fg: #0a3d1a;
  --low-bg: #ddf4ff; --low-fg: #0a3069;
  --med-bg: #fff8c5; --med-fg: #4d2d00;
  --high-bg: #ffebe9; --high-fg: #82071e;
  --none-bg: #eaeef2; --none-fg: #24292f;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117;
    --fg: #e6edf3;
    --muted: #9198a1;
    --line: #30363d;
    --head: #161b22;
    --focus: #7fb3ff;
    --ok-bg: #12361f; --ok-fg: #aff5b4;
    --low-bg: #0c2d6b; --low-fg: #cae8ff;
    --med-bg: #3b2300; --med-fg: #f8e3a1;
    --high-bg: #5d0f12; --high-fg: #ffdcd7;
    --none-bg: #262c36; --none-fg: #d1d9e0;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
a { color: var(--focus); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 0.5rem; top: 0.5rem; background: var(--bg); padding: 0.25rem 0.5rem; z-index: 1; }
.vh {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
header {
  display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1rem;
  padding: 0.75rem 1rem; border-bottom: 1px solid var(--line);
}
header h1 { font-size: 1.15rem; margin: 0; margin-right: auto; }
main { padding: 0 1rem 2rem; max-width: 80rem; }
h2 { font-size: 1.05rem; margin: 1.5rem 0 0.5rem; }
button, input {
  font: inherit; color: inherit; background: var(--bg);
  border: 1px solid var(--line); border-radius: 6px; padding: 0.35rem 0.7rem;
}
button { cursor: pointer; background: var(--head); }
form { display: grid; gap: 0.5rem; max-width: 28rem; }
input { width: 100%; }
.error { color: var(--high-fg); margin: 0; min-height: 1.2em; }
.conn { margin: 0; padding: 0.15rem 0.6rem; border-radius: 999px; font-size: 0.85rem; border: 1px solid var(--line); }
.conn[data-state="live"] { background: var(--ok-bg); color: var(--ok-fg); }
.conn[data-state="reconnecting"], .conn[data-state="connecting"] { background: var(--med-bg); color: var(--med-fg); }
.conn[data-state="offline"] { background: var(--high-bg); color: var(--high-fg); }
.conn[data-state="live"]::before { content: "\25CF  "; }
.conn[data-state="reconnecting"]::before { content: "\21BB  "; }
.latest { margin: 1rem 0 0; padding: 0.5rem 0.75rem; border-left: 4px solid var(--line); background: var(--head); }
.latest:empty { display: none; }
.latest.fresh { border-left-color: var(--high-fg); }
/* Wide tables scroll inside their region so the page itself never scrolls sideways at 320px;
   relative so the table's visually hidden (absolute) labels are clipped here too, not by the page. */
.scroll { position: relative; overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
caption { text-align: left; padding: 0.4rem 0.6rem; color: var(--muted); font-size: 0.85rem; caption-side: top; }
th, td { text-align: left; padding: 0.35rem 0.6rem; border-top: 1px solid var(--line); white-space: nowrap; }
thead th { background: var(--head); font-weight: 600; font-size: 0.85rem; }
tbody tr:hover { background: var(--head); }
td.num, th.num { text-align: right; }
code { font: 0.9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.empty { color: var(--muted); margin: 0.5rem 0; }
.badge { display: inline-block; padding: 0 0.5rem; border-radius: 999px; font-size: 0.85rem; font-weight: 600; border: 1px solid transparent; }
.risk-none, .health-unknown { background: var(--none-bg); color: var(--none-fg); }
.risk-low { background: var(--low-bg); color: var(--low-fg); }
.risk-medium, .health-stale { background: var(--med-bg); color: var(--med-fg); }
.risk-high, .health-down { background: var(--high-bg); color: var(--high-fg); border-color: currentColor; }
.health-healthy { background: var(--ok-bg); color: var(--ok-fg); }
@media (max-width: 480px) {
  body { font-size: 14px; }
  header, main { padding-left: 0.5rem; padding-right: 0.5rem; }
  th, td { padding: 0.3rem 0.4rem; }
}
[hidden] { display: none !important; }
`;
