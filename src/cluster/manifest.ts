/**
 * Kubernetes manifests for `kubectl apply|delete -f`: parsing (YAML, multi-document, JSON, `v1 List`) and
 * validation into typed objects, with kubectl's one-line messages. Everything is checked before anything is
 * applied, so a bad file changes nothing. The YAML library is passed in (imported lazily by the command).
 */
import { jsonErrorPosition, lineColumn } from '../json-position.js';
import { CommandError } from '../errors.js';
import type { Container, ContainerPort, Labels, PodTemplate, Protocol, ServicePort } from './workloads.js';

/** A kubectl-style failure: printed as is (no `ERROR: ` prefix), exit 1. */
export class KubeError extends CommandError {}

export type ManifestKind = 'Pod' | 'Deployment' | 'DaemonSet' | 'Service' | 'Namespace';

interface Base {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
}
export interface PodManifest extends Base {
  readonly kind: 'Pod';
  readonly hostNetwork: boolean;
  readonly nodeName?: string;
  readonly containers: readonly Container[];
}
export interface ControllerManifest extends Base {
  readonly kind: 'Deployment' | 'DaemonSet';
  readonly selector: Labels;
  readonly replicas: number;
  readonly template: PodTemplate;
}
export interface ServiceManifest extends Base {
  readonly kind: 'Service';
  readonly selector: Labels | null;
  readonly ports: readonly ServicePort[];
  readonly clusterIP?: string;
}
export interface NamespaceManifest extends Base {
  readonly kind: 'Namespace';
}
export type Manifest = PodManifest | ControllerManifest | ServiceManifest | NamespaceManifest;

export interface YamlModule {
  parseAllDocuments(text: string, options?: Record<string, unknown>): unknown;
}

const KINDS: Readonly<Record<string, { apiVersion: string; kind: ManifestKind }>> = {
  'v1/Pod': { apiVersion: 'v1', kind: 'Pod' },
  'v1/Service': { apiVersion: 'v1', kind: 'Service' },
  'v1/Namespace': { apiVersion: 'v1', kind: 'Namespace' },
  'apps/v1/Deployment': { apiVersion: 'apps/v1', kind: 'Deployment' },
  'apps/v1/DaemonSet': { apiVersion: 'apps/v1', kind: 'DaemonSet' },
};

/** kubectl's resource names: `pod`, `deployment.apps`, `daemonset.apps`, `service`. */
export function resourceName(kind: ManifestKind): string {
  return kind === 'Deployment' ? 'deployment.apps' : kind === 'DaemonSet' ? 'daemonset.apps' : kind.toLowerCase();
}

/** The plural used in NotFound messages: `pods`, `deployments.apps`, `daemonsets.apps`, `services`. */
export function pluralName(kind: ManifestKind): string {
  return kind === 'Deployment' ? 'deployments.apps' : kind === 'DaemonSet' ? 'daemonsets.apps' : `${kind.toLowerCase()}s`;
}


interface YamlDoc {
  errors: { message: string; pos: [number, number] }[];
  contents: unknown;
  toJS(): unknown;
}

function parseYaml(yaml: YamlModule, text: string): YamlDoc[] {
  const parsed = yaml.parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true }) as unknown;
  return (Array.isArray(parsed) ? parsed : [parsed]) as YamlDoc[];
}

/**
 * Parse a file's text into raw objects (List items flattened), in order.
 * @throws KubeError `error: error parsing FILE: yaml: line N: <problem>`, or for JSON the same with `json:`.
 */
export function parseManifestText(text: string, source: string, yaml: YamlModule): unknown[] {
  const fail = (what: string): KubeError => new KubeError(`error: error parsing ${source}: ${what}`);
  const trimmed = text.trimStart();
  let docs: unknown[];
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      docs = [JSON.parse(text)];
    } catch (e) {
      const line = lineColumn(text, jsonErrorPosition(text) ?? text.length).line;
      const problem = (e as Error).message.replace(/\s*(?:in JSON )?at position \d+.*$/, '').split('\n')[0];
      throw fail(`json: line ${line}: ${problem}`);
    }
  } else {
    const list = parseYaml(yaml, text);
    docs = [];
    for (const d of list) {
      const err = d.errors?.[0];
      if (err) {
        const problem = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        throw fail(`yaml: line ${lineColumn(text, err.pos?.[0] ?? 0).line}: ${problem}`);
      }
      if (d.contents === null || d.contents === undefined) continue;
      const value = d.toJS();
      if (value !== null && value !== undefined) docs.push(value); // a document of only comments
    }
  }
  const out: unknown[] = [];
  docs.forEach((doc, i) => {
    if (Array.isArray(doc)) {
      out.push(...doc);
      return;
    }
    if (doc === null || typeof doc !== 'object') throw fail(`document ${i + 1} is not a Kubernetes object (expected a mapping with apiVersion and kind)`);
    const o = doc as Record<string, unknown>;
    if (typeof o['kind'] === 'string' && /List$/.test(o['kind']) && o['apiVersion'] === 'v1') {
      if (!Array.isArray(o['items'])) throw fail(`document ${i + 1}: ${o['kind']} has no "items" list`);
      out.push(...(o['items'] as unknown[]));
    } else out.push(doc);
  });
  return out;
}

// Kubernetes' name rules (k8s.io/apimachinery/pkg/util/validation).
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

export function isValidNamespace(ns: string): boolean {
  return ns.length <= 63 && DNS1123_LABEL.test(ns);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const json = (v: unknown): string => JSON.stringify(v);

/**
 * Validate one raw object into a manifest.
 * @throws KubeError with kubectl's wording (unknown kind, missing name, invalid field).
 */
export function toManifest(raw: unknown, source: string): Manifest {
  if (!isObject(raw)) throw new KubeError(`error: error validating "${source}": error validating data: object is not a mapping`);
  const apiVersion = raw['apiVersion'];
  const kindRaw = raw['kind'];
  if (typeof kindRaw !== 'string' || kindRaw === '') throw new KubeError(`error: error validating "${source}": error validating data: kind not set`);
  if (typeof apiVersion !== 'string' || apiVersion === '') throw new KubeError(`error: error validating "${source}": error validating data: apiVersion not set`);
  const meta = isObject(raw['metadata']) ? raw['metadata'] : {};
  const nameRaw = meta['name'];
  const nsRaw = meta['namespace'];
  const namespace = nsRaw === undefined || nsRaw === null || nsRaw === '' ? 'default' : nsRaw;
  const known = KINDS[`${apiVersion}/${kindRaw}`];
  if (!known) {
    throw new KubeError(
      `error: resource mapping not found for name: ${json(typeof nameRaw === 'string' ? nameRaw : '')} namespace: ${json(typeof namespace === 'string' ? namespace : '')} from ${json(source)}: no matches for kind ${json(kindRaw)} in version ${json(apiVersion)}`,
    );
  }
  const kind = known.kind;
  if (typeof namespace !== 'string') throw invalidType(source, kind, 'metadata.namespace', namespace, 'string');
  if (nameRaw === undefined || nameRaw === null || nameRaw === '') {
    throw new KubeError(
      `error: error when retrieving current configuration of ${kind} "" in namespace ${json(namespace)} from ${json(source)}: resource name may not be empty`,
    );
  }
  if (typeof nameRaw !== 'string') throw invalidType(source, kind, 'metadata.name', nameRaw, 'string');
  const name = nameRaw;
  const invalid = (field: string, value: unknown, why: string): KubeError =>
    new KubeError(`The ${kind} ${json(name)} is invalid: ${field}: Invalid value: ${json(value)}: ${why}`);
  if (kind === 'Namespace') {
    if (!isValidNamespace(name)) throw invalid('metadata.name', name, LABEL_MSG);
    return { kind, namespace: '', name, labels: readLabels({ source, kind, name }, meta['labels'], 'metadata.labels') };
  }
  if (!isValidNamespace(namespace)) throw invalid('metadata.namespace', namespace, LABEL_MSG);
  if (kind === 'Service') {
    if (name.length > 63 || !DNS1035_LABEL.test(name)) throw invalid('metadata.name', name, DNS1035_MSG);
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) throw invalid('metadata.name', name, SUBDOMAIN_MSG);
  const ctx: Ctx = { source, kind, name };
  const labels = readLabels(ctx, meta['labels'], 'metadata.labels');
  const spec = raw['spec'] === undefined || raw['spec'] === null ? {} : raw['spec'];
  if (!isObject(spec)) throw invalidType(source, kind, 'spec', spec, 'object');
  switch (kind) {
    case 'Pod':
      return { kind, namespace, name, labels, ...readPodSpec(ctx, spec, 'spec', true) };
    case 'Deployment':
    case 'DaemonSet': {
      const replicasRaw = spec['replicas'];
      let replicas = 1;
      if (kind === 'Deployment' && replicasRaw !== undefined && replicasRaw !== null) {
        if (typeof replicasRaw !== 'number' || !Number.isInteger(replicasRaw)) throw invalidType(source, kind, 'spec.replicas', replicasRaw, 'integer');
        if (replicasRaw < 0) throw invalid('spec.replicas', replicasRaw, 'must be greater than or equal to 0');
        if (replicasRaw > 1_000_000) throw invalid('spec.replicas', replicasRaw, 'must be less than or equal to 1000000 in aks-wg');
        replicas = replicasRaw;
      }
      const sel = spec['selector'];
      if (!isObject(sel)) throw new KubeError(`The ${kind} ${json(name)} is invalid: spec.selector: Required value`);
      if (sel['matchExpressions'] !== undefined) {
        throw new KubeError(`The ${kind} ${json(name)} is invalid: spec.selector.matchExpressions: Unsupported value: aks-wg supports matchLabels only`);
      }
      const selector = readLabels(ctx, sel['matchLabels'], 'spec.selector.matchLabels');
      if (Object.keys(selector).length === 0) {
        throw invalid('spec.selector', {}, 'empty selector is invalid for deployment');
      }
      const tpl = isObject(spec['template']) ? spec['template'] : {};
      const tplMeta = isObject(tpl['metadata']) ? tpl['metadata'] : {};
      const tplLabels = readLabels(ctx, tplMeta['labels'], 'spec.template.metadata.labels');
      for (const [k, v] of Object.entries(selector)) {
        if (tplLabels[k] !== v) throw invalid('spec.template.metadata.labels', tplLabels, '`selector` does not match template `labels`');
      }
      const tplSpec = tpl['spec'];
      if (!isObject(tplSpec)) throw new KubeError(`The ${kind} ${json(name)} is invalid: spec.template.spec.containers: Required value`);
      const pod = readPodSpec(ctx, tplSpec, 'spec.template.spec', false);
      return { kind, namespace, name, labels, selector, replicas, template: { labels: tplLabels, hostNetwork: pod.hostNetwork, containers: pod.containers } };
    }
    case 'Service':
      return { kind, namespace, name, labels, ...readServiceSpec(ctx, spec) };
  }
}

interface Ctx {
  readonly source: string;
  readonly kind: ManifestKind;
  readonly name: string;
}

function invalidType(source: string, kind: string, field: string, value: unknown, expected: string): KubeError {
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  return new KubeError(`error: error validating "${source}": error validating data: ValidationError(${kind}.${field}): invalid type for ${field}: got "${got}", expected "${expected}"`);
}

function readLabels(ctx: Ctx, raw: unknown, field: string): Labels {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw invalidType(ctx.source, ctx.kind, field, raw, 'map');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw invalidType(ctx.source, ctx.kind, `${field}.${k}`, v, 'string');
    const slash = k.lastIndexOf('/');
    const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
    const nm = slash >= 0 ? k.slice(slash + 1) : k;
    if (nm.length > 63 || !QUALIFIED_NAME.test(nm) || (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)))) {
      throw new KubeError(
        `The ${ctx.kind} ${json(ctx.name)} is invalid: ${field}: Invalid value: ${json(k)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      );
    }
    if (v.length > 63 || !LABEL_VALUE.test(v)) {
      throw new KubeError(
        `The ${ctx.kind} ${json(ctx.name)} is invalid: ${field}: Invalid value: ${json(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      );
    }
    out[k] = v;
  }
  return out;
}

function readProtocol(ctx: Ctx, raw: unknown, field: string): Protocol {
  if (raw === undefined || raw === null) return 'TCP';
  if (raw === 'TCP' || raw === 'UDP' || raw === 'SCTP') return raw;
  throw new KubeError(`The ${ctx.kind} ${json(ctx.name)} is invalid: ${field}: Unsupported value: ${json(raw)}: supported values: "SCTP", "TCP", "UDP"`);
}

function readPort(ctx: Ctx, raw: unknown, field: string): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw)) {
    if (raw === undefined || raw === null) throw new KubeError(`The ${ctx.kind} ${json(ctx.name)} is invalid: ${field}: Required value`);
    throw invalidType(ctx.source, ctx.kind, field, raw, 'integer');
  }
  if (raw < 1 || raw > 65535) throw new KubeError(`The ${ctx.kind} ${json(ctx.name)} is invalid: ${field}: Invalid value: ${raw}: must be between 1 and 65535, inclusive`);
  return raw;
}

function readPodSpec(ctx: Ctx, spec: Record<string, unknown>, at: string, allowNodeName: boolean): { hostNetwork: boolean; nodeName?: string; containers: Container[] } {
  const hn = spec['hostNetwork'];
  if (hn !== undefined && hn !== null && typeof hn !== 'boolean') throw invalidType(ctx.source, ctx.kind, `${at}.hostNetwork`, hn, 'boolean');
  const nodeName = spec['nodeName'];
  if (nodeName !== undefined && nodeName !== null && typeof nodeName !== 'string') throw invalidType(ctx.source, ctx.kind, `${at}.nodeName`, nodeName, 'string');
  if (!allowNodeName && typeof nodeName === 'string' && nodeName !== '') {
    throw new KubeError(`The ${ctx.kind} ${json(ctx.name)} is invalid: ${at}.nodeName: Forbidden: aks-wg schedules controller pods itself; pin a bare Pod instead`);
  }
  const list = spec['containers'];
  if (list === undefined || list === null || (Array.isArray(list) && list.length === 0)) {
    throw new KubeError(`The ${ctx.kind} ${json(ctx.name)} is invalid: ${at}.containers: Required value`);
  }
  if (!Array.isArray(list)) throw invalidType(ctx.source, ctx.kind, `${at}.containers`, list, 'array');
  const names = new Set<string>();
  const containers = list.map((c, i): Container => {
    const f = `${at}.containers[${i}]`;
    if (!isObject(c)) throw invalidType(ctx.source, ctx.kind, f, c, 'object');
    const name = c['name'];
    if (typeof name !== 'string' || name === '') throw new KubeError(`The ${ctx.kind} ${json(ctx.name)} is invalid: ${f}.name: Required value`);
    if (name.length > 63 || !DNS1123_LABEL.test(name)) throw new KubeError(`The ${ctx.kind} ${json(ctx.name)} is invalid: ${f}.name: Invalid value: ${json(name)}: ${LABEL_MSG}`);
    if (names.has(name)) throw new KubeError(`The ${ctx.kind} ${json(ctx.name)} is invalid: ${f}.name: Duplicate value: ${json(name)}`);
    names.add(name);
    const image = c['image'];
    if (typeof image !== 'string' || image.trim() === '') throw new KubeError(`The ${ctx.kind} ${json(ctx.name)} is invalid: ${f}.image: Required value`);
    const portsRaw = c['ports'] ?? [];
    if (!Array.isArray(portsRaw)) throw invalidType(ctx.source, ctx.kind, `${f}.ports`, portsRaw, 'array');
    const ports = portsRaw.map((p, j): ContainerPort => {
      const pf = `${f}.ports[${j}]`;
      if (!isObject(p)) throw invalidType(ctx.source, ctx.kind, pf, p, 'object');
      const pn = p['name'];
      if (pn !== undefined && pn !== null && (typeof pn !== 'string' || pn.length > 15 || !IANA_SVC_NAME.test(pn) || !/[a-z]/.test(pn) || pn.includes('--'))) {
        throw new KubeError(`The ${ctx.kind} ${json(ctx.name)} is invalid: ${pf}.name: Invalid value: ${json(pn)}: must be no more than 15 characters, contain only lowercase alphanumeric characters or '-' and at least one letter`);
      }
      const port: ContainerPort = { containerPort: readPort(ctx, p['containerPort'], `${pf}.containerPort`), protocol: readProtocol(ctx, p['protocol'], `${pf}.protocol`) };
      return typeof pn === 'string' ? { name: pn, ...port } : port;
    });
    return { name, image, ports };
  });
  return { hostNetwork: hn === true, ...(typeof nodeName === 'string' && nodeName !== '' ? { nodeName } : {}), containers };
}

function readServiceSpec(ctx: Ctx, spec: Record<string, unknown>): { selector: Labels | null; ports: ServicePort[]; clusterIP?: string } {
  const type = spec['type'] ?? 'ClusterIP';
  if (type !== 'ClusterIP') {
    throw new KubeError(`The Service ${json(ctx.name)} is invalid: spec.type: Unsupported value: ${json(type)}: aks-wg supports "ClusterIP" services only`);
  }
  const ipRaw = spec['clusterIP'];
  if (ipRaw !== undefined && ipRaw !== null && ipRaw !== '' && typeof ipRaw !== 'string') throw invalidType(ctx.source, 'Service', 'spec.clusterIP', ipRaw, 'string');
  if (ipRaw === 'None') throw new KubeError(`The Service ${json(ctx.name)} is invalid: spec.clusterIP: Unsupported value: "None": aks-wg does not simulate headless services`);
  const selector = spec['selector'] === undefined || spec['selector'] === null ? null : readLabels(ctx, spec['selector'], 'spec.selector');
  const list = spec['ports'];
  if (list === undefined || list === null || (Array.isArray(list) && list.length === 0)) throw new KubeError(`The Service ${json(ctx.name)} is invalid: spec.ports: Required value`);
  if (!Array.isArray(list)) throw invalidType(ctx.source, 'Service', 'spec.ports', list, 'array');
  const names = new Set<string>();
  const seen = new Set<string>();
  const ports = list.map((p, i): ServicePort => {
    const f = `spec.ports[${i}]`;
    if (!isObject(p)) throw invalidType(ctx.source, 'Service', f, p, 'object');
    const name = p['name'];
    if ((name === undefined || name === null || name === '') && list.length > 1) throw new KubeError(`The Service ${json(ctx.name)} is invalid: ${f}.name: Required value`);
    if (name !== undefined && name !== null && name !== '') {
      if (typeof name !== 'string' || name.length > 63 || !DNS1123_LABEL.test(name)) {
        throw new KubeError(`The Service ${json(ctx.name)} is invalid: ${f}.name: Invalid value: ${json(name)}: ${LABEL_MSG}`);
      }
      if (names.has(name)) throw new KubeError(`The Service ${json(ctx.name)} is invalid: ${f}.name: Duplicate value: ${json(name)}`);
      names.add(name);
    }
    const port = readPort(ctx, p['port'], `${f}.port`);
    const protocol = readProtocol(ctx, p['protocol'], `${f}.protocol`);
    if (seen.has(`${port}/${protocol}`)) throw new KubeError(`The Service ${json(ctx.name)} is invalid: ${f}: Duplicate value: core.ServicePort{Port:${port}, Protocol:"${protocol}"}`);
    seen.add(`${port}/${protocol}`);
    const tp = p['targetPort'];
    let targetPort: number | string = port;
    if (typeof tp === 'number') targetPort = readPort(ctx, tp, `${f}.targetPort`);
    else if (typeof tp === 'string' && tp !== '') {
      if (/^\d+$/.test(tp)) targetPort = readPort(ctx, Number(tp), `${f}.targetPort`);
      else if (tp.length > 15 || !IANA_SVC_NAME.test(tp) || !/[a-z]/.test(tp)) {
        throw new KubeError(`The Service ${json(ctx.name)} is invalid: ${f}.targetPort: Invalid value: ${json(tp)}: must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`);
      } else targetPort = tp;
    } else if (tp !== undefined && tp !== null && tp !== '') throw invalidType(ctx.source, 'Service', `${f}.targetPort`, tp, 'integer or string');
    return { ...(typeof name === 'string' && name !== '' ? { name } : {}), port, targetPort, protocol };
  });
  return { selector, ports, ...(typeof ipRaw === 'string' && ipRaw !== '' ? { clusterIP: ipRaw } : {}) };
}
