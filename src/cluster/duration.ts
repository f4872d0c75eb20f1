/**
 * Durations for the simulated clock: parsing Go-style duration strings (`90s`, `10m`, `1h30m`, `500ms`, `1.5h`) and
 * kubectl's human-readable AGE (k8s.io/apimachinery/pkg/util/duration.HumanDuration). Pure.
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART_PATTERN = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
/** Longer than any simulation needs; keeps the clock a safe integer. */
export const MAX_DURATION_MS = 100 * 365 * 24 * 3_600_000;

/** Whether `text` is written as a duration at all (its length is not checked). */
export function isDurationText(text: unknown): text is string {
  return typeof text === 'string' && DURATION_PATTERN.test(text);
}

/**
 * Parse a duration such as `90s`, `10m`, `1h30m`, `500ms` or `1.5h` into whole milliseconds (rounded).
 * Units: ms, s, m, h (Go's, without ns/us). No sign, no spaces, at least one unit.
 * @throws RangeError naming the value when it is not a duration or is longer than 100 years.
 */
export function parseDuration(text: string): number {
  if (!isDurationText(text)) {
    throw new RangeError(`invalid duration '${text}' (expected a number with a unit ms, s, m or h, e.g. 90s, 10m, 1h30m, 500ms)`);
  }
  let ms = 0;
  for (const m of text.matchAll(PART_PATTERN)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  ms = Math.round(ms);
  if (!(ms <= MAX_DURATION_MS)) throw new RangeError(`invalid duration '${text}' (longer than 100 years)`);
  return ms;
}

/** Go's time.Duration.String() for whole milliseconds: `1h30m0s`, `1m30s`, `500ms`, `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sText = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  if (h > 0) return `${h}h${m}m${sText}`;
  if (m > 0) return `${m}m${sText}`;
  return sText;
}

/** kubectl's AGE column (HumanDuration): `45s`, `3m20s`, `15m`, `5h4m`, `20h`, `3d4h`, `40d`, `2y30d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** RFC 3339 in UTC with second precision, as Kubernetes writes timestamps: `2026-01-01T00:00:00Z`. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
