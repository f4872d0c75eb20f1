/**
 * The add-on workloads every AKS cluster runs in kube-system, per network dataplane, and the `kubernetes` service.
 *
 * Cilium dataplane (Azure CNI powered by Cilium): DaemonSets cilium, azure-cns, cloud-node-manager (all
 * hostNetwork); Deployments cilium-operator (hostNetwork, 1–2 replicas), coredns (2), metrics-server (2),
 * konnectivity-agent (2), and hubble-relay (1) when ACNS observability is on.
 * Azure dataplane: kube-proxy and cloud-node-manager DaemonSets everywhere, azure-cns and azure-ip-masq-agent with
 * the azure network plugin, azure-ip-masq-agent with kubenet; no Cilium objects; the same Deployments without
 * cilium-operator and hubble-relay.
 * Services: default/kubernetes (first service IP, no selector), kube-system/kube-dns at the DNS service IP (53/UDP
 * and 53/TCP), kube-system/metrics-server, and hubble-relay / hubble-peer with observability.
 */
import type { ManagedCluster } from '../aks/model.js';
import type { Container, ControllerKind, Labels, PodTemplate, ServicePort } from './workloads.js';

export const KUBE_SYSTEM = 'kube-system';

export interface SystemController {
  readonly kind: ControllerKind;
  readonly name: string;
  readonly labels: Labels;
  readonly selector: Labels;
  readonly template: PodTemplate;
  readonly replicas: number;
  readonly systemPoolsOnly: boolean;
}

export interface SystemService {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  readonly selector: Labels | null;
  readonly ports: readonly ServicePort[];
  /** 'first' = the first address of the service CIDR; 'dns' = the cluster's DNS service IP; else allocated. */
  readonly fixedIp?: 'first' | 'dns';
}

const MCR = 'mcr.microsoft.com';

function ctl(
  kind: ControllerKind,
  name: string,
  selector: Labels,
  opts: { hostNetwork: boolean; image: string; replicas?: number; ports?: Container['ports']; extraLabels?: Labels; container?: string },
): SystemController {
  return {
    kind,
    name,
    labels: { ...selector, 'kubernetes.azure.com/managedby': 'aks' },
    selector,
    template: {
      labels: { ...selector, ...(opts.extraLabels ?? {}), 'kubernetes.azure.com/managedby': 'aks' },
      hostNetwork: opts.hostNetwork,
      containers: [{ name: opts.container ?? name, image: opts.image, ports: opts.ports ?? [] }],
    },
    replicas: opts.replicas ?? 0,
    systemPoolsOnly: kind === 'Deployment',
  };
}

/** Is ACNS observability (Hubble) on? */
export function observabilityOn(mc: ManagedCluster): boolean {
  const acns = mc.networkProfile.advancedNetworking;
  return Boolean(acns?.enabled && acns.observability.enabled);
}

/**
 * The kube-system controllers this cluster should run.
 * @param systemNodes how many nodes the System-mode pools have (cilium-operator runs min(2, that) replicas).
 */
export function systemControllers(mc: ManagedCluster, systemNodes: number): SystemController[] {
  const np = mc.networkProfile;
  const k8s = mc.currentKubernetesVersion;
  const cilium = np.networkDataplane === 'cilium';
  const out: SystemController[] = [];
  if (cilium) {
    out.push(
      ctl('DaemonSet', 'cilium', { 'k8s-app': 'cilium' }, {
        hostNetwork: true,
        image: `${MCR}/containernetworking/cilium/cilium:v1.17.7-250927`,
        container: 'cilium-agent',
        ports: [
          { name: 'peer-service', containerPort: 4244, protocol: 'TCP' },
          { name: 'health', containerPort: 4240, protocol: 'TCP' },
        ],
      }),
      ctl('Deployment', 'cilium-operator', { 'io.cilium/app': 'operator', name: 'cilium-operator' }, {
        hostNetwork: true,
        image: `${MCR}/containernetworking/cilium/operator-generic:v1.17.7-250927`,
        replicas: Math.max(1, Math.min(2, systemNodes)),
      }),
    );
  } else {
    out.push(
      ctl('DaemonSet', 'kube-proxy', { component: 'kube-proxy', tier: 'node' }, { hostNetwork: true, image: `${MCR}/oss/kubernetes/kube-proxy:v${k8s}` }),
    );
  }
  if (np.networkPlugin === 'azure') {
    out.push(
      ctl('DaemonSet', 'azure-cns', { 'k8s-app': 'azure-cns' }, {
        hostNetwork: true,
        image: `${MCR}/containernetworking/azure-cns:v1.6.35`,
        ports: [{ name: 'api', containerPort: 10090, protocol: 'TCP' }],
      }),
    );
  }
  if (!cilium && np.networkPlugin !== 'none') {
    out.push(ctl('DaemonSet', 'azure-ip-masq-agent', { 'k8s-app': 'azure-ip-masq-agent' }, { hostNetwork: true, image: `${MCR}/oss/v2/kubernetes/ip-masq-agent:v2.5.0-12` }));
  }
  out.push(
    ctl('DaemonSet', 'cloud-node-manager', { 'k8s-app': 'cloud-node-manager' }, { hostNetwork: true, image: `${MCR}/oss/kubernetes/azure-cloud-node-manager:v${k8s}` }),
    ctl('Deployment', 'coredns', { 'k8s-app': 'kube-dns', version: 'v20' }, {
      hostNetwork: false,
      image: `${MCR}/oss/v2/kubernetes/coredns:v1.12.1-3`,
      replicas: 2,
      ports: [
        { name: 'dns', containerPort: 53, protocol: 'UDP' },
        { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
        { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
      ],
    }),
    ctl('Deployment', 'metrics-server', { 'k8s-app': 'metrics-server' }, {
      hostNetwork: false,
      image: `${MCR}/oss/v2/kubernetes/metrics-server:v0.7.2-8`,
      replicas: 2,
      ports: [{ name: 'https', containerPort: 4443, protocol: 'TCP' }],
    }),
    ctl('Deployment', 'konnectivity-agent', { app: 'konnectivity-agent' }, {
      hostNetwork: false,
      image: `${MCR}/oss/v2/kubernetes/apiserver-network-proxy/agent:v0.30.3-hotfix.20250602`,
      replicas: 2,
    }),
  );
  if (cilium && observabilityOn(mc)) {
    out.push(
      ctl('Deployment', 'hubble-relay', { 'k8s-app': 'hubble-relay' }, {
        hostNetwork: false,
        image: `${MCR}/oss/v2/cilium/hubble-relay:v1.17.7`,
        replicas: 1,
        ports: [{ name: 'grpc', containerPort: 4245, protocol: 'TCP' }],
      }),
    );
  }
  return out;
}

/**
 * Where the `kubernetes` service leads: AKS runs the API server outside the cluster (the service's endpoint is the
 * control plane's address, not a pod). A documentation address (RFC 5737 TEST-NET-3) stands in for it on the
 * simulated wire; Hubble gives it the reserved identity 7, `kube-apiserver`.
 */
export const API_SERVER_IP = '203.0.113.10';
export const API_SERVER_NAME = 'kube-apiserver';

export function systemServices(mc: ManagedCluster): SystemService[] {
  const out: SystemService[] = [
    {
      namespace: 'default',
      name: 'kubernetes',
      labels: { component: 'apiserver', provider: 'kubernetes' },
      selector: null,
      ports: [{ name: 'https', port: 443, targetPort: 443, protocol: 'TCP' }],
      fixedIp: 'first',
    },
    {
      namespace: KUBE_SYSTEM,
      name: 'kube-dns',
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      selector: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' },
      ],
      fixedIp: 'dns',
    },
    {
      namespace: KUBE_SYSTEM,
      name: 'metrics-server',
      labels: { 'k8s-app': 'metrics-server', 'kubernetes.io/cluster-service': 'true' },
      selector: { 'k8s-app': 'metrics-server' },
      ports: [{ port: 443, targetPort: 'https', protocol: 'TCP' }],
    },
  ];
  if (mc.networkProfile.networkDataplane === 'cilium' && observabilityOn(mc)) {
    out.push(
      {
        namespace: KUBE_SYSTEM,
        name: 'hubble-relay',
        labels: { 'k8s-app': 'hubble-relay' },
        selector: { 'k8s-app': 'hubble-relay' },
        ports: [{ port: 443, targetPort: 'grpc', protocol: 'TCP' }],
      },
      {
        namespace: KUBE_SYSTEM,
        name: 'hubble-peer',
        labels: { 'k8s-app': 'cilium' },
        selector: { 'k8s-app': 'cilium' },
        ports: [{ name: 'peer-service', port: 443, targetPort: 4244, protocol: 'TCP' }],
      },
    );
  }
  return out;
}
