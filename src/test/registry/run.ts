/** Async CLI runs (the in-process fake registry must keep answering while the CLI runs). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BERTH, DOCKER, NODE, type Daemon, type RunResult } from '../integration/harness.ts';

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    p.stdin.end(input);
  });
}

export function dockerAsync(d: Daemon, args: string[], input?: string): Promise<RunResult> {
  return run(DOCKER, args, { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: join(d.dir, 'docker-config') }, input);
}

export function berthAsync(d: Daemon, args: string[], input?: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return run(NODE, ['--', BERTH, '-H', d.host, ...args], { ...process.env, DOCKER_CONFIG: join(d.dir, 'docker-config'), ...env }, input);
}
