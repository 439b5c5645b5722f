// The dashboard's store: the one module views import state, selectors and actions from (re-exports web/src/state/*).
export {
  clearData,
  getState,
  setState,
  useAppState,
  type AuthNotice,
  type AuthState,
  type ConnState,
  type DialogState,
  type State,
  type Toast,
} from './state/container';
export { closeDialog, dismissToast, openDialog, toast } from './state/ui';
export { currentProject, currentTaskOf, projectSessions, projectTasks } from './state/selectors';
export {
  applySessionInfo,
  loadProjectData,
  loadProjects,
  loadQueue,
  loadSessions,
  loadTaskCounts,
  loadTemplates,
  loadTimeline,
  refreshAll,
} from './state/load';
export { dropProject, dropTemplate, putTemplate, selectProject } from './state/changes';
export { applyEvent } from './state/events';
export { cacheOnly, loadRows, loadUntil, putTask, retryList } from './state/taskLists';
export { listKey, matchesQuery, type TaskList, type TaskQuery } from './state/taskQuery';
export { requestTask, taskById } from './state/taskCache';
export { onLiveEvent } from './state/listen';
export { readNotifySettings, safeStorage, NOTIFY_KEY, type NotifySettings } from './state/container';
export {
  isFinished,
  loadAllSessions,
  overviewSessions,
  projectCounts,
  statusSinceOf,
  STATUS_RANK,
  type ProjectCounts,
} from './state/overview';
