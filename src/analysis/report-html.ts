/**
 * `traffic inspect --report FILE.html`: one self-contained, offline page (inline CSS, JS and SVG; no URL is
 * fetched) with the topology — nodes as boxes holding their pods, flows drawn between them coloured by what happened
 * on the wire — the summary numbers, and the comparison of encryption options when --compare is on.
 *
 * The topology SVG is drawn here (deterministic, readable without JavaScript); the summary and comparison tables
 * are rendered by the page's script from the embedded JSON (`<script type="application/json" id="aks-wg-data">`),
 * the same numbers as the command's JSON output — the browser test checks one against the other.
 */
import { plural } from '../plural.js';
import { PATH_CLASSES, type PathClass } from '../cluster/path.js';
import type { ScenarioCoverage } from './coverage.js';
import type { Endpoint } from './model.js';

/** An end of a flow in the report: the classifiers' endpoint. */
export type ReportEndpoint = Endpoint;

export interface ReportInput {
  title: string;
  source: string;
  /** The scenario the cluster is configured as (coverage.ts). */
  configured: string;
  nodes: { name: string; pool: string; ip: string; vmSize: string; podCidr: string }[];
  pods: { name: string; namespace: string; node: string; ip: string; hostNetwork: boolean }[];
  flows: { source: ReportEndpoint; destination: ReportEndpoint; path: PathClass; encrypted: boolean; count: number; label: string }[];
  summary: { total: number; encrypted: number; byPath: Record<PathClass, number>; unencryptedInterNodePod: number };
  comparison?: ScenarioCoverage[];
}

/** Flow colour categories, in legend order. */
export const CATEGORIES = [
  { id: 'encrypted', label: 'encrypted (WireGuard)', color: '#1f9d55' },
  { id: 'inter-node', label: 'pod → pod across nodes, plaintext', color: '#d62839' },
  { id: 'same-node', label: 'same node (never on the wire)', color: '#4a78b5' },
  { id: 'node-originated', label: 'from a node / hostNetwork pod', color: '#e68a00' },
  { id: 'to-node', label: 'pod → another node’s IP', color: '#8e44ad' },
  { id: 'external', label: 'to / from outside the cluster', color: '#5f6b73' },
] as const;

export const MAX_DRAWN_FLOWS = 1500;
const MAX_PODS_SHOWN = 14;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const short = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  podSlots: Map<string, { x: number; y: number }>;
  header: { x: number; y: number };
}

function categoryOf(f: ReportInput['flows'][number]): string {
  return f.encrypted ? 'encrypted' : f.path;
}

/** The topology as an SVG element. */
export function renderTopology(input: ReportInput): string {
  const nodes = input.nodes;
  const many = nodes.length > 24;
  const podsByNode = new Map<string, ReportInput['pods']>();
  for (const p of input.pods) {
    const list = podsByNode.get(p.node);
    if (list) list.push(p);
    else podsByNode.set(p.node, [p]);
  }
  const boxW = many ? 120 : 250;
  const rowH = 17;
  const maxRows = many ? 0 : Math.min(MAX_PODS_SHOWN, Math.max(0, ...nodes.map((n) => podsByNode.get(n.name)?.length ?? 0)));
  const boxH = many ? 46 : 52 + maxRows * rowH + (nodes.some((n) => (podsByNode.get(n.name)?.length ?? 0) > MAX_PODS_SHOWN) ? rowH : 0);
  const cols = Math.max(1, Math.min(nodes.length, many ? Math.ceil(Math.sqrt(nodes.length * 2)) : Math.ceil(Math.sqrt(nodes.length))));
  const gapX = many ? 24 : 150;
  const gapY = many ? 24 : 80;
  const margin = many ? 20 : 60;
  const worldW = 170;
  const rows = Math.ceil(nodes.length / cols);
  const gridW = cols * boxW + (cols - 1) * gapX;
  const width = margin * 2 + gridW + gapX + worldW;
  const height = Math.max(margin * 2 + rows * boxH + (rows - 1) * gapY, 240);
  const boxes = new Map<string, Box>();
  nodes.forEach((n, i) => {
    const x = margin + (i % cols) * (boxW + gapX);
    const y = margin + Math.floor(i / cols) * (boxH + gapY);
    const podSlots = new Map<string, { x: number; y: number }>();
    (podsByNode.get(n.name) ?? []).forEach((p, k) => {
      if (!many && k < MAX_PODS_SHOWN) podSlots.set(p.hostNetwork ? `host:${p.namespace}/${p.name}` : p.ip, { x: x + 14, y: y + 48 + k * rowH });
    });
    boxes.set(n.name, { x, y, w: boxW, h: boxH, podSlots, header: { x: x + boxW / 2, y: y + 18 } });
  });
  const world = { x: margin + gridW + gapX, y: margin, w: worldW, h: Math.min(height - margin * 2, Math.max(boxH, 160)) };

  const out: string[] = [];
  out.push(`<svg id="topology" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Cluster topology with flows">`);
  out.push(
    '<defs>' +
      CATEGORIES.map((c) => `<marker id="arrow-${c.id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c.color}"/></marker>`).join('') +
      '</defs>',
  );
  // Flows, aggregated by drawn segment and category.
  const centerOf = (e: ReportEndpoint): { x: number; y: number } => {
    const b = e.node !== null ? boxes.get(e.node) : undefined;
    return b && e.kind !== 'external' ? { x: b.x + b.w / 2, y: b.y + b.h / 2 } : { x: world.x + world.w / 2, y: world.y + world.h / 2 };
  };
  const where = (e: ReportEndpoint, other: ReportEndpoint): { x: number; y: number } => {
    if (e.kind === 'external' || e.node === null || !boxes.has(e.node)) {
      let h = 0;
      for (let i = 0; i < e.ip.length; i++) h = (h * 31 + e.ip.charCodeAt(i)) >>> 0;
      return { x: world.x, y: world.y + 34 + (h % Math.max(1, world.h - 48)) };
    }
    const b = boxes.get(e.node)!;
    const o = centerOf(other);
    const sameBox = other.node === e.node && other.kind !== 'external';
    // leave the box on the side facing the other end, at the pod's row
    const side = sameBox || o.x <= b.x + b.w / 2 + 1 ? b.x : b.x + b.w;
    const slot = e.kind === 'pod' ? b.podSlots.get(e.ip) : e.hostNetwork && e.name ? b.podSlots.get(`host:${e.namespace}/${e.name}`) : undefined;
    if (slot) return { x: side, y: slot.y };
    return { x: side, y: b.y + 24 };
  };
  const segs = new Map<string, { x1: number; y1: number; x2: number; y2: number; cat: string; count: number; labels: Set<string>; text: string }>();
  for (const f of input.flows) {
    const a = where(f.source, f.destination);
    const z = where(f.destination, f.source);
    const cat = categoryOf(f);
    const key = `${a.x},${a.y},${z.x},${z.y},${cat}`;
    const s = segs.get(key);
    if (s) {
      s.count += f.count;
      if (s.labels.size < 6) s.labels.add(f.label);
    } else {
      const name = (e: ReportEndpoint) => (e.name ? `${e.namespace ? `${e.namespace}/` : ''}${e.name}` : e.ip);
      segs.set(key, { x1: a.x, y1: a.y, x2: z.x, y2: z.y, cat, count: f.count, labels: new Set([f.label]), text: `${name(f.source)} → ${name(f.destination)}` });
    }
  }
  const drawn = [...segs.values()].sort((p, q) => q.count - p.count).slice(0, MAX_DRAWN_FLOWS);
  out.push(`<g id="flows" data-drawn="${drawn.length}" data-segments="${segs.size}">`);
  for (const s of drawn) {
    const color = CATEGORIES.find((c) => c.id === s.cat)!.color;
    const w = Math.min(5, 1.2 + Math.log2(s.count));
    let d: string;
    if (s.x1 === s.x2 && s.y1 === s.y2) d = `M${s.x1},${s.y1} c-24,-14 -24,14 0,0`;
    else if (Math.abs(s.x1 - s.x2) < 1) {
      // the same column (same node): bow out to the left
      const bow = -30 - Math.min(40, Math.abs(s.y2 - s.y1) / 3);
      d = `M${s.x1},${s.y1} C${s.x1 + bow},${s.y1} ${s.x2 + bow},${s.y2} ${s.x2},${s.y2}`;
    } else {
      const mx = (s.x1 + s.x2) / 2;
      const my = (s.y1 + s.y2) / 2 - Math.min(60, Math.abs(s.x2 - s.x1) / 6);
      d = `M${s.x1},${s.y1} Q${mx},${my} ${s.x2},${s.y2}`;
    }
    out.push(
      `<path class="flow cat-${s.cat}" d="${d}" stroke="${color}" stroke-width="${w.toFixed(1)}" marker-end="url(#arrow-${s.cat})"${s.cat === 'external' ? ' stroke-dasharray="5 4"' : ''}>` +
        `<title>${esc(`${s.text}\n${[...s.labels].join(', ')} · ${s.count} flow${s.count === 1 ? '' : 's'} · ${CATEGORIES.find((c) => c.id === s.cat)!.label}`)}</title></path>`,
    );
  }
  out.push('</g>');
  // Node boxes and pods.
  for (const n of nodes) {
    const b = boxes.get(n.name)!;
    const pods = podsByNode.get(n.name) ?? [];
    out.push(`<g class="node" data-node="${esc(n.name)}"><title>${esc(`${n.name}\n${n.ip} · pod CIDR ${n.podCidr}\npool ${n.pool} · ${n.vmSize}\n${plural(pods.length, 'pod')}`)}</title>`);
    out.push(`<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="8" class="node-box"/>`);
    out.push(`<text x="${b.x + 10}" y="${b.y + 18}" class="node-name">${esc(short(n.name, many ? 17 : 36))}</text>`);
    if (!many) {
      out.push(`<text x="${b.x + 10}" y="${b.y + 33}" class="node-meta">${esc(`${n.ip} · ${n.pool} · ${n.vmSize}`)}</text>`);
      pods.slice(0, MAX_PODS_SHOWN).forEach((p, k) => {
        const y = b.y + 48 + k * rowH;
        out.push(
          `<g class="pod${p.hostNetwork ? ' host-net' : ''}"><title>${esc(`${p.namespace}/${p.name}\n${p.ip}${p.hostNetwork ? ' (hostNetwork: the node’s IP)' : ''}`)}</title>` +
            `<circle cx="${b.x + 14}" cy="${y}" r="4.5"/><text x="${b.x + 24}" y="${y + 4}">${esc(short(`${p.namespace}/${p.name}`, 33))}</text></g>`,
        );
      });
      if (pods.length > MAX_PODS_SHOWN) out.push(`<text x="${b.x + 24}" y="${b.y + 52 + MAX_PODS_SHOWN * rowH}" class="node-meta">+${pods.length - MAX_PODS_SHOWN} more pods</text>`);
    } else {
      out.push(`<text x="${b.x + 10}" y="${b.y + 34}" class="node-meta">${plural(pods.length, 'pod')}</text>`);
    }
    out.push('</g>');
  }
  out.push(`<g class="world"><rect x="${world.x}" y="${world.y}" width="${world.w}" height="${world.h}" rx="8" class="world-box"/><text x="${world.x + 10}" y="${world.y + 18}" class="node-name">outside the cluster</text></g>`);

  out.push('</svg>');
  return out.join('\n');
}

const CSS = `
:root { --fg: #1d2327; --muted: #5f6b73; --line: #d5dadd; --bg: #f7f8f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: #fff; }
header { padding: 18px 24px 10px; border-bottom: 1px solid var(--line); background: var(--bg); }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 22px 0 8px; }
.sub { color: var(--muted); }
main { padding: 0 24px 30px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 14px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 150px; background: #fff; }
.card .v { font-size: 24px; font-weight: 600; } .card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card.bad .v { color: #d62839; } .card.good .v { color: #1f9d55; }
table { border-collapse: collapse; margin-top: 6px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 10px; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; } th { font-weight: 600; background: var(--bg); }
td.hl, th.hl { background: #eef7f0; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; margin: 8px 0; }
.legend label { display: inline-flex; align-items: center; gap: 6px; cursor: pointer; user-select: none; }
.sw { display: inline-block; width: 22px; height: 4px; border-radius: 2px; }
.topo svg { max-width: 100%; height: auto; display: block; }
.topo { overflow: auto; border: 1px solid var(--line); border-radius: 8px; background: #fcfcfd; max-height: 78vh; }
.node-box { fill: rgba(255,255,255,.86); stroke: #9aa5ad; stroke-width: 1.2; } .world-box { fill: rgba(241,242,243,.8); stroke: #9aa5ad; stroke-dasharray: 4 3; }
.node-name { font-weight: 600; font-size: 12.5px; } .node-meta { fill: var(--muted); font-size: 11px; }
.pod circle { fill: #4a78b5; } .pod.host-net circle { fill: #e68a00; } .pod text { font-size: 11px; }
.flow { fill: none; opacity: .85; } .flow:hover { opacity: 1; stroke-width: 6; }
.hidden { display: none; }
.tables { display: flex; flex-wrap: wrap; gap: 36px; align-items: flex-start; }
.note { color: var(--muted); font-size: 12px; }
`;

const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('aks-wg-data').textContent);
  function el(tag, attrs, text) { var e = document.createElement(tag); for (var k in attrs) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; return e; }
  function pct(n, d) { return d === 0 ? '0%' : (Math.round(n / d * 1000) / 10) + '%'; }
  var s = data.summary;
  var cards = document.getElementById('cards');
  [['total', 'flows', s.total, ''], ['encrypted', 'encrypted', s.encrypted + ' (' + pct(s.encrypted, s.total) + ')', 'good'],
   ['unencrypted-inter-node', 'plaintext pod → pod across nodes', s.unencryptedInterNodePod, s.unencryptedInterNodePod > 0 ? 'bad' : 'good']]
    .forEach(function (c) { var d = el('div', { 'class': 'card ' + c[3], 'data-testid': c[0] }); d.appendChild(el('div', { 'class': 'v' }, String(c[2]))); d.appendChild(el('div', { 'class': 'k' }, c[1])); cards.appendChild(d); });
  var byPath = document.getElementById('by-path');
  data.paths.forEach(function (p) {
    var tr = el('tr', { 'data-path': p });
    tr.appendChild(el('td', {}, p)); tr.appendChild(el('td', { 'class': 'count' }, String(s.byPath[p]))); tr.appendChild(el('td', {}, pct(s.byPath[p], s.total)));
    byPath.appendChild(tr);
  });
  if (data.comparison) {
    var sec = document.getElementById('comparison'); sec.classList.remove('hidden');
    var t = document.getElementById('comparison-table');
    var head = el('tr'); head.appendChild(el('th', {}, '')); head.appendChild(el('th', {}, 'flows'));
    data.comparison.forEach(function (c) { head.appendChild(el('th', { 'class': c.scenario === data.configured ? 'hl' : '' }, c.title)); });
    t.appendChild(head);
    function row(label, key, total, get) {
      var tr = el('tr', { 'data-row': key }); tr.appendChild(el('td', {}, label)); tr.appendChild(el('td', {}, String(total)));
      data.comparison.forEach(function (c) { var v = get(c); tr.appendChild(el('td', { 'data-scenario': c.scenario, 'class': c.scenario === data.configured ? 'hl' : '' }, total === 0 ? '-' : v.encrypted + ' (' + v.percent + '%)')); });
      t.appendChild(tr);
    }
    var first = data.comparison[0];
    row('all flows', 'all', first.total, function (c) { return c; });
    data.paths.forEach(function (p) { if (first.byPath[p].total > 0) row(p, 'path:' + p, first.byPath[p].total, function (c) { return c.byPath[p]; }); });
    Object.keys(first.byNamespace).forEach(function (ns) { row('namespace ' + ns, 'ns:' + ns, first.byNamespace[ns].total, function (c) { return c.byNamespace[ns]; }); });
  }
  document.querySelectorAll('.legend input').forEach(function (box) {
    box.addEventListener('change', function () {
      document.querySelectorAll('.flow.cat-' + box.value).forEach(function (p) { p.classList.toggle('hidden', !box.checked); });
    });
  });
  document.body.setAttribute('data-rendered', 'true');
})();
`;

/** The whole page. */
export function renderReport(input: ReportInput): string {
  const data = {
    summary: input.summary,
    paths: PATH_CLASSES,
    configured: input.configured,
    comparison: input.comparison ?? null,
  };
  const json = JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  const counts = new Map<string, number>();
  for (const f of input.flows) counts.set(categoryOf(f), (counts.get(categoryOf(f)) ?? 0) + 1);
  const legend = CATEGORIES.map(
    (c) => `<label><input type="checkbox" value="${c.id}" checked><span class="sw" style="background:${c.color}"></span>${esc(c.label)} <span class="note">(${counts.get(c.id) ?? 0})</span></label>`,
  ).join('\n');
  const drawnNote = input.flows.length > MAX_DRAWN_FLOWS ? `<p class="note">The ${MAX_DRAWN_FLOWS} busiest of the drawn segments are shown.</p>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aks-wg coverage report: ${esc(input.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>WireGuard coverage: ${esc(input.title)}</h1>
<div class="sub">${esc(input.source)} · ${plural(input.nodes.length, 'node')} · ${plural(input.pods.length, 'running pod')} · encryption as configured: <b>${esc(input.configured)}</b></div>
<div class="cards" id="cards"></div>
</header>
<main>
<noscript><p>The summary tables need JavaScript; the topology below does not.</p></noscript>
<section id="topology-section"><h2>Topology</h2>
<div class="legend">${legend}</div>
${drawnNote}
<div class="topo">
${renderTopology(input)}
</div></section>
<div class="tables">
<section id="summary"><h2>Flows by path class</h2>
<table><thead><tr><th>path class</th><th>flows</th><th>share</th></tr></thead><tbody id="by-path"></tbody></table></section>
<section id="comparison" class="hidden"><h2>What if: encryption options compared</h2>
<p class="note">Flows that each option would encrypt on the wire. VNet encryption covers traffic between VMs of supported sizes only, never same-node traffic and never traffic leaving the VNet. The configured option is highlighted.</p>
<table id="comparison-table"></table></section>
</div>
</main>
<script type="application/json" id="aks-wg-data">${json}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
