/**
 * AllowedIPs: cryptokey routing (whitepaper §2). A longest-prefix-match binary trie per address family maps a
 * destination (send) or inner source (receive) address to a peer. Prefixes and their text forms: net/ip.ts.
 */
import type { Prefix } from '../net/ip.js';

interface TrieNode<T> {
  zero?: TrieNode<T>;
  one?: TrieNode<T>;
  value?: T;
  prefix?: Prefix;
}

function bitAt(address: Uint8Array, i: number): number {
  return (address[i >> 3]! >> (7 - (i & 7))) & 1;
}

/** Four address bytes at `off` as an unsigned 32-bit number. */
const u32 = (b: Uint8Array, off: number): number => ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;

/** A longest-prefix-match table from IPv4/IPv6 prefixes to values (peers). */
export class AllowedIps<T> {
  private readonly v4: TrieNode<T> = {};
  private readonly v6: TrieNode<T> = {};
  /**
   * IPv4 host routes (/32) by address. Cilium's AllowedIPs are all /32s (a node IP and its pods' IPs), and a trie
   * spends a node per bit on each; a /32 is also always the longest match, so lookup may ask this map first.
   */
  private readonly hosts4 = new Map<number, T>();
  /** Each value's prefixes, in insertion order (removal and listing without walking the whole trie). */
  private readonly byValue = new Map<T, Prefix[]>();
  /** byValue lists that are a caller's list given to insertAll (never changed here: copied before any change). */
  private readonly borrowed = new WeakSet<Prefix[]>();
  /** The last IPv4 address looked up and its answer (bulk flows repeat one destination); cleared on any change. */
  private lastV4 = -1;
  private lastV4Value: T | undefined;

  /** Map `cidr` to `value`, replacing whatever it mapped to (a prefix belongs to one peer, as in wg). */
  insert(cidr: Prefix, value: T): void {
    this.insertOwned({ address: Uint8Array.from(cidr.address), bits: cidr.bits }, value);
  }

  /**
   * insert() of a prefix the table may keep as it is: the caller made it for this call and never changes it (a
   * device adding a peer's freshly parsed AllowedIPs; a fabric adds tens of thousands).
   */
  insertOwned(prefix: Prefix, value: T): void {
    this.lastV4 = -1;
    if (prefix.address.length === 4 && prefix.bits === 32) {
      const key = u32(prefix.address, 0);
      const old = this.hosts4.get(key);
      if (old !== undefined) this.forget(old, prefix);
      this.hosts4.set(key, value);
      this.remember(value, prefix);
      return;
    }
    let node = prefix.address.length === 4 ? this.v4 : this.v6;
    for (let i = 0; i < prefix.bits; i++) {
      const key = bitAt(prefix.address, i) ? 'one' : 'zero';
      node = node[key] ??= {};
    }
    if (node.value !== undefined) this.forget(node.value, prefix);
    node.value = value;
    node.prefix = prefix;
    this.remember(value, prefix);
  }

  /**
   * insertOwned() of every prefix in `prefixes`, in order. When they are all IPv4 host routes and `value` has none
   * yet (a device adding a peer), the table keeps the caller's list itself as the value's prefixes: a fabric adds
   * thousands of peers of 31 host routes each, every device sharing one list per peer node. The list and its
   * prefixes must not change afterwards.
   */
  insertAll(prefixes: readonly Prefix[], value: T): void {
    const keys = this.byValue.has(value) ? null : hostKeys(prefixes);
    if (!keys) {
      for (const p of prefixes) this.insertOwned(p, value);
      return;
    }
    this.lastV4 = -1;
    let repeated = false;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const old = this.hosts4.get(key);
      // `value` had no prefixes before: finding it means the list names this prefix twice
      if (old === value) repeated = true;
      else if (old !== undefined) this.forget(old, prefixes[i]!);
      this.hosts4.set(key, value);
    }
    if (repeated) {
      // as insertOwned one by one would leave it: each prefix once, where it last appeared
      const list: Prefix[] = [];
      for (const p of prefixes) {
        const at = list.findIndex((c) => sameCidr(c, p));
        if (at >= 0) list.splice(at, 1);
        list.push(p);
      }
      this.byValue.set(value, list);
      return;
    }
    const list = prefixes as Prefix[];
    this.byValue.set(value, list);
    this.borrowed.add(list);
  }

  private remember(value: T, prefix: Prefix): void {
    const list = this.byValue.get(value);
    if (!list) this.byValue.set(value, [prefix]);
    else if (this.borrowed.has(list)) this.byValue.set(value, [...list, prefix]);
    else list.push(prefix);
  }

  private forget(value: T, prefix: Prefix): void {
    const rest = this.byValue.get(value)?.filter((c) => !sameCidr(c, prefix)) ?? [];
    if (rest.length) this.byValue.set(value, rest);
    else this.byValue.delete(value);
  }

  /** The value of the longest prefix containing `address` (4 or 16 bytes), or undefined. */
  lookup(address: Uint8Array): T | undefined {
    return this.lookupIn(address, 0, address.length);
  }

  /** lookup() of the `length` (4 or 16) address bytes at `offset` in `bytes` (an IP header), without a copy. */
  lookupIn(bytes: Uint8Array, offset: number, length: number): T | undefined {
    let key = -1;
    if (length === 4) {
      key = u32(bytes, offset);
      if (key === this.lastV4) return this.lastV4Value;
    }
    const found = (key >= 0 ? this.hosts4.get(key) : undefined) ?? this.walk(bytes, offset, length);
    if (key >= 0) {
      this.lastV4 = key;
      this.lastV4Value = found;
    }
    return found;
  }

  private walk(bytes: Uint8Array, offset: number, length: number): T | undefined {
    let node: TrieNode<T> | undefined = length === 4 ? this.v4 : length === 16 ? this.v6 : undefined;
    let found: T | undefined;
    const max = length * 8;
    for (let i = 0; node; i++) {
      if (node.value !== undefined) found = node.value;
      if (i === max) break;
      node = (bytes[offset + (i >> 3)]! >> (7 - (i & 7))) & 1 ? node.one : node.zero;
    }
    return found;
  }

  /** Remove every prefix mapped to `value`, pruning the branches left empty. */
  removeValue(value: T): void {
    this.lastV4 = -1;
    for (const cidr of this.byValue.get(value) ?? []) {
      if (cidr.address.length === 4 && cidr.bits === 32) {
        const key = u32(cidr.address, 0);
        if (this.hosts4.get(key) === value) this.hosts4.delete(key);
        continue;
      }
      const root = cidr.address.length === 4 ? this.v4 : this.v6;
      const path: [TrieNode<T>, 'zero' | 'one'][] = [];
      let node: TrieNode<T> | undefined = root;
      for (let i = 0; node && i < cidr.bits; i++) {
        const key = bitAt(cidr.address, i) ? 'one' : 'zero';
        path.push([node, key]);
        node = node[key];
      }
      if (!node || node.value !== value) continue;
      delete node.value;
      delete node.prefix;
      // prune empty nodes back towards the root
      for (let i = path.length - 1; i >= 0; i--) {
        const [parent, key] = path[i]!;
        const child = parent[key]!;
        if (child.value !== undefined || child.zero || child.one) break;
        delete parent[key];
      }
    }
    this.byValue.delete(value);
  }

  /** Every prefix mapped to `value`, in the order they were inserted. */
  prefixesOf(value: T): Prefix[] {
    return [...(this.byValue.get(value) ?? [])];
  }
}

/** Lists of IPv4 host routes given to insertAll, with their addresses as numbers (lists may not change once given). */
const hostKeyCache = new WeakMap<readonly Prefix[], Uint32Array | null>();

/** The addresses of a non-empty list of IPv4 host routes as numbers, read once per list; null for any other list. */
function hostKeys(prefixes: readonly Prefix[]): Uint32Array | null {
  let keys = hostKeyCache.get(prefixes);
  if (keys === undefined) {
    const hosts = prefixes.length > 0 && prefixes.every((p) => p.address.length === 4 && p.bits === 32);
    keys = hosts ? Uint32Array.from(prefixes, (p) => u32(p.address, 0)) : null;
    hostKeyCache.set(prefixes, keys);
  }
  return keys;
}

function sameCidr(a: Prefix, b: Prefix): boolean {
  return a.bits === b.bits && a.address.length === b.address.length && a.address.every((x, i) => x === b.address[i]);
}
