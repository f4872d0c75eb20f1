/** `1 flow`, `2 flows`, `1,000 nodes`: a count with its noun in the right number (thousands grouped). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
