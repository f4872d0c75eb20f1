/**
 * `aks-wg lab up|status|exec|down`: the cluster built from real Linux parts (lab/), its state, a shell into any of
 * its pods or nodes, and its removal.
 */
import type { CommandContext, CommandSpec } from '../command.js';
import { CommandError, NotFoundError } from '../../errors.js';
import { buildLab, inWgMountNs, ROGUE_WG_IFACE, syncLab, teardownLab, wg } from '../../lab/build.js';
import { labPrefix, planNamespaces, WG_IFACE, type LabPlan } from '../../lab/plan.js';
import { LabFiles, type LabRecord } from '../../lab/record.js';
import { ensureMountPoint, nodeShell, type Shell } from '../../platform/lab-shell.js';
import { CLUSTER_NAME, RESOURCE_GROUP, str } from '../common.js';
import { checkPrerequisites, checkSize, labFiles, labModel, withLabLock } from './shared.js';

const rgName = (ctx: Pick<CommandContext, 'args'>) => ({ rg: str(ctx.args['resourceGroup'])!, name: str(ctx.args['name'])! });

/**
 * Bring a cluster's lab up: build it, or bring a running one to the model in place (live changes), or remove a
 * half-built one first. Exported for traffic inspect and live changes.
 */
export async function labUp(ctx: Pick<CommandContext, 'env' | 'ui'>, rg: string, name: string, sh: Shell = nodeShell): Promise<LabRecord> {
  checkPrerequisites();
  const model = labModel(ctx.env, rg, name);
  checkSize(model.plan);
  const files = labFiles(ctx.env, model.plan);
  let running = files.record();
  if (running && !(await labIntact(sh, running))) {
    // e.g. after a reboot: the record outlived its namespaces or processes
    ctx.ui.info(`The lab of ${model.plan.name} lost namespaces or wireguard-go processes: building it again`);
    await teardownLab(sh, files);
    running = undefined;
  }
  if (running) {
    // a finished lab follows the model in place
    if (running.fingerprint === model.fingerprint) return running;
    const t0 = sh.monotonicMs();
    let synced;
    try {
      synced = await ctx.ui.spin(`Reconfiguring the lab of ${model.plan.name} ..`, () =>
        syncLab(running.plan, running.wireguard, model.plan, { sh, files, privateKey: model.readKey, ensureMountPoint }),
      );
    } catch (e) {
      // a lab in an unknown state is not left behind: remove it, so the next `lab up` builds it afresh
      await teardownLab(sh, files).catch(() => undefined);
      throw e;
    }
    for (const c of synced.changes) ctx.ui.info(`lab: ${c}`);
    const record: LabRecord = { ...running, plan: model.plan, wireguard: synced.wireguard, modelAtMs: model.atMs, upMs: Math.round(sh.monotonicMs() - t0), fingerprint: model.fingerprint };
    files.writeRecord(record);
    return record;
  }
  if (files.exists()) {
    ctx.ui.info(`Removing the half-built lab of ${model.plan.name} (${model.plan.prefix}) first`);
    await teardownLab(sh, files);
  }
  let built;
  try {
    built = await ctx.ui.spin(`Building the lab of ${model.plan.name} ..`, () =>
      buildLab(model.plan, { sh, files, privateKey: model.readKey, ensureMountPoint }),
    );
  } catch (e) {
    // leave nothing half-built: remove what the journal lists, then report the first failure
    await teardownLab(sh, files).catch(() => undefined);
    throw e;
  }
  const record: LabRecord = { version: 1, plan: model.plan, wireguard: built.wireguard, modelAtMs: model.atMs, upMs: built.timings.totalMs, fingerprint: model.fingerprint };
  files.writeRecord(record);
  return record;
}

/** Whether every namespace of a finished lab exists and every wireguard-go it started still runs. */
async function labIntact(sh: Shell, r: LabRecord): Promise<boolean> {
  const present = new Set((await sh.run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean));
  if (!planNamespaces(r.plan).every((ns) => present.has(ns))) return false;
  return Object.values(r.wireguard).every((w) => (sh.cmdline(w.pid) ?? '').includes('wireguard-go'));
}

function upSummary(r: LabRecord): Record<string, unknown> {
  const p = r.plan;
  return {
    name: p.name,
    resourceGroup: p.resourceGroup,
    prefix: p.prefix,
    vnet: { namespace: p.vnetNs, bridge: p.bridge },
    nodes: p.nodes.map((n) => ({
      name: n.name,
      namespace: n.ns,
      ip: n.ip,
      podCidr: n.podCidr,
      wireguard: n.wg ? { interface: WG_IFACE, pid: r.wireguard[n.name]?.pid ?? null, peers: n.wg.peers.length, mtu: n.wg.mtu, listenPort: n.wg.listenPort } : null,
      strictEgressCidr: n.strictCidr,
    })),
    pods: p.pods.filter((x) => x.ns).length,
    hostNetworkPods: p.pods.filter((x) => !x.ns).length,
    rogue: p.rogue ? { name: p.rogue.name, namespace: p.rogue.ns, ip: p.rogue.ip, wireguard: p.rogue.wg !== null } : null,
    upSeconds: Math.round(r.upMs) / 1000,
  };
}

export const labUpSpec: CommandSpec = {
  path: ['lab', 'up'],
  summary: "Build the cluster from real Linux parts: a network namespace per node and pod, a bridge as the VNet, wireguard-go as each node's cilium_wg0 (needs root).",
  flags: [RESOURCE_GROUP, CLUSTER_NAME],
  output: {
    table: (r) => (r as { nodes: Record<string, unknown>[] }).nodes.map((n) => ({ Node: n['name'], Namespace: n['namespace'], IP: n['ip'], PodCIDR: n['podCidr'], WireGuard: n['wireguard'] ? 'cilium_wg0' : 'off' })),
  },
  examples: ['sudo aks-wg lab up -g RG -n C', 'sudo aks-wg lab up -g RG -n C -o table'],
  async run(ctx) {
    const { rg, name } = rgName(ctx);
    return upSummary(await withLabLock(ctx.env, () => labUp(ctx, rg, name)));
  },
};

export const labDownSpec: CommandSpec = {
  path: ['lab', 'down'],
  summary: "Remove a cluster's lab: every namespace, process and file it recorded, by exact name (idempotent; also after a crash).",
  flags: [RESOURCE_GROUP, CLUSTER_NAME],
  examples: ['sudo aks-wg lab down -g RG -n C'],
  async run(ctx) {
    const { rg, name } = rgName(ctx);
    // the cluster may be gone already: the lab's record is found by its prefix alone
    const files = new LabFiles(ctx.env.fs, ctx.env.home, labPrefix(rg, name));
    if (!files.exists()) return { removed: { namespaces: [], processes: [] } };
    checkPrerequisites(['ip']);
    const r = await withLabLock(ctx.env, () => teardownLab(nodeShell, files));
    return { removed: r };
  },
};

/** The finished lab of a cluster. @throws NotFoundError when it has none. */
export function requireLab(ctx: Pick<CommandContext, 'env'>, rg: string, name: string): { files: LabFiles; record: LabRecord } {
  const files = new LabFiles(ctx.env.fs, ctx.env.home, labPrefix(rg, name));
  const record = files.record();
  if (!record) {
    if (files.exists()) throw new CommandError(`the lab of ${name} is half-built (a 'lab up' did not finish); run: aks-wg lab down -g ${rg} -n ${name}`);
    throw new NotFoundError(`the cluster ${name} has no lab; run: sudo aks-wg lab up -g ${rg} -n ${name}`);
  }
  return { files, record };
}

export const labStatusSpec: CommandSpec = {
  path: ['lab', 'status'],
  summary: "Show a cluster's lab: its namespaces, wireguard-go processes, and `wg show` per node (keys hidden) with the latest handshakes.",
  flags: [RESOURCE_GROUP, CLUSTER_NAME],
  output: {
    table: (r) =>
      (r as { nodes: Record<string, unknown>[] }).nodes.map((n) => ({
        Node: n['name'],
        Namespace: n['namespace'],
        Present: n['present'],
        WireguardGo: n['wireguardGo'] ? `${(n['wireguardGo'] as { pid: number }).pid}${(n['wireguardGo'] as { alive: boolean }).alive ? '' : ' (dead)'}` : '',
        Peers: n['peers'] ?? '',
        Handshakes: n['handshakes'] ?? '',
      })),
  },
  examples: ['sudo aks-wg lab status -g RG -n C -o table', "sudo aks-wg lab status -g RG -n C --query 'nodes[0].wgShow' -o tsv"],
  async run(ctx) {
    const { rg, name } = rgName(ctx);
    checkPrerequisites(['ip', 'wg', 'unshare']);
    const { record } = requireLab(ctx, rg, name);
    return labStatus(nodeShell, record, ctx, rg, name);
  },
};

async function labStatus(sh: Shell, record: LabRecord, ctx: Pick<CommandContext, 'env'>, rg: string, name: string): Promise<Record<string, unknown>> {
  const plan = record.plan;
  const present = new Set((await sh.run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean));
  const machine = async (m: { name: string; ns: string }, iface: string) => {
    const w = record.wireguard[m.name];
    const alive = w ? (sh.cmdline(w.pid) ?? '').includes('wireguard-go') : false;
    let wgShow: string | null = null;
    let handshakes: Record<string, number> | null = null;
    if (w && alive) {
      // `wg show` prints the private key as (hidden) by default
      wgShow = (await wg(sh, m.ns, w.sockDir, ['show', iface])).stdout;
      const hs = (await wg(sh, m.ns, w.sockDir, ['show', iface, 'latest-handshakes'])).stdout;
      handshakes = Object.fromEntries(hs.split('\n').filter(Boolean).map((l) => l.split('\t') as [string, string]).map(([k, v]) => [k, Number(v)]));
    }
    return {
      name: m.name,
      namespace: m.ns,
      present: present.has(m.ns),
      wireguardGo: w ? { pid: w.pid, alive, rssKiB: alive ? (sh.rssKiB(w.pid) ?? null) : null } : null,
      peers: handshakes ? Object.keys(handshakes).length : null,
      handshakes: handshakes ? Object.values(handshakes).filter((t) => t > 0).length : null,
      latestHandshakes: handshakes,
      wgShow,
    };
  };
  let current: string | undefined;
  try {
    current = labModel(ctx.env, rg, name).fingerprint;
  } catch {
    current = undefined;
  }
  const nodes = await Promise.all(plan.nodes.map((n) => machine(n, WG_IFACE)));
  const pods = plan.pods.filter((p) => p.ns).map((p) => ({ pod: `${p.namespace}/${p.name}`, node: p.node, ip: p.ip, namespace: p.ns, present: present.has(p.ns!) }));
  return {
    name: plan.name,
    resourceGroup: plan.resourceGroup,
    prefix: plan.prefix,
    vnet: { namespace: plan.vnetNs, bridge: plan.bridge, present: present.has(plan.vnetNs) },
    upToDate: current === undefined ? null : current === record.fingerprint,
    nodes,
    pods,
    rogue: plan.rogue ? await machine(plan.rogue, ROGUE_WG_IFACE) : null,
  };
}

/** The namespace a `lab exec` target names: `node/NAME`, `rogue/NAME`, `NS/POD` or `pod/NS/POD` (a hostNetwork pod: its node's). */
export function execTarget(plan: LabPlan, target: string): { ns: string; sockDir?: string; what: string } {
  const parts = target.split('/');
  const kind = parts[0]!.toLowerCase();
  if (parts.length === 2 && (kind === 'node' || kind === 'no' || kind === 'nodes')) {
    const n = plan.nodes.find((x) => x.name === parts[1]);
    if (!n) throw new NotFoundError(`no node named '${parts[1]}' in the lab`);
    return { ns: n.ns, what: `node ${n.name}` };
  }
  if (parts.length === 2 && kind === 'rogue') {
    if (!plan.rogue || plan.rogue.name !== parts[1]) throw new NotFoundError(`no rogue machine named '${parts[1]}' in the lab`);
    return { ns: plan.rogue.ns, what: `rogue ${plan.rogue.name}` };
  }
  const [ns, pod] = parts.length === 3 && (kind === 'pod' || kind === 'po' || kind === 'pods') ? [parts[1]!, parts[2]!] : parts.length === 2 ? [parts[0]!, parts[1]!] : ['', ''];
  if (!pod) throw new CommandError(`lab exec: '${target}' is not NS/POD, pod/NS/POD, node/NAME or rogue/NAME`);
  const p = plan.pods.find((x) => x.namespace === ns && x.name === pod);
  if (!p) throw new NotFoundError(`no running pod '${pod}' in namespace '${ns}' in the lab`);
  if (p.ns) return { ns: p.ns, what: `pod ${ns}/${pod}` };
  const n = plan.nodes.find((x) => x.name === p.node)!;
  return { ns: n.ns, what: `hostNetwork pod ${ns}/${pod} (node ${n.name})` };
}

export const labExecSpec: CommandSpec = {
  path: ['lab', 'exec'],
  summary: "Run a command in a lab pod's or node's network namespace (curl, ping, ss, tcpdump, `wg show` on a node).",
  flags: [RESOURCE_GROUP, CLUSTER_NAME],
  positionals: [
    { name: 'TARGET', required: true },
    { name: 'COMMAND', required: false, variadic: true },
  ],
  output: false,
  examples: [
    'sudo aks-wg lab exec -g RG -n C default/client -- ping -c 1 10.244.1.5',
    'sudo aks-wg lab exec -g RG -n C node/aks-nodepool1-12345678-vmss000000 -- wg show',
    'sudo aks-wg lab exec -g RG -n C node/aks-nodepool1-12345678-vmss000000 -- ip rule',
  ],
  async run(ctx) {
    const { rg, name } = rgName(ctx);
    const [target, ...command] = ctx.positionals as [string, ...string[]];
    if (command.length === 0) throw new CommandError('lab exec: give the command after --, e.g. -- ip addr');
    checkPrerequisites(['ip', 'unshare', 'mount']);
    const { record } = requireLab(ctx, rg, name);
    const t = execTarget(record.plan, target);
    // a node's own wireguard-go socket directory is bound at /var/run/wireguard, so `wg show` finds its device
    const machine = record.plan.nodes.find((n) => n.ns === t.ns)?.name ?? (record.plan.rogue?.ns === t.ns ? record.plan.rogue.name : undefined);
    const sockDir = machine ? record.wireguard[machine]?.sockDir : undefined;
    const argv = sockDir ? inWgMountNs(t.ns, sockDir, command[0]!, command.slice(1)) : ['netns', 'exec', t.ns, ...command];
    const r = await nodeShell.run('ip', argv, { timeoutMs: 600_000 });
    ctx.env.stdout.write(r.stdout);
    ctx.env.stderr.write(r.stderr);
    return { code: r.code };
  },
  exitCode: (result) => (result as { code?: number } | undefined)?.code ?? 0,
};

