// After every test: remove the compiler report global-setup wrote (one file per run would pile up in the temp dir).
import { rmSync } from 'node:fs';

export default function globalTeardown() {
  const report = process.env.AKS_WG_TSC_REPORT;
  if (report) rmSync(report, { force: true });
}
