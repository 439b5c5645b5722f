/**
 * `maestro agent script`: a scripted stand-in for Claude Code, for `maestro demo` and end-to-end tests.
 * It is started the way a real agent is (in tmux, with the MAESTRO_* environment and an MCP config),
 * reads its manifest, launches the MCP server named in MAESTRO_MCP_CONFIG as a stdio child, prints what
 * it does to its terminal, and works through its tasks with the Maestro tools:
 *
 *  - worker, simple or queue: ./script-worker.ts;
 *  - orchestrator: ./script-orchestrator.ts.
 *
 * This module is the agent's life from start to exit: manifest, hooks and transcript, the MCP link, the
 * role's work, then the end of its turn (exit, or AGENT_LINGER's prompt). Its AGENT_* variants are listed
 * in ./script-config.ts; its terminal, hooks and transcript are ./script-io.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HookRunner } from './hooks.js';
import { McpLink } from './mcp-link.js';
import { TranscriptWriter } from './transcript.js';
import { env, knobs, type Manifest } from './script-config.js';
import { agent, closeInput, endTurn, readLine, say, showContext } from './script-io.js';
import { orchestrate } from './script-orchestrator.js';
import { workQueue, workSimple } from './script-worker.js';

function required(name: string): string {
  const value = env[name];
  if (!value) {
    say(`agent: ${name} is not set; am I running under Maestro?`);
    process.exit(2);
  }
  return value;
}

/** Runs the agent to its end (never returns: exits with the outcome's code). */
export async function runScriptedAgent(): Promise<never> {
  try {
    const manifestPath = required('MAESTRO_MANIFEST_PATH');
    const configPath = required('MAESTRO_MCP_CONFIG');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    say(`Maestro scripted agent: session ${manifest.session.id} (${manifest.session.role}, ${manifest.session.strategy}) in ${process.cwd()}`);
    say(`Tasks: ${manifest.tasks.map((t) => t.id).join(', ') || '(none)'}`);
    const transcriptPath = join(dirname(manifestPath), 'transcript.jsonl');
    const hooks = (agent.hooks = HookRunner.fromEnv(env, transcriptPath));
    if (hooks) hooks.onContext = showContext;
    if (knobs.transcript) agent.transcript = TranscriptWriter.open(transcriptPath, { sessionId: env.MAESTRO_AGENT_SESSION_ID });
    const transcript = agent.transcript;
    await hooks?.fire('SessionStart', { source: 'startup' });
    if (env.MAESTRO_PROMPT_FILE) {
      const prompt = readFileSync(env.MAESTRO_PROMPT_FILE, 'utf8');
      transcript?.prompt(prompt);
      await hooks?.fire('UserPromptSubmit', { prompt });
    }
    const link = await McpLink.open(configPath, { retryMs: knobs.retryMs, say, hooks, transcript });
    const me = await link.call('whoami');
    const myId = me.kind === 'session' ? me.session.id : undefined;
    if (myId !== manifest.session.id) throw new Error(`whoami says ${myId}, manifest says ${manifest.session.id}`);

    if (manifest.session.role === 'orchestrator') await orchestrate(link, manifest);
    else if (manifest.session.strategy === 'queue') await workQueue(link);
    else await workSimple(link, manifest);

    await link.close();
    const last = knobs.unreported ? 'Stopping here.' : 'All done.';
    transcript?.say(last);
    await endTurn();
    say(last);
    if (knobs.linger) {
      process.stdout.write('> ');
      for (;;) {
        const line = await readLine();
        transcript?.prompt(line);
        await hooks?.fire('UserPromptSubmit', { prompt: line });
        const reply = `(nothing to do about "${line}")`;
        say(reply);
        transcript?.say(reply);
        await endTurn();
        process.stdout.write('> ');
      }
    }
    closeInput();
    await hooks?.fire('SessionEnd', { reason: 'other' });
    process.exit(0);
  } catch (err) {
    const failed = `agent failed: ${err instanceof Error ? err.message : String(err)}`;
    say(failed);
    agent.transcript?.say(failed);
    process.exit(1);
  }
}
