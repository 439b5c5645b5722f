/**
 * The work `maestro demo` hands its orchestrator: one feature in three subtasks with priorities, the
 * last waiting on the other two. The second lists its items, so the orchestrator splits it into child
 * tasks for a queue worker (see src/agent/script.ts).
 */
export const DEMO_PLAN = {
  title: 'Ship a multilingual greeting',
  description: 'greet() should greet in English, French and Spanish, and the README should show how.',
  subtasks: [
    { key: 'module', title: 'Add a language option to greet()', description: 'greet(name, lang) in src/greet.js.', priority: 'high' },
    {
      key: 'words',
      title: 'Collect the greetings',
      description: 'One entry per language:\n- French: Bonjour\n- Spanish: Hola\n- German: Hallo',
      priority: 'medium',
    },
    {
      key: 'docs',
      title: 'Document the greeting in the README',
      description: 'Usage for each language.',
      priority: 'low',
      after: ['module', 'words'],
    },
  ],
} as const;

/** What the demo's first worker asks, to be answered in its terminal. */
export const DEMO_QUESTION = 'Which language should greet() use by default? (en, fr or es)';
