/// vigil.css: one stylesheet, light or dark as the system prefers.
extension Assets {
    static let css = """
    :root { --bg: #f7f7f5; --fg: #1c1e21; --muted: #5f6368; --card: #ffffff; --line: #d9dadc; --accent: #0b61c4;
      --ok: #1e7d34; --bad: #b3261e; --warn: #8a5a00; --chart: #0b61c4; color-scheme: light dark; }
    @media (prefers-color-scheme: dark) {
      :root { --bg: #121417; --fg: #e6e6e3; --muted: #a0a4a8; --card: #1c1f23; --line: #33373d; --accent: #7cb3ff;
        --ok: #6fd08a; --bad: #ff8a80; --warn: #f0c36d; --chart: #7cb3ff; }
    }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, sans-serif; }
    main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
    h1 { font-size: 1.5rem; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
    h2 { font-size: 1.1rem; margin: 0 0 .75rem; }
    a { color: var(--accent); }
    a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible {
      outline: 3px solid var(--accent); outline-offset: 2px; }
    .skip { position: absolute; left: -999px; top: .5rem; background: var(--card); padding: .5rem 1rem; }
    .skip:focus { left: .5rem; z-index: 1; }
    .bar { display: flex; justify-content: space-between; align-items: center; gap: 1rem; flex-wrap: wrap;
      padding: .5rem 1.5rem; background: var(--card); border-bottom: 1px solid var(--line); }
    .bar nav { display: flex; gap: 1.25rem; align-items: center; }
    .bar .brand { font-weight: 700; color: var(--fg); text-decoration: none; }
    .logout { display: flex; gap: .75rem; align-items: center; color: var(--muted); }
    .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin: 0 0 1rem; overflow-x: auto; }
    .narrow { max-width: 26rem; }
    label { display: block; font-weight: 600; margin: .6rem 0 .25rem; }
    input, select, textarea, button { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .4rem .6rem; }
    input[type=text], input[type=password], input[type=search], textarea { width: 100%; }
    main form:not(.filters) select, main form:not(.filters) > button { display: block; }
    textarea { font-family: ui-monospace, monospace; }
    button { background: var(--accent); color: var(--bg); border-color: var(--accent); font-weight: 600; cursor: pointer; margin-top: .75rem; }
    .bar button { margin: 0; }
    .filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: flex-end; margin-bottom: 1rem; }
    .filters label { margin-top: 0; }
    .filters button { margin: 0; }
    table { border-collapse: collapse; width: 100%; background: var(--card); }
    caption { text-align: left; font-weight: 600; padding: .5rem 0; }
    th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    td { overflow-wrap: break-word; }
    th { color: var(--muted); font-weight: 600; white-space: nowrap; }
    .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    .hint { color: var(--muted); }
    .error { color: var(--bad); font-weight: 600; }
    .notice { color: var(--ok); font-weight: 600; }
    .badge { display: inline-block; padding: 0 .5rem; border-radius: 999px; font-size: .85rem; border: 1px solid currentColor; }
    .online, .state.answered { color: var(--ok); }
    .offline, .state.failed { color: var(--bad); }
    .state.pending, .state.sent { color: var(--warn); }
    .tiles { display: flex; gap: 1rem; margin-bottom: 1rem; flex-wrap: wrap; }
    .tile { flex: 1 1 10rem; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; text-decoration: none; color: var(--fg); }
    .tile .count { display: block; font-size: 2rem; font-weight: 700; }
    .tile.online .count { color: var(--ok); }
    .tile.offline .count { color: var(--bad); }
    .plain { list-style: none; padding: 0; margin: 0; }
    .plain li { padding: .25rem 0; overflow-wrap: anywhere; }
    .details { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1.5rem; margin: 0; }
    .details dt { color: var(--muted); }
    .details dd { margin: 0; overflow-wrap: anywhere; }
    .tag { display: inline-block; margin-right: .5rem; }
    .ranges { display: flex; gap: 1rem; margin-bottom: .75rem; }
    .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1rem; }
    .chart { margin: 0 0 1rem; }
    .flame { margin: 0 0 1rem; }
    .flame img { max-width: 100%; height: auto; border: 1px solid var(--line); background: #fff; }
    .chart figcaption { font-weight: 600; margin-bottom: .25rem; }
    .chart svg { width: 100%; height: auto; }
    .chart .grid { stroke: var(--line); stroke-width: 1; }
    .chart .axis { fill: var(--muted); font-size: 11px; }
    .chart .line { fill: none; stroke: var(--chart); stroke-width: 2; stroke-linejoin: round; }
    .chart .latest { fill: var(--chart); }
    pre.sql { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; white-space: pre-wrap; overflow-wrap: anywhere; }
    .pager { display: flex; gap: 1.5rem; margin-top: 1rem; align-items: center; }
    .bar nav { flex-wrap: wrap; }
    form.inline { display: inline; margin-left: .5rem; }
    form.inline button, td form button { margin: 0; padding: .1rem .5rem; }
    button.danger { background: transparent; color: var(--bad); border-color: var(--bad); }
    .bad { color: var(--bad); font-weight: 600; }
    .warning { color: var(--warn); font-weight: 600; }
    tr.outlier > th, mark.outlier { background: color-mix(in srgb, var(--warn) 22%, transparent); color: inherit; }
    td code { overflow-wrap: anywhere; }
    /* The SQL editor: sql.js puts a coloured copy of the text under a transparent text area. */
    .sql-box { position: relative; }
    .highlighting .sql-box textarea, .sql-layer { font: 14px/1.45 ui-monospace, monospace; padding: .4rem .6rem; border: 1px solid var(--line);
      border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; letter-spacing: normal; tab-size: 4; }
    .highlighting .sql-box textarea { position: relative; background: transparent; color: transparent; caret-color: var(--fg); resize: vertical; }
    .sql-layer { position: absolute; inset: 0; overflow: hidden; background: var(--bg); color: var(--fg); border-color: transparent; }
    .sql-layer .kw { color: var(--accent); font-weight: 600; }
    .sql-layer .str { color: var(--ok); }
    .sql-layer .num { color: var(--warn); }
    .sql-layer .com { color: var(--muted); font-style: italic; }
    .sql-layer .err { text-decoration: wavy underline var(--bad); }
    tr.grew .delta { color: #d9534f; font-weight: 600; }
    tr.shrank .delta { color: #4a90d9; font-weight: 600; }
    """
}
