import { GetStarted } from '../components/GetStarted';
import { Empty } from '../components/ui';
import { openDialog } from '../store';
import type { Project } from '../types';

/** A project without tasks: the invitation to create one, and how to put agents to work when nothing runs yet. */
export function TasksEmpty(props: { project: Project | undefined; showGetStarted: boolean }) {
  return (
    <>
      <Empty title="No tasks yet" testid="tasks-empty">
        <p>Create the first task of this project, or let an orchestrator split the work.</p>
        <button type="button" class="btn primary" onClick={() => openDialog({ kind: 'newTask' })}>
          New task
        </button>
      </Empty>
      {/* A project with nothing in it yet is where a new user lands: how to put agents to work. */}
      {props.project && props.showGetStarted && <GetStarted project={props.project} />}
    </>
  );
}
