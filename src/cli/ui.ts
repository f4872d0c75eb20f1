/**
 * People-facing output on stderr: warnings, the spinner, confirmation prompts, and the one chalk instance of a run.
 * Colour only on a terminal with NO_COLOR unset; the spinner only when stderr is a terminal of a known, non-zero
 * width, so piped output never carries escape codes (and ora, which counts wrapped lines by the width, never divides
 * by a pty's 0 columns: `script -qc CMD /dev/null` in CI reports 0, and ora then moves the cursor up without end).
 */
import { Chalk } from 'chalk';
import type { Spinner, Ui } from '../commands/command.js';
import type { Env } from '../platform/env.js';

export function colorEnabled(env: Env, stream: 'stdout' | 'stderr'): boolean {
  const v = env.vars['NO_COLOR'];
  return Boolean(env[stream].isTTY) && (v === undefined || v === '');
}

export function makeUi(env: Env, opts: { onlyShowErrors: boolean }): Ui {
  const chalk = new Chalk({ level: colorEnabled(env, 'stdout') ? 1 : 0 });
  const errChalk = new Chalk({ level: colorEnabled(env, 'stderr') ? 1 : 0 });
  const stderrIsTTY = Boolean(env.stderr.isTTY);
  const spinnerFits = stderrIsTTY && typeof env.stderr.columns === 'number' && env.stderr.columns > 0;
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
      if (!spinnerFits) return work(quietSpinner);
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
