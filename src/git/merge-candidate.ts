import { nameFiles } from './errors.js';
import { NO_HOOKS, withTempWorktree } from './scratch.js';
import { failed, git, gitOk, splitZ } from './run.js';

/*
 * The candidate commit of a merge, made without touching anybody's working tree: the merged tree comes
 * from `git merge-tree --write-tree` (git 2.38+), which is also the conflict check; a merge or squash
 * commit is `git commit-tree` of it; a rebase replays the branch's commits with cherry-pick in a
 * throw-away detached worktree, because one commit can conflict even when the whole merge does not.
 */

export type Strategy = 'merge' | 'squash' | 'rebase';

/** The merged tree of two commits, or the files that conflict. */
export async function mergeTree(repoDir: string, target: string, source: string): Promise<{ tree: string; conflicts: string[] }> {
  const args = ['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', target, source];
  const r = await git(repoDir, args);
  // Exit 1 means conflicts: the tree oid, then each conflicted path, then an empty field.
  if (r.code !== 0 && r.code !== 1) throw failed(args, r);
  const fields = r.stdout.split('\0');
  const tree = fields[0]!.trim();
  const conflicts: string[] = [];
  if (r.code === 1) for (const f of fields.slice(1)) {
    if (f === '') break;
    if (!conflicts.includes(f)) conflicts.push(f);
  }
  return { tree, conflicts };
}

export async function isAncestor(dir: string, a: string, b: string): Promise<boolean> {
  const r = await git(dir, ['merge-base', '--is-ancestor', a, b]);
  if (r.code > 1) throw failed(['merge-base', '--is-ancestor'], r);
  return r.code === 0;
}

export type Candidate =
  | { commit: string; fastForward: boolean; replayed: number }
  | { conflict: { files: string[]; commit: string; subject: string } };

/** The commit the target would move to. */
export async function buildCandidate(o: {
  repoDir: string;
  tmpDir: string;
  strategy: Strategy;
  target: string;
  source: string;
  tree: string;
  message: string;
  identity: string[];
}): Promise<Candidate> {
  const ff = await isAncestor(o.repoDir, o.target, o.source);
  if (ff && o.strategy !== 'squash') return { commit: o.source, fastForward: true, replayed: 0 };
  if (o.strategy === 'rebase') return replay(o);
  const parents = o.strategy === 'merge' ? ['-p', o.target, '-p', o.source] : ['-p', o.target];
  const commit = (await gitOk(o.repoDir, [...o.identity, 'commit-tree', o.tree, ...parents, '-m', o.message])).trim();
  return { commit, fastForward: false, replayed: 0 };
}

/** Cherry-picks `target..source` (no merges, oldest first) onto the target, keeping authors and messages. */
async function replay(o: { repoDir: string; tmpDir: string; target: string; source: string; identity: string[] }): Promise<Candidate> {
  const commits = splitZ((await gitOk(o.repoDir, ['rev-list', '--reverse', '--no-merges', `${o.target}..${o.source}`])).replace(/\n/g, '\0'));
  return withTempWorktree(o.repoDir, o.tmpDir, o.target, async (wt) => {
    // rerere off: a recorded resolution must not quietly stand in for a conflict we report.
    const pick = [...o.identity, ...NO_HOOKS, '-c', 'rerere.enabled=false', 'cherry-pick', '--allow-empty'];
    for (const c of commits) {
      const r = await git(wt, [...pick, c]);
      if (r.code === 0) continue;
      const files = splitZ(await gitOk(wt, ['diff', '--name-only', '--diff-filter=U', '-z']));
      const staged = await git(wt, ['diff', '--cached', '--quiet']);
      if (files.length === 0 && staged.code === 0) {
        // Its change is already in the target: dropped, as `git rebase` does.
        await gitOk(wt, [...NO_HOOKS, 'cherry-pick', '--skip']);
        continue;
      }
      await git(wt, ['cherry-pick', '--abort']);
      if (files.length === 0) throw failed(['cherry-pick', c], r, `git cherry-pick ${c.slice(0, 12)}`);
      const subject = (await gitOk(o.repoDir, ['log', '-1', '--format=%s', c])).trim();
      return { conflict: { files, commit: c, subject } };
    }
    const head = (await gitOk(wt, ['rev-parse', 'HEAD'])).trim();
    return { commit: head, fastForward: false, replayed: commits.length };
  });
}

/** The refusal sentence for a conflicting replay. */
export function replayConflictMessage(branch: string, into: string, c: { files: string[]; commit: string; subject: string }): string {
  return `rebasing '${branch}' onto '${into}' conflicts at commit ${c.commit.slice(0, 12)} ("${c.subject}") in ${nameFiles(c.files)}`;
}
