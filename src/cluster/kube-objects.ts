/**
 * The Kubernetes API objects `kubectl get -o json|yaml` prints, built from the model: Node, Pod, Service,
 * Deployment, DaemonSet, and the `v1 List` around them. Shapes follow what an AKS API server returns (trimmed of
 * managedFields); uids are stable hashes, resourceVersions constant. Pure.
 */
import { clusterCreatedMs } from './clock.js';
import type { ClusterDoc, NodeRecord } from './doc.js';
import { rfc3339 } from './duration.js';
import { uidOf, type Controller, type Pod, type Service } from './workloads.js';

export type KubeObject = Record<string, unknown>;

export const OS_IMAGE = 'Ubuntu 22.04.5 LTS';
export const KERNEL_VERSION = '5.15.0-1092-azure';
export const CONTAINER_RUNTIME = 'containerd://1.7.28-1';

export function kubeList(items: readonly KubeObject[]): KubeObject {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

export function nodeCreatedMs(doc: ClusterDoc, node: NodeRecord): number {
  return node.createdMs ?? clusterCreatedMs(doc);
}

export function nodeLabels(doc: ClusterDoc, node: NodeRecord): Record<string, string> {
  const mc = doc.managedCluster;
  const pool = mc.agentPoolProfiles.find((p) => p.name === node.pool);
  return {
    agentpool: node.pool,
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/instance-type': node.vmSize,
    'beta.kubernetes.io/os': 'linux',
    'failure-domain.beta.kubernetes.io/region': mc.location,
    'failure-domain.beta.kubernetes.io/zone': '0',
    'kubernetes.azure.com/agentpool': node.pool,
    'kubernetes.azure.com/cluster': mc.nodeResourceGroup,
    'kubernetes.azure.com/mode': (pool?.mode ?? 'User').toLowerCase(),
    'kubernetes.azure.com/network-policy': mc.networkProfile.networkPolicy ?? 'none',
    ...(mc.networkProfile.networkDataplane === 'cilium' ? { 'kubernetes.azure.com/ebpf-dataplane': 'cilium' } : {}),
    'kubernetes.azure.com/role': 'agent',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': node.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/role': 'agent',
    'node-role.kubernetes.io/agent': '',
    'node.kubernetes.io/instance-type': node.vmSize,
    'topology.kubernetes.io/region': mc.location,
    'topology.kubernetes.io/zone': '0',
  };
}

export function nodeObject(doc: ClusterDoc, node: NodeRecord): KubeObject {
  const mc = doc.managedCluster;
  const pool = mc.agentPoolProfiles.find((p) => p.name === node.pool);
  const created = rfc3339(nodeCreatedMs(doc, node));
  const sub = mc.id.split('/')[2];
  const vmss = node.name.slice(0, node.name.lastIndexOf('vmss') + 4);
  const pods = String(pool?.maxPods ?? 250);
  const resources = { cpu: '2', 'ephemeral-storage': '129886128Ki', memory: '7097684Ki', pods };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
      creationTimestamp: created,
      labels: nodeLabels(doc, node),
      name: node.name,
      resourceVersion: '1',
      uid: uidOf(`node/${node.name}`),
    },
    spec: {
      podCIDR: node.podCidr,
      podCIDRs: [node.podCidr],
      providerID: `azure:///subscriptions/${sub}/resourceGroups/${mc.nodeResourceGroup.toLowerCase()}/providers/Microsoft.Compute/virtualMachineScaleSets/${vmss}/virtualMachines/${node.instance}`,
    },
    status: {
      addresses: [
        { address: node.ip, type: 'InternalIP' },
        { address: node.name, type: 'Hostname' },
      ],
      allocatable: resources,
      capacity: resources,
      conditions: [
        {
          lastHeartbeatTime: created,
          lastTransitionTime: created,
          message: 'kubelet is posting ready status',
          reason: 'KubeletReady',
          status: 'True',
          type: 'Ready',
        },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        containerRuntimeVersion: CONTAINER_RUNTIME,
        kernelVersion: KERNEL_VERSION,
        kubeProxyVersion: `v${mc.currentKubernetesVersion}`,
        kubeletVersion: `v${mc.currentKubernetesVersion}`,
        operatingSystem: 'linux',
        osImage: OS_IMAGE,
      },
    },
  };
}

/** The ReplicaSet (Deployment pods) or DaemonSet that owns a pod, as ownerReferences name it. */
export function ownerRefName(pod: Pod): string | undefined {
  if (!pod.owner) return undefined;
  return pod.owner.kind === 'Deployment' ? `${pod.owner.name}-${pod.templateHash}` : pod.owner.name;
}

/** A Pod object; `nodeIp` is its node's InternalIP (status.hostIP). */
export function podObject(pod: Pod, nodeIp?: string): KubeObject {
  const created = rfc3339(pod.createdMs);
  const uid = uidOf(`pod/${pod.namespace}/${pod.name}`);
  const ownerName = ownerRefName(pod);
  const ownerKind = pod.owner?.kind === 'Deployment' ? 'ReplicaSet' : 'DaemonSet';
  const running = pod.node !== null;
  const containers = pod.containers.map((c) => ({
    image: c.image,
    imagePullPolicy: 'IfNotPresent',
    name: c.name,
    ...(c.ports.length ? { ports: c.ports.map((p) => ({ containerPort: p.containerPort, ...(p.name ? { name: p.name } : {}), protocol: p.protocol })) } : {}),
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  }));
  const condition = (type: string) => ({ lastProbeTime: null, lastTransitionTime: created, status: 'True', type });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      creationTimestamp: created,
      ...(ownerName ? { generateName: `${ownerName}-` } : {}),
      labels: pod.labels,
      name: pod.name,
      namespace: pod.namespace,
      ...(pod.owner && ownerName
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', blockOwnerDeletion: true, controller: true, kind: ownerKind, name: ownerName, uid: uidOf(`${ownerKind}/${pod.namespace}/${ownerName}`) },
            ],
          }
        : {}),
      resourceVersion: '1',
      uid,
    },
    spec: {
      containers,
      dnsPolicy: pod.hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
      enableServiceLinks: true,
      ...(pod.hostNetwork ? { hostNetwork: true } : {}),
      ...(pod.node !== null ? { nodeName: pod.node } : pod.nodeName !== undefined ? { nodeName: pod.nodeName } : {}),
      preemptionPolicy: 'PreemptLowerPriority',
      priority: pod.system ? 2000001000 : 0,
      ...(pod.system ? { priorityClassName: 'system-node-critical' } : {}),
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: 'default',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
    },
    status: running
      ? {
          conditions: [condition('PodReadyToStartContainers'), condition('Initialized'), condition('Ready'), condition('ContainersReady'), condition('PodScheduled')],
          containerStatuses: pod.containers.map((c) => ({
            containerID: `containerd://${uidOf(`container/${pod.namespace}/${pod.name}/${c.name}`).replace(/-/g, '')}`,
            image: c.image,
            imageID: '',
            lastState: {},
            name: c.name,
            ready: true,
            restartCount: 0,
            started: true,
            state: { running: { startedAt: created } },
          })),
          ...(nodeIp !== undefined ? { hostIP: nodeIp, hostIPs: [{ ip: nodeIp }] } : {}),
          phase: 'Running',
          podIP: pod.ip,
          podIPs: [{ ip: pod.ip }],
          qosClass: 'BestEffort',
          startTime: created,
        }
      : {
          conditions: [
            {
              lastProbeTime: null,
              lastTransitionTime: created,
              message: 'no node has room for this pod',
              reason: 'Unschedulable',
              status: 'False',
              type: 'PodScheduled',
            },
          ],
          phase: 'Pending',
          qosClass: 'BestEffort',
        },
  };
}

export function namespaceObject(name: string, createdMs: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      creationTimestamp: rfc3339(createdMs),
      labels: { 'kubernetes.io/metadata.name': name },
      name,
      resourceVersion: '1',
      uid: uidOf(`namespace/${name}`),
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

export function serviceObject(svc: Service): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      creationTimestamp: rfc3339(svc.createdMs),
      labels: svc.labels,
      name: svc.name,
      namespace: svc.namespace,
      resourceVersion: '1',
      uid: uidOf(`service/${svc.namespace}/${svc.name}`),
    },
    spec: {
      clusterIP: svc.clusterIP,
      clusterIPs: [svc.clusterIP],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: svc.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol, targetPort: p.targetPort })),
      ...(svc.selector ? { selector: svc.selector } : {}),
      sessionAffinity: 'None',
      type: 'ClusterIP',
    },
    status: { loadBalancer: {} },
  };
}

export interface ControllerStatus {
  /** Pods that exist (Deployment) / nodes that should run one (DaemonSet). */
  desired: number;
  current: number;
  ready: number;
}

export function controllerStatus(c: Controller, pods: readonly Pod[], nodeCount: number): ControllerStatus {
  const ready = pods.filter((p) => p.node !== null).length;
  return { desired: c.kind === 'DaemonSet' ? nodeCount : c.replicas, current: pods.length, ready };
}

export function controllerObject(c: Controller, st: ControllerStatus): KubeObject {
  const template = {
    metadata: { labels: c.template.labels },
    spec: {
      containers: c.template.containers.map((x) => ({
        image: x.image,
        imagePullPolicy: 'IfNotPresent',
        name: x.name,
        ...(x.ports.length ? { ports: x.ports.map((p) => ({ containerPort: p.containerPort, ...(p.name ? { name: p.name } : {}), protocol: p.protocol })) } : {}),
      })),
      ...(c.template.hostNetwork ? { hostNetwork: true } : {}),
      restartPolicy: 'Always',
    },
  };
  const metadata = {
    ...(c.kind === 'Deployment' ? { annotations: { 'deployment.kubernetes.io/revision': String(c.generation) } } : {}),
    creationTimestamp: rfc3339(c.createdMs),
    generation: c.generation,
    labels: c.labels,
    name: c.name,
    namespace: c.namespace,
    resourceVersion: '1',
    uid: uidOf(`${c.kind}/${c.namespace}/${c.name}`),
  };
  if (c.kind === 'Deployment') {
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        progressDeadlineSeconds: 600,
        replicas: c.replicas,
        revisionHistoryLimit: 10,
        selector: { matchLabels: c.selector },
        strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
        template,
      },
      status: {
        availableReplicas: st.ready,
        observedGeneration: c.generation,
        readyReplicas: st.ready,
        replicas: st.current,
        updatedReplicas: st.current,
      },
    };
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata,
    spec: {
      revisionHistoryLimit: 10,
      selector: { matchLabels: c.selector },
      template: c.system ? { ...template, spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } } : template,
      updateStrategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 }, type: 'RollingUpdate' },
    },
    status: {
      currentNumberScheduled: st.current,
      desiredNumberScheduled: st.desired,
      numberAvailable: st.ready,
      numberMisscheduled: 0,
      numberReady: st.ready,
      observedGeneration: c.generation,
      updatedNumberScheduled: st.current,
    },
  };
}
