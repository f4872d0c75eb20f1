import * as path from 'node:path';
import type { CommandContext, CommandSpec, FlagSpec } from '../../cli/command.js';
import { PRINTED } from '../../cli/command.js';
import { applyManifests, deleteManifests } from '../../cluster/apply.js';
import { KubeError, parseManifestText, toManifest, type Manifest, type YamlModule } from '../../cluster/manifest.js';
import { readCluster } from '../../cluster/repo.js';
import { readWorkloads, writeWorkloads } from '../../cluster/workloads-store.js';
import { errnoCode } from '../../state/errno.js';
import { CONTEXT_FLAG, kubectlCommand, openTarget } from './shared.js';

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

export const kubectlDelete: CommandSpec = kubectlCommand({
  path: ['kubectl', 'delete'],
  summary: 'Delete resources by file name or stdin (kubectl delete -f).',
  flags: [FILE_FLAG, { long: 'ignore-not-found', kind: 'switch', help: 'Treat "resource not found" as a successful delete.' }, CONTEXT_FLAG],
  output: false,
  examples: ['aks-wg kubectl delete -f web.yaml'],
  async run(ctx) {
    const files = await loadManifests(ctx, 'delete');
    const { store, ref } = openTarget(ctx);
    const ignore = ctx.args['ignoreNotFound'] === true;
    const result = await store.mutate((tx) => {
      const doc = readCluster(tx, ref.resourceGroup, ref.cluster);
      const w = readWorkloads(tx, doc);
      const deleted: string[] = [];
      const errors: string[] = [];
      for (const f of files) {
        const r = deleteManifests(doc, w, f.manifests, f.source, ignore);
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
