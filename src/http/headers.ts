/** Names a session for the owner to act as (the CLI under MAESTRO_SESSION_ID); proves nothing on its own. */
export const SESSION_HEADER = 'x-maestro-session';
