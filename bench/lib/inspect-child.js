// Runs one `aks-wg traffic inspect` in this process through dist's main() and reports, on fd 3, its wall time, CPU
// time, peak RSS and what it printed: a bench section spawns it so each measurement gets a fresh process.
import { writeSync } from 'node:fs';
import { main } from '../../dist/cli/main.js';
import { nodeEnv } from '../../dist/platform/env.js';

const argv = process.argv.slice(2);
const env = nodeEnv();
let out = '';
const stdout = { write: (c) => ((out += typeof c === 'string' ? c : Buffer.from(c).toString()), true), isTTY: false };
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const code = await main({ ...env, stdout }, argv);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
writeSync(3, JSON.stringify({ code, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMiB: process.resourceUsage().maxRSS / 1024, stdout: out }));
