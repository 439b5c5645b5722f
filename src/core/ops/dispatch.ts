import { projectFor } from '../access.js';
import * as C from '../contracts/dispatch.js';
import { DISPATCH_DEFAULTS } from '../dispatcher.js';
import type { MaestroService } from '../service.js';
import type { z } from 'zod';
import type * as E from '../entities/index.js';
import { implement, selfId } from './operation.js';

type DispatchState = z.output<typeof E.DispatchState>;

/** The dispatcher of a project as the three operations answer it. */
async function stateOf(svc: MaestroService, projectId: string, opts: { afterLogId?: number; plan?: boolean } = {}): Promise<DispatchState> {
  const d = svc.dispatcher;
  const picture = await d.picture(projectId);
  // Read after the picture, which gives the turn away while it reads: the rest as it is when answered.
  const row = d.rows.get(projectId);
  const counts = d.counts(projectId);
  const workers = row
    ? d.rows.workers(projectId, row.generation).map((w) => ({
        sessionId: w.sessionId,
        taskId: w.taskId,
        status: svc.sessions.get(w.sessionId).status,
        outcome: w.outcome,
        createdAt: w.createdAt,
      }))
    : [];
  const state: DispatchState = {
    project: projectId,
    status: row?.status ?? null,
    maxWorkers: row?.maxWorkers ?? DISPATCH_DEFAULTS.maxWorkers,
    template: row?.template ?? null,
    retries: row?.retries ?? DISPATCH_DEFAULTS.retries,
    reason: row?.reason ?? null,
    startedAt: row?.startedAt ?? null,
    workers,
    counts: {
      ready: picture.ready.length,
      waiting: picture.waiting,
      running: d.liveWorkers(projectId).length,
      done: counts.done,
      blocked: counts.blocked,
      failedAttempts: row ? d.rows.failures(projectId, row.generation) : 0,
    },
    log: d.rows.entries(projectId, opts.afterLogId),
  };
  if (opts.plan) {
    const waves: Array<Array<z.output<typeof E.DispatchPlanTask>>> = [];
    for (const p of picture.planned) {
      (waves[p.wave] ??= []).push({ taskId: p.task.id, title: p.task.title, priority: p.task.priority, wave: p.wave, waitsOn: p.waitsOn });
    }
    state.plan = {
      order: picture.planned.map((p) => p.task.id),
      waves: [...waves].map((w) => w ?? []),
      never: picture.never.map((n) => ({ taskId: n.task.id, title: n.task.title, reason: n.reason })),
    };
  }
  return state;
}

export const DISPATCH_OPS = [
  implement(C.dispatchStart, async ({ svc, actor }, input) => {
    const project = projectFor(svc, actor, input.project);
    const template = input.template ?? null;
    if (template !== null) svc.templates.resolve(template, 'template');
    if (input.dryRun) return stateOf(svc, project.id, { plan: true });
    await svc.dispatcher.start(project.id, {
      maxWorkers: input.maxWorkers ?? DISPATCH_DEFAULTS.maxWorkers,
      retries: input.retries ?? DISPATCH_DEFAULTS.retries,
      template,
      startedBy: selfId(actor),
    });
    return stateOf(svc, project.id);
  }),
  implement(C.dispatchStop, async ({ svc, actor }, input) => {
    const project = projectFor(svc, actor, input.project);
    await svc.dispatcher.stop(project.id);
    return stateOf(svc, project.id);
  }),
  implement(C.dispatchStatus, async ({ svc, actor }, input) => {
    const project = projectFor(svc, actor, input.project);
    return stateOf(svc, project.id, { afterLogId: input.afterLogId });
  }),
] as const;
