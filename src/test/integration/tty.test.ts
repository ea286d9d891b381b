import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { DOCKER, Daemon, have, removeAll, startWithBusybox } from './harness.ts';

const canRun = process.getuid?.() === 0 && have('runc') && have('conmon') && have('tmux');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A private tmux server (its own socket name) that runs docker CLI sessions in real terminals. */
class Tmux {
  readonly sock = `berth-tty-${process.pid}`;
  run(args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.sock, ...args]);
    return r.stdout?.toString() ?? '';
  }
  start(name: string, cmd: string, env: Record<string, string>, cols = 80, rows = 24): void {
    const exports = Object.entries(env).map(([k, v]) => `export ${k}='${v}';`).join(' ');
    // remain-on-exit keeps the pane (and the exit status) after the client exits.
    this.run(['new-session', '-d', '-s', name, '-x', String(cols), '-y', String(rows), `${exports} ${cmd}; echo "client-exit=$?"; sleep 600`]);
  }
  keys(name: string, ...keys: string[]): void { this.run(['send-keys', '-t', name, ...keys]); }
  type(name: string, text: string): void { this.run(['send-keys', '-t', name, '-l', text]); this.keys(name, 'Enter'); }
  screen(name: string): string { return this.run(['capture-pane', '-p', '-J', '-S', '-200', '-t', name]); }
  async waitFor(name: string, re: RegExp, ms = 10000): Promise<string> {
    const end = Date.now() + ms;
    let s = '';
    while (Date.now() < end) {
      s = this.screen(name);
      if (re.test(s)) return s;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${re} in:\n${s}`);
  }
  kill(): void { this.run(['kill-server']); }
}

describe('interactive terminals with the docker CLI (run -it, resize, Ctrl-C, detach/attach, exec -it)', { skip: !canRun && 'needs root, runc, conmon and tmux' }, () => {
  const d = new Daemon();
  const t = new Tmux();
  let env: Record<string, string>;
  before(async () => {
    await startWithBusybox(d);
    env = { DOCKER_HOST: d.host, DOCKER_CONFIG: `${d.dir}/docker-config` };
  });
  after(async () => {
    t.kill();
    removeAll(d);
    await d.cleanup();
  });

  it('gives a real shell: tty, window size, live resize, Ctrl-C, job control, exit code', async () => {
    t.start('a', `${DOCKER} run -it --rm --name tty1 busybox sh`, env, 80, 24);
    await t.waitFor('a', /# $/m);
    t.type('a', 'tty; stty size; echo "sum=$((6*7))"');
    await t.waitFor('a', /\/dev\/pts\/0[\s\S]*24 80[\s\S]*sum=42/);
    t.run(['resize-window', '-t', 'a', '-x', '120', '-y', '40']);
    await sleep(300);
    t.type('a', 'stty size');
    await t.waitFor('a', /40 120/);
    t.type('a', 'sleep 100');
    await sleep(400);
    t.keys('a', 'C-c');
    t.type('a', 'echo "after=$((1+1))"');
    await t.waitFor('a', /after=2/);
    t.type('a', 'sleep 200 &');
    t.type('a', 'jobs');
    await t.waitFor('a', /\[1\]\+?\s+Running\s+sleep 200/);
    t.type('a', 'exit 3');
    await t.waitFor('a', /client-exit=3/);
  });

  it('Ctrl-P Ctrl-Q detaches and docker attach enters the same shell again', async () => {
    t.start('b', `${DOCKER} run -it --name tty2 busybox sh`, env);
    await t.waitFor('b', /# $/m);
    t.type('b', 'export MARK=kept-state');
    t.keys('b', 'C-p', 'C-q');
    await t.waitFor('b', /client-exit=0/);
    assert.equal(d.docker(['inspect', '-f', '{{.State.Running}}', 'tty2']).stdout.trim(), 'true');
    t.start('c', `${DOCKER} attach tty2`, env);
    await sleep(500);
    t.type('c', 'echo "mark=$MARK"');
    await t.waitFor('c', /mark=kept-state/);
    t.type('c', 'exit 5');
    await t.waitFor('c', /client-exit=5/);
    assert.equal(d.docker(['inspect', '-f', '{{.State.ExitCode}}', 'tty2']).stdout.trim(), '5');
  });

  it('exec -it gets its own terminal with the client\'s size', async () => {
    assert.equal(d.docker(['run', '-d', '--name', 'tty3', 'busybox', 'sleep', '600']).code, 0);
    t.start('e', `${DOCKER} exec -it tty3 sh`, env, 100, 30);
    await t.waitFor('e', /# $/m);
    t.type('e', 'stty size; tty');
    await t.waitFor('e', /30 100[\s\S]*\/dev\/pts\/\d+/);
    t.type('e', 'exit 4');
    await t.waitFor('e', /client-exit=4/);
  });
});
