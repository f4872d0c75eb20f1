// Loader hooks for test/cli/startup-modules.test.ts: every module URL the process resolves, one per line, appended to
// the file named by $AKS_WG_MODULE_LOG.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.AKS_WG_MODULE_LOG, `${resolved.url}\n`);
  return resolved;
}
