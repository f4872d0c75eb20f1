/** Flags and helpers shared by the az-style commands. */
import { DEFAULT_SUBSCRIPTION_ID } from '../aks/consts.js';
import type { ManagedCluster } from '../aks/model.js';
import type { CommandContext, FlagSpec, Spinner } from './command.js';
import { resolveContext } from '../repo/context.js';
import { KubeError } from '../cluster/manifest.js';
import { isDurationText, parseDuration } from '../cluster/duration.js';
import { ArgumentParseError, ValidationError } from '../errors.js';
import type { Env } from '../platform/env.js';
import type { Store } from '../state/store.js';

export const RESOURCE_GROUP: FlagSpec = {
  long: 'resource-group',
  short: 'g',
  kind: 'string',
  required: true,
  help: 'Name of resource group.',
};
export const RESOURCE_GROUP_OPTIONAL: FlagSpec = { ...RESOURCE_GROUP, required: false };
export const CLUSTER_NAME: FlagSpec = { long: 'name', short: 'n', kind: 'string', required: true, help: 'Name of the managed cluster.' };
export const NO_WAIT: FlagSpec = { long: 'no-wait', kind: 'switch', help: 'Do not wait for the long-running operation to finish.' };
export const YES: FlagSpec = { long: 'yes', short: 'y', kind: 'switch', help: 'Do not prompt for confirmation.' };

export const CONTEXT_FLAG: FlagSpec = { long: 'context', kind: 'string', help: 'The cluster to use: a context from get-credentials, or RG/NAME. Default: the current context.' };

/** -g and -n for the commands that also take the current context: both optional, else --context, else the current one. */
export const TARGET_FLAGS: readonly FlagSpec[] = [
  { ...RESOURCE_GROUP, required: false, help: 'Name of resource group. Default: the cluster of --context, else of the current context.' },
  { long: 'name', short: 'n', kind: 'string', help: 'Name of the managed cluster. Default: the cluster of --context, else of the current context.' },
  CONTEXT_FLAG,
];

/**
 * The cluster a command outside `kubectl` acts on: `-g RG -n NAME` (both or neither), else `--context`, else the
 * current context — the one rule of `traffic inspect`, `node` and `clock`.
 * @throws ArgumentParseError when only one of -g/-n is given; ValidationError when no cluster is named at all or the
 * context is unknown.
 */
export function targetCluster(store: Store, args: Readonly<Record<string, unknown>>): { rg: string; name: string } {
  const rg = str(args['resourceGroup']);
  const name = str(args['name']);
  if (rg !== undefined && name !== undefined) return { rg, name };
  if (rg !== undefined || name !== undefined) {
    throw new ArgumentParseError(`the following arguments are required: ${rg === undefined ? '--resource-group/-g' : '--name/-n'}`);
  }
  try {
    const ref = resolveContext(store, str(args['context']));
    return { rg: ref.resourceGroup, name: ref.cluster };
  } catch (e) {
    if (e instanceof KubeError) throw new ValidationError(`${e.message.replace(/^error: /, '')} (or pass -g RG -n NAME)`);
    throw e;
  }
}

/** The subscription that resource ids name: $AKS_WG_SUBSCRIPTION, else all zeros. */
export function subscriptionId(env: Env): string {
  return env.vars['AKS_WG_SUBSCRIPTION'] || DEFAULT_SUBSCRIPTION_ID;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
export const flag = (v: unknown): true | undefined => (v === true ? true : undefined);

/** az's `aks show` table: one row of the cluster's headline fields. */
export function clusterTableRow(mc: unknown): Record<string, unknown> {
  const m = mc as Record<string, unknown>;
  return {
    name: m['name'],
    location: m['location'],
    resourceGroup: m['resourceGroup'],
    kubernetesVersion: m['kubernetesVersion'],
    currentKubernetesVersion: m['currentKubernetesVersion'],
    provisioningState: m['provisioningState'],
    fqdn: m['fqdn'] ?? m['privateFqdn'],
  };
}

export const clusterTable = (result: unknown): unknown =>
  Array.isArray(result) ? result.map(clusterTableRow) : [clusterTableRow(result)];

/** The cluster's strict egress CIDR (Cilium strict mode), if on. */
export async function strictEgressOf(store: Store, mc: ManagedCluster): Promise<string | undefined> {
  const { loadCilium } = await import('../repo/cilium-doc.js');
  return loadCilium(store, mc.resourceGroup, mc.name).strictEgressCidr;
}

/**
 * The managed cluster as `cluster show` and `cluster update` print it: az's object, plus aks-wg's `aksWg` with
 * Cilium's encryption strict mode (AKS has no property for it; it is shown wherever encryption is).
 */
export function withStrictMode(mc: ManagedCluster, strictEgressCidr: string | undefined): ManagedCluster & { aksWg: { encryptionStrictMode: { egress: { enabled: boolean; cidr: string | null } } } } {
  return { ...mc, aksWg: { encryptionStrictMode: { egress: { enabled: Boolean(strictEgressCidr), cidr: strictEgressCidr ?? null } } } };
}

/** az's --no-wait prints nothing, not even progress: the work runs without a spinner then. */
export function spinUnlessNoWait<T>(ctx: Pick<CommandContext, 'args' | 'ui'>, text: string, work: (s: Spinner) => Promise<T> | T): Promise<T> {
  if (ctx.args['noWait'] === true) return Promise.resolve(work({ succeed() {}, fail() {}, text() {} }));
  return ctx.ui.spin(text, work);
}

export const durationSyntaxError = (name: string, text: string): ArgumentParseError =>
  new ArgumentParseError(`argument ${name}: invalid duration value: '${text}' (expected a number with a unit ms, s, m or h, e.g. 90s, 10m, 1h30m, 500ms)`);

/**
 * A duration argument (flag or operand) in milliseconds, by the one rule: not a duration → exit 2, too long → exit 1.
 * @throws ArgumentParseError when `text` is not written as a duration; ValidationError when it is over 100 years.
 */
export function durationArgument(name: string, text: string): number {
  if (!isDurationText(text)) throw durationSyntaxError(name, text);
  try {
    return parseDuration(text);
  } catch (e) {
    throw new ValidationError(`${name}: ${(e as Error).message}`);
  }
}
