/**
 * `az aks update`: each step writes a field only when its input was given, then the service's rules apply.
 */
import { ValidationError } from '../errors.js';
import { acnsRequested, buildAdvancedNetworking, resolveAcns, type AcnsInput } from './acns.js';
import type { ManagedCluster } from './model.js';

export interface UpdateInput extends AcnsInput {
  /** aks-wg: Cilium's strict egress mode CIDR ('' turns it off). */
  encryptionStrictEgressCidr?: string;
}

/** The update options az lists when none was given (every option but -g, -n, --no-wait, --yes and globals). */
export const UPDATE_OPTION_NAMES = [
  '--acns-transit-encryption-type',
  '--disable-acns',
  '--disable-acns-observability',
  '--disable-acns-security',
  '--disable-wireguard',
  '--enable-acns',
  '--enable-wireguard',
  '--encryption-strict-egress-cidr',
] as const;

/** @throws ValidationError `Please specify one or more of ...` when the update names nothing to change. */
export function checkSomethingToUpdate(input: UpdateInput): void {
  const any = Object.values(input).some((v) => v !== undefined);
  if (!any) {
    throw new ValidationError(`Please specify one or more of ${[...UPDATE_OPTION_NAMES].sort().map((n) => `"${n}"`).join(' or ')}.`);
  }
}

/**
 * Apply an update to a copy of the cluster.
 * @throws ValidationError (az's rules, in order) and ServiceError (WireGuard on a cluster that is not Cilium-based).
 */
export function applyUpdate(mc: ManagedCluster, input: UpdateInput): ManagedCluster {
  checkSomethingToUpdate(input);
  const current = mc.networkProfile.advancedNetworking;
  const req = resolveAcns(input, 'update', Boolean(current?.enabled));
  const next: ManagedCluster = structuredClone(mc);
  if (acnsRequested(req)) next.networkProfile.advancedNetworking = buildAdvancedNetworking(req, mc.networkProfile, current);
  return next;
}
