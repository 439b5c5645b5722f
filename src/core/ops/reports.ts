import { targetSession, workableTask } from '../access.js';
import * as E from '../entities/index.js';
import { forbidden } from '../errors.js';
import * as S from '../schemas.js';
import type { ReportKind } from '../schemas.js';
import { op } from './operation.js';

/** report_<kind>: one operation per kind, all with the same input and result. */
const report = <K extends ReportKind>(kind: K, title: string, description: string) =>
  op({
    name: `report.${kind}` as `report.${K}`,
    title,
    description,
    input: S.ReportInput,
    output: E.ReportResult,
    access: 'any',
    readOnly: false,
    run: ({ svc, actor }, input) => {
      const session = targetSession(svc, actor, input.sessionId);
      if (input.taskId !== undefined) {
        const task = workableTask(svc, actor, input.taskId);
        if (task.projectId !== session.projectId) throw forbidden(`task ${task.id} belongs to another project`, 'taskId');
      }
      return svc.report(session.id, kind, input.message, input.taskId);
    },
  });

export const REPORT_OPS = [
  report('progress', 'Report progress', 'Records progress on your current task (or taskId) on your timeline and marks it in progress. Call it at each meaningful milestone.'),
  report('complete', 'Report completion', 'Records that your current task (or taskId) is done and marks it done. When no open task is left, your session is completed.'),
  report('blocked', 'Report blocked', 'Records that you cannot go on with your current task (or taskId) and why; marks it and your session blocked.'),
  report('error', 'Report an error', 'Records an error you ran into on your timeline, without changing task status.'),
  report('needs_input', 'Ask for input', 'Records that you need a human decision or answer, with the question; marks the task and session needs_input until you report progress again.'),
] as const;
