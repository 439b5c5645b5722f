import type { HomePaths } from './paths.js';
import type { PriceBook } from './prices.js';
import type { ProjectRepo } from './projects.js';
import type { QueueRepo } from './queue.js';
import type { SessionRepo } from './sessions.js';
import type { SkillLibrary } from './skills.js';
import type { Store } from './store.js';
import type { TaskRepo } from './tasks.js';
import type { TemplateRepo } from './templates.js';
import type { MessageDelivery, Session } from './types.js';

/** What it takes to start an agent for a session; implemented by the PTY supervisor. */
export interface SessionLauncher {
  launch(session: Session, ctx: { manifestPath: string; env: Record<string, string> }): Promise<void>;
  stop(sessionId: string): Promise<void>;
  /** Delivers a message to the agent as its next prompt; resolves once delivery is known (or after waitMs). */
  send?(sessionId: string, text: string, waitMs: number): Promise<MessageDelivery>;
  /** The session's worktree was removed: forget what was set up outside it for its agent (Claude's trust entry). */
  worktreeRemoved?(session: Session): Promise<void>;
}

/**
 * What the service's parts share: the stores and the home, composed once by MaestroService (which is one).
 * Each part takes the slice it needs (a `Pick` of this) and reads it when called, so a launcher or an API
 * URL set on the service after it was built (the server does both) is the one used.
 */
export interface CoreContext {
  readonly store: Store;
  readonly paths: HomePaths;
  readonly projects: ProjectRepo;
  readonly tasks: TaskRepo;
  readonly sessions: SessionRepo;
  readonly queue: QueueRepo;
  readonly templates: TemplateRepo;
  readonly skills: SkillLibrary;
  readonly prices: PriceBook;
  /** The supervisor, when this server runs agents. */
  readonly launcher: SessionLauncher | null;
  /** Base URL agents use to reach this server. */
  readonly apiUrl: string;
}
