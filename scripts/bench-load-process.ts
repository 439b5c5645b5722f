/**
 * A load generator in a child process of its own, so that its clients do not share an event loop with the
 * clients being measured. The child prints `ready` once its clients are connected, keeps them busy until a
 * line arrives on its stdin, then prints one JSON line of what it counted and exits.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface LoadProcess<T> {
  /** Stops the clients; what the child counted. */
  stop(): Promise<T>;
  kill(): void;
}

/** Starts `node <args>` with `env` and resolves once it says `ready`; `what` names it in errors. */
export async function startLoadProcess<T>(args: string[], env: NodeJS.ProcessEnv, what: string): Promise<LoadProcess<T>> {
  const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`${what} exited early`);
    return line.value;
  };
  if ((await next()) !== 'ready') throw new Error(`${what} did not start`);
  return {
    stop: async () => {
      child.stdin!.end('stop\n');
      return JSON.parse(await next()) as T;
    },
    kill: () => {
      if (child.exitCode === null) child.kill();
    },
  };
}
