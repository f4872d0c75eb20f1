/**
 * What `cluster update` does to the agents after the managed cluster changed: sync them (a rolling restart when
 * WireGuard was switched on), set strict mode, and — unless --no-wait — let the cluster's simulated clock run
 * until the rolling restart is over. Pure: it changes the documents it is given and returns the key writes; the
 * repo layer (repo/cilium.ts updateAgents) stores them.
 */
import { wireguardConfigured } from '../aks/model.js';
import { advanceClusterClock, clusterNow } from '../cluster/clock.js';
import type { ClusterDoc } from '../cluster/doc.js';
import { parseCidr } from '../net/ip.js';
import { ValidationError } from '../errors.js';
import type { Rng } from '../platform/types.js';
import type { CiliumDoc } from './agents.js';
import { rekeyedWarning, strictEgress, syncAgents, type KeyFiles, type KeyWrite } from './sync.js';

const STRICT_FLAG = '--encryption-strict-egress-cidr';

/** @throws ValidationError when the value is neither '' nor an IPv4 CIDR (host bits zero). */
export function checkStrictEgressCidr(value: string | undefined): void {
  if (value === undefined || value === '') return;
  try {
    parseCidr(value);
  } catch (e) {
    throw new ValidationError(`${STRICT_FLAG}: ${(e as Error).message}`);
  }
}

export interface UpdateAgentsOptions {
  rng: Rng;
  /** Run the clock until a rolling restart started here is over. */
  wait: boolean;
  spinner?: { text(text: string): void };
  ui?: { info(message: string): void; warn(message: string): void };
}

/** What updating the agents changed: the key files to write, and strict mode. */
export interface AgentUpdate {
  keyWrites: KeyWrite[];
  strict: StrictModeChange;
  /** The cluster document changed too (its clock ran through a rollout, or it reads Updating): store it again. */
  clusterChanged: boolean;
}

/**
 * Sync the agents (`cilium`, changed in place) with the updated cluster `doc`, then apply the strict-mode input
 * (undefined: unchanged; '': off). With a rolling restart, moves the cluster's clock (or marks it Updating).
 * @throws ValidationError when strict mode is asked for on a cluster without WireGuard.
 */
export function planAgentUpdate(doc: ClusterDoc, cilium: CiliumDoc, keys: KeyFiles, strictEgressCidr: string | undefined, options: UpdateAgentsOptions): AgentUpdate {
  const wireguard = wireguardConfigured(doc.managedCluster);
  const strictBefore = cilium.strictEgressCidr;
  if (strictEgressCidr !== undefined && strictEgressCidr !== '' && !wireguard) {
    throw new ValidationError(
      `${STRICT_FLAG} requires WireGuard transit encryption on the cluster (Cilium's strict mode only applies to WireGuard); add --enable-wireguard or --acns-transit-encryption-type WireGuard.`,
    );
  }
  const before = syncAgents(doc, cilium, keys, options.rng, { mode: 'rolling' });
  const keyWrites = before.keyWrites;
  const warning = rekeyedWarning(before.rekeyed);
  if (warning) options.ui?.warn(warning);
  if (strictEgressCidr !== undefined) strictEgress(cilium, strictEgressCidr);
  const strictNow = cilium.strictEgressCidr;
  // turned off by the sync (WireGuard went off), not by the user's ''
  const change: StrictModeChange = { now: strictNow, cleared: strictBefore && !strictNow && strictEgressCidr === undefined ? strictBefore : undefined };
  const rollout = before.rollout;
  if (!rollout) return { keyWrites, strict: change, clusterChanged: false };
  const n = rollout.order.length;
  if (!options.wait) {
    // az's --no-wait prints nothing; `cluster show` says Updating until the clock passes the rollout's end
    doc.updatingUntilMs = rollout.doneAtMs;
    return { keyWrites, strict: change, clusterChanged: true };
  }
  delete doc.updatingUntilMs;
  rollout.order.forEach((node, i) => {
    options.spinner?.text(`Restarting Cilium agents with WireGuard: ${i + 1}/${n} (${node})`);
    const target = rollout.startedAtMs + (i + 1) * rollout.intervalMs;
    advanceClusterClock(doc, Math.max(0, target - clusterNow(doc)));
  });
  options.ui?.info(
    `Restarted ${n} Cilium agent${n === 1 ? '' : 's'} one by one with WireGuard (${(rollout.doneAtMs - rollout.startedAtMs) / 1000}s of simulated time).`,
  );
  return { keyWrites, strict: change, clusterChanged: true };
}

/** Strict egress mode after an update, and the CIDR it had when the update turned it off as a side effect. */
export interface StrictModeChange {
  now: string | undefined;
  cleared: string | undefined;
}
