// The whole gateway config as one zod schema: the single source of truth for the TypeScript types, the
// defaults, the JSON Schema (`jiuxiao-gateway schema`, config/config.schema.json) and docs/config.md.
// Rules that need more than one field live in cross-check.ts.

import { z } from 'zod';
import { DIAGNOSTICS_EN } from './diagnostics.js';
import { Address, NAME_PATTERN, ProfileSchema } from './profile.js';
import { SIGNAL_KINDS } from './signals.js';
import { SIZE_KEYS, VENUE_CATEGORIES } from './venue.js';

const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
  message: DIAGNOSTICS_EN.idForm,
});

/** Names that appear in MQTT topics must not contain `/`, `+` or `#`. */
const GatewayId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/, {
    message: DIAGNOSTICS_EN.gatewayIdForm,
  })
  .meta({ description: 'Stable id of this gateway, e.g. GW-500242-0001; part of every MQTT topic and message' });

/** A label for people (a venue's, a device's name): short, as on a sign or a drawing. */
const LABEL_CHARS = 64;
const Label = z.string().max(LABEL_CHARS);

const Name = z.string().regex(NAME_PATTERN, {
  message: DIAGNOSTICS_EN.nameForm,
});

// ---------------------------------------------------------------------------------------------- gateway

/** Whether `zone` is a time zone this Node knows (an IANA name such as Asia/Shanghai). */
function knownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const GatewaySection = z.strictObject({
  id: GatewayId,
  name: Label.optional(),
  timeZone: z.string().refine(knownTimeZone, { message: DIAGNOSTICS_EN.notTimeZone }).default('Asia/Shanghai').meta({
    description: "The venue's time zone (IANA): GB/T 26875.3 time labels are in it, whatever zone the box's system is set to; MQTT messages stay in UTC",
  }),
  dataDir: z.string().min(1).default('/var/lib/jiuxiao-gateway').meta({ description: 'Where the SQLite outbox and state live (a writable directory)' }),
});

// ------------------------------------------------------------------------------------------------ venue

/** 12-digit administrative division code (行政区划代码). Leading digits are a province (11–82), so a
 *  code never starts with 0 and an unquoted YAML number loses nothing: both are accepted. */
const AdminCode = z
  .union([z.string(), z.number().int()])
  .transform((v) => String(v))
  .pipe(
    z.string().regex(/^(1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[12])\d{10}$/, {
      message: DIAGNOSTICS_EN.adminCodeForm,
    }),
  )
  .meta({ description: '12-digit administrative division code (行政区划代码) of the township the venue belongs to' });

const SizeFigure = z.number().min(0);

export const VenueSection = z
  .strictObject({
    id: Id.meta({ description: 'Venue id as registered with the county platform' }),
    name: Label.min(1).meta({ description: 'Venue name as the inspectors know it, e.g. 老王火锅' }),
    adminCode: AdminCode,
    category: z.enum(VENUE_CATEGORIES).meta({ description: 'One of the nine small-venue categories (Annex 2)' }),
    size: z
      .strictObject({
        areaM2: SizeFigure.optional().meta({ description: 'Building area in m²' }),
        diners: z.number().int().min(0).optional().meta({ description: 'Rated number of diners (catering)' }),
        beds: z.number().int().min(0).optional().meta({ description: 'Beds (lodging, medical, boarding schools)' }),
        people: z.number().int().min(0).optional().meta({ description: 'People on site (day schools, nurseries)' }),
        staff: z.number().int().min(0).optional().meta({ description: 'Total staff (production)' }),
        dormStaff: z.number().int().min(0).optional().meta({ description: 'Places in a staff dormitory (production)' }),
        floor: z.number().int().min(-10).max(200).optional().meta({ description: 'Floor the venue is on; 1 is ground, -1 a basement' }),
      })
      .default({})
      .meta({ description: `Size facts checked against the Annex 2 limit of the category: any of ${SIZE_KEYS.join(', ')}` }),
    flammables: z.boolean().meta({
      description: 'Handles flammable or explosive goods (Annex 1), e.g. keeps an LPG cylinder; always true for hazardous-goods',
    }),
    crowded: z.boolean().optional().meta({ description: 'Is a crowded place (人员密集场所, GB/T 40248); defaults by category when left out' }),
    fireKeyUnit: z.boolean().meta({ description: 'Is a fire-safety key unit (消防重点场所)' }),
    mixedUse: z.boolean().meta({ description: 'Is a mixed multi-business premises (多业态混合), incl. 三合一 shop+store+living' }),
    heavyGasUse: z.boolean().meta({ description: 'Uses a lot of gas, e.g. a hotpot restaurant (火锅馆)' }),
    lowRisk: z
      .strictObject({ reason: z.string().min(4, { message: DIAGNOSTICS_EN.lowRiskReason }) })
      .optional()
      .meta({ description: "The township's decision that this otherwise yellow venue is blue (low risk), with its reason" }),
  })
  .meta({ description: 'The venue this gateway watches; the risk colour is derived from these facts, never typed in' });

// ------------------------------------------------------------------------------------------------ buses

export const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const;

const TimeoutMs = z.number().int().min(10).max(30_000);
const Retries = z.number().int().min(0).max(5).default(1).meta({ description: 'Retries after a failed transaction' });
const Host = z.string().min(1).meta({ description: 'Host name or IP address' });
const Port = z.number().int().min(1).max(65535);

const BusBase = {
  id: Id.meta({ description: 'Bus id, referred to by devices' }),
  name: Label.optional().meta({ description: 'Label for people, e.g. 后厨485总线' }),
};

const RtuBus = z.strictObject({
  ...BusBase,
  type: z.literal('rtu').meta({ description: 'Modbus RTU on a serial port (RS-485)' }),
  path: z.string().min(1).meta({ description: 'Serial device; prefer the stable /dev/serial/by-id/… path over /dev/ttyUSB0' }),
  baud: z.literal(BAUD_RATES).default(9600),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  dataBits: z.literal([7, 8]).default(8),
  stopBits: z.literal([1, 2]).default(1),
  timeoutMs: TimeoutMs.default(500).meta({ description: 'How long to wait for a reply' }),
  interFrameGapMs: z
    .number()
    .min(0)
    .max(1000)
    .optional()
    .meta({ description: 'Silence between frames; default 3.5 character times (at least 1.75 ms above 19200 baud)' }),
  retries: Retries,
});

const TcpBus = z.strictObject({
  ...BusBase,
  type: z.literal('tcp').meta({ description: 'Modbus TCP (MBAP framing)' }),
  host: Host,
  port: Port.default(502),
  timeoutMs: TimeoutMs.default(1000),
  retries: Retries,
});

const RtuOverTcpBus = z.strictObject({
  ...BusBase,
  type: z.literal('rtu-over-tcp').meta({ description: 'RTU frames through a serial server in transparent mode' }),
  host: Host,
  port: Port.meta({ description: 'TCP port of the serial server (no common default: 4196, 8234, 26 …)' }),
  baud: z.literal(BAUD_RATES).default(9600).meta({ description: 'Line speed behind the serial server; used for timing, the server sets the line itself' }),
  timeoutMs: TimeoutMs.default(1000),
  interFrameGapMs: z.number().min(0).max(1000).optional(),
  retries: Retries,
});

export const BusSchema = z.discriminatedUnion('type', [RtuBus, TcpBus, RtuOverTcpBus], {
  error: DIAGNOSTICS_EN.busType,
});

// ---------------------------------------------------------------------------------------------- devices

const ChannelSettings = z
  .strictObject({
    enabled: z.boolean().default(true).meta({ description: 'false: the point is not read or judged (a model without it)' }),
    name: Label.optional().meta({ description: 'Label for people' }),
    warning: z.number().optional().meta({ description: 'Pre-alarm (预警) level: at or above it the channel is in warning' }),
    alarm: z.number().optional().meta({ description: 'Alarm (报警) level' }),
    lowWarning: z.number().optional().meta({ description: 'Lower pre-alarm level (at or below)' }),
    lowAlarm: z.number().optional().meta({ description: 'Lower alarm level (at or below)' }),
    hysteresis: z.number().min(0).optional().meta({ description: 'A state clears only once the value is this far back' }),
    onDelayMs: z.number().int().min(0).max(600_000).optional().meta({ description: 'How long a condition must hold first' }),
    latch: z.boolean().optional().meta({ description: 'Alarm stays until reset (defaults: gas and fire latch)' }),
    rateOfRisePerMin: z.number().positive().optional().meta({ description: 'Alarm on a rise faster than this per minute' }),
    stuckAfterMs: z
      .number()
      .int()
      .min(10_000)
      .optional()
      .meta({ description: 'Fault when the value has not changed at all for this long (a frozen sensor); off by default' }),
  })
  .meta({ description: 'Per-channel overrides of thresholds and behaviour; defaults come from the signal kind' });

export const DeviceSchema = z.strictObject({
  id: Id.meta({ description: 'Device id; appears in every event and alarm of the device' }),
  name: Label.optional().meta({ description: 'Label for people, e.g. 后厨燃气探测器' }),
  location: Label.optional().meta({ description: 'Where it hangs, e.g. 后厨 (kitchen)' }),
  group: Name.optional().meta({ description: 'Group for linkage rules, e.g. kitchen' }),
  bus: Id.meta({ description: 'Id of the bus the device is on' }),
  slaveId: z.number().int().min(0).max(255).meta({ description: 'Modbus slave id: 1–247 (TCP unit ids may be 0–255)' }),
  profile: Name.meta({ description: 'Built-in profile (acrel-asj, gas-lel, electrical-fire, smoke, relay) or one in `profiles`' }),
  pollIntervalMs: z.number().int().min(100).max(3_600_000).default(1000).meta({ description: 'How often the device is read' }),
  maxRegistersPerRead: z.number().int().min(1).max(125).optional().meta({ description: "Overrides the profile's limit" }),
  maxGap: z.number().int().min(0).max(124).optional().meta({ description: "Overrides the profile's maxGap" }),
  channels: z.record(Name, ChannelSettings).default({}).meta({ description: 'Overrides by point name of the profile' }),
  maintenance: z.boolean().default(false).meta({ description: 'Maintenance/test mode (检修/测试): events flagged test, linkage held' }),
});

// ---------------------------------------------------------------------------------------------- outputs

const GpioDriver = z.strictObject({
  type: z.literal('gpio'),
  line: z.number().int().min(0).max(511).meta({ description: 'Line offset on the chip (BCM number on a Raspberry Pi), not a sysfs number' }),
  chip: z.string().optional().meta({ description: 'gpiochip label; default the SoC chip (pinctrl-…)' }),
  activeLow: z.boolean().default(false),
});
const ModbusCoilDriver = z.strictObject({
  type: z.literal('modbus-coil'),
  device: Id.meta({ description: 'Id of the relay device (in `devices`) whose coil this is' }),
  coil: Address,
  feedback: z
    .strictObject({ input: Address.meta({ description: "Discrete input (fc 02) wired to the relay's contact" }) })
    .optional()
    .meta({
      description:
        'Contact feedback of this relay, where the module has it. Never guessed: without it the coil itself is read back. On many modules the inputs are independent dry-contact inputs, not feedback',
    }),
});
const ModbusRegisterDriver = z.strictObject({
  type: z.literal('modbus-register'),
  device: Id,
  register: Address,
  onValue: z.number().int().min(0).max(65535).default(1),
  offValue: z.number().int().min(0).max(65535).default(0),
});
const MemoryDriver = z.strictObject({ type: z.literal('memory') });

const OUTPUT_ROLES = ['gas-valve', 'fan', 'buzzer', 'shunt-trip', 'relay'] as const;
const LEVELS = ['on', 'off'] as const;

export const OutputSchema = z.strictObject({
  id: Id.meta({ description: 'Output id, referred to by linkage rules' }),
  name: Label.optional().meta({ description: 'Label for people, e.g. 燃气紧急切断阀' }),
  role: z.enum(OUTPUT_ROLES).meta({ description: 'What the output drives; a gas-valve is never reopened remotely' }),
  driver: z.discriminatedUnion('type', [GpioDriver, ModbusCoilDriver, ModbusRegisterDriver, MemoryDriver], {
    error: DIAGNOSTICS_EN.outputDriverType,
  }),
  safeState: z
    .enum(LEVELS)
    .default('off')
    .meta({ description: 'Level when no alarm demands the output: at start, and at a stop with nothing standing (a gas valve: closed, always)' }),
  closedLevel: z.enum(LEVELS).optional().meta({ description: 'gas-valve only: the level that closes the valve (off for a fail-safe, normally closed valve)' }),
});

// ----------------------------------------------------------------------------------------------- inputs

const GpioInputDriver = z.strictObject({
  type: z.literal('gpio'),
  line: z.number().int().min(0).max(511).meta({ description: 'Line offset on the chip (BCM number on a Raspberry Pi)' }),
  chip: z.string().optional(),
  activeLow: z.boolean().default(false).meta({ description: 'true when a closed contact pulls the line low (pull-up wiring)' }),
});

export const InputSchema = z.strictObject({
  id: Id.meta({ description: 'Input id; a dry contact appears as device ID, channel contact' }),
  name: Label.optional(),
  role: z
    .enum(['reset-button', 'dry-contact'])
    .meta({ description: 'reset-button: the local reset (复位) on the box; dry-contact: e.g. an independent smoke alarm relay' }),
  driver: z.discriminatedUnion('type', [GpioInputDriver, MemoryDriver], { error: DIAGNOSTICS_EN.inputDriverType }),
  state: z.enum(['warning', 'alarm', 'fault']).default('alarm').meta({ description: 'dry-contact: what a closed contact means' }),
  kind: z.enum(SIGNAL_KINDS).default('smoke').meta({ description: 'dry-contact: what it signals, for linkage rules' }),
  group: Name.optional(),
});

// ---------------------------------------------------------------------------------------------- linkage

export const LinkageRule = z.strictObject({
  id: Id.optional().meta({ description: 'Rule id, shown in linkage events' }),
  when: z
    .strictObject({
      device: Id.optional().meta({ description: 'Only this device' }),
      group: Name.optional().meta({ description: 'Only devices of this group; neither device nor group: any device' }),
      state: z.enum(['warning', 'alarm', 'fault']).meta({ description: 'The channel state that fires the rule' }),
      kind: z.enum(SIGNAL_KINDS).optional().meta({ description: 'Only channels of this signal kind, e.g. gas' }),
    })
    .meta({ description: 'Condition of the rule' }),
  do: z
    .array(
      z.strictObject({
        output: Id.meta({ description: 'Output id' }),
        action: z.enum(['on', 'off', 'close']).meta({ description: 'close for a gas-valve (the only action it takes); on or off for the rest' }),
      }),
    )
    .min(1, { message: DIAGNOSTICS_EN.linkageNeedsAction }),
});

// ----------------------------------------------------------------------------------------------- uplink

export const UplinkSection = z.strictObject({
  url: z
    .string()
    .regex(/^(mqtts?|wss?):\/\/[^\s]+$/, { message: DIAGNOSTICS_EN.uplinkUrlForm })
    .meta({ description: 'Broker of the county platform; ${ENV} is expanded' }),
  clientId: z.string().min(1).max(128).optional().meta({ description: 'Fixed MQTT client id; default the gateway id' }),
  protocolVersion: z.literal([4, 5]).default(4).meta({ description: '4 = MQTT 3.1.1, 5 = MQTT 5' }),
  username: z.string().optional(),
  password: z.string().optional().meta({ description: 'Prefer ${ENV} or passwordFile: a secret inline in the file is warned about' }),
  passwordFile: z.string().optional().meta({ description: 'File holding the password (trailing newline ignored)' }),
  tls: z
    .strictObject({
      ca: z.string().optional().meta({ description: 'CA certificate file (PEM)' }),
      cert: z.string().optional().meta({ description: 'Client certificate file (PEM)' }),
      key: z.string().optional().meta({ description: 'Client private key file (PEM)' }),
      rejectUnauthorized: z.boolean().default(true),
    })
    .optional(),
  topicPrefix: z.string().default('jx/v1/{gatewayId}/').meta({ description: 'Prefix of every topic; {gatewayId} is replaced by gateway.id' }),
  keepaliveS: z.number().int().min(5).max(600).default(30),
  heartbeatIntervalS: z.number().int().min(10).max(3600).default(60),
  telemetryIntervalS: z.number().int().min(10).max(3600).default(60),
  reannounceMin: z.number().int().min(1).max(1440).default(5).meta({ description: 'Re-announce unacknowledged alarms this often' }),
  inflight: z.number().int().min(1).max(1000).default(16).meta({ description: 'Publishes awaiting PUBACK at once' }),
});

// ----------------------------------------------------------------------------------------------- centre

const Byte = z.number().int().min(0).max(255);
/** A 6-byte GB/T 26875.3 address; YAML reads 0x0000000030a9 as a number too. */
const Address6 = z
  .number()
  .int()
  .min(0)
  .max(2 ** 48 - 1);

const ComponentMapping = z
  .strictObject({
    componentType: Byte.optional().meta({ description: 'Component type (部件类型, Table 5); default by the channel kind' }),
    componentAddress: z.number().int().min(0).max(0xffffffff).optional().meta({ description: 'Component address (4 bytes); default from addressLayout' }),
    description: z.string().optional().meta({ description: 'Component description (部件说明), at most 31 bytes in GB 18030; default: location and channel' }),
    analogType: Byte.optional().meta({ description: 'Analog type of its value (0: send none); default by the channel kind' }),
    analogScale: z
      .number()
      .positive()
      .optional()
      .meta({ description: "Steps of the analog type per unit of the channel's reading, e.g. 10 for %LEL as 0.1 %LEL" }),
  })
  .meta({ description: 'How one channel appears at the centre' });

export const CentreSection = z.strictObject({
  protocol: z.literal('gbt26875').default('gbt26875').meta({ description: 'GB/T 26875.3-2011 over TCP (城市消防远程监控系统)' }),
  host: z.string().min(1).meta({ description: "The monitoring centre's host" }),
  port: Port,
  address: Address6.meta({ description: "This box's address as the centre knows it (用户信息传输装置地址, 6 bytes)" }),
  centreAddress: Address6.default(0).meta({ description: "The centre's address (6 bytes)" }),
  version: z
    .strictObject({ main: Byte.default(1), user: Byte.default(0) })
    .default({ main: 1, user: 0 })
    .meta({ description: 'Protocol version bytes: main 1 by the standard, user as the centre asks' }),
  confirmTimeoutMs: z.number().int().min(1000).max(60_000).default(10_000).meta({ description: 'Wait this long for a confirm (the standard: ≤ 10 s)' }),
  retries: z.number().int().min(0).max(10).default(3).meta({ description: 'Sends of a frame without a confirm before reconnecting (the standard: 3)' }),
  heartbeatS: z.number().int().min(10).max(3600).default(60).meta({ description: 'Transmitter status (type 21) this often when nothing else is sent' }),
  systemType: Byte.default(1).meta({ description: 'System type our channels belong to (1: fire alarm system)' }),
  systemAddress: Byte.default(0),
  inspection: z.enum(['person', 'auto', 'off']).default('person').meta({
    description:
      '查岗 (type 91): person confirms it and a person on site answers it (`jiuxiao-gateway answer-inspection`) within its time limit, as GB 26875.1 has it; auto answers at once (the box is up, nobody was asked); off denies it',
  }),
  addressLayout: z.enum(['loop-first', 'point-first']).default('loop-first').meta({
    description:
      'Default component addresses: loop-first puts the device number (loop, 回路/区) in the first two bytes and the channel number (point) in the last two, as the standard’s worked examples do ("2号10区" → 0a 00 02 00); point-first the other way round (before 0.2)',
  }),
  components: z
    .record(z.string().regex(/^[^/]+\/[^/]+$/, { message: DIAGNOSTICS_EN.deviceChannelKey }), ComponentMapping)
    .default({})
    .meta({ description: 'Per channel ("DEVICE/CHANNEL"), what differs from the default mapping' }),
});

// ------------------------------------------------------------------------------- storage, status, log

const StorageSection = z.strictObject({
  maxRows: z.number().int().min(1000).max(10_000_000).default(100_000).meta({ description: 'Outbox row cap' }),
  maxMB: z.number().min(1).max(100_000).default(64).meta({ description: 'Outbox size cap in MB' }),
  alarmReserveRows: z
    .number()
    .int()
    .min(100)
    .default(10_000)
    .meta({ description: 'Rows kept free for alarms and events: telemetry is shed before it eats into them' }),
  telemetryBatchMs: z.number().int().min(0).max(600_000).default(5000).meta({ description: 'Telemetry is written in batches this often' }),
});

export const StatusSection = z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().min(1).default('127.0.0.1').meta({ description: 'Bind address of the local status page' }),
  port: Port.default(8080),
  token: z.string().optional().meta({ description: 'Bearer token; required when the page is reachable beyond this box' }),
  tokenFile: z.string().optional(),
});

const LogSection = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  pretty: z
    .boolean()
    .optional()
    .meta({ description: 'Human-readable lines instead of JSON lines; unset: human lines when stdout is a terminal, JSON under systemd and in pipes' }),
});

// ------------------------------------------------------------------------------------------------- root

export const ConfigSchema = z
  .strictObject({
    gateway: GatewaySection,
    venue: VenueSection,
    buses: z.array(BusSchema).max(32).default([]).meta({ description: 'Field buses: RS-485 serial lines, Modbus TCP endpoints, serial servers' }),
    devices: z.array(DeviceSchema).max(256).default([]).meta({ description: 'Sensors and relay modules on the buses' }),
    profiles: z.record(Name, ProfileSchema).default({}).meta({ description: 'User-defined device profiles by name' }),
    inputs: z.array(InputSchema).max(64).default([]).meta({ description: 'Local inputs: the reset button and dry contacts' }),
    outputs: z.array(OutputSchema).max(64).default([]).meta({ description: 'Valve, fan, buzzer and relay outputs, each with a safe state' }),
    linkage: z.array(LinkageRule).max(128).default([]).meta({ description: 'Local actions on alarms (联动), taken even with no network' }),
    uplink: UplinkSection.optional().meta({ description: 'MQTT to the county platform; without it alarms stay local' }),
    centre: CentreSection.optional().meta({ description: 'A fire-monitoring centre in GB/T 26875.3, beside the uplink or instead of it' }),
    storage: StorageSection.default(() => StorageSection.parse({})),
    status: StatusSection.default(() => StatusSection.parse({})).meta({
      description: 'The local status page; at most 32 connections at once (one more is answered 503), idle ones closed after 15 s',
    }),
    log: LogSection.default(() => LogSection.parse({})).meta({
      description:
        'Lines someone outside can cause (a centre’s bytes, commands, status page visitors, a device flapping) are rate-limited per kind: 10 at once, then 6 a minute, the rest counted on the next line',
    }),
  })
  .meta({ title: 'jiuxiao-gateway config', description: 'One YAML file describes one gateway in one venue' });

export type Config = z.output<typeof ConfigSchema>;
export type Bus = z.output<typeof BusSchema>;
export type Device = z.output<typeof DeviceSchema>;
export type Output = z.output<typeof OutputSchema>;
export type Input = z.output<typeof InputSchema>;
export type ChannelConfig = z.output<typeof ChannelSettings>;
export type Venue = z.output<typeof VenueSection>;
export type Centre = z.output<typeof CentreSection>;
export type Uplink = z.output<typeof UplinkSection>;
