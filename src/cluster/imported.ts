/**
 * The imported-keys document of a cluster built by `cluster import`: where it came from and what the real cluster
 * published (only public keys leave a real node). It lives beside the cluster's workloads and goes with the cluster
 * (repo/imported.ts).
 */

/** Per-node WireGuard facts of an imported cluster. */
export interface NodeKeyFacts {
  /** base64 public key published for the node, or null when its CiliumNode had none. */
  publicKey: string | null;
  /** spec.encryption.key was 0: the node opted out. */
  optedOut?: boolean;
}

/** Stored beside an imported cluster: where it came from and what the real cluster published. */
export interface ImportedDoc {
  /** The files read (as given on the command line). */
  source: { kubectl: string; ciliumnodes: string | null };
  importedMs: number;
  /** Per node: the real WireGuard public key (null when its CiliumNode had none), and pod CIDRs beyond the first. */
  nodes: Record<string, NodeKeyFacts & { extraPodCidrs: string[] }>;
  /** Whether CiliumNodes were read at all (without them, keys are unknown rather than absent). */
  ciliumNodes: boolean;
}
