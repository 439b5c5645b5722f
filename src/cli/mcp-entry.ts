import { isDeepStrictEqual } from 'node:util';
import { maestroHome } from '../core/paths.js';
import { maestroBin } from '../install.js';

/** One server of an MCP client's `mcpServers` (Claude Code's `.mcp.json`, Claude Desktop's config, …). */
export interface McpEntry {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/**
 * How an MCP client launches `maestro mcp` from this install: absolute paths of node and of this
 * install's entry point, so it works whatever the client's PATH or working directory, and no `npx`
 * (which could fetch and run another package of the same name).
 */
export function maestroMcpEntry(env: NodeJS.ProcessEnv = process.env): McpEntry {
  const entry: McpEntry = { command: process.execPath, args: [maestroBin(), 'mcp'] };
  // Only a home the user chose: the default (~/.maestro) needs no variable. Absolute, since the client
  // starts it from another directory.
  if (env.MAESTRO_HOME?.trim()) entry.env = { MAESTRO_HOME: maestroHome(env) };
  return entry;
}

/**
 * Whether an existing entry launches the same thing. Claude Code may add `"type": "stdio"` and an empty
 * `env` when it stores one; those change nothing. Anything else (another path, an extra key) differs.
 */
export function sameEntry(existing: unknown, entry: McpEntry): boolean {
  if (!isPlainObject(existing)) return false;
  const { type, env, ...rest } = existing;
  if (type !== undefined && type !== 'stdio') return false;
  const normalized = isPlainObject(env) && Object.keys(env).length === 0 ? rest : { ...rest, ...(env === undefined ? {} : { env }) };
  return isDeepStrictEqual(normalized, entry.env ? entry : { command: entry.command, args: entry.args });
}

/** The entry as a one-line shell command (variables first), to say what an outdated entry ran. */
export function describeEntry(entry: unknown): string {
  if (!isPlainObject(entry)) return JSON.stringify(entry);
  const args = Array.isArray(entry.args) ? entry.args.map(String) : [];
  const env = isPlainObject(entry.env) ? Object.entries(entry.env).map(([k, v]) => `${k}=${String(v)}`) : [];
  return [...env, String(entry.command ?? entry.url ?? '?'), ...args].join(' ');
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
