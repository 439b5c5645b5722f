// Pure helpers that merge what the server sends into the state's records (no state, no requests).
import type { Template, TimelineEvent } from '../types';

export const byId = <T extends { id: string }>(items: T[]): Record<string, T> => Object.fromEntries(items.map((i) => [i.id, i]));

/** The record without the keys `gone` picks. */
export const without = <T>(record: Record<string, T>, gone: (key: string) => boolean): Record<string, T> =>
  Object.fromEntries(Object.entries(record).filter(([key]) => !gone(key)));

/** The later of two reports of a session (a list fetched before an event must not undo it). */
export const laterReport = (a: TimelineEvent | undefined, b: TimelineEvent | null | undefined): TimelineEvent | undefined =>
  !b || (a && a.id >= b.id) ? a : b;

/** Two lists of timeline events as one, without duplicates, oldest first. */
export function mergeEvents(current: TimelineEvent[], incoming: TimelineEvent[]): TimelineEvent[] {
  const map = new Map<number, TimelineEvent>();
  for (const e of current) map.set(e.id, e);
  for (const e of incoming) map.set(e.id, e);
  return [...map.values()].sort((a, b) => a.id - b.id);
}

export const byName = (a: Template, b: Template) => a.name.localeCompare(b.name);
