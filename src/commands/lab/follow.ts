/**
 * Live changes: after a command that changes a cluster's model (nodes, pods, keys, WireGuard on/off, the clock during
 * a rolling restart, the rogue machine), every running lab whose cluster changed is brought to the model in place
 * (lab/build.ts syncLab), node by node as the agents restart. A lab that cannot follow (no root, the cluster deleted)
 * gets a warning, never a failure of the command that changed the model.
 */
import * as path from 'node:path';
import type { CommandContext } from '../command.js';
import type { LabRecord } from '../../lab/record.js';

/** The commands after which running labs follow the model. */
export const LIVE_CHANGE_COMMANDS: ReadonlySet<string> = new Set([
  'cluster update',
  'cluster delete',
  'nodepool add',
  'nodepool scale',
  'nodepool delete',
  'node reimage',
  'node add-rogue',
  'kubectl apply',
  'kubectl delete',
  'clock advance',
]);

/** Bring every running lab in the state directory to its cluster's model. */
export async function followLabs(ctx: Pick<CommandContext, 'env' | 'ui'>): Promise<void> {
  const root = path.join(ctx.env.home, 'lab');
  let dirs: string[];
  try {
    dirs = ctx.env.fs.readdirSync(root) as string[];
  } catch {
    return;
  }
  for (const d of dirs) {
    let record: LabRecord;
    try {
      record = JSON.parse(ctx.env.fs.readFileSync(path.join(root, d, 'lab.json'), 'utf8')) as LabRecord;
    } catch {
      continue; // half-built or not a lab
    }
    const { resourceGroup: rg, name } = record.plan;
    try {
      const { labModel } = await import('./shared.js');
      const model = labModel(ctx.env, rg, name);
      if (model.fingerprint === record.fingerprint) continue;
      const { labUp } = await import('./lab.js');
      const { withLabLock } = await import('./shared.js');
      await withLabLock(ctx.env, () => labUp(ctx, rg, name));
    } catch (e) {
      ctx.ui.warn(`the lab of ${name} did not follow the change (${(e as Error).message}); run: sudo aks-wg lab up -g ${rg} -n ${name} (or lab down)`);
    }
  }
}
