// The pack format: a spill of telemetry or heartbeats (link down, shutdown) is one row per topic whose
// `payload` is the messages' payloads end to end and whose `parts` column lists, for each, its id, seq,
// payload length and monotonic time. Draining an outage's backlog then reads and deletes one row per few
// hundred messages instead of one each.

/** One entry of a pack's `parts` column: id, seq, payload length, monotonic time. */
export type Part = [id: string, seq: number, length: number, mono: number];

/** A pack's messages: each entry of `parts` with its slice of the payload (no copies). */
export function unpack(payload: Buffer, parts: string): [Part, Buffer][] {
  let offset = 0;
  return (JSON.parse(parts) as Part[]).map((part) => [part, payload.subarray(offset, (offset += part[2]))]);
}
