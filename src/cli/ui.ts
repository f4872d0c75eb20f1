/**
 * People-facing output on stderr: warnings, the spinner, confirmation prompts, and the one chalk instance of a run.
 * Colour only on a terminal with NO_COLOR unset; the spinner only when stderr is a terminal, so piped output never
 * carries escape codes.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Env } from '../platform/env.js';

export interface Spinner {
  succeed(): void;
  fail(): void;
  text(text: string): void;
}

export interface Ui {
  readonly chalk: ChalkInstance;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** `WARNING: ...` on stderr (suppressed by --only-show-errors). */
  warn(message: string): void;
  /** `ERROR: ...` on stderr (red on a terminal) for a failure the command reports itself before its exit code. */
  error(message: string): void;
  /** A line of progress or information on stderr (suppressed by --only-show-errors). */
  info(message: string): void;
  /** Run work under an ora spinner on a terminal; plain when not a terminal. */
  spin<T>(text: string, work: (s: Spinner) => Promise<T> | T): Promise<T>;
  /** Ask y/n on a terminal; resolves false on anything but y/yes. */
  confirm(question: string): Promise<boolean>;
}

export function colorEnabled(env: Env, stream: 'stdout' | 'stderr'): boolean {
  const v = env.vars['NO_COLOR'];
  return Boolean(env[stream].isTTY) && (v === undefined || v === '');
}

export function makeUi(env: Env, opts: { onlyShowErrors: boolean }): Ui {
  const chalk = new Chalk({ level: colorEnabled(env, 'stdout') ? 1 : 0 });
  const errChalk = new Chalk({ level: colorEnabled(env, 'stderr') ? 1 : 0 });
  const stderrIsTTY = Boolean(env.stderr.isTTY);
  const quietSpinner: Spinner = { succeed() {}, fail() {}, text() {} };
  return {
    chalk,
    stdoutIsTTY: Boolean(env.stdout.isTTY),
    stderrIsTTY,
    warn(message) {
      if (!opts.onlyShowErrors) env.stderr.write(errChalk.yellow(`WARNING: ${message}`) + '\n');
    },
    error(message) {
      env.stderr.write(errChalk.red(`ERROR: ${message}`) + '\n');
    },
    info(message) {
      if (!opts.onlyShowErrors) env.stderr.write(`${message}\n`);
    },
    async spin(text, work) {
      if (!stderrIsTTY) return work(quietSpinner);
      const { default: ora } = await import('ora');
      const spinner = ora({ text, stream: env.stderr as NodeJS.WritableStream, isEnabled: true, discardStdin: false }).start();
      try {
        const result = await work({
          succeed: () => spinner.stop(),
          fail: () => spinner.stop(),
          text: (t) => {
            spinner.text = t;
          },
        });
        spinner.stop();
        return result;
      } catch (e) {
        spinner.stop();
        throw e;
      }
    },
    async confirm(question) {
      env.stderr.write(question);
      let line = '';
      for await (const chunk of env.stdin) {
        line += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        if (line.includes('\n')) break;
      }
      return /^\s*y(es)?\s*$/i.test(line.split('\n')[0] ?? '');
    },
  };
}
