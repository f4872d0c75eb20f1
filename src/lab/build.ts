/**
 * Build and tear down a lab (lab/plan.ts says what): namespaces, veths, the bridge, addresses and routes with `ip`,
 * wireguard-go per node in its own mount namespace, `wg set` from the node's key file and the agent's peers, the
 * strict-mode nftables table. Every namespace is journalled before it is created and every process right after it
 * starts (lab/record.ts), so teardown removes exactly what was made, also after a crash.
 *
 * Order of teardown: processes in the recorded namespaces (`ip netns pids`, by exact namespace name) and recorded
 * pids whose command line is still wireguard-go, then the namespaces (their interfaces, routes and nft tables go
 * with them), then the state directory with the control-socket directories.
 */
import { CommandError } from '../errors.js';
import type { Shell } from '../platform/lab-shell.js';
import { formatIPv4, parseCidr } from '../cluster/ip.js';
import { fnv1a } from '../cluster/doc.js';
import { POD_GATEWAY, WG_IFACE, WG_ROUTE_TABLE, WG_RULE_PRIORITY, type LabPlan, type LabWg } from './plan.js';
import type { LabFiles } from './record.js';

/** Where wireguard-go and wg look for control sockets; a per-node directory is bound here in a private mount namespace. */
export const WG_SOCKET_DIR = '/var/run/wireguard';
/** The rogue machine's WireGuard interface. */
export const ROGUE_WG_IFACE = 'wg0';

export interface BuildDeps {
  readonly sh: Shell;
  readonly files: LabFiles;
  /** Raw 32-byte private key of a node (or the rogue), from its key file. */
  readonly privateKey: (machine: string) => Uint8Array | undefined;
  /** Make sure WG_SOCKET_DIR exists as a mount point. */
  readonly ensureMountPoint: (dir: string) => void;
  /** Progress for people (stderr). */
  readonly progress?: (text: string) => void;
}

/** Run `ip ...`; fail with the command and its error. */
async function ip(sh: Shell, args: string[], input?: string): Promise<string> {
  const r = await sh.run('ip', args, { input });
  if (r.code !== 0) throw new CommandError(`lab: ip ${args.join(' ')}${input ? ` (batch: ${input.trim().split('\n').length} commands)` : ''} failed: ${r.stderr.trim().split('\n').slice(-2).join('; ')}`);
  return r.stdout;
}

/** Run `ip -n NS -batch -` with the given commands (one spawn per namespace instead of one per command). */
function batch(sh: Shell, ns: string, lines: string[]): Promise<string> {
  return ip(sh, ['-n', ns, '-batch', '-'], lines.join('\n') + '\n');
}

/** A locally administered, unicast MAC derived from a name (so neighbour entries need no lookups). */
export function macOf(name: string): string {
  const h = fnv1a(name);
  const g = fnv1a(`${name}#`);
  const b = [0x02, (g >>> 8) & 255, (h >>> 24) & 255, (h >>> 16) & 255, (h >>> 8) & 255, h & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** argv that runs `cmd args` in `ns` with `sockDir` bound at /var/run/wireguard in a fresh private mount namespace. */
export function inWgMountNs(ns: string, sockDir: string, cmd: string, args: readonly string[], stdinPipe = false): string[] {
  // Node's stdio is a socket, which /dev/stdin cannot reopen: `cat |` turns it into a pipe for `wg set private-key /dev/stdin`
  const run = stdinPipe ? 'cat | "$@"' : 'exec "$@"';
  return ['netns', 'exec', ns, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', `mount --bind "$0" ${WG_SOCKET_DIR} && ${run}`, sockDir, cmd, ...args];
}

/** The first host address of a subnet (the VNet's gateway, never answered: nothing is sent there). */
function firstHost(cidr: string): string {
  const c = parseCidr(cidr, true);
  return formatIPv4((c.base + 1) >>> 0);
}

function subnetOf(ip: string, prefixLen: number): string {
  return `${ip}/${prefixLen}`;
}

/** What `lab up` measured. */
export interface UpTimings {
  readonly totalMs: number;
  readonly namespaces: number;
  readonly wireguardProcesses: number;
}

/**
 * Create the lab. The caller has checked prerequisites and size, and removed any earlier lab of the cluster.
 * @throws CommandError naming the command that failed (the journal lets `lab down` clean what was made).
 */
export async function buildLab(plan: LabPlan, deps: BuildDeps): Promise<{ wireguard: Record<string, { pid: number; sockDir: string }>; timings: UpTimings }> {
  const { sh, files } = deps;
  const t0 = sh.monotonicMs();
  files.open();
  const addNs = async (name: string) => {
    files.append({ kind: 'netns', name });
    await ip(sh, ['netns', 'add', name]);
  };
  // the VNet: a bridge in its own namespace, no uplink
  await addNs(plan.vnetNs);
  await batch(sh, plan.vnetNs, ['link set lo up', `link add ${plan.bridge} type bridge`, `link set ${plan.bridge} up`]);
  const subnet = `${formatIPv4(parseCidr(`${plan.nodes[0]?.ip ?? '10.0.0.0'}/${plan.nodes[0]?.prefixLen ?? 24}`, true).base)}/${plan.nodes[0]?.prefixLen ?? 24}`;
  const gateway = firstHost(subnet);

  // namespaces first (cheap, journalled one by one), then each machine's links and routes in parallel
  for (const n of plan.nodes) await addNs(n.ns);
  for (const p of plan.pods) if (p.ns) await addNs(p.ns);
  if (plan.rogue) await addNs(plan.rogue.ns);
  deps.progress?.(`namespaces created (${files.journal().length})`);

  const plugIn = async (ns: string, port: string, ipAddr: string, prefixLen: number) => {
    await batch(sh, plan.vnetNs, [
      `link add ${port} type veth peer name eth0 netns ${ns}`,
      `link set ${port} master ${plan.bridge}`,
      `link set ${port} up`,
    ]);
    return [`link set lo up`, `addr add ${subnetOf(ipAddr, prefixLen)} dev eth0`, `link set eth0 up`];
  };

  await Promise.all(
    plan.nodes.map(async (n) => {
      const lines = await plugIn(n.ns, n.port, n.ip, n.prefixLen);
      for (const o of n.others) lines.push(`route add ${o.podCidr} via ${o.ip} dev eth0`);
      lines.push(`route add default via ${gateway} dev eth0`);
      await batch(sh, n.ns, lines);
      const sys = await sh.run('ip', ['netns', 'exec', n.ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', 'net.ipv4.conf.eth0.rp_filter=0']);
      if (sys.code !== 0) throw new CommandError(`lab: sysctl in ${n.ns} failed: ${sys.stderr.trim()}`);
      // pods: a veth each, the pod end at IP/32 with a link-local gateway whose neighbour entry is permanent
      const nodeLines: string[] = [];
      const pods = plan.pods.filter((p) => p.node === n.name && p.ns !== null);
      for (const p of pods) {
        const lxcMac = macOf(`${p.ns}/lxc`);
        const podMac = macOf(`${p.ns}/eth0`);
        nodeLines.push(
          `link add ${p.lxc} address ${lxcMac} type veth peer name eth0 address ${podMac} netns ${p.ns}`,
          `link set ${p.lxc} up`,
          `route add ${p.ip}/32 dev ${p.lxc}`,
          `neigh replace ${p.ip} lladdr ${podMac} dev ${p.lxc} nud permanent`,
        );
      }
      if (nodeLines.length) await batch(sh, n.ns, nodeLines);
      await Promise.all(
        pods.map((p) =>
          batch(sh, p.ns!, [
            'link set lo up',
            `addr add ${p.ip}/32 dev eth0`,
            'link set eth0 up',
            `route add ${POD_GATEWAY} dev eth0 scope link`,
            `route add default via ${POD_GATEWAY} dev eth0`,
            `neigh replace ${POD_GATEWAY} lladdr ${macOf(`${p.ns}/lxc`)} dev eth0 nud permanent`,
          ]),
        ),
      );
    }),
  );
  if (plan.rogue) {
    const r = plan.rogue;
    const lines = await plugIn(r.ns, r.port, r.ip, r.prefixLen);
    for (const o of r.others) if (!r.wgRoutes.includes(o.podCidr)) lines.push(`route add ${o.podCidr} via ${o.ip} dev eth0`);
    await batch(sh, r.ns, lines);
  }
  deps.progress?.('links and routes set');

  // WireGuard: one wireguard-go per node whose agent runs it, each with its own control-socket directory
  const wireguard: Record<string, { pid: number; sockDir: string }> = {};
  deps.ensureMountPoint(WG_SOCKET_DIR);
  await Promise.all(
    plan.nodes.map(async (n, i) => {
      if (!n.wg) return;
      wireguard[n.name] = await startWireGuard(deps, n.ns, n.name, i, WG_IFACE, n.wg);
      const lines = [`link set ${WG_IFACE} mtu ${n.wg.mtu} up`];
      if (n.wgRoutes.length) {
        lines.push(`rule add from ${n.podCidr} lookup ${WG_ROUTE_TABLE} priority ${WG_RULE_PRIORITY}`);
        for (const c of n.wgRoutes) lines.push(`route add ${c} dev ${WG_IFACE} table ${WG_ROUTE_TABLE}`);
      }
      await batch(sh, n.ns, lines);
      if (n.strictCidr) await strictTable(sh, plan, n.ns, n.strictCidr, n.others.map((o) => o.podCidr));
    }),
  );
  if (plan.rogue?.wg) {
    const r = plan.rogue;
    wireguard[r.name] = await startWireGuard(deps, r.ns, r.name, 'rogue', ROGUE_WG_IFACE, r.wg!);
    const lines = [`link set ${ROGUE_WG_IFACE} mtu ${r.wg!.mtu} up`];
    for (const c of r.wgRoutes) lines.push(`route add ${c} dev ${ROGUE_WG_IFACE}`);
    await batch(sh, r.ns, lines);
  }
  const namespaces = files.journal().filter((e) => e.kind === 'netns').length;
  return { wireguard, timings: { totalMs: Math.round(sh.monotonicMs() - t0), namespaces, wireguardProcesses: Object.keys(wireguard).length } };
}

/** The nftables table of strict egress mode in one node's namespace (its name carries the lab's prefix). */
export function strictTableName(plan: LabPlan): string {
  return `${plan.prefix}_strict`;
}

async function strictTable(sh: Shell, plan: LabPlan, ns: string, cidr: string, remotePodCidrs: readonly string[]): Promise<void> {
  // pod-to-pod egress to the strict CIDR that would leave eth0 (not cilium_wg0) unencrypted: dropped, counted
  const dst = remotePodCidrs.length ? ` ip daddr { ${remotePodCidrs.join(', ')} }` : '';
  const rules = [
    `table ip ${strictTableName(plan)} {`,
    '  chain forward {',
    '    type filter hook forward priority 0; policy accept;',
    `    iifname "lxc*" oifname "eth0" ip daddr ${cidr}${dst} counter drop comment "UNENCRYPTED_TRAFFIC"`,
    '  }',
    '}',
  ].join('\n');
  const r = await sh.run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: rules + '\n' });
  if (r.code !== 0) throw new CommandError(`lab: nft in ${ns} failed: ${r.stderr.trim()}`);
}

/** Run `wg ARGS` against a machine's device (in its namespace, with its socket directory bound). */
export function wg(sh: Shell, ns: string, sockDir: string, args: readonly string[], input?: string) {
  return sh.run('ip', inWgMountNs(ns, sockDir, 'wg', args, input !== undefined), { input });
}

async function startWireGuard(deps: BuildDeps, ns: string, machine: string, index: number | 'rogue', iface: string, cfg: LabWg): Promise<{ pid: number; sockDir: string }> {
  const { sh, files } = deps;
  const sockDir = files.sockDir(index);
  await sh.run('mkdir', ['-p', '-m', '0700', sockDir]);
  const pid = sh.daemon('ip', inWgMountNs(ns, sockDir, 'wireguard-go', ['-f', iface]), files.logFile(index));
  files.append({ kind: 'process', pid, ns, program: 'wireguard-go', node: machine });
  // wait for the interface and its control socket
  for (let i = 0; ; i++) {
    const r = await sh.run('ip', ['-n', ns, 'link', 'show', iface]);
    if (r.code === 0 && (await sh.run('test', ['-S', `${sockDir}/${iface}.sock`])).code === 0) break;
    if (i >= 200 || sh.cmdline(pid) === undefined) throw new CommandError(`lab: wireguard-go ${iface} did not start in ${ns} (see ${files.logFile(index)})`);
    await sh.sleep(25);
  }
  const key = deps.privateKey(machine);
  if (!key || key.length !== 32) throw new CommandError(`lab: no private key file for ${machine}`);
  const args = ['set', iface, 'private-key', '/dev/stdin', 'listen-port', String(cfg.listenPort)];
  for (const p of cfg.peers) args.push('peer', p.publicKey, 'endpoint', p.endpoint, 'allowed-ips', p.allowedIps.join(','));
  const r = await wg(sh, ns, sockDir, args, Buffer.from(key).toString('base64') + '\n');
  if (r.code !== 0) throw new CommandError(`lab: wg set ${iface} in ${ns} failed: ${r.stderr.trim()}`);
  return { pid, sockDir };
}

/** What teardown removed. */
export interface DownResult {
  readonly namespaces: string[];
  readonly processes: number[];
}

/**
 * Remove everything the journal (and a finished lab's record) lists, by exact name and pid. Idempotent: a missing
 * namespace or process is not an error.
 */
export async function teardownLab(sh: Shell, files: LabFiles): Promise<DownResult> {
  const journal = files.journal();
  const record = files.record();
  const namespaces = [...new Set([...journal.flatMap((e) => (e.kind === 'netns' ? [e.name] : [])), ...(record ? planNamespacesOf(record.plan) : [])])];
  const pids = new Set<number>();
  for (const e of journal) if (e.kind === 'process' && (sh.cmdline(e.pid) ?? '').includes('wireguard-go')) pids.add(e.pid);
  for (const w of Object.values(record?.wireguard ?? {})) if ((sh.cmdline(w.pid) ?? '').includes('wireguard-go')) pids.add(w.pid);
  const existing = new Set((await sh.run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean));
  for (const ns of namespaces) {
    if (!existing.has(ns)) continue;
    const r = await sh.run('ip', ['netns', 'pids', ns]);
    for (const p of r.stdout.split('\n').filter(Boolean)) pids.add(Number(p));
  }
  for (const pid of pids) sh.kill(pid, 'SIGTERM');
  for (let i = 0; i < 40 && [...pids].some((p) => sh.cmdline(p) !== undefined); i++) await sh.sleep(25);
  for (const pid of pids) if (sh.cmdline(pid) !== undefined) sh.kill(pid, 'SIGKILL');
  for (let i = 0; i < 40 && [...pids].some((p) => sh.cmdline(p) !== undefined); i++) await sh.sleep(25);
  const removed: string[] = [];
  // pods and nodes before the VNet (the reverse of creation)
  for (const ns of [...namespaces].reverse()) {
    if (!existing.has(ns)) continue;
    const r = await sh.run('ip', ['netns', 'del', ns]);
    if (r.code !== 0 && !/No such file/.test(r.stderr)) throw new CommandError(`lab: ip netns del ${ns} failed: ${r.stderr.trim()}`);
    removed.push(ns);
  }
  files.remove();
  return { namespaces: removed, processes: [...pids] };
}

function planNamespacesOf(plan: LabPlan): string[] {
  return [plan.vnetNs, ...plan.nodes.map((n) => n.ns), ...plan.pods.flatMap((p) => (p.ns ? [p.ns] : [])), ...(plan.rogue ? [plan.rogue.ns] : [])];
}
