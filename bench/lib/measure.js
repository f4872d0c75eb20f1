// Runs one aks-wg command through dist's main() like bin/aks-wg does, discarding stdout, and reports on fd 3 its
// exit code and the process's peak RSS (worker threads included). The parent times the whole process from spawn to
// exit, so start-up counts as it does for a user.
import { writeSync } from 'node:fs';
import { main } from '../../dist/cli/main.js';
import { nodeEnv } from '../../dist/platform/env.js';

process.env.UV_THREADPOOL_SIZE ??= '16';
const sink = { write: () => true, isTTY: false };
const code = await main({ ...nodeEnv(), stdout: sink }, process.argv.slice(2));
writeSync(3, JSON.stringify({ code, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
