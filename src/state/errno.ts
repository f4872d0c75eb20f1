/** Turning Node's errno exceptions into the words a StateError shows. */

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
};

/** The errno code of a thrown value, if it has one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** `no space left on device (ENOSPC)`; the plain message for anything without a known code. */
export function describeError(err: unknown): string {
  const code = errnoCode(err);
  if (code && DESCRIPTIONS[code]) return `${DESCRIPTIONS[code]} (${code})`;
  if (code) return code;
  return err instanceof Error ? err.message : String(err);
}
