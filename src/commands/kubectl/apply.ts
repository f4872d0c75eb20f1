import * as path from 'node:path';
import type { CommandContext, CommandSpec, FlagSpec } from '../command.js';
import { PRINTED } from '../command.js';
import { applyManifests, deleteManifests, type ObjectRef } from '../../cluster/apply.js';
import { KubeError, parseManifestText, toManifest, type Manifest, type YamlModule } from '../../cluster/manifest.js';
import { readCluster } from '../../repo/cluster.js';
import { readWorkloads, writeWorkloads } from '../../repo/workloads.js';
import { errnoCode } from '../../state/errno.js';
import { resourceType } from './get.js';
import { CONTEXT_FLAG, kubectlCommand, NAMESPACE_FLAG, openTarget } from './shared.js';

const FILE_FLAG: FlagSpec = {
  long: 'filename',
  short: 'f',
  kind: 'string',
  required: true,
  help: 'The file (YAML or JSON; several documents allowed), a directory of .yaml/.yml/.json files, or - for stdin.',
};

interface Source {
  readonly name: string;
  readonly text: string;
}

async function readStdin(ctx: CommandContext): Promise<string> {
  let text = '';
  for await (const chunk of ctx.env.stdin) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return text;
}

/** The file(s) -f names. @throws KubeError when a path does not exist or cannot be read. */
async function readSources(ctx: CommandContext, file: string): Promise<Source[]> {
  if (file === '-') return [{ name: 'STDIN', text: await readStdin(ctx) }];
  const fs = ctx.env.fs;
  const full = path.resolve(ctx.env.cwd, file);
  const read = (p: string, name: string): Source => {
    try {
      return { name, text: fs.readFileSync(p, 'utf8') };
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new KubeError(`error: the path "${name}" does not exist`);
      throw new KubeError(`error: cannot read "${name}": ${code ?? (e as Error).message}`);
    }
  };
  let isDir = false;
  try {
    isDir = fs.statSync(full).isDirectory();
  } catch {
    // reported by read()
  }
  if (!isDir) return [read(full, file)];
  const entries = fs
    .readdirSync(full)
    .map(String)
    .filter((n) => /\.(ya?ml|json)$/.test(n))
    .sort();
  return entries.map((n) => read(path.join(full, n), path.join(file, n)));
}

/** Every manifest of every source, validated; nothing is applied when any is bad. */
async function loadManifests(ctx: CommandContext, verb: string): Promise<{ source: string; manifests: Manifest[] }[]> {
  const yaml = (await import('yaml')) as unknown as YamlModule;
  const sources = await readSources(ctx, ctx.args['filename'] as string);
  const out = sources.map((s) => ({ source: s.name, manifests: parseManifestText(s.text, s.name, yaml).map((raw) => toManifest(raw, s.name)) }));
  if (out.every((o) => o.manifests.length === 0)) throw new KubeError(`error: no objects passed to ${verb}`);
  return out;
}

export const kubectlApply: CommandSpec = kubectlCommand({
  path: ['kubectl', 'apply'],
  summary: 'Apply a configuration to resources by file name or stdin: Pod, Deployment, DaemonSet, Service (kubectl apply).',
  flags: [FILE_FLAG, CONTEXT_FLAG],
  output: false,
  examples: ['aks-wg kubectl apply -f web.yaml', 'cat web.yaml | aks-wg kubectl apply -f -'],
  async run(ctx) {
    const files = await loadManifests(ctx, 'apply');
    const { store, ref } = openTarget(ctx);
    const lines = await store.mutate((tx) => {
      const doc = readCluster(tx, ref.resourceGroup, ref.cluster);
      const w = readWorkloads(tx, doc);
      const out: string[] = [];
      for (const f of files) out.push(...applyManifests(doc, w, f.manifests, f.source));
      writeWorkloads(tx, doc, w);
      return out;
    });
    ctx.env.stdout.write(lines.map((l) => `${l}\n`).join(''));
    return PRINTED;
  },
});

/** `kubectl delete TYPE NAME...` types and the manifest kind they stand for. */
const DELETABLE: Readonly<Record<string, ObjectRef['kind']>> = {
  pods: 'Pod',
  services: 'Service',
  deployments: 'Deployment',
  daemonsets: 'DaemonSet',
  namespaces: 'Namespace',
};

export const kubectlDelete: CommandSpec = kubectlCommand({
  path: ['kubectl', 'delete'],
  summary: 'Delete resources by file name, stdin, or type and names: pods, services, deployments, daemonsets, namespaces (kubectl delete).',
  flags: [
    { ...FILE_FLAG, required: false },
    NAMESPACE_FLAG,
    { long: 'ignore-not-found', kind: 'switch', help: 'Treat "resource not found" as a successful delete.' },
    CONTEXT_FLAG,
  ],
  positionals: [
    { name: 'TYPE', required: false },
    { name: 'NAME', required: false, variadic: true },
  ],
  output: false,
  examples: ['aks-wg kubectl delete -f web.yaml', 'aks-wg kubectl delete pod client -n tools'],
  async run(ctx) {
    const ignore = ctx.args['ignoreNotFound'] === true;
    let batches: { source: string | undefined; refs: ObjectRef[] }[];
    if (typeof ctx.args['filename'] === 'string') {
      if (ctx.positionals.length > 0) throw new KubeError('error: when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well');
      batches = (await loadManifests(ctx, 'delete')).map((f) => ({ source: f.source, refs: f.manifests }));
    } else {
      batches = [{ source: undefined, refs: namedRefs(ctx) }];
    }
    const { store, ref } = openTarget(ctx);
    const result = await store.mutate((tx) => {
      const doc = readCluster(tx, ref.resourceGroup, ref.cluster);
      const w = readWorkloads(tx, doc);
      const deleted: string[] = [];
      const errors: string[] = [];
      for (const b of batches) {
        const r = deleteManifests(doc, w, b.refs, b.source, ignore);
        deleted.push(...r.deleted);
        errors.push(...r.errors);
      }
      if (deleted.length > 0) writeWorkloads(tx, doc, w);
      return { deleted, errors };
    });
    ctx.env.stdout.write(result.deleted.map((l) => `${l}\n`).join(''));
    if (result.errors.length > 0) {
      ctx.env.stderr.write(result.errors.map((l) => `${l}\n`).join(''));
      throw new KubeError('');
    }
    return PRINTED;
  },
});

/** `TYPE NAME...` or `TYPE/NAME...` → object references. @throws KubeError */
function namedRefs(ctx: CommandContext): ObjectRef[] {
  const words = ctx.positionals;
  if (words.length === 0) throw new KubeError('error: You must provide one or more resources by argument or filename.');
  const namespace = typeof ctx.args['namespace'] === 'string' ? ctx.args['namespace'] : 'default';
  const refOf = (typeWord: string, name: string): ObjectRef => {
    const t = resourceType(typeWord);
    const kind = DELETABLE[t.kind];
    if (!kind) throw new KubeError(`error: aks-wg does not delete ${t.plural}${t.kind === 'nodes' || t.kind === 'ciliumnodes' ? " (use 'aks-wg nodepool scale|delete')" : ''}`);
    return { kind, namespace: kind === 'Namespace' ? '' : namespace, name };
  };
  if (words[0]!.includes('/')) {
    return words.map((w) => {
      const slash = w.indexOf('/');
      if (slash <= 0 || slash === w.length - 1) throw new KubeError(`error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'`);
      return refOf(w.slice(0, slash), w.slice(slash + 1));
    });
  }
  if (words.length === 1) throw new KubeError('error: resource(s) were provided, but no name was specified');
  return words.slice(1).map((n) => refOf(words[0]!, n));
}
