/**
 * Versioned schema migrations. Append only: a shipped migration is never edited, so every database
 * reaches the same shape by replaying the list from its recorded version.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  working_dir TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('worker','orchestrator')),
  strategy TEXT NOT NULL CHECK (strategy IN ('simple','queue')),
  status TEXT NOT NULL CHECK (status IN ('spawning','running','idle','needs_input','blocked','completed','failed','stopped')),
  parent_session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
  template_id TEXT,
  agent_command TEXT,
  skills_json TEXT NOT NULL DEFAULT '[]',
  env_json TEXT NOT NULL DEFAULT '{}',
  token TEXT NOT NULL UNIQUE,
  exit_code INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX sessions_project ON sessions(project_id);
CREATE INDEX sessions_parent ON sessions(parent_session_id);

CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  parent_id TEXT REFERENCES tasks(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('todo','in_progress','blocked','needs_input','done','cancelled')),
  priority TEXT NOT NULL CHECK (priority IN ('low','medium','high','critical')),
  assignee_session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
  seq INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  completed_at TEXT
);
CREATE INDEX tasks_project ON tasks(project_id);
CREATE INDEX tasks_parent ON tasks(parent_id);
CREATE INDEX tasks_assignee ON tasks(assignee_session_id);

CREATE TABLE task_dependencies (
  task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  depends_on_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  PRIMARY KEY (task_id, depends_on_id),
  CHECK (task_id <> depends_on_id)
);
CREATE INDEX task_dependencies_reverse ON task_dependencies(depends_on_id);

CREATE TABLE session_tasks (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  PRIMARY KEY (session_id, task_id)
);
CREATE INDEX session_tasks_task ON session_tasks(task_id);

CREATE TABLE timeline (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  task_id TEXT REFERENCES tasks(id) ON DELETE SET NULL,
  data_json TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX timeline_session ON timeline(session_id, id);

CREATE TABLE queue_items (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued','in_progress','done')),
  skip_count INTEGER NOT NULL DEFAULT 0,
  started_at TEXT,
  completed_at TEXT,
  PRIMARY KEY (session_id, task_id)
);
CREATE UNIQUE INDEX queue_one_in_progress ON queue_items(session_id) WHERE state = 'in_progress';

CREATE TABLE templates (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('worker','orchestrator')),
  strategy TEXT NOT NULL CHECK (strategy IN ('simple','queue')),
  skills_json TEXT NOT NULL DEFAULT '[]',
  agent_command TEXT,
  description TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'lookup indexes',
    sql: `
CREATE INDEX queue_items_task ON queue_items(task_id, state);
CREATE INDEX tasks_status ON tasks(project_id, status);
CREATE INDEX session_tasks_order ON session_tasks(session_id, position);
CREATE INDEX queue_items_order ON queue_items(session_id, state, position);
`,
  },
  {
    version: 3,
    name: 'agent facts: state reason, agent session id, transcript',
    sql: `
ALTER TABLE sessions ADD COLUMN state_reason TEXT;
ALTER TABLE sessions ADD COLUMN agent_session_id TEXT;
ALTER TABLE sessions ADD COLUMN transcript_path TEXT;
`,
  },
  {
    version: 4,
    name: 'timeline task index',
    // Deleting a task (with its project) sets timeline.task_id to NULL: without this index SQLite scans
    // the whole timeline once per deleted task.
    sql: `
CREATE INDEX timeline_task ON timeline(task_id);
`,
  },
  {
    version: 5,
    name: 'agent kinds',
    sql: `
ALTER TABLE sessions ADD COLUMN agent_kind TEXT;
ALTER TABLE templates ADD COLUMN agent_kind TEXT;
`,
  },
  {
    version: 6,
    name: 'entity versions',
    // Every change to a row moves its version on, whichever statement made it: a trigger rather than
    // each UPDATE remembering to. Clients send the version they read (ifVersion, If-Match) and a write
    // over a newer one is refused instead of silently lost.
    sql: `
ALTER TABLE projects ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tasks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE templates ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE TRIGGER projects_version AFTER UPDATE ON projects WHEN NEW.version = OLD.version
  BEGIN UPDATE projects SET version = OLD.version + 1 WHERE id = NEW.id; END;
CREATE TRIGGER tasks_version AFTER UPDATE ON tasks WHEN NEW.version = OLD.version
  BEGIN UPDATE tasks SET version = OLD.version + 1 WHERE id = NEW.id; END;
CREATE TRIGGER sessions_version AFTER UPDATE ON sessions WHEN NEW.version = OLD.version
  BEGIN UPDATE sessions SET version = OLD.version + 1 WHERE id = NEW.id; END;
CREATE TRIGGER templates_version AFTER UPDATE ON templates WHEN NEW.version = OLD.version
  BEGIN UPDATE templates SET version = OLD.version + 1 WHERE id = NEW.id; END;
`,
  },
  {
    version: 7,
    name: 'worktrees, merges and the merge queue',
    // A session may work in a git worktree of its own (issue 11): where and on which branch, and when its
    // branch landed. A dependency may wait for the merge, not just done; a task's merged_at says when its
    // work landed. The merge queue is per project; entries run one at a time in dependency order.
    sql: `
ALTER TABLE projects ADD COLUMN base_branch TEXT;
ALTER TABLE projects ADD COLUMN worktrees INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN worktree_root TEXT;
ALTER TABLE projects ADD COLUMN test_cmd TEXT;
ALTER TABLE projects ADD COLUMN dependency_until TEXT NOT NULL DEFAULT 'done';
ALTER TABLE templates ADD COLUMN worktree INTEGER;
ALTER TABLE sessions ADD COLUMN worktree_path TEXT;
ALTER TABLE sessions ADD COLUMN branch TEXT;
ALTER TABLE sessions ADD COLUMN base_ref TEXT;
ALTER TABLE sessions ADD COLUMN base_commit TEXT;
ALTER TABLE sessions ADD COLUMN merged_at TEXT;
ALTER TABLE sessions ADD COLUMN merge_commit TEXT;
ALTER TABLE task_dependencies ADD COLUMN until TEXT NOT NULL DEFAULT 'done';
ALTER TABLE tasks ADD COLUMN merged_at TEXT;
UPDATE tasks SET merged_at = completed_at WHERE status = 'done';
CREATE TABLE merge_queue (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  strategy TEXT NOT NULL,
  into_branch TEXT,
  status TEXT NOT NULL,
  reason TEXT,
  merge_commit TEXT,
  position INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX merge_queue_project ON merge_queue(project_id, status, position);
CREATE INDEX merge_queue_session ON merge_queue(session_id);
`,
  },
  {
    version: 8,
    name: 'messages between sessions',
    // Messages between sessions and the user (issue 12): one row per message, one per recipient with how
    // far it got (delivered, read, acknowledged). Sessions are named by id without a foreign key: a message
    // outlives neither its project (cascade) nor needs its sessions to stay.
    sql: `
CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  from_session_id TEXT,
  from_name TEXT NOT NULL,
  to_target TEXT NOT NULL,
  thread_id TEXT NOT NULL,
  reply_to TEXT,
  task_id TEXT,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX messages_project ON messages(project_id, created_at);
CREATE INDEX messages_from ON messages(from_session_id, created_at);
CREATE TABLE message_recipients (
  message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  session_id TEXT,
  name TEXT NOT NULL,
  delivered_at TEXT,
  delivered_via TEXT,
  read_at TEXT,
  acked_at TEXT,
  ack_note TEXT,
  PRIMARY KEY (message_id, position)
);
CREATE INDEX message_recipients_session ON message_recipients(session_id, read_at);
`,
  },
  {
    version: 9,
    name: 'file leases',
    // Who holds which paths of a project (leases.ts). A lease ends by its TTL, by release, or with its
    // session; released_at/ended_by record how, for the history. lease_guard: whether session
    // worktrees get the pre-commit guard (git/commit-guard.ts).
    sql: `
ALTER TABLE projects ADD COLUMN lease_guard INTEGER NOT NULL DEFAULT 1;
CREATE TABLE leases (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  pattern TEXT NOT NULL,
  exclusive INTEGER NOT NULL,
  reason TEXT,
  acquired_at TEXT NOT NULL,
  renewed_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  released_at TEXT,
  ended_by TEXT
);
CREATE INDEX leases_project ON leases(project_id, released_at, expires_at);
CREATE INDEX leases_session ON leases(session_id, released_at);
`,
  },
  {
    version: 10,
    name: 'auto-dispatch',
    // One dispatcher per project (maestro run, dispatch_start): its settings and state survive a restart.
    // Its workers are the sessions it spawned, per run (generation); a failure is one attempt at a task.
    // The log is what it decided, for people to follow.
    sql: `
CREATE TABLE dispatchers (
  project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  max_workers INTEGER NOT NULL,
  template TEXT,
  retries INTEGER NOT NULL,
  generation INTEGER NOT NULL,
  started_by TEXT,
  reason TEXT,
  started_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE dispatch_workers (
  session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  task_id TEXT NOT NULL,
  outcome TEXT,
  created_at TEXT NOT NULL,
  settled_at TEXT
);
CREATE INDEX dispatch_workers_project ON dispatch_workers(project_id, generation);
CREATE TABLE dispatch_failures (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  task_id TEXT NOT NULL,
  session_id TEXT,
  reason TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX dispatch_failures_task ON dispatch_failures(project_id, generation, task_id);
CREATE TABLE dispatch_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  task_id TEXT,
  session_id TEXT,
  message TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX dispatch_log_project ON dispatch_log(project_id, id);
`,
  },
  {
    version: 11,
    name: 'notifications',
    sql: `
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  project_id TEXT REFERENCES projects(id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  events_json TEXT NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('json','slack','discord','ntfy')),
  secret TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX webhooks_project ON webhooks(project_id);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  event TEXT NOT NULL,
  session_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending','delivered','failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  http_status INTEGER,
  last_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, created_at);
`,
  },
  {
    version: 12,
    name: 'task keys for import and export',
    sql: `
ALTER TABLE tasks ADD COLUMN key TEXT;
CREATE UNIQUE INDEX tasks_key ON tasks(project_id, key) WHERE key IS NOT NULL;
`,
  },
  {
    version: 13,
    name: 'indexes for flat costs at scale',
    // Issue 13: create, get, update, a filtered list, queue claim and report cost the same at 100k tasks as on
    // an empty database (test/core-query-plans.test.ts checks that no hot statement scans a table; npm run bench
    // measures it). A new task's seq is MAX(seq) + 1: read off the end of tasks_seq instead of scanning every
    // task. A project's tasks of one status (todo: the ready ones) come in seq order straight from tasks_status.
    sql: `
CREATE INDEX tasks_seq ON tasks(seq);
DROP INDEX tasks_status;
CREATE INDEX tasks_status ON tasks(project_id, status, seq);
`,
  },
  {
    version: 14,
    name: 'task list pages and full-text search',
    // Issue 13: task_list returns pages in seq order (a cursor is the seq after which the next page starts),
    // filtered and searched. A project's or a parent's tasks come in seq order straight from an index (no
    // sort of a 100k-task project for a page of 50): (project_id, seq) and (parent_id, seq) replace the
    // indexes on project_id and parent_id alone, which they cover. tasks_fts indexes title and description
    // (FTS5, reading the text from tasks itself: content='tasks'); its rowid is the task's seq, which never
    // changes (unlike the implicit rowid of tasks, which VACUUM may renumber); matches come in rowid order,
    // never ranked, so it keeps no per-row sizes (columnsize=0: a write less per task, which bulk imports feel).
    // The triggers keep it in step with every insert, text change and delete (project deletion cascades to
    // tasks, firing them too). A bulk import pauses the insert trigger (a row in tasks_fts_paused, inside its
    // transaction) and indexes its new tasks in one statement instead: TaskRepo.insertingMany says why.
    sql: `
CREATE INDEX tasks_project_seq ON tasks(project_id, seq);
DROP INDEX tasks_project;
CREATE INDEX tasks_parent_seq ON tasks(parent_id, seq);
DROP INDEX tasks_parent;
CREATE VIRTUAL TABLE tasks_fts USING fts5(title, description, content='tasks', content_rowid='seq', columnsize=0);
INSERT INTO tasks_fts(tasks_fts) VALUES ('rebuild');
CREATE TABLE tasks_fts_paused (id INTEGER PRIMARY KEY CHECK (id = 1));
CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks WHEN NOT EXISTS (SELECT 1 FROM tasks_fts_paused) BEGIN
  INSERT INTO tasks_fts(rowid, title, description) VALUES (new.seq, new.title, new.description);
END;
CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
  INSERT INTO tasks_fts(tasks_fts, rowid, title, description) VALUES ('delete', old.seq, old.title, old.description);
END;
CREATE TRIGGER tasks_fts_update AFTER UPDATE OF title, description, seq ON tasks
  WHEN old.title IS NOT new.title OR old.description IS NOT new.description OR old.seq IS NOT new.seq BEGIN
  INSERT INTO tasks_fts(tasks_fts, rowid, title, description) VALUES ('delete', old.seq, old.title, old.description);
  INSERT INTO tasks_fts(rowid, title, description) VALUES (new.seq, new.title, new.description);
END;
`,
  },
  {
    version: 15,
    name: 'unmet dependency counts',
    // Issue 13: whether a todo task is ready was worked out per row (NOT EXISTS over its dependencies), so
    // counting a project's ready tasks walked every todo task and its edges: 90 ms at 100k tasks, in
    // `status`, `task_list --ready --total` and the queue. Each task now keeps the number of its
    // dependencies not met yet (the task depended on is not done, or not merged for `until merged`), and a
    // todo task is ready when that is 0. The triggers count them again
    // from the edges whenever an edge comes, goes or changes, and for a task's dependents whenever its status
    // or merge changes: a recount, not a step up or down, so that it is right however a row went (a cascade
    // from a deleted task, an import replacing a task's edges). An edge is never written before the task it
    // depends on (the import, which defers its foreign keys, writes its edges after all its tasks). tasks_ready holds the ready tasks alone, in
    // seq order: a count or a page of them reads that index only. The count is derived, not a change to the
    // task: tasks_version now names the columns that move a task's version on (every one but unmet_deps; a
    // column added later is added there too).
    sql: `
ALTER TABLE tasks ADD COLUMN unmet_deps INTEGER NOT NULL DEFAULT 0;
DROP TRIGGER tasks_version;
CREATE TRIGGER tasks_version AFTER UPDATE OF id, project_id, parent_id, title, description, status, priority,
  assignee_session_id, seq, created_at, updated_at, completed_at, version, merged_at, key ON tasks WHEN NEW.version = OLD.version
  BEGIN UPDATE tasks SET version = OLD.version + 1 WHERE id = NEW.id; END;
UPDATE tasks SET unmet_deps = (SELECT COUNT(*) FROM task_dependencies d JOIN tasks dt ON dt.id = d.depends_on_id
  WHERE d.task_id = tasks.id AND (dt.status <> 'done' OR (d.until = 'merged' AND dt.merged_at IS NULL)));
CREATE INDEX tasks_ready ON tasks(project_id, seq) WHERE status = 'todo' AND unmet_deps = 0;
CREATE TRIGGER task_deps_insert AFTER INSERT ON task_dependencies BEGIN
  UPDATE tasks SET unmet_deps = (SELECT COUNT(*) FROM task_dependencies d JOIN tasks dt ON dt.id = d.depends_on_id
    WHERE d.task_id = tasks.id AND (dt.status <> 'done' OR (d.until = 'merged' AND dt.merged_at IS NULL))) WHERE id = new.task_id;
END;
CREATE TRIGGER task_deps_delete AFTER DELETE ON task_dependencies BEGIN
  UPDATE tasks SET unmet_deps = (SELECT COUNT(*) FROM task_dependencies d JOIN tasks dt ON dt.id = d.depends_on_id
    WHERE d.task_id = tasks.id AND (dt.status <> 'done' OR (d.until = 'merged' AND dt.merged_at IS NULL))) WHERE id = old.task_id;
END;
CREATE TRIGGER task_deps_update AFTER UPDATE ON task_dependencies BEGIN
  UPDATE tasks SET unmet_deps = (SELECT COUNT(*) FROM task_dependencies d JOIN tasks dt ON dt.id = d.depends_on_id
    WHERE d.task_id = tasks.id AND (dt.status <> 'done' OR (d.until = 'merged' AND dt.merged_at IS NULL))) WHERE id IN (old.task_id, new.task_id);
END;
CREATE TRIGGER task_dependents_recount AFTER UPDATE OF status, merged_at ON tasks
  WHEN old.status IS NOT new.status OR old.merged_at IS NOT new.merged_at BEGIN
  UPDATE tasks SET unmet_deps = (SELECT COUNT(*) FROM task_dependencies d JOIN tasks dt ON dt.id = d.depends_on_id
    WHERE d.task_id = tasks.id AND (dt.status <> 'done' OR (d.until = 'merged' AND dt.merged_at IS NULL))) WHERE id IN (SELECT task_id FROM task_dependencies WHERE depends_on_id = new.id);
END;
`,
  },
  {
    version: 16,
    name: 'queued items of finished tasks end at once',
    // Issue 13: every queue_start swept its session's open items for tasks finished elsewhere, one task read
    // per item: 2.6 ms a claim for a queue of 3,000, with 200 sessions claiming from a shared pool. A queued
    // item whose task is done or cancelled now ends when that happens (the task's status changes, or the
    // item is queued, or queued again, for a task already finished), whatever wrote the row; the sweep is left
    // with the session's current item, which ends at its session's next queue_start as before (queue_complete
    // still answers for it until then). The items already waiting for a sweep end here. A queue whose items
    // ended so is announced at its session's next queue_start, as the sweep's were (queue_announce_due):
    // announcing the 200 queues of a shared task at once would hold the request that finished it.
    sql: `
UPDATE queue_items SET state = 'done', completed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
  WHERE state = 'queued' AND task_id IN (SELECT id FROM tasks WHERE status IN ('done','cancelled'));
CREATE TABLE queue_announce_due (session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE);
CREATE TRIGGER queue_items_task_finished AFTER UPDATE OF status ON tasks
  WHEN new.status IN ('done','cancelled') AND old.status NOT IN ('done','cancelled') BEGIN
  INSERT OR IGNORE INTO queue_announce_due (session_id) SELECT session_id FROM queue_items WHERE task_id = new.id AND state = 'queued';
  UPDATE queue_items SET state = 'done', completed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE task_id = new.id AND state = 'queued';
END;
CREATE TRIGGER queue_items_queued_finished AFTER INSERT ON queue_items
  WHEN new.state = 'queued' AND EXISTS (SELECT 1 FROM tasks WHERE id = new.task_id AND status IN ('done','cancelled')) BEGIN
  UPDATE queue_items SET state = 'done', completed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE session_id = new.session_id AND task_id = new.task_id;
END;
CREATE TRIGGER queue_items_requeued_finished AFTER UPDATE OF state ON queue_items
  WHEN new.state = 'queued' AND EXISTS (SELECT 1 FROM tasks WHERE id = new.task_id AND status IN ('done','cancelled')) BEGIN
  UPDATE queue_items SET state = 'done', completed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE session_id = new.session_id AND task_id = new.task_id;
END;
`,
  },
  {
    version: 17,
    name: 'projects being deleted, sessions in order',
    // Issue 13: deleting a project with 100k tasks in one transaction held the server 1.7 s (every task's
    // cascades, foreign-key checks, search index and indexes). A project being deleted is marked first
    // (deleting_at): from then on no caller sees it, and its rows go a chunk at a time, the server's other
    // requests running in between (project-removal.ts). A server stopped meanwhile finishes at its next start.
    // And the sessions in creation order, of a project or all: a list of 5,000 is read a page at a time.
    sql: `
ALTER TABLE projects ADD COLUMN deleting_at TEXT;
CREATE INDEX sessions_project_created ON sessions(project_id, created_at, id);
CREATE INDEX sessions_created ON sessions(created_at, id);
`,
  },
];
