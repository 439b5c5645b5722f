import { targetSession, workableTask } from '../access.js';
import type { Contract } from '../contracts/contract.js';
import * as C from '../contracts/reports.js';
import { forbidden } from '../errors.js';
import type { ReportKind } from '../schemas.js';
import { implement } from './operation.js';

type ReportContract<N extends `report.${ReportKind}`> = Contract<N, (typeof C.reportProgress)['input'], (typeof C.reportProgress)['output']>;

/** report_<kind>: every kind runs the same way, on the kind its contract's name ends with. */
const report = <N extends `report.${ReportKind}`>(contract: ReportContract<N>) => {
  const kind = contract.name.slice('report.'.length) as ReportKind;
  return implement(contract, ({ svc, actor }, input) => {
    const session = targetSession(svc, actor, input.sessionId);
    if (input.taskId !== undefined) {
      const task = workableTask(svc, actor, input.taskId);
      if (task.projectId !== session.projectId) throw forbidden(`task ${task.id} belongs to another project`, 'taskId');
    }
    return svc.report(session.id, kind, input.message, input.taskId);
  });
};

export const REPORT_OPS = [
  report(C.reportProgress),
  report(C.reportComplete),
  report(C.reportBlocked),
  report(C.reportError),
  report(C.reportNeedsInput),
] as const;
