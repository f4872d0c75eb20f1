import type { CommandSpec } from '../command.js';
import { ciliumNodeObject } from '../../cilium/ciliumnode.js';
import { agentStatesFor } from '../../repo/cilium-states.js';
import { clusterCreatedMs, clusterNow } from '../../cluster/clock.js';
import type { ClusterDoc, NodeRecord } from '../../cluster/doc.js';
import { humanDuration } from '../../cluster/duration.js';
import {
  CONTAINER_RUNTIME,
  controllerObject,
  controllerStatus,
  KERNEL_VERSION,
  nodeCreatedMs,
  nodeLabels,
  namespaceObject,
  nodeObject,
  OS_IMAGE,
  podObject,
  serviceObject,
  type KubeObject,
} from '../../cluster/kube-objects.js';
import { KubeError } from '../../cluster/manifest.js';
import { ciliumInternalIp } from '../../cluster/schedule.js';
import { loadWorkloads } from '../../repo/workloads.js';
import { formatSelector, listNamespaces, type Controller, type Labels, type Pod, type Service, type Workloads } from '../../cluster/workloads.js';
import { PRINTED } from '../command.js';
import { CONTEXT_FLAG, formatColumns, kubectlCommand, kubeJson, kubeYaml, NAMESPACE_FLAG, openTarget, writeJsonList, writeYamlList } from './shared.js';

type Kind = 'pods' | 'services' | 'nodes' | 'ciliumnodes' | 'deployments' | 'daemonsets' | 'namespaces';

export interface TypeInfo {
  readonly kind: Kind;
  readonly namespaced: boolean;
  /** In NotFound messages: `pods "x" not found`. */
  readonly plural: string;
  /** In `-o name`: `pod/x`. */
  readonly singular: string;
}

const TYPES: readonly (TypeInfo & { aliases: readonly string[] })[] = [
  { kind: 'pods', namespaced: true, plural: 'pods', singular: 'pod', aliases: ['po', 'pod', 'pods'] },
  { kind: 'services', namespaced: true, plural: 'services', singular: 'service', aliases: ['svc', 'service', 'services'] },
  { kind: 'nodes', namespaced: false, plural: 'nodes', singular: 'node', aliases: ['no', 'node', 'nodes'] },
  { kind: 'namespaces', namespaced: false, plural: 'namespaces', singular: 'namespace', aliases: ['ns', 'namespace', 'namespaces'] },
  {
    kind: 'ciliumnodes',
    namespaced: false,
    plural: 'ciliumnodes.cilium.io',
    singular: 'ciliumnode.cilium.io',
    aliases: ['cn', 'ciliumn', 'ciliumnode', 'ciliumnodes', 'ciliumnode.cilium.io', 'ciliumnodes.cilium.io'],
  },
  {
    kind: 'deployments',
    namespaced: true,
    plural: 'deployments.apps',
    singular: 'deployment.apps',
    aliases: ['deploy', 'deployment', 'deployments', 'deployment.apps', 'deployments.apps'],
  },
  {
    kind: 'daemonsets',
    namespaced: true,
    plural: 'daemonsets.apps',
    singular: 'daemonset.apps',
    aliases: ['ds', 'daemonset', 'daemonsets', 'daemonset.apps', 'daemonsets.apps'],
  },
];

export function resourceType(word: string): TypeInfo {
  const t = TYPES.find((x) => x.aliases.includes(word.toLowerCase()));
  if (!t) throw new KubeError(`error: the server doesn't have a resource type "${word}"`);
  return t;
}

/**
 * A parsed `-l` selector requirement, as k8s.io/apimachinery/pkg/labels parses it: equality (`k=v`, `k==v`),
 * inequality (`k!=v`), set-based (`k in (a,b)`, `k notin (a,b)`) and existence (`k`, `!k`).
 */
type Requirement =
  | { key: string; op: '=' | '!='; value: string }
  | { key: string; op: 'in' | 'notin'; values: readonly string[] }
  | { key: string; op: 'exists' | '!exists' };

const KEY = '[A-Za-z0-9][-A-Za-z0-9_./]*';
const VALUE = '[-A-Za-z0-9_.]*';
const EQUALITY = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`);
const EXISTS = new RegExp(`^(!?)\\s*(${KEY})$`);

/** Split at the commas outside parentheses: `env in (a,b),tier` → [`env in (a,b)`, `tier`]. */
function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

export function parseLabelSelector(text: string): Requirement[] {
  const out: Requirement[] = [];
  for (const raw of splitRequirements(text)) {
    const part = raw.trim();
    const eq = EQUALITY.exec(part);
    const set = SET.exec(part);
    const exists = EXISTS.exec(part);
    if (eq) out.push({ key: eq[1]!, op: eq[2] === '!=' ? '!=' : '=', value: eq[3]! });
    else if (set) {
      const values = set[3]!.split(',').map((v) => v.trim());
      if (values.some((v) => !new RegExp(`^${VALUE}$`).test(v))) throw badRequirement(part);
      out.push({ key: set[1]!, op: set[2] as 'in' | 'notin', values });
    } else if (exists) out.push({ key: exists[2]!, op: exists[1] ? '!exists' : 'exists' });
    else throw badRequirement(part);
  }
  return out;
}

const badRequirement = (part: string): KubeError =>
  new KubeError(`error: unable to parse requirement: found '${part}', expected: identifier, '=', '==', '!=', 'in', 'notin' or '!'`);

/** A `-l` selector as a predicate on labels (traffic inspect's --selector). @throws KubeError when it does not parse */
export function labelSelectorMatcher(text: string): (labels: Labels) => boolean {
  const reqs = parseLabelSelector(text);
  return (labels) => matches(reqs, labels);
}

export function matches(reqs: readonly Requirement[], labels: Labels): boolean {
  for (const r of reqs) {
    const v = labels[r.key];
    switch (r.op) {
      case '=':
        if (v !== r.value) return false;
        break;
      case '!=':
        if (v === r.value) return false;
        break;
      case 'in':
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case 'notin':
        if (v !== undefined && r.values.includes(v)) return false;
        break;
      case 'exists':
        if (v === undefined) return false;
        break;
      case '!exists':
        if (v !== undefined) return false;
        break;
    }
  }
  return true;
}

/** kubectl's LABELS column (--show-labels): `k=v,k2=v2` in key order, `<none>` without labels. */
function labelsText(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels[k]}`).join(',');
}

const byNsName = <T extends { namespace: string; name: string }>(a: T, b: T): number =>
  a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const none = (v: string | undefined | null): string => (v === undefined || v === null || v === '' ? '<none>' : v);

/** One listed object: its name (and namespace), labels for -l, a table row, and its API object on demand. */
export interface Item {
  namespace?: string;
  name: string;
  labels: Labels;
  row(wide: boolean): string[];
  object(): KubeObject;
}

function headers(kind: Kind, wide: boolean): string[] {
  switch (kind) {
    case 'pods':
      return ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', ...(wide ? ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'] : [])];
    case 'services':
      return ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', ...(wide ? ['SELECTOR'] : [])];
    case 'nodes':
      return ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', ...(wide ? ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'] : [])];
    case 'ciliumnodes':
      return ['NAME', 'CILIUMINTERNALIP', 'INTERNALIP', 'AGE'];
    case 'namespaces':
      return ['NAME', 'STATUS', 'AGE'];
    case 'deployments':
      return ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', ...(wide ? ['CONTAINERS', 'IMAGES', 'SELECTOR'] : [])];
    case 'daemonsets':
      return ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE', ...(wide ? ['CONTAINERS', 'IMAGES', 'SELECTOR'] : [])];
  }
}

/** kubectl's node ROLES: node-role.kubernetes.io/<role> labels and kubernetes.io/role. */
function roles(labels: Labels): string {
  const r = new Set<string>();
  for (const k of Object.keys(labels)) if (k.startsWith('node-role.kubernetes.io/')) r.add(k.slice('node-role.kubernetes.io/'.length));
  if (labels['kubernetes.io/role']) r.add(labels['kubernetes.io/role']);
  return r.size ? [...r].sort().join(',') : '<none>';
}

/** AGE strings, computed once per distinct creation time (150,000 pods share a few). */
function memoAge(now: number): (ms: number) => string {
  const cache = new Map<number, string>();
  return (ms) => {
    let text = cache.get(ms);
    if (text === undefined) cache.set(ms, (text = humanDuration(now - ms)));
    return text;
  };
}

interface PodContext {
  readonly nodeIps: ReadonlyMap<string, string>;
  readonly age: (ms: number) => string;
}

/** A pod as a listed item: one small object per pod (the list may hold 150,000). */
class PodItem implements Item {
  constructor(
    private readonly p: Pod,
    private readonly c: PodContext,
  ) {}
  get namespace(): string {
    return this.p.namespace;
  }
  get name(): string {
    return this.p.name;
  }
  get labels(): Labels {
    return this.p.labels;
  }
  row(wide: boolean): string[] {
    const p = this.p;
    const running = p.node !== null;
    const total = p.containers.length;
    const base = [p.name, `${running ? total : 0}/${total}`, running ? 'Running' : 'Pending', '0', this.c.age(p.createdMs)];
    return wide ? [...base, none(p.ip), none(p.node), '<none>', '<none>'] : base;
  }
  object(): KubeObject {
    return podObject(this.p, this.p.node !== null ? this.c.nodeIps.get(this.p.node) : undefined);
  }
}

export function items(kind: Kind, ctx: { doc: ClusterDoc; w: () => Workloads; agents: () => ReturnType<typeof agentStatesFor> }): Item[] {
  const { doc } = ctx;
  const now = clusterNow(doc);
  const age = (ms: number): string => humanDuration(now - ms);
  switch (kind) {
    case 'nodes':
    case 'ciliumnodes': {
      const agents = kind === 'ciliumnodes' ? ctx.agents() : undefined;
      return [...doc.nodes].sort(byName).map((n: NodeRecord): Item => {
        const labels = nodeLabels(doc, n);
        const created = nodeCreatedMs(doc, n);
        return {
          name: n.name,
          labels,
          row: (wide) =>
            kind === 'ciliumnodes'
              ? [n.name, ciliumInternalIp(n), n.ip, age(created)]
              : [
                  n.name,
                  'Ready',
                  roles(labels),
                  age(created),
                  `v${doc.managedCluster.currentKubernetesVersion}`,
                  ...(wide ? [n.ip, '<none>', OS_IMAGE, KERNEL_VERSION, CONTAINER_RUNTIME] : []),
                ],
          object: () => (kind === 'nodes' ? nodeObject(doc, n) : ciliumNodeObject(n, created, agents!.get(n.name))),
        };
      });
    }
    case 'pods': {
      const pc: PodContext = { nodeIps: new Map(doc.nodes.map((n) => [n.name, n.ip])), age: memoAge(now) };
      const pods = [...ctx.w().pods].sort(byNsName);
      const out = new Array<Item>(pods.length);
      for (let i = 0; i < pods.length; i++) out[i] = new PodItem(pods[i]!, pc);
      return out;
    }
    case 'namespaces':
      return listNamespaces(ctx.w(), clusterCreatedMs(doc)).map((n): Item => ({
        name: n.name,
        labels: { 'kubernetes.io/metadata.name': n.name },
        row: () => [n.name, 'Active', age(n.createdMs)],
        object: () => namespaceObject(n.name, n.createdMs),
      }));
    case 'services':
      return [...ctx.w().services].sort(byNsName).map((s: Service): Item => ({
        namespace: s.namespace,
        name: s.name,
        labels: s.labels,
        row: (wide) => [
          s.name,
          s.type,
          s.clusterIP,
          '<none>',
          s.ports.map((p) => `${p.port}/${p.protocol}`).join(','),
          age(s.createdMs),
          ...(wide ? [none(formatSelector(s.selector))] : []),
        ],
        object: () => serviceObject(s),
      }));
    case 'deployments':
    case 'daemonsets': {
      const w = ctx.w();
      const want = kind === 'deployments' ? 'Deployment' : 'DaemonSet';
      const podsOf = new Map<string, Pod[]>();
      for (const p of w.pods) {
        if (!p.owner || p.owner.kind !== want) continue;
        const key = `${p.namespace}/${p.owner.name}`;
        const list = podsOf.get(key);
        if (list) list.push(p);
        else podsOf.set(key, [p]);
      }
      return w.controllers
        .filter((c) => c.kind === want)
        .sort(byNsName)
        .map((c: Controller): Item => {
          const st = controllerStatus(c, podsOf.get(`${c.namespace}/${c.name}`) ?? [], doc.nodes.length);
          const wideCols = [c.template.containers.map((x) => x.name).join(','), c.template.containers.map((x) => x.image).join(','), none(formatSelector(c.selector))];
          return {
            namespace: c.namespace,
            name: c.name,
            labels: c.labels,
            row: (wide) =>
              c.kind === 'Deployment'
                ? [c.name, `${st.ready}/${c.replicas}`, String(st.current), String(st.ready), age(c.createdMs), ...(wide ? wideCols : [])]
                : [
                    c.name,
                    String(st.desired),
                    String(st.current),
                    String(st.ready),
                    String(st.current),
                    String(st.ready),
                    c.system ? 'kubernetes.io/os=linux' : '<none>',
                    age(c.createdMs),
                    ...(wide ? wideCols : []),
                  ],
            object: () => controllerObject(c, st),
          };
        });
    }
  }
}

/** What `kubectl get all` lists (of the kinds aks-wg models), in kubectl's order. */
const ALL_KINDS = ['pods', 'services', 'daemonsets', 'deployments'];

interface Request {
  readonly type: TypeInfo;
  readonly word: string;
  readonly names: string[];
}

/**
 * The types and names asked for: `pods`, `pods,svc`, `all`, `pods web db`, `pod/web svc/web`.
 * @throws KubeError for an unknown type, or a mix of TYPE/NAME and a separate TYPE
 */
export function parseRequests(positionals: readonly string[]): { requests: Request[]; several: boolean } {
  const first = positionals[0]!;
  if (first.includes('/')) {
    const requests: Request[] = [];
    for (const word of positionals) {
      const slash = word.indexOf('/');
      if (slash <= 0 || slash === word.length - 1) {
        throw new KubeError('error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form');
      }
      const type = resourceType(word.slice(0, slash));
      const known = requests.find((r) => r.type.kind === type.kind);
      if (known) known.names.push(word.slice(slash + 1));
      else requests.push({ type, word: word.slice(0, slash), names: [word.slice(slash + 1)] });
    }
    return { requests, several: requests.length > 1 };
  }
  const words = first.split(',').flatMap((w) => (w.toLowerCase() === 'all' ? ALL_KINDS : [w]));
  const requests: Request[] = [];
  for (const word of words) {
    const type = resourceType(word);
    if (!requests.some((r) => r.type.kind === type.kind)) requests.push({ type, word, names: positionals.slice(1) });
  }
  return { requests, several: words.length > 1 || first.includes(',') };
}

export const kubectlGet: CommandSpec = kubectlCommand({
  path: ['kubectl', 'get'],
  summary: 'Display one or many resources: nodes, pods, services, ciliumnodes, deployments, daemonsets (kubectl get).',
  flags: [
    NAMESPACE_FLAG,
    { long: 'all-namespaces', short: 'A', kind: 'switch', help: 'List the requested objects across all namespaces.' },
    { long: 'output', short: 'o', kind: 'enum', choices: ['wide', 'yaml', 'json', 'name'], help: 'Output format.' },
    { long: 'selector', short: 'l', kind: 'string', help: "Label selector to filter on, e.g. -l app=web,tier!=db or -l 'env in (prod,qa),!canary'." },
    { long: 'show-labels', kind: 'switch', help: "When printing, show all labels as the last column." },
    CONTEXT_FLAG,
  ],
  positionals: [
    { name: 'TYPE', required: true },
    { name: 'NAME', required: false, variadic: true },
  ],
  output: false,
  examples: [
    'aks-wg kubectl get pods -A -o wide',
    'aks-wg kubectl get pods,svc -n kube-system',
    'aks-wg kubectl get all -l app=web --show-labels',
    'aks-wg kubectl get ciliumnode NODE -o yaml',
  ],
  async run(ctx) {
    const { env, args, positionals } = ctx;
    const { requests, several } = parseRequests(positionals);
    const allNs = args['allNamespaces'] === true;
    const named = requests.some((r) => r.names.length > 0);
    if (allNs && named) throw new KubeError('error: a resource cannot be retrieved by name across all namespaces');
    const namespace = typeof args['namespace'] === 'string' ? args['namespace'] : 'default';
    const selector = typeof args['selector'] === 'string' ? parseLabelSelector(args['selector']) : undefined;
    const output = args['output'] as 'wide' | 'yaml' | 'json' | 'name' | undefined;
    const showLabels = args['showLabels'] === true;
    const target = openTarget(ctx);
    for (const r of requests) {
      if (r.type.kind === 'ciliumnodes' && target.doc.managedCluster.networkProfile.networkDataplane !== 'cilium') {
        throw new KubeError(`error: the server doesn't have a resource type "${r.word}"`);
      }
    }
    let workloads: Workloads | undefined;
    const source = {
      doc: target.doc,
      w: () => (workloads ??= loadWorkloads(target.store, target.doc)),
      agents: () => agentStatesFor(target.store, target.doc),
    };
    const errors: string[] = [];
    const groups: { type: TypeInfo; list: Item[] }[] = [];
    for (const r of requests) {
      const all = items(r.type.kind, source);
      let list = r.type.namespaced && !allNs ? all.filter((i) => i.namespace === namespace) : all;
      if (selector) list = list.filter((i) => matches(selector, i.labels));
      if (r.names.length > 0) {
        const byKey = new Map(list.map((i) => [i.name, i]));
        const found: Item[] = [];
        for (const n of r.names) {
          const hit = byKey.get(n);
          if (hit) found.push(hit);
          else errors.push(`Error from server (NotFound): ${r.type.plural} "${n}" not found`);
        }
        list = found;
      }
      groups.push({ type: r.type, list });
    }
    const total = groups.reduce((n, g) => n + g.list.length, 0);
    let text = '';
    if (output === 'json' || output === 'yaml') {
      const names = requests.reduce((n, r) => n + r.names.length, 0);
      const only = groups.find((g) => g.list.length > 0)?.list[0];
      if (names === 1 && total === 1 && !several) text = output === 'json' ? kubeJson(only!.object()) : await kubeYaml(only!.object());
      else if (names === 0 || total > 0) {
        const objects = (function* () {
          for (const g of groups) for (const i of g.list) yield i.object();
        })();
        if (output === 'json') writeJsonList(env.stdout, objects);
        else await writeYamlList(env.stdout, objects);
      }
    } else if (output === 'name') {
      text = groups.map((g) => g.list.map((i) => `${g.type.singular}/${i.name}\n`).join('')).join('');
    } else {
      const wide = output === 'wide';
      const tables: string[] = [];
      for (const { type, list } of groups) {
        if (list.length === 0) continue;
        const withNs = type.namespaced && allNs;
        const head = headers(type.kind, wide);
        const rows = [[...(withNs ? ['NAMESPACE'] : []), ...head, ...(showLabels ? ['LABELS'] : [])]];
        // several types: NAME carries the kind, as kubectl prints `pod/web-1` and `service/web`
        const prefix = several ? `${type.singular}/` : '';
        for (const i of list) {
          const row = i.row(wide);
          if (prefix) row[0] = prefix + row[0];
          rows.push([...(withNs ? [i.namespace!] : []), ...row, ...(showLabels ? [labelsText(i.labels)] : [])]);
        }
        tables.push(formatColumns(rows));
      }
      text = tables.join('\n');
    }
    if (text) env.stdout.write(text);
    if (errors.length > 0) {
      env.stderr.write(errors.map((e) => `${e}\n`).join(''));
      throw new KubeError(''); // the NotFound lines are printed: exit 1 with nothing more
    }
    if (total === 0 && !named && output !== 'json' && output !== 'yaml') {
      const namespaced = requests.some((r) => r.type.namespaced);
      env.stderr.write(namespaced && !allNs ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
    }
    return PRINTED;
  },
});
