/** The PTY supervisor: agents in tmux, streamed through node-pty, recorded, watched, reattached. */
export { Supervisor, type SupervisorOptions, type OutputListener, type ExitListener } from './supervisor.js';
export { installPtyRoutes, handleTerminalSocket, ptyHttpExtension } from './http.js';
export { readRecording, parseRecording, recordingOutput, replayDelays, CastWriter, type Recording, type CastEvent, type CastHeader } from './asciicast.js';
export { detectorFor, DETECTORS, classifyScreen, type AgentDetector } from './detectors/index.js';
export { resolveAgentCommand, buildPrompt, mcpConfig, DEFAULT_AGENT_COMMAND } from './launch-files.js';
export { DEFAULT_TIMING, type DetectionTiming } from './state.js';
export { Tmux } from './tmux.js';
