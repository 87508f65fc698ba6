/** The page's stylesheet, served at /app.css (same-origin, as the CSP requires). */
export const APP_CSS = `:root {
  color-scheme: light;
  --bg: #f4f5f7; --panel: #fff; --text: #1d2330; --muted: #5b6475; --line: #dfe3ea;
  --accent: #3346d3; --accent-text: #fff; --ok: #17663a; --ok-bg: #e6f4ec; --warn: #7a4b00; --warn-bg: #fff3da;
  --error: #a1212b; --error-bg: #fde8ea; --info-bg: #eaf0ff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; line-height: 1.45;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
.skip { position: absolute; left: -999px; top: 0; background: var(--accent); color: var(--accent-text); padding: .5rem 1rem; }
.skip:focus { left: .5rem; top: .5rem; z-index: 10; }
.top { background: var(--panel); border-bottom: 1px solid var(--line); padding: 1rem 1.5rem; display: flex; flex-wrap: wrap; align-items: center; gap: 1rem 2rem; }
.top h1 { margin: 0; font-size: 1.35rem; }
.search { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; flex: 1; }
.search label { font-weight: 600; }
.search input { flex: 1; min-width: 16rem; max-width: 32rem; padding: .5rem .65rem; font: inherit; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; border: 1px solid #aab2c0; border-radius: 6px; }
.hint { color: var(--muted); font-size: .85rem; }
.account { display: flex; align-items: center; gap: .75rem; margin-left: auto; }
#account-name { font-weight: 600; }
button { font: inherit; padding: .5rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-text); cursor: pointer; }
button.secondary { background: var(--panel); color: var(--accent); }
button:hover { filter: brightness(1.08); }
:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 25rem; gap: 1.25rem; padding: 1.25rem 1.5rem; align-items: start; }
@media (max-width: 900px) { .layout { grid-template-columns: 1fr; } }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 1.1rem 1.25rem; }
h2 { font-size: 1.15rem; margin: 0 0 .75rem; }
h3 { font-size: 1rem; margin: 1.1rem 0 .5rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.order-head { display: flex; align-items: center; justify-content: space-between; gap: 1rem; flex-wrap: wrap; }
.order-head h2 { margin: 0; }
.badge { font-size: .8rem; font-weight: 600; padding: .2rem .6rem; border-radius: 999px; border: 1px solid currentColor; }
.badge.hit { color: var(--ok); background: var(--ok-bg); }
.badge.miss { color: var(--warn); background: var(--warn-bg); }
.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .3rem 1rem; margin: .75rem 0 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.facts dd.amount { font-weight: 700; font-size: 1.05rem; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 0 2rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .4rem .55rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; background: #f8f9fb; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
#raw-toggle { margin-top: 1rem; }
.raw { background: #161b26; color: #e7ebf3; padding: 1rem; border-radius: 8px; overflow: auto; max-height: 28rem; font-size: .82rem; }
.message { padding: .7rem .9rem; border-radius: 8px; margin-bottom: 1rem; border: 1px solid transparent; }
.message p { margin: 0 0 .5rem; }
.message ul { margin: .25rem 0 0; padding-left: 1.2rem; }
.message.info { background: var(--info-bg); }
.message.ok { background: var(--ok-bg); color: var(--ok); border-color: #b9dfc8; }
.message.warn { background: var(--warn-bg); color: var(--warn); border-color: #f1d49a; }
.message.error { background: var(--error-bg); color: var(--error); border-color: #f3b9bf; }
.placeholder { color: var(--muted); margin: 0; }
.recent-head { display: flex; justify-content: space-between; align-items: center; }
.recent-head h2 { margin: 0; }
.recent { list-style: none; margin: .75rem 0; padding: 0; display: grid; gap: .4rem; }
.recent-item { width: 100%; text-align: left; background: var(--panel); color: var(--text); border: 1px solid var(--line); display: grid; gap: .15rem; padding: .5rem .65rem; }
.recent-item:hover { border-color: var(--accent); filter: none; }
.recent-top { display: flex; justify-content: space-between; gap: .5rem; }
.recent-top .uid { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-size: .85rem; }
.recent-top .amount { font-weight: 600; white-space: nowrap; }
.recent-bottom { color: var(--muted); font-size: .8rem; }
.demo { border-top: 1px solid var(--line); margin-top: 1rem; padding-top: 1rem; }
.demo .message { margin-top: .75rem; }
[hidden] { display: none !important; }
`;
