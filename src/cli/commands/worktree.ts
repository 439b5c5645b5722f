import type { Command } from 'commander';
import { diffStat } from '../../git/patch.js';
import type { MergeQueueEntry, MergeResult, WorktreeInfo } from '../../core/types.js';
import { list, PROJECT_OPTION, projectOf } from '../options.js';
import { fields, table, when } from '../output.js';
import { opCommand } from '../run.js';

/** `session worktree|diff|files|cat|merge|cleanup`: a session's git worktree, its changes and their merge. */
export function registerWorktreeCommands(session: Command): void {
  opCommand(session, {
    usage: 'worktree [id]',
    description: 'show where a session works: its worktree, branch, base, uncommitted files, ahead/behind',
    op: 'worktree.info',
    input: ([sessionId]) => ({ sessionId }),
    fields: { sessionId: '[id]' },
    human: worktreeLines,
  });

  opCommand(session, {
    usage: 'diff <id>',
    description: "show a session's changes against the merge base: committed, uncommitted and new files",
    op: 'session.diff',
    options: (c) => c.option('--stat', 'only the files and their line counts, as git diff --stat'),
    input: ([sessionId], o) => ({ sessionId, patch: o.stat ? false : undefined }),
    fields: { sessionId: '<id>' },
    human: (d, o) =>
      d.files.length === 0
        ? `no changes on ${d.branch} against ${d.base}`
        : o.stat
          ? diffStat(d)
          : `${d.patch}${d.truncated ? '\n(patch cut at its size limit: see --stat for every file)' : ''}`,
  });

  opCommand(session, {
    usage: 'files <id>',
    description: "list the files of a session's worktree (* marks the changed ones)",
    op: 'session.files',
    input: ([sessionId]) => ({ sessionId }),
    fields: { sessionId: '<id>' },
    human: (r) => r.files.filter((f) => f.type === 'file').map((f) => `${f.changed ? '*' : ' '} ${f.path}`).join('\n'),
  });

  opCommand(session, {
    usage: 'cat <id> <path>',
    description: "print one file of a session's worktree (as it is now, or at the merge base with --base)",
    op: 'session.file',
    options: (c) => c.option('--base', 'the file at the merge base'),
    input: ([sessionId, path], o) => ({ sessionId, path, version: o.base ? 'base' : undefined }),
    fields: { sessionId: '<id>', path: '<path>' },
    human: (f) => (f.binary ? `(binary file, ${f.size} bytes)` : `${f.content}${f.truncated ? '\n(cut at 1 MB)' : ''}`),
  });

  opCommand(session, {
    usage: 'merge <id>',
    description: "merge a session's branch into the project's base branch (refused, with nothing touched, on conflicts, a dirty target or red tests)",
    op: 'session.merge',
    options: (c) =>
      c
        .option('--strategy <strategy>', 'merge (default), squash or rebase')
        .option('--into <branch>', "target branch (default: the project's base branch)")
        .option('--dry-run', 'only check whether it would merge; nothing moves')
        .option('--commit', "commit the session's uncommitted changes first"),
    input: ([sessionId], o) => ({ sessionId, strategy: o.strategy, into: o.into, dryRun: o.dryRun, commit: o.commit }),
    fields: { sessionId: '<id>', strategy: '--strategy', into: '--into', commit: '--commit' },
    human: mergeLines,
  });

  opCommand(session, {
    usage: 'cleanup <id>',
    description: "remove a finished session's worktree, and its branch once merged",
    op: 'session.cleanup',
    options: (c) => c.option('--force', 'also with uncommitted changes, and delete the branch even if not merged'),
    input: ([sessionId], o) => ({ sessionId, force: o.force }),
    fields: { sessionId: '<id>', force: '--force' },
    human: (r) => r.message,
  });
}

/** `merge-queue add|list|remove`. */
export function registerMergeQueueCommands(program: Command): void {
  const mq = program.command('merge-queue').description("merge sessions' branches one by one, in dependency order, each tested before it lands");

  opCommand(mq, {
    usage: 'add <sessions...>',
    description: 'queue sessions for merging (dependencies first; each on top of the previous, tested)',
    op: 'merge_queue.add',
    options: (c) =>
      c
        .option('--strategy <strategy>', 'rebase (default: each onto the previous result), merge or squash')
        .option('--into <branch>', "target branch (default: the project's base branch)"),
    input: ([sessionIds], o) => ({ sessionIds: list((sessionIds as unknown as string[]).join(',')), strategy: o.strategy, into: o.into }),
    fields: { sessionIds: '<sessions...>', strategy: '--strategy', into: '--into' },
    human: (entries) => `queued:\n${queueTable(entries)}`,
  });

  opCommand(mq, {
    usage: 'list',
    description: "show the project's merge queue",
    op: 'merge_queue.list',
    options: (c) => c.option(...PROJECT_OPTION),
    input: async (_a, o, env) => ({ project: await projectOf(o, env) }),
    human: (entries) => (entries.length ? queueTable(entries) : 'the merge queue is empty'),
  });

  opCommand(mq, {
    usage: 'remove <entry>',
    description: 'take a waiting entry out of the merge queue',
    op: 'merge_queue.remove',
    input: ([entryId]) => ({ entryId }),
    fields: { entryId: '<entry>' },
    human: (e) => `cancelled ${e.id} (session ${e.sessionId})`,
  });
}

function queueTable(entries: MergeQueueEntry[]): string {
  return table(
    ['ENTRY', 'SESSION', 'BRANCH', 'STATUS', 'COMMIT', 'REASON'],
    entries.map((e) => [e.id, e.sessionId, e.branch ?? '', e.status, e.commit?.slice(0, 7) ?? '', e.reason ?? '']),
  );
}

function worktreeLines(w: WorktreeInfo): string {
  if (!w.worktree) return `session ${w.sessionId} works in the project directory ${w.path} (no worktree of its own)`;
  return fields([
    ['path', `${w.path}${w.exists ? '' : ' (removed)'}`],
    ['branch', w.branch],
    ['base', w.base && w.baseCommit ? `${w.base} (${w.baseCommit.slice(0, 7)})` : w.base],
    ['head', w.head?.slice(0, 7)],
    ['ahead/behind', `${w.ahead} ahead, ${w.behind} behind`],
    ['uncommitted', w.dirty.length ? w.dirty.join(', ') : 'none'],
    ['merged', w.mergedAt ? `${when(w.mergedAt)} as ${w.mergeCommit?.slice(0, 7)}` : null],
  ]);
}

function mergeLines(r: MergeResult): string {
  const lines = [r.dryRun ? (r.ok ? `would merge: ${r.message}` : `would be refused (${r.refusal}): ${r.message}`) : r.message];
  if (r.test) lines.push(`test: ${r.test.cmd} → ${r.test.timedOut ? 'timed out' : `exit ${r.test.exitCode}`} in ${Math.round(r.test.durationMs)} ms`);
  return lines.join('\n');
}
