import { api, errorMessage } from '../api';
import { putTask, toast } from '../store';
import type { Task } from '../types';

/**
 * Task changes shared by the task list, the board and the task panel. They live here, not in
 * Tasks.tsx, so that TaskPanel.tsx does not have to import the view that renders it.
 */

/** Patches a task and shows the server's answer at once (the live event confirms it a moment later). */
export async function patchTask(task: Task, patch: Parameters<typeof api.updateTask>[1], what: string): Promise<boolean> {
  try {
    const updated = await api.updateTask(task.id, patch);
    putTask(updated);
    return true;
  } catch (err) {
    toast('error', `Could not ${what}: ${errorMessage(err)}`);
    return false;
  }
}

export async function completeTask(task: Task): Promise<void> {
  try {
    const updated = await api.completeTask(task.id);
    putTask(updated);
    toast('success', `“${task.title}” is done`);
  } catch (err) {
    toast('error', `Could not complete the task: ${errorMessage(err)}`);
  }
}
