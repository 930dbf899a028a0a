// The MQTT topics of the contract and its version: what the uplink needs to publish, without the zod
// schemas of ./messages.ts (which re-exports all of this for the docs and the platform side).

export const SCHEMA_VERSION = 1 as const;

export const TOPICS = {
  alarm: { qos: 1, retain: false, direction: 'up', about: 'channel state changes (预警/报警/故障 raised, escalated, cleared, reset) and re-announcements' },
  event: {
    qos: 1,
    retain: false,
    direction: 'up',
    about: 'everything else that happened: outputs, devices online/offline, acknowledgements, shedding, commands',
  },
  telemetry: {
    qos: 1,
    retain: false,
    direction: 'up',
    about: 'periodic per-channel summaries and report-by-exception values; may be shed under storage pressure',
  },
  heartbeat: { qos: 1, retain: false, direction: 'up', about: "the gateway's health at a fixed interval" },
  status: {
    qos: 1,
    retain: true,
    direction: 'up',
    about: 'retained "online" while connected; the broker publishes the retained "offline" will when the gateway vanishes',
  },
  cmd: { qos: 1, retain: false, direction: 'down', about: 'commands from the platform' },
  'cmd/result': { qos: 1, retain: false, direction: 'up', about: 'the answer to each command, by its id' },
} as const;
export type Topic = keyof typeof TOPICS;

export function topicOf(prefix: string, gatewayId: string, t: Topic): string {
  return `${prefix.replace('{gatewayId}', gatewayId)}${t}`;
}

export const COMMAND_NAMES = [
  'ping',
  'get-status',
  'ack-alarm',
  'silence',
  'reset',
  'maintenance',
  'sync-time',
  'apply-config',
  'get-logs',
  'get-diagnostics',
  'update',
] as const;

/** A command's JSON at most; `apply-config` carries a whole config (at most 256 KiB, config/bounds.ts). */
export const MAX_COMMAND_BYTES = 16 * 1024;
export const MAX_CONFIG_COMMAND_BYTES = 320 * 1024;
