/** The values task options take, as their help shows them (shared by the task commands). */
export const STATUS_HELP = 'todo, in_progress, blocked, needs_input, done, cancelled';
export const PRIORITY_HELP = 'low, medium, high or critical';
