/**
 * The one min-heap: entries ordered by (key, tie), both numbers, kept in parallel arrays so that pushing and popping
 * allocate nothing per entry. The device's timer queue (tie: insertion order) and the fabric's queue of machines
 * (tie: machine order) both use it; equal keys come out in tie order, so a seeded run fires timers deterministically.
 */
export class MinHeap<T> {
  private readonly keys: number[] = [];
  private readonly ties: number[] = [];
  private readonly values: T[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** The smallest key (undefined behaviour when empty: check size first). */
  topKey(): number {
    return this.keys[0]!;
  }

  /** The value with the smallest key. */
  top(): T {
    return this.values[0]!;
  }

  push(key: number, tie: number, value: T): void {
    const { keys, ties, values } = this;
    let i = keys.length;
    keys.push(key);
    ties.push(tie);
    values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = keys[parent]!;
      if (!(key < pk || (key === pk && tie < ties[parent]!))) break;
      keys[i] = pk;
      ties[i] = ties[parent]!;
      values[i] = values[parent]!;
      i = parent;
    }
    keys[i] = key;
    ties[i] = tie;
    values[i] = value;
  }

  /** Remove the top entry and return its value. */
  pop(): T {
    const { keys, ties, values } = this;
    const top = values[0]!;
    const key = keys.pop()!;
    const tie = ties.pop()!;
    const value = values.pop()!;
    const n = keys.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && (keys[r]! < keys[l]! || (keys[r] === keys[l] && ties[r]! < ties[l]!)) ? r : l;
        if (!(keys[c]! < key || (keys[c] === key && ties[c]! < tie))) break;
        keys[i] = keys[c]!;
        ties[i] = ties[c]!;
        values[i] = values[c]!;
        i = c;
      }
      keys[i] = key;
      ties[i] = tie;
      values[i] = value;
    }
    return top;
  }

  /** Keep only the entries `keep` accepts (in order: a sorted array is a valid heap). */
  retain(keep: (value: T, key: number) => boolean): void {
    const order: number[] = [];
    for (let i = 0; i < this.keys.length; i++) if (keep(this.values[i]!, this.keys[i]!)) order.push(i);
    order.sort((a, b) => this.keys[a]! - this.keys[b]! || this.ties[a]! - this.ties[b]!);
    const keys = order.map((i) => this.keys[i]!);
    const ties = order.map((i) => this.ties[i]!);
    const values = order.map((i) => this.values[i]!);
    this.keys.length = this.ties.length = this.values.length = 0;
    this.keys.push(...keys);
    this.ties.push(...ties);
    this.values.push(...values);
  }
}
