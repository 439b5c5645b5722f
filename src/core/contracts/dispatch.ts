import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { contract } from './contract.js';

/** dispatch (issue 12): keeping up to N workers busy on a project's ready tasks. */
export const dispatchStart = contract({
  name: 'dispatch.start',
  title: 'Start auto-dispatch',
  description:
    "Starts (or reconfigures) the project's dispatcher: every ready task (todo, unassigned, dependencies met; highest priority first) gets a worker session of its own (its own worktree where the project uses them), up to maxWorkers at once. Finished workers are replaced; a failed worker's task goes back to todo and is retried up to `retries` times, then blocked with the reason. It drains (stops by itself) when nothing is ready, nothing runs and nothing can become ready. dryRun returns the plan (waves by dependency depth) and starts nothing.",
  input: S.DispatchStartInput,
  output: E.DispatchState,
  access: 'orchestrator',
  readOnly: false,
});

export const dispatchStop = contract({
  name: 'dispatch.stop',
  title: 'Stop auto-dispatch',
  description: "Stops the project's dispatcher: no new workers start. Live workers go on with their tasks.",
  input: S.DispatchStopInput,
  output: E.DispatchState,
  access: 'orchestrator',
  readOnly: false,
});

export const dispatchStatus = contract({
  name: 'dispatch.status',
  title: 'Auto-dispatch status',
  description: "The project's dispatcher: running, stopped or drained, its workers, the task counts and its log of decisions (afterLogId: only newer entries).",
  input: S.DispatchStatusInput,
  output: E.DispatchState,
  access: 'any',
  readOnly: true,
});

export const DISPATCH_CONTRACTS = [dispatchStart, dispatchStop, dispatchStatus] as const;
