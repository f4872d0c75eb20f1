/**
 * `traffic inspect --dataplane lab`: the same flows as the simulated run, sent as real packets through a running lab,
 * and each flow's verdict read from captures alone:
 *
 *   1. Servers: a traffic agent (platform/lab-agent.ts) in every destination namespace listens on the flows' TCP and
 *      UDP ports (ICMP is the kernel's). Captures start: dumpcap on the VNet bridge, and on `any` in every node's
 *      namespace (to see where a packet is delivered: out of the destination pod's lxc veth, or into the node).
 *   2. Clients: an agent in every source namespace sends its flows from distinct source ports (ICMP: one `ping`).
 *   3. tshark reads the captures. Per flow, with its inner 5-tuple (ICMP: addresses and echo request):
 *        delivered    seen on the destination node going out of the destination pod's lxc (or into the node)
 *        plaintext    the 5-tuple seen on the bridge
 *        encrypted    delivered, not seen on the bridge, arrived on the destination's cilium_wg0, and WireGuard
 *                     transport messages (UDP 51871) crossed the bridge from the source node to the destination node
 *        dropped      never delivered
 *   External destinations (and sources outside the cluster) are never sent: the lab reports the kernel's route
 *   decision (`ip route get` in the pod's and the node's namespace), marked "not sent".
 *
 * The interface a report names is the source node's route decision (`ip route get ... iif <lxc>`).
 */
import * as path from 'node:path';
import { classifyPath } from '../cluster/path.js';
import { emptySummary } from '../fabric/report.js';
import type { Endpoint, Flow, FlowReport, Interface, ReportSummary } from '../fabric/types.js';
import { CommandError } from '../errors.js';
import type { Shell, Started } from '../platform/lab-shell.js';
import { WG_IFACE, type LabNode, type LabPlan } from './plan.js';
import type { LabFiles, LabRecord } from './record.js';
import { wg } from './build.js';

/** The most flows one lab run sends (each is a real connection; use --sample for more pairs). */
export const MAX_LAB_FLOWS = 2000;
/** How long a client waits for an answer before the flow counts as unanswered (the capture decides the verdict). */
export const FLOW_TIMEOUT_MS = 2500;
/** Source ports the lab's clients use, one per flow. */
const FIRST_SOURCE_PORT = 33000;
/** Client agents running at once (each is a Node process). */
const CLIENT_CONCURRENCY = 6;
const WG_PORT = 51871;

export interface LabInspectDeps {
  readonly sh: Shell;
  readonly files: LabFiles;
  /** Node binary and the compiled agent script. */
  readonly node: string;
  readonly agent: string;
  /** Keep the bridge capture here (classic pcap). */
  readonly captureFile?: string;
  readonly progress?: (text: string) => void;
}

/** Where one end of a flow lives in the lab. */
interface Place {
  readonly ns: string;
  /** The node (machine) whose namespace carries the end's traffic; null for the rogue machine. */
  readonly node: LabNode | null;
  /** The pod's lxc on its node (pods in their own namespace only). */
  readonly lxc: string | null;
}

interface Planned {
  readonly flow: Flow;
  readonly index: number;
  readonly src: Place | null;
  readonly dst: Place | null;
  readonly srcPort: number;
  /** Why it is not sent (external ends), else null. */
  readonly notSent: string | null;
}

/** One captured packet (first occurrence of each field). */
interface Row {
  time: number;
  ifindex: number;
  pkttype: number;
  src: string;
  dst: string;
  proto: number;
  sport: number;
  dport: number;
  icmpType: number;
  wgType: number;
  wgReceiver: number;
}

function placeOf(plan: LabPlan, e: Endpoint): Place | null {
  if (e.rogue) return plan.rogue ? { ns: plan.rogue.ns, node: null, lxc: null } : null;
  if (e.kind === 'external') return null;
  if (e.kind === 'node') {
    const n = plan.nodes.find((x) => x.name === e.name);
    return n ? { ns: n.ns, node: n, lxc: null } : null;
  }
  const p = plan.pods.find((x) => x.namespace === e.namespace && x.name === e.name);
  if (!p) return null;
  const n = plan.nodes.find((x) => x.name === p.node) ?? null;
  if (!n) return null;
  return p.ns ? { ns: p.ns, node: n, lxc: p.lxc } : { ns: n.ns, node: n, lxc: null };
}

const PROTO_NUMBER = { TCP: 6, UDP: 17, ICMP: 1 } as const;

/** A packet's inner 5-tuple as a key (ICMP: addresses and echo request), or undefined for anything else. */
function rowKey(r: Row): string | undefined {
  if (r.proto === 1) return r.icmpType === 8 ? `${r.src}>${r.dst}|1` : undefined;
  if (r.proto === 6 || r.proto === 17) return `${r.src}>${r.dst}|${r.proto}|${r.sport}|${r.dport}`;
  return undefined;
}

/** The key of a flow's packets as rowKey() makes it. */
function flowKey(f: Flow, srcPort: number): string {
  if (f.protocol === 'ICMP') return `${f.src.ip}>${f.dst.ip}|1`;
  return `${f.src.ip}>${f.dst.ip}|${PROTO_NUMBER[f.protocol]}|${srcPort}|${f.port}`;
}

/** Packets of a capture by their 5-tuple key. */
function byKey(rows: readonly Row[]): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const r of rows) {
    const k = rowKey(r);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

function num(text: string | undefined): number {
  if (text === undefined || text === '') return NaN;
  return text.startsWith('0x') ? parseInt(text, 16) : Number(text);
}

const FIELDS = ['frame.time_epoch', 'sll.ifindex', 'sll.pkttype', 'ip.src', 'ip.dst', 'ip.proto', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'icmp.type', 'wg.type', 'wg.receiver'];

/** Read a capture with tshark: every IPv4 packet, first occurrence of each field (an ICMP error's inner header is ignored). */
async function readCapture(sh: Shell, file: string): Promise<Row[]> {
  const args = ['-n', '-r', file, '-d', `udp.port==${WG_PORT},wg`, '-Y', 'ip', '-T', 'fields', '-E', 'occurrence=f', ...FIELDS.flatMap((f) => ['-e', f])];
  const r = await sh.run('tshark', args, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new CommandError(`lab: tshark could not read ${file}: ${r.stderr.trim().split('\n').slice(-1)[0]}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const c = l.split('\t');
      const proto = num(c[5]);
      return {
        time: Number(c[0]),
        ifindex: num(c[1]),
        pkttype: num(c[2]),
        src: c[3] ?? '',
        dst: c[4] ?? '',
        proto,
        sport: proto === 6 ? num(c[6]) : num(c[8]),
        dport: proto === 6 ? num(c[7]) : num(c[9]),
        icmpType: num(c[10]),
        wgType: num(c[11]),
        wgReceiver: num(c[12]),
      };
    });
}

/** `ip route get` as the source's node decides it: the device the packet leaves by. */
async function routeDecision(sh: Shell, flow: Flow, src: Place): Promise<{ dev: string | null; text: string }> {
  let args: string[];
  if (src.lxc && src.node) args = ['-n', src.node.ns, 'route', 'get', flow.dst.ip, 'from', flow.src.ip, 'iif', src.lxc];
  else args = ['-n', src.ns, 'route', 'get', flow.dst.ip];
  const r = await sh.run('ip', args);
  const text = (r.stdout.split('\n')[0] ?? '').trim() || r.stderr.trim();
  const m = /\bdev (\S+)/.exec(r.stdout);
  return { dev: r.code === 0 && m ? m[1]! : null, text };
}

function ifaceOf(dev: string | null): Interface {
  if (dev === null) return 'eth0';
  if (dev === 'lo' || dev.startsWith('lxc')) return 'lxc';
  if (dev === WG_IFACE || dev === 'wg0') return 'cilium_wg0';
  return 'eth0';
}

async function linkNames(sh: Shell, ns: string): Promise<Map<number, string>> {
  const r = await sh.run('ip', ['-n', ns, '-o', 'link']);
  const out = new Map<number, string>();
  for (const l of r.stdout.split('\n')) {
    const m = /^(\d+): ([^:@]+)/.exec(l);
    if (m) out.set(Number(m[1]), m[2]!);
  }
  return out;
}

function endpointJson(e: Endpoint) {
  return { kind: e.kind, name: e.name, namespace: e.namespace, node: e.node, ip: e.ip, hostNetwork: e.hostNetwork };
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/**
 * Send the flows through the lab and read their verdicts off the captures.
 * @throws CommandError when a capture or agent cannot start, or there are more than MAX_LAB_FLOWS flows.
 */
export async function runLabFlows(record: LabRecord, flows: readonly Flow[], deps: LabInspectDeps): Promise<{ flows: FlowReport[]; summary: ReportSummary }> {
  const { sh, files } = deps;
  const plan = record.plan;
  if (flows.length > MAX_LAB_FLOWS) throw new CommandError(`the lab sends at most ${MAX_LAB_FLOWS} flows per run (${flows.length} selected); use --sample`);
  // 1. where each flow starts and ends, and its source port
  const planned: Planned[] = flows.map((flow, index) => {
    const src = placeOf(plan, flow.src);
    const dst = placeOf(plan, flow.dst);
    let notSent: string | null = null;
    if (flow.dst.kind === 'external') notSent = `destination ${flow.dst.ip} is outside the cluster`;
    else if (src === null) notSent = `source ${flow.src.ip} is outside the cluster (the lab has no machine there)`;
    else if (dst === null) notSent = `destination ${flow.dst.ip} has no namespace in the lab`;
    return { flow, index, src, dst, srcPort: FIRST_SOURCE_PORT + index, notSent };
  });
  const sent = planned.filter((p) => p.notSent === null);

  const capDir = files.captureDir();
  await sh.run('mkdir', ['-p', '-m', '0700', capDir]);
  const started: Started[] = [];
  const stopAll = async () => {
    for (const s of started) s.signal('SIGTERM');
    await Promise.all(started.map((s) => s.exited(5000)));
    started.length = 0;
  };
  const bridgeFile = path.join(capDir, 'bridge.pcap');
  const nodeFiles = new Map<string, string>();
  try {
    if (sent.length > 0) {
      // 2. servers in every destination namespace
      const listen = new Map<string, { protocol: 'TCP' | 'UDP'; port: number }[]>();
      for (const p of sent) {
        if (p.flow.protocol === 'ICMP' || p.flow.port === null) continue;
        const list = listen.get(p.dst!.ns) ?? [];
        if (!list.some((l) => l.protocol === p.flow.protocol && l.port === p.flow.port)) list.push({ protocol: p.flow.protocol as 'TCP' | 'UDP', port: p.flow.port });
        listen.set(p.dst!.ns, list);
      }
      const servers = [...listen].map(([ns, l]) => {
        const s = sh.start('ip', ['netns', 'exec', ns, deps.node, deps.agent, 'serve', JSON.stringify({ listen: l })]);
        started.push(s);
        return { ns, s };
      });
      // 3. captures: the bridge, and every node a flow ends on
      const caps: Started[] = [];
      const bridge = sh.start('ip', ['netns', 'exec', plan.vnetNs, 'dumpcap', '-q', '-P', '-i', plan.bridge, '-w', bridgeFile]);
      started.push(bridge);
      caps.push(bridge);
      for (const n of new Set(sent.map((p) => p.dst!.node).filter((n): n is LabNode => n !== null))) {
        const file = path.join(capDir, `${n.port}.pcapng`);
        nodeFiles.set(n.name, file);
        const c = sh.start('ip', ['netns', 'exec', n.ns, 'dumpcap', '-q', '-i', 'any', '-y', 'LINUX_SLL2', '-w', file]);
        started.push(c);
        caps.push(c);
      }
      try {
        await Promise.all([...servers.map((x) => x.s.line((l) => l === 'ready', 15_000)), ...caps.map((c) => c.line((l) => l.includes('Capturing on'), 15_000))]);
      } catch (e) {
        throw new CommandError(`lab: a capture or traffic agent did not start: ${(e as Error).message}`);
      }
      deps.progress?.(`captures running; sending ${sent.length} flows`);
      // 4. clients, a few namespaces at a time
      const bySource = new Map<string, Planned[]>();
      for (const p of sent) bySource.set(p.src!.ns, [...(bySource.get(p.src!.ns) ?? []), p]);
      const queue = [...bySource];
      const worker = async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const [ns, list] = next;
          const plan = { flows: list.map((p) => ({ id: p.index, protocol: p.flow.protocol, dst: p.flow.dst.ip, port: p.flow.port, srcPort: p.srcPort })), timeoutMs: FLOW_TIMEOUT_MS };
          const c = sh.start('ip', ['netns', 'exec', ns, deps.node, deps.agent, 'send', JSON.stringify(plan)]);
          await c.exited(FLOW_TIMEOUT_MS + 15_000);
        }
      };
      await Promise.all(Array.from({ length: Math.min(CLIENT_CONCURRENCY, queue.length) }, worker));
      // late packets (retransmissions, replies) land before the captures stop
      await sh.sleep(300);
    }
  } finally {
    await stopAll();
  }

  // 5. read the captures
  const bridgeRows = sent.length ? await readCapture(sh, bridgeFile) : [];
  const bridgeByKey = byKey(bridgeRows);
  const nodeRows = new Map<string, Map<string, Row[]>>();
  const links = new Map<string, Map<number, string>>();
  for (const [node, file] of nodeFiles) {
    nodeRows.set(node, byKey(await readCapture(sh, file)));
    const n = plan.nodes.find((x) => x.name === node)!;
    links.set(node, await linkNames(sh, n.ns));
  }
  if (deps.captureFile !== undefined && sent.length) {
    const cp = await sh.run('cp', [bridgeFile, deps.captureFile]);
    if (cp.code !== 0) throw new CommandError(`--capture ${deps.captureFile}: ${cp.stderr.trim()}`);
  }
  await sh.run('rm', ['-rf', capDir]);

  // WireGuard transport messages on the bridge, by outer (source IP, destination IP); a flow's `session` is the
  // receiver index of its node pair's latest transport message (transport messages carry no inner addresses)
  const wgData = new Map<string, { count: number; receiver: number; initiations: number }>();
  for (const r of bridgeRows) {
    if (r.proto !== 17 || r.dport !== WG_PORT || !(r.wgType >= 1 && r.wgType <= 4)) continue;
    const k = `${r.src}>${r.dst}`;
    const e = wgData.get(k) ?? { count: 0, receiver: 0, initiations: 0 };
    if (r.wgType === 4) {
      e.count++;
      e.receiver = r.wgReceiver;
    } else if (r.wgType === 1) e.initiations++;
    wgData.set(k, e);
  }
  const handshakeAge = await handshakeAges(sh, record);

  const summary = emptySummary();
  const reports: FlowReport[] = [];
  const routes = new Map<string, { dev: string | null; text: string }>();
  for (const p of planned) {
    const { flow } = p;
    const pathClass = classifyPath(flow.src, flow.dst);
    let report: FlowReport;
    if (p.notSent !== null) report = await notSentReport(sh, plan, p);
    else {
      const routeKey = `${p.src!.ns}|${flow.src.ip}>${flow.dst.ip}`;
      let route = routes.get(routeKey);
      if (!route) routes.set(routeKey, (route = await routeDecision(sh, flow, p.src!)));
      // the rogue machine is no Cilium node: whatever its own WireGuard device makes leaves its eth0
      const iface = flow.src.rogue ? 'eth0' : ifaceOf(route.dev);
      const key = flowKey(flow, p.srcPort);
      const onBridge = bridgeByKey.get(key)?.length ?? 0;
      const dstNode = p.dst!.node!;
      const rows = nodeRows.get(dstNode.name)?.get(key) ?? [];
      const names = links.get(dstNode.name) ?? new Map<number, string>();
      const lxcIndex = p.dst!.lxc ? [...names].find(([, n]) => n === p.dst!.lxc)?.[0] : undefined;
      const delivered = p.dst!.lxc ? rows.some((r) => r.ifindex === lxcIndex && r.pkttype === 4) : rows.some((r) => r.pkttype !== 4);
      const arrival = rows.find((r) => r.pkttype !== 4 && r.ifindex !== lxcIndex);
      const arrivedOn = arrival ? (names.get(arrival.ifindex) ?? `if${arrival.ifindex}`) : null;
      const srcIp = p.src!.node ? p.src!.node.ip : plan.rogue!.ip;
      const wire = wgData.get(`${srcIp}>${dstNode.ip}`);
      const encrypted = delivered && onBridge === 0 && arrivedOn === WG_IFACE && (wire?.count ?? 0) > 0;
      const srcMachine = p.src!.node?.name ?? plan.rogue?.name ?? '';
      let reason: string;
      let dropReason: string | null = null;
      if (encrypted) {
        reason = `not seen in plaintext on the bridge; crossed it as WireGuard UDP ${WG_PORT} from ${srcIp} to ${dstNode.ip} (${wire!.count} transport message${wire!.count === 1 ? '' : 's'}, receiver ${hex(wire!.receiver)}); arrived on ${dstNode.name}'s ${WG_IFACE} and was delivered`;
      } else if (delivered) {
        reason = onBridge > 0
          ? `inner packet seen in plaintext on the bridge (${onBridge} packet${onBridge === 1 ? '' : 's'}); ${srcMachine} routes it via ${route.dev ?? '?'}`
          : `never on the bridge: ${srcMachine} delivers it locally (${route.dev ?? '?'})`;
      } else {
        const strict = p.src!.node?.strictCidr;
        const intoWg = route.dev === WG_IFACE || route.dev === 'wg0';
        if (onBridge === 0 && !intoWg && strict) dropReason = 'UNENCRYPTED_TRAFFIC';
        else if (intoWg && (wire?.count ?? 0) === 0) dropReason = 'NO_SESSION';
        else dropReason = 'NOT_DELIVERED';
        const inits = wire?.initiations ?? 0;
        reason = `never delivered to ${flow.dst.ip} on ${dstNode.name}` +
          (dropReason === 'UNENCRYPTED_TRAFFIC' ? ` (not on the bridge: ${srcMachine}'s strict-mode nftables rule dropped it, ${strict})` : '') +
          (dropReason === 'NO_SESSION' ? ` (${srcMachine} routes it into its WireGuard device, which has no session with ${dstNode.name}: no transport message crossed the bridge; ${inits} handshake initiation${inits === 1 ? '' : 's'} seen, none answered)` : '') +
          (onBridge > 0 ? ` (seen in plaintext on the bridge ${onBridge} time${onBridge === 1 ? '' : 's'})` : '');
      }
      const peer = encrypted ? (dstNode.wg?.publicKey ?? null) : null;
      report = {
        source: endpointJson(flow.src),
        destination: endpointJson(flow.dst),
        service: flow.service,
        protocol: flow.protocol,
        sourcePort: flow.protocol === 'ICMP' ? null : p.srcPort,
        port: flow.port,
        path: pathClass,
        encrypted,
        interface: iface,
        verdict: delivered ? 'FORWARDED' : 'DROPPED',
        dropReason,
        wireguard: encrypted && peer ? { peer, session: wire!.receiver, sessionAgeSeconds: handshakeAge.get(`${srcMachine}>${peer}`) ?? 0 } : null,
        reason,
      };
    }
    reports.push(report);
    summary.total++;
    if (report.encrypted) summary.encrypted++;
    summary.byPath[report.path]++;
    if (report.path === 'inter-node' && !report.encrypted) summary.unencryptedInterNodePod++;
  }
  return { flows: reports, summary };
}

/** Seconds since each node's latest handshake with each peer (`wg show latest-handshakes`), by "node>peer key". */
async function handshakeAges(sh: Shell, record: LabRecord): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  // handshake times are the real wall clock's (wireguard-go's), not the cluster's simulated one
  const nowS = Math.floor(sh.wallClockMs() / 1000);
  for (const n of record.plan.nodes) {
    const w = record.wireguard[n.name];
    if (!w) continue;
    const r = await wg(sh, n.ns, w.sockDir, ['show', WG_IFACE, 'latest-handshakes']);
    for (const l of r.stdout.split('\n').filter(Boolean)) {
      const [key, t] = l.split('\t');
      if (key && Number(t) > 0) out.set(`${n.name}>${key}`, Math.max(0, nowS - Number(t)));
    }
  }
  return out;
}

async function notSentReport(sh: Shell, plan: LabPlan, p: Planned): Promise<FlowReport> {
  const { flow } = p;
  const decisions: string[] = [];
  let dev: string | null = null;
  if (flow.dst.kind === 'external' && p.src) {
    if (p.src.lxc && p.src.node) {
      const inPod = await sh.run('ip', ['-n', p.src.ns, 'route', 'get', flow.dst.ip]);
      decisions.push(`pod: ${(inPod.stdout.split('\n')[0] ?? inPod.stderr).trim()}`);
    }
    const r = await routeDecision(sh, flow, p.src);
    dev = r.dev;
    decisions.push(`${p.src.node?.name ?? plan.rogue?.name ?? 'source'}: ${r.text}`);
  } else if (p.dst?.node) {
    const args = p.dst.lxc ? ['-n', p.dst.node.ns, 'route', 'get', flow.dst.ip, 'from', flow.src.ip, 'iif', 'eth0'] : ['-n', p.dst.node.ns, 'route', 'get', flow.dst.ip];
    const r = await sh.run('ip', args);
    dev = r.code === 0 ? 'eth0' : null;
    decisions.push(`${p.dst.node.name}: ${(r.stdout.split('\n')[0] ?? r.stderr).trim()}`);
  }
  const forwarded = dev !== null;
  return {
    source: endpointJson(flow.src),
    destination: endpointJson(flow.dst),
    service: flow.service,
    protocol: flow.protocol,
    sourcePort: null,
    port: flow.port,
    path: classifyPath(flow.src, flow.dst),
    encrypted: false,
    interface: ifaceOf(dev),
    verdict: forwarded ? 'FORWARDED' : 'DROPPED',
    dropReason: forwarded ? null : 'NO_ROUTE',
    wireguard: null,
    reason: `not sent (the lab sends no traffic outside its namespaces): ${p.notSent}; route decision ${decisions.join('; ')}${forwarded ? ' (plaintext: leaves eth0, no WireGuard peer owns it)' : ''}`,
  };
}
