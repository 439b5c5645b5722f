import { createInterface, type Interface } from 'node:readline';
import type { HookRunner } from './hooks.js';
import type { TranscriptWriter } from './transcript.js';
import { knobs } from './script-config.js';

/*
 * How the scripted agent (./script.ts) acts where it can be seen: lines on its terminal, lines typed into
 * it, its Claude Code hooks and its transcript (both opened by runScriptedAgent and kept in `agent`), and
 * the tools of its own (not Maestro's) that it runs between those hooks.
 */

/** The agent's hook runner and transcript, once runScriptedAgent has opened them (null: none). */
export const agent: { hooks: HookRunner | null; transcript: TranscriptWriter | null } = { hooks: null, transcript: null };

export const say = (line: string) => process.stdout.write(`${line}\n`);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let lines: Interface | null = null;
/** One line typed into the terminal (the tty echoes it, as for any program). */
export function readLine(): Promise<string> {
  lines ??= createInterface({ input: process.stdin, terminal: false });
  return new Promise((resolve) => lines!.once('line', (line) => resolve(line.trim())));
}

/** Stops reading the terminal (if it ever was), so that the process can end. */
export function closeInput(): void {
  lines?.close();
}

/** AGENT_CRASH=1: exits with code 3 (called after the first progress report). */
export function crashIfAsked(): void {
  if (knobs.crash) {
    say('agent: something went badly wrong; exiting with code 3');
    process.exit(3);
  }
}

/** A line on the terminal that is also what the agent tells the model's transcript (it opens its next response). */
export function tell(line: string): void {
  say(line);
  agent.transcript?.note(line.replace(/^[●✓]\s*/, ''));
}

/** A tool of the agent's own (not Maestro's), between its hooks, with its call and result in the transcript. */
export async function useTool(name: string, input: Record<string, unknown>, result: string, work: () => void): Promise<void> {
  const use = { tool_name: name, tool_input: input, tool_use_id: `toolu_${Date.now().toString(36)}` };
  agent.transcript?.toolUse(name, input, use.tool_use_id);
  await agent.hooks?.fire('PreToolUse', use, name);
  work();
  agent.transcript?.toolResult(use.tool_use_id, result);
  await agent.hooks?.fire('PostToolUse', { ...use, tool_response: { success: true } }, name);
}

/**
 * What a hook added to the model's context, shown as Claude Code shows it: on the terminal and, as what the
 * model was told, in the transcript (messages from other sessions arrive this way, issue 12).
 */
export function showContext(event: string, text: string): void {
  say(`⎿ ${event} hook added context:`);
  for (const line of text.split('\n')) say(`  ${line}`);
  agent.transcript?.note(`[${event} hook context] ${text}`);
}

/** The end of a turn: Stop fires; a hook that blocks it makes the agent go on with its reason, as Claude Code does. */
export async function endTurn(): Promise<void> {
  await agent.hooks?.stop((reason) => {
    say('⎿ Stop hook said to go on:');
    for (const line of reason.split('\n')) say(`  ${line}`);
    agent.transcript?.note(`[Stop hook] ${reason}`);
  });
}
