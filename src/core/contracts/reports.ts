import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import type { ReportKind } from '../schemas.js';
import { contract } from './contract.js';

/** report_<kind>: one operation per kind, all with the same input and result. */
const report = <K extends ReportKind>(kind: K, title: string, description: string) =>
  contract({
    name: `report.${kind}` as `report.${K}`,
    title,
    description,
    input: S.ReportInput,
    output: E.ReportResult,
    access: 'any',
    readOnly: false,
  });

export const reportProgress = report('progress', 'Report progress', 'Records progress on your current task (or taskId) on your timeline and marks it in progress. Call it at each meaningful milestone.');
export const reportComplete = report('complete', 'Report completion', 'Records that your current task (or taskId) is done and marks it done. When no open task is left, your session is completed.');
export const reportBlocked = report('blocked', 'Report blocked', 'Records that you cannot go on with your current task (or taskId) and why; marks it and your session blocked.');
export const reportError = report('error', 'Report an error', 'Records an error you ran into on your timeline, without changing task status.');
export const reportNeedsInput = report('needs_input', 'Ask for input', 'Records that you need a human decision or answer, with the question; marks the task and session needs_input until you report progress again.');

export const REPORT_CONTRACTS = [reportProgress, reportComplete, reportBlocked, reportError, reportNeedsInput] as const;
