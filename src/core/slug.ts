/* A name made safe for a branch or a folder (node-free: the CLI uses it to find a project's worktrees). */

/** A name safe as a branch component and a directory name: letters, digits, dot, dash, underscore. */
export function slug(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .replace(/\.{2,}/g, '.')
    .replace(/\.lock$/i, '-lock');
  return s.slice(0, 60) || 'session';
}
