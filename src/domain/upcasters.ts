/**
 * Upcasters of the journal's event types: table[type][v] turns data of
 * version v into version v+1. No event has changed shape yet.
 */
export const UPCASTERS: Record<string, Record<number, (data: unknown) => unknown>> = {};
