import { spawnSync } from 'node:child_process';

/** Quotes a string for POSIX sh: safe for any content, including quotes and newlines. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The program a shell command line runs first: skips leading `NAME=value` assignments and `exec`/`env`,
 * strips simple quoting. Good enough to check that a command exists before starting it; a line
 * the heuristic cannot read (e.g. it starts with a subshell) yields null and is not pre-checked.
 */
export function programOf(commandLine: string): string | null {
  const words = splitWords(commandLine);
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!)) i++;
  while (i < words.length && (words[i] === 'exec' || words[i] === 'env' || words[i] === 'command')) {
    i++;
    while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!)) i++;
  }
  const word = words[i];
  if (word === undefined || /^[({!]/.test(word)) return null;
  return word;
}

/** Splits a command line into words the way sh would for simple cases (quotes, backslashes). */
export function splitWords(commandLine: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < commandLine.length; i++) {
    const ch = commandLine[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < commandLine.length) current += commandLine[++i];
      else current += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < commandLine.length) {
      current += commandLine[++i];
      inWord = true;
    } else if (/\s/.test(ch) || ch === ';' || ch === '&' || ch === '|') {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      if (!/\s/.test(ch)) break; // the first simple command ends here
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

/**
 * What sh makes of `program` (`command -v`), looked up with the PATH the agent will have and from its
 * working directory: null when it cannot run it, else its path (or its bare name for a builtin).
 */
function lookUp(program: string, opts: { path?: string; cwd?: string }): string | null {
  const env = { ...process.env, ...(opts.path !== undefined ? { PATH: opts.path } : {}) };
  const result = spawnSync('/bin/sh', ['-c', 'command -v -- "$1" 2>/dev/null', 'sh', program], {
    env,
    cwd: opts.cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 5000,
  });
  return result.status === 0 ? result.stdout.trim() : null;
}

/** Whether `program` resolves to something sh can run (an executable on PATH, a path, a builtin). */
export function commandExists(program: string, opts: { path?: string; cwd?: string } = {}): boolean {
  return lookUp(program, opts) !== null;
}

/** Where `program` is installed: its absolute path, or null when it is not (or is only a builtin). */
export function commandPath(program: string, opts: { path?: string; cwd?: string } = {}): string | null {
  const found = lookUp(program, opts);
  return found?.startsWith('/') ? found : null;
}
