/**
 * The fabric's entry: the simulated network as commands, shards and tests use it. Split by job —
 *   datapath.ts     the Fabric: per-packet decisions as Cilium's datapath makes them, the wire, timers in simulated time;
 *   machines.ts     the nodes and the rogue machine, their cilium_wg0 devices, peers looked up on first use, sessions;
 *   wire-record.ts  what crossed the wire during a flow, and the verdict read off it (FlowOutcome);
 *   run.ts          running a set of flows once or over simulated time, collecting the report.
 */
export { Fabric, type FabricOptions } from './datapath.js';
export { nodeEndpoint } from './machines.js';
export type { MutableClock } from './types.js';
export { FlowOutcome, wireGuardMessageType, type Cause } from './wire-record.js';
