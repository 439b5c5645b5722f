import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { openDialog } from '../store';
import type { Project } from '../types';
import { CheckIcon, CopyIcon } from './icons';

/**
 * What a new user sees instead of an empty list: the commands that get Maestro going, each with a
 * copy button. `project` absent: the server has no project yet (the project list); present: the
 * project has neither tasks nor sessions (its task list). Whoever renders it hides it once that
 * stops being true, which live events do without a reload.
 */
export function GetStarted({ project }: { project?: Project }) {
  return (
    <section class="card get-started" aria-labelledby="get-started-heading" data-testid="get-started">
      <header class="get-started-head">
        <h2 id="get-started-heading">Get started</h2>
        <p class="subtle">
          {project
            ? `${project.name} has no tasks or sessions yet. Three ways to put agents to work, from a terminal on the server's machine:`
            : 'No projects yet. Three ways to begin, from a terminal on the machine running this server:'}
        </p>
      </header>
      <ol class="gs-steps">
        <Step n={1} title="Watch the demo" testid="get-started-demo">
          <p>
            Watch an orchestrator and workers coordinate on a sample repository, with built-in scripted agents (no Claude account
            needed).
          </p>
          <Command command="maestro demo" testid="copy-demo" label="Copy the demo command" />
          <p class="small subtle">To end it:</p>
          <Command command="maestro demo --stop" testid="copy-demo-stop" label="Copy the command that stops the demo" />
        </Step>
        <Step n={2} title="Connect Claude Code" testid="get-started-mcp">
          <p>
            Run this in {project ? <span class="mono">{project.workingDir}</span> : "your project's directory"}: it adds Maestro to
            its <code>.mcp.json</code>, so Claude Code can plan tasks and spawn workers.
          </p>
          <Command
            command="maestro mcp install --claude"
            testid="copy-mcp-install"
            label="Copy the command that adds Maestro to Claude Code"
          />
          <p class="small subtle">Another MCP client? Print the entry to add to its configuration:</p>
          <Command command="maestro mcp config" testid="copy-mcp-config" label="Copy the command that prints the MCP entry" />
        </Step>
        {project ? (
          <Step n={3} title="Add a task and spawn a session" testid="get-started-cli">
            <p>Create a task, then start an agent session on it with the id the first command prints.</p>
            <Command
              command={`maestro task create "Write the README" --project ${projectArg(project)}`}
              testid="copy-task-create"
              label="Copy the command that creates a task"
            />
            <Command command="maestro session spawn --task <id>" testid="copy-session-spawn" label="Copy the command that spawns a session" />
            <p class="small subtle">
              Or use <strong>New task</strong> above, then <strong>Spawn session</strong>.
            </p>
          </Step>
        ) : (
          <Step n={3} title="Create a project" testid="get-started-cli">
            <p>A project is a working directory with its tasks and agent sessions. Create one from your repository:</p>
            <Command command="cd your-repo && maestro project create my-app" testid="copy-project-create" label="Copy the command that creates a project" />
            <p class="small subtle">Then add tasks and spawn an agent session on one:</p>
            <Command command="maestro session spawn --task <id>" testid="copy-session-spawn" label="Copy the command that spawns a session" />
            <div class="gs-actions">
              <button type="button" class="btn small" data-testid="get-started-new-project" onClick={() => openDialog({ kind: 'newProject' })}>
                Create a project here
              </button>
            </div>
          </Step>
        )}
      </ol>
    </section>
  );
}

function Step(props: { n: number; title: string; testid: string; children: ComponentChildren }) {
  return (
    <li class="gs-step" data-testid={props.testid}>
      <h3 class="gs-title">
        <span class="gs-num" aria-hidden="true">
          {props.n}
        </span>
        {props.title}
      </h3>
      {props.children}
    </li>
  );
}

/** How the CLI's `--project` names the project: by name when the shell needs no quotes for it, else by id. */
const projectArg = (p: Project) => (/^[\w.@%+=:,/][\w.@%+=:,/-]*$/.test(p.name) ? p.name : p.id);

type CopyState = 'idle' | 'copied' | 'selected';

/**
 * A shell command with a button that copies it (or, where the clipboard is out of reach, selects it
 * for Ctrl+C). `label` names the button ("Copy the demo command"), and the command describes it.
 * The name leaves the command out on purpose: commands say `--project`, and a label that contains
 * it would be one more control labelled "project" beside the top bar's project picker.
 */
export function Command({ command, testid, label }: { command: string; testid: string; label: string }) {
  const codeRef = useRef<HTMLElement>(null);
  const codeId = useRef(`cmd-${Math.random().toString(36).slice(2, 8)}`).current;
  const [copy, setCopy] = useState<CopyState>('idle');
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(timer.current), []);

  const onCopy = async () => {
    const result = await copyText(command, codeRef.current);
    setCopy(result);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setCopy('idle'), result === 'copied' ? 2000 : 6000);
  };

  const isMac = /Mac|iPhone|iPad/.test(navigator.platform);
  return (
    <div class="cmd" data-command={command}>
      <span class="cmd-prompt" aria-hidden="true">
        $
      </span>
      <code ref={codeRef} id={codeId} class="cmd-text">
        {command}
      </code>
      <button
        type="button"
        class={`btn small cmd-copy${copy === 'copied' ? ' done' : ''}`}
        data-testid={testid}
        aria-label={label}
        aria-describedby={codeId}
        title="Copy to the clipboard"
        onClick={() => void onCopy()}
      >
        {copy === 'copied' ? <CheckIcon /> : <CopyIcon />}
        <span class="cmd-copy-text" aria-hidden="true">
          {copy === 'copied' ? 'Copied' : copy === 'selected' ? 'Selected' : 'Copy'}
        </span>
      </button>
      <span class="sr-only" role="status">
        {copy === 'copied' ? `Copied ${command}` : copy === 'selected' ? `Selected ${command}: press ${isMac ? 'Command' : 'Control'}+C to copy it` : ''}
      </span>
    </div>
  );
}

/**
 * Puts `text` on the clipboard (the Clipboard API; on pages that lack it, such as plain http on
 * another machine, the older copy command). When neither works, selects `el`'s text so the user can
 * copy it by hand.
 */
async function copyText(text: string, el: HTMLElement | null): Promise<'copied' | 'selected'> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return 'copied';
    }
  } catch {
    /* refused (permissions, no focus): fall back */
  }
  if (!el) return 'selected';
  const selection = window.getSelection();
  const range = document.createRange();
  range.selectNodeContents(el);
  selection?.removeAllRanges();
  selection?.addRange(range);
  try {
    if (document.execCommand('copy')) return 'copied';
  } catch {
    /* not supported */
  }
  return 'selected';
}
