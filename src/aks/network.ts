/**
 * The service's rules for a cluster's address plan and node sizing, checked before anything is stored: the DNS
 * service IP, the service CIDR, the pod CIDR and the node subnet must fit together; maxPods and the Kubernetes
 * version must be ones AKS accepts. Pure: the caller parses the text forms (src/net/ip.ts) and hands the ranges
 * in as numbers, so this file holds the rules and nothing about parsing.
 *
 * Where each message comes from:
 * - ServiceCidrOverlapExistingSubnetsCidr: AKS's own code and text (Azure/azure-cli#20810, Azure/AKS#3551).
 * - K8sVersionNotSupported: AKS's own code and text (Azure/AKS issues, elastic/cloud-on-k8s#2760).
 * - maxPods: AKS's text "The value of parameter maxPods is invalid." (Azure/AKS#931); the range 10–250 from
 *   Microsoft Learn (AKSNodeClass maxPods "Range: 10-250"; Azure CNI Overlay "up to 250 pods per node").
 * - dnsServiceIP "must be within the Kubernetes service address range specified in serviceCidr" (API spec
 *   description); the first address of the range is the network address and the next one is the `kubernetes`
 *   service's ClusterIP (Microsoft Learn: "Don't use the first IP address in your address range, such as .1");
 *   Azure/AKS#2579 (a .0 DNS IP was accepted and broke DNS) is the bug the service later fixed.
 * - Reserved ranges 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16, 192.0.2.0/24 (Microsoft Learn, "AKS clusters may
 *   not use ... for the Kubernetes service address range, pod address range or cluster virtual network address
 *   range").
 * The other texts are aks-wg's own, in the ARM error shape with code InvalidParameter (the reference: "The AKS
 * service's own texts for these are not public").
 */
import { ServiceError } from '../errors.js';
import type { NetworkPlugin } from './consts.js';

/** An IPv4 range as numbers (network address, prefix length) with the text the user typed. */
export interface Range {
  readonly text: string;
  readonly base: number;
  readonly bits: number;
}

/** The Kubernetes minor versions this simulation offers (AKS's supported window when core az 2.85 went GA). */
export const SUPPORTED_KUBERNETES_MINORS = ['1.32', '1.33', '1.34'] as const;

/** Microsoft Learn: the range every AKS node pool's maxPods must fall in. */
export const MIN_MAX_PODS = 10;
export const MAX_MAX_PODS = 250;

/** Ranges AKS refuses for the service, pod and node address spaces. */
export const RESERVED_RANGES: readonly { text: string; base: number; bits: number }[] = [
  { text: '169.254.0.0/16', base: 0xa9fe0000, bits: 16 },
  { text: '172.30.0.0/16', base: 0xac1e0000, bits: 16 },
  { text: '172.31.0.0/16', base: 0xac1f0000, bits: 16 },
  { text: '192.0.2.0/24', base: 0xc0000200, bits: 24 },
];

const mask = (bits: number) => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);
const overlap = (a: Range, b: Range) => {
  const m = mask(Math.min(a.bits, b.bits));
  return ((a.base & m) >>> 0) === ((b.base & m) >>> 0);
};
const contains = (r: Range, ip: number) => ((ip & mask(r.bits)) >>> 0) === r.base;

const invalid = (message: string) => new ServiceError('InvalidParameter', message);

/**
 * The address plan's cross-field rules, in the order the fields appear in the network profile.
 * @param plan pod CIDR (null when the plugin assigns pods from the node subnet or none), service CIDR, the DNS
 *   service IP (its text and value), and the node subnet the cluster's nodes take addresses from.
 * @throws ServiceError (ServiceCidrOverlapExistingSubnetsCidr or InvalidParameter) for the first rule broken.
 */
export function checkAddressPlan(plan: {
  podCidr: Range | null;
  serviceCidr: Range;
  /** `given`: false when the DNS service IP is the default (the message then says how to choose one). */
  dnsServiceIp: { text: string; value: number; given?: boolean };
  nodeSubnet: Range;
}): void {
  const { podCidr, serviceCidr, dnsServiceIp, nodeSubnet } = plan;
  for (const [flag, r] of [['--service-cidr', serviceCidr], ['--pod-cidr', podCidr]] as const) {
    const reserved = r && RESERVED_RANGES.find((x) => overlap(r, { ...x }));
    if (r && reserved) {
      throw invalid(
        `The ${flag === '--pod-cidr' ? 'pod' : 'service'} CIDR ${r.text} (${flag}) overlaps ${reserved.text}, which AKS reserves; choose a range outside ${RESERVED_RANGES.map((x) => x.text).join(', ')}.`,
      );
    }
  }
  // AKS's own check: the service range must not collide with a subnet of the cluster's virtual network.
  if (overlap(serviceCidr, nodeSubnet)) {
    throw new ServiceError(
      'ServiceCidrOverlapExistingSubnetsCidr',
      `The specified service CIDR ${serviceCidr.text} is conflicted with an existing subnet CIDR ${nodeSubnet.text}`,
    );
  }
  if (podCidr && overlap(serviceCidr, podCidr)) {
    throw invalid(
      `The service CIDR ${serviceCidr.text} (--service-cidr) overlaps the pod CIDR ${podCidr.text} (--pod-cidr): a ClusterIP and a pod IP would be the same address. Choose ranges that do not overlap.`,
    );
  }
  if (podCidr && overlap(podCidr, nodeSubnet)) {
    throw invalid(
      `The pod CIDR ${podCidr.text} (--pod-cidr) overlaps the node subnet ${nodeSubnet.text}: an overlay pod CIDR must not overlap the cluster's virtual network. Choose a range outside ${nodeSubnet.text}.`,
    );
  }
  if (!contains(serviceCidr, dnsServiceIp.value) && dnsServiceIp.given === false) {
    throw invalid(
      `The default DNS service IP ${dnsServiceIp.text} is not within the service CIDR ${serviceCidr.text} (--service-cidr): pass --dns-service-ip with an address within the Kubernetes service address range, such as its .10.`,
    );
  }
  if (!contains(serviceCidr, dnsServiceIp.value)) {
    throw invalid(
      `The DNS service IP ${dnsServiceIp.text} (--dns-service-ip) is not within the service CIDR ${serviceCidr.text} (--service-cidr): it must be within the Kubernetes service address range specified in serviceCidr.`,
    );
  }
  const offset = dnsServiceIp.value - serviceCidr.base;
  const last = 2 ** (32 - serviceCidr.bits) - 1;
  if (offset === 0 || offset === 1 || offset === last) {
    const what =
      offset === 0
        ? "the service CIDR's network address"
        : offset === 1
          ? "the service CIDR's first address, which is the ClusterIP of the 'kubernetes' API service"
          : "the service CIDR's broadcast address";
    throw invalid(`The DNS service IP ${dnsServiceIp.text} (--dns-service-ip) is ${what}; use another address in ${serviceCidr.text}, such as the default's .10.`);
  }
}

/**
 * maxPods of an agent pool: 10 to 250 on every network plugin AKS offers (default 250 on overlay, 110 on kubenet).
 * @throws ServiceError (InvalidParameter) "The value of parameter maxPods is invalid." with the range.
 */
export function checkMaxPods(pool: string, maxPods: number, plugin: NetworkPlugin): void {
  if (Number.isSafeInteger(maxPods) && maxPods >= MIN_MAX_PODS && maxPods <= MAX_MAX_PODS) return;
  const on = plugin === 'azure' ? 'Azure CNI Overlay' : `network plugin ${plugin}`;
  throw invalid(
    `The value of parameter maxPods is invalid. Agent pool '${pool}' asks for ${maxPods} pods per node; ${on} takes ${MIN_MAX_PODS} to ${MAX_MAX_PODS} (--max-pods).`,
  );
}

/**
 * A version AKS offers: MAJOR.MINOR or MAJOR.MINOR.PATCH of a supported minor (the simulation has every patch).
 * @param code K8sVersionNotSupported for a cluster, AgentPoolK8sVersionNotSupported for a pool.
 * @throws ServiceError with AKS's text.
 */
export function checkKubernetesVersionSupported(version: string, code = 'K8sVersionNotSupported'): void {
  const minor = /^(\d+\.\d+)(\.\d+)?$/.exec(version)?.[1];
  if (minor && (SUPPORTED_KUBERNETES_MINORS as readonly string[]).includes(minor)) return;
  throw new ServiceError(
    code,
    `Version ${version} is not supported in this region. Please use [az aks get-versions] command to get the supported version list in this region. For more information, please check https://aka.ms/supported-version-list (aks-wg offers ${SUPPORTED_KUBERNETES_MINORS.join(', ')}.)`,
  );
}
