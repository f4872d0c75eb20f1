/**
 * Issue 12 item 16: `aks-wg version`, `aks-wg completion bash|zsh`, az's `--verbose` (the command's duration on
 * stderr), a red `ERROR:` on a terminal, wg's warning when a key goes to a world-accessible file, and `cluster list`
 * skipping one corrupt cluster file with a WARNING.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { SimClock } from '../../src/platform/clock.js';
import { run, session, testEnv } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';

afterAll(removeTempDirs);

describe('version', () => {
  test('prints the versions as JSON, and takes --query', async () => {
    const r = await run('version');
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ 'aks-wg': JSON.parse(fs.readFileSync('package.json', 'utf8')).version, node: process.versions.node });
    expect((await run(['version', '--query', '"aks-wg"', '-o', 'tsv'])).stdout).toBe(`${r.json()['aks-wg']}\n`);
  });
});

describe('completion', () => {
  const bashAvailable = spawnSync('bash', ['-c', 'true']).status === 0;
  /** What bash's completion offers for the words typed so far (the last one being completed). */
  function complete(script: string, words: string[]): string[] {
    const file = path.join(makeTempDir(), 'completion.bash');
    fs.writeFileSync(file, script);
    const quoted = words.map((w) => `'${w}'`).join(' ');
    const r = spawnSync('bash', ['-c', `source '${file}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _aks_wg; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    return r.stdout.split('\n').filter(Boolean).sort();
  }
  test('bash: groups, verbs, flags and enum choices come from the registry', async () => {
    if (!bashAvailable) {
      console.warn('skipped: bash is not installed');
      return;
    }
    const r = await run('completion bash');
    expect(r.code).toBe(0);
    expect(complete(r.stdout, ['aks-wg', 'cl'])).toEqual(['clock', 'cluster']);
    expect(complete(r.stdout, ['aks-wg', 'cluster', 'enc'])).toEqual(['encryption-status']);
    expect(complete(r.stdout, ['aks-wg', 'traffic', 'inspect', '--fail'])).toEqual(['--fail-on-unencrypted']);
    expect(complete(r.stdout, ['aks-wg', 'traffic', 'inspect', '--protocol', ''])).toEqual(['ICMP', 'TCP', 'UDP']);
    expect(complete(r.stdout, ['aks-wg', 'kubectl', 'get', '--show'])).toEqual(['--show-labels']);
    expect(complete(r.stdout, ['aks-wg', 'completion', ''])).toEqual(['bash', 'zsh']);
  });
  test('zsh: the same function through bashcompinit', async () => {
    const r = await run('completion zsh');
    expect(r.stdout).toMatch(/^#compdef aks-wg\n/);
    expect(r.stdout).toContain('autoload -U +X bashcompinit && bashcompinit\n');
    expect(r.stdout).toContain('complete -o default -F _aks_wg aks-wg\n');
  });
  test('another shell is a usage error', async () => {
    const r = await run('completion fish');
    expect([r.code, r.stderr]).toEqual([2, "ERROR: argument SHELL: invalid choice: 'fish' (choose from 'bash', 'zsh')\n"]);
  });
});

describe('--verbose', () => {
  test('prints how long the command ran on stderr, stdout untouched', async () => {
    const clock = new SimClock(1_000_000);
    const env = testEnv({ clock });
    const r = await run('cluster list --verbose', { env });
    expect([r.code, r.stdout]).toEqual([0, '[]\n']);
    expect(r.stderr).toBe('INFO: Command ran in 0.000 seconds\n');
  });
  test('also when the command fails', async () => {
    const r = await run('cluster show -g RG -n nope --verbose');
    expect(r.code).toBe(3);
    expect(r.stderr.split('\n').filter(Boolean).pop()).toBe('INFO: Command ran in 0.000 seconds');
  });
});

describe('ERROR on a terminal', () => {
  test('is red on a TTY, plain when piped or with NO_COLOR', async () => {
    const tty = await run('cluster show -g RG -n nope', { tty: true });
    expect(tty.stderr).toMatch(/^\u001b\[31mERROR: \(ResourceNotFound\) /);
    const noColor = await run('cluster show -g RG -n nope', { tty: true, vars: { NO_COLOR: '1' } });
    expect(noColor.stderr).toMatch(/^ERROR: \(ResourceNotFound\) /);
    const piped = await run('cluster show -g RG -n nope');
    expect(piped.stderr).toMatch(/^ERROR: \(ResourceNotFound\) /);
  });
});

describe('wg genkey > file', () => {
  function toFile(mode: number, argv: string[]) {
    const file = path.join(makeTempDir(), 'key');
    const fd = fs.openSync(file, 'w', mode);
    fs.fchmodSync(fd, mode);
    const env = testEnv();
    const out = Object.assign(env.stdout, { fd });
    return { env: { ...env, stdout: out }, file, fd };
  }
  test.each([['genkey'], ['genpsk']])('wg %s warns as wg does when the file is world-accessible, and still writes the key', async (verb) => {
    const { env, fd } = toFile(0o644, ['wg', verb]);
    const code = await main(env, ['wg', verb]);
    fs.closeSync(fd);
    expect(code).toBe(0);
    expect(env.stderr.text()).toBe('Warning: writing to world accessible file.\nConsider setting the umask to 077 and trying again.\n');
    expect(env.stdout.text()).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
  });
  test('no warning for a 0600 file or a pipe', async () => {
    const { env, fd } = toFile(0o600, ['wg', 'genkey']);
    expect(await main(env, ['wg', 'genkey'])).toBe(0);
    fs.closeSync(fd);
    expect(env.stderr.text()).toBe('');
    expect((await run('wg genkey')).stderr).toBe('');
  });
});

describe('cluster list with one corrupt cluster file', () => {
  test('lists the others and warns naming the file', async () => {
    const s = session();
    expect((await s.run('cluster create -g RG -n good -c 1 -o none')).code).toBe(0);
    expect((await s.run('cluster create -g RG -n bad -c 1 -o none')).code).toBe(0);
    const file = path.join(s.env.home, 'clusters', 'rg', 'bad.json');
    fs.writeFileSync(file, '{"managedCluster": ');
    const r = await s.run('cluster list --query [].name');
    expect(r.code).toBe(0);
    expect(r.json()).toEqual(['good']);
    expect(r.stderr).toMatch(new RegExp(`^WARNING: skipped: state file ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid JSON .*\n$`));
    // the file itself is still reported as an error where it is named
    expect((await s.run('cluster show -g RG -n bad')).code).toBe(1);
  });
});

describe('--no-wait on a terminal (issue 12 item 12)', () => {
  test('prints nothing at all: no spinner, no progress line, no result', async () => {
    const s = session({ tty: true });
    const node = 'aks-nodepool1-54450501-vmss000000';
    for (const argv of [
      'cluster create -g RG -n C -c 2 --network-dataplane cilium --no-wait',
      'cluster update -g RG -n C --enable-wireguard --no-wait',
      'nodepool add -g RG --cluster-name C -n pool2 -c 1 --no-wait',
      'nodepool scale -g RG --cluster-name C -n pool2 -c 2 --no-wait',
      'nodepool delete -g RG --cluster-name C -n pool2 --no-wait',
      `node reimage ${node} -g RG -n C --no-wait`,
      'cluster delete -g RG -n C --yes --no-wait',
    ]) {
      const r = await s.run(argv);
      expect({ argv, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ argv, code: 0, stdout: '', stderr: '' });
    }
  });
});
