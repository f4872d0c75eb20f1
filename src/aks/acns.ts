/**
 * Advanced Container Networking Services and its transit encryption: az's cross-flag rules in their order
 * (reference "Client-side validation"), then the network profile's `advancedNetworking` they produce.
 * `--enable-wireguard` / `--disable-wireguard` are aks-wg shorthands, expanded here before az's rules run.
 */
import { ServiceError, ValidationError } from '../errors.js';
import type { TransitEncryptionType } from './consts.js';
import type { AdvancedNetworking, NetworkProfile } from './model.js';

/** The ACNS inputs of create or update; `undefined` = not passed. */
export interface AcnsInput {
  enableAcns?: boolean;
  disableAcns?: boolean;
  disableAcnsObservability?: boolean;
  disableAcnsSecurity?: boolean;
  acnsTransitEncryptionType?: TransitEncryptionType;
  enableWireguard?: boolean;
  disableWireguard?: boolean;
}

/** The ACNS inputs after the shorthands are expanded. */
export interface AcnsRequest {
  enable: boolean;
  disable: boolean;
  disableObservability: boolean;
  disableSecurity: boolean;
  transit: TransitEncryptionType | undefined;
}

/**
 * Expand the shorthands and apply az's rules 1–7, first failure wins.
 * @param clusterAcnsEnabled for update: whether the existing cluster has ACNS on; undefined on create.
 * @throws ValidationError with az's verbatim message.
 */
export function resolveAcns(input: AcnsInput, mode: 'create' | 'update', clusterAcnsEnabled?: boolean): AcnsRequest {
  const given = input.acnsTransitEncryptionType;
  if (input.enableWireguard && input.disableWireguard) {
    throw new ValidationError('Cannot specify --enable-wireguard and --disable-wireguard at the same time.');
  }
  if (input.enableWireguard && given === 'None') {
    throw new ValidationError('Cannot specify --enable-wireguard and --acns-transit-encryption-type None at the same time.');
  }
  if (input.disableWireguard && given === 'WireGuard') {
    throw new ValidationError('Cannot specify --disable-wireguard and --acns-transit-encryption-type WireGuard at the same time.');
  }
  const req: AcnsRequest = {
    enable: Boolean(input.enableAcns || input.enableWireguard),
    disable: Boolean(input.disableAcns),
    disableObservability: Boolean(input.disableAcnsObservability),
    disableSecurity: Boolean(input.disableAcnsSecurity),
    transit: input.enableWireguard ? 'WireGuard' : input.disableWireguard ? 'None' : given,
  };
  // 1–7, in az's order.
  if (req.enable && req.disable) throw new ValidationError('Cannot specify --enable-acns and --disable-acns at the same time.');
  if (req.enable && req.disableObservability && req.disableSecurity) {
    throw new ValidationError(
      'Cannot disable observability, security, and performance acceleration when enabling ACNS. Please enable at least one of them or disable ACNS with --disable-acns.',
    );
  }
  if (req.disable && (req.disableObservability || req.disableSecurity)) {
    throw new ValidationError('--disable-acns does not use any additional acns arguments.');
  }
  if (req.transit && req.disableSecurity) {
    throw new ValidationError('Cannot specify --acns-transit-encryption-type and --disable-acns-security at the same time.');
  }
  if (req.transit && req.disable) {
    throw new ValidationError('Cannot specify --acns-transit-encryption-type and --disable-acns at the same time.');
  }
  if (mode === 'create' && req.transit && !req.enable) {
    throw new ValidationError('--acns-transit-encryption-type requires --enable-acns.');
  }
  if (mode === 'update' && req.transit && !req.enable && !req.disable && !clusterAcnsEnabled) {
    throw new ValidationError(
      '--acns-transit-encryption-type requires ACNS to be enabled on the cluster. Use --enable-acns together with --acns-transit-encryption-type.',
    );
  }
  return req;
}

/** Whether the request touches ACNS at all. */
export function acnsRequested(req: AcnsRequest): boolean {
  return req.enable || req.disable || req.disableObservability || req.disableSecurity || req.transit !== undefined;
}

/**
 * The advancedNetworking object the service stores for a request on a cluster with this network profile.
 * @param current the cluster's current value on update (kept where the request says nothing).
 * @throws ServiceError (InvalidParameter) when WireGuard is asked for on a cluster that is not Cilium-based.
 */
export function buildAdvancedNetworking(
  req: AcnsRequest,
  network: Pick<NetworkProfile, 'networkDataplane' | 'networkPlugin'>,
  current: AdvancedNetworking | null,
): AdvancedNetworking | null {
  const cilium = network.networkDataplane === 'cilium' && network.networkPlugin === 'azure';
  if (req.transit === 'WireGuard' && !cilium) {
    throw new ServiceError(
      'InvalidParameter',
      `WireGuard transit encryption can be enabled only on Cilium-based clusters (network plugin azure with network dataplane cilium); this cluster uses network plugin '${network.networkPlugin}' with network dataplane '${network.networkDataplane}'.`,
    );
  }
  if (req.disable) return { enabled: false, observability: { enabled: false }, security: { enabled: false } };
  const enabled = req.enable || Boolean(current?.enabled);
  if (!enabled) return current;
  const observability = { enabled: req.disableObservability ? false : req.enable ? true : (current?.observability.enabled ?? true) };
  const keepSecurity = !req.enable && current ? current.security : undefined;
  const securityOff = req.disableSecurity || !cilium || (keepSecurity !== undefined && !keepSecurity.enabled && req.transit === undefined);
  if (securityOff) return { enabled: true, observability, security: { enabled: false } };
  const transit = req.transit ?? current?.security.transitEncryption?.type ?? 'None';
  return { enabled: true, observability, security: { advancedNetworkPolicies: 'FQDN', enabled: true, transitEncryption: { type: transit } } };
}
