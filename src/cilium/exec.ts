/**
 * The commands `kubectl exec` runs inside a Cilium agent pod: `cilium-dbg encrypt status`, `cilium-dbg status`,
 * `cilium-dbg debuginfo --output json`, `wg show [cilium_wg0 [field]]`. Each returns its stdout; anything else is an
 * ExecError with the message a user needs. Nothing here prints a private key: `wg showconf` and reading the key file
 * are refused.
 */
import type { NodeRecord } from '../cluster/doc.js';
import type { Rng } from '../platform/types.js';
import { agentErrors, agentView, WG_INTERFACE, WG_KEY_PATH } from './agents.js';
import type { CiliumSnapshot } from './agents.js';
import { debugInfo, renderAgentStatus, renderEncryptStatus, type PeerStats } from './views.js';

export class ExecError extends Error {
  constructor(
    message: string,
    /** The exit code `kubectl exec` passes through (`command terminated with exit code N`). */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'ExecError';
  }
}

export const SUPPORTED_COMMANDS = [
  'cilium-dbg encrypt status',
  'cilium-dbg status',
  'cilium-dbg debuginfo --output json',
  `wg show [${WG_INTERFACE} [public-key|listen-port|peers|endpoints|allowed-ips|fwmark]]`,
];

const unsupported = (argv: readonly string[]): ExecError =>
  new ExecError(
    `'${argv.join(' ')}' is not simulated in the Cilium agent pod; aks-wg simulates: ${SUPPORTED_COMMANDS.join(', ')}`,
  );

export interface ExecContext {
  snapshot: CiliumSnapshot;
  node: NodeRecord;
  rng: Rng;
  /** Per-peer counters from the fabric's sessions, when known. */
  stats?: (publicKey: string) => PeerStats | undefined;
}

/** Run `argv` in the agent pod on `ctx.node`; returns its stdout. @throws ExecError */
export async function execInAgent(ctx: ExecContext, argv: readonly string[]): Promise<string> {
  const [cmd, ...rest] = argv;
  if (cmd === 'cilium-dbg' || cmd === 'cilium') return ciliumDbg(ctx, rest, argv);
  if (cmd === 'wg') return wg(ctx, rest);
  if (argv.some((a) => a.includes('cilium_wg0.key')) || argv.includes(WG_KEY_PATH)) {
    throw new ExecError(`aks-wg never shows private keys: ${WG_KEY_PATH} stays on the node`);
  }
  throw unsupported(argv);
}

function configOf(ctx: ExecContext) {
  return ctx.snapshot.configs().get(ctx.node.name) ?? null;
}

function ciliumDbg(ctx: ExecContext, args: readonly string[], argv: readonly string[]): string {
  const words = args.join(' ');
  if (words === 'encrypt status') return renderEncryptStatus(configOf(ctx));
  if (words === 'status' || words === 'status --verbose') {
    const snap = ctx.snapshot;
    const view = agentView(snap.cluster, snap.cilium, snap.now);
    const local = snap.workloads.pods.filter((p) => p.node === ctx.node.name && p.ip !== null && !p.hostNetwork).length;
    const agent = snap.cilium.agents[ctx.node.name];
    return renderAgentStatus({
      cluster: snap.cluster,
      node: ctx.node,
      config: configOf(ctx),
      localEndpoints: local,
      errors: configOf(ctx) ? agentErrors(view, ctx.node.name) : [],
      reachable: snap.cluster.nodes.length,
      atMs: snap.now,
      restartedAtMs: agent ? Math.min(agent.restartedAtMs, snap.now) : snap.now,
      strictEgressCidr: snap.cilium.strictEgressCidr,
    });
  }
  if (args[0] === 'debuginfo') {
    const rest = args.slice(1).join(' ');
    if (rest === '--output json' || rest === '-o json' || rest === '--output=json') {
      return `${JSON.stringify(debugInfo(configOf(ctx), ctx.stats), null, 2)}\n`;
    }
    throw new ExecError(`'${argv.join(' ')}': aks-wg simulates debuginfo only with --output json`);
  }
  throw unsupported(argv);
}

async function wg(ctx: ExecContext, args: readonly string[]): Promise<string> {
  const sub = args[0] ?? 'show';
  if (sub === 'showconf' || (sub === 'show' && args[2] === 'private-key') || sub === 'genkey') {
    throw new ExecError(`aks-wg never shows private keys ('wg ${args.join(' ')}' would print the key of ${WG_INTERFACE})`);
  }
  if (sub !== 'show') throw unsupported(['wg', ...args]);
  const iface = args[1];
  const config = configOf(ctx);
  if (iface !== undefined && iface !== 'all' && iface !== 'interfaces' && iface !== WG_INTERFACE) {
    throw new ExecError(`Unable to access interface: No such device`);
  }
  if (iface === 'interfaces') return config ? `${WG_INTERFACE}\n` : '';
  if (!config) {
    if (iface === WG_INTERFACE) throw new ExecError('Unable to access interface: No such device');
    return '';
  }
  const { renderWgShow, renderWgShowField } = await import('./wg-show.js');
  if (iface === WG_INTERFACE && args[2] !== undefined) {
    const text = renderWgShowField(config, args[2]);
    if (text === undefined) throw new ExecError(`Invalid parameter: ${args[2]}`);
    return text;
  }
  return renderWgShow(config, ctx.snapshot.now, ctx.rng, ctx.stats);
}
