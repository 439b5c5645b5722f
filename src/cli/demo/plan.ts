/** The work `maestro demo` hands its orchestrator: one feature split in three, the last after the others. */
export const DEMO_PLAN = {
  title: 'Ship a multilingual greeting',
  description: 'greet() should greet in English, French and Spanish, and the README should show how.',
  subtasks: [
    { key: 'module', title: 'Add a language option to greet()', description: 'greet(name, lang) in src/greet.js.' },
    { key: 'words', title: 'Collect greetings in French and Spanish', description: 'Bonjour, Hola: one table.' },
    {
      key: 'docs',
      title: 'Document the greeting in the README',
      description: 'Usage for each language.',
      after: ['module', 'words'],
    },
  ],
} as const;

/** What the demo's first worker asks, to be answered in its terminal. */
export const DEMO_QUESTION = 'Which language should greet() use by default? (en, fr or es)';
