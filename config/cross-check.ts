// Rules that look at more than one field: references between sections, uniqueness, thresholds against
// the profile's signal kinds, the venue facts against the risk rules. They run on whatever parts of the
// config parsed, so one broken device does not hide the errors of the others, and an id that exists but
// is itself broken is not reported again as "unknown".

import { assessRisk } from './risk.js';
import { type Point, type Profile } from './profile.js';
import type { Bus, Device, Input, Output } from './schema.js';
import type { z } from 'zod';
import type { CentreSection, LinkageRule, StatusSection, UplinkSection, VenueSection } from './schema.js';
import { closest } from './issue-text.js';
import { describeRange, KIND_DEFAULTS, THRESHOLD_RULES } from './signals.js';
import { CATEGORIES, sizeExcesses } from './venue.js';
import type { PathSegment } from './yaml-source.js';

export interface Finding {
  severity: 'error' | 'warning';
  path: PathSegment[];
  message: string;
  /** Point at the key rather than the value (for keys that should not be there). */
  at?: 'key' | 'value';
}

/** Each list holds the entries that parsed, with their index in the file; `ids` also has the ids of
 *  entries that failed to parse, so that references to them are not reported twice. */
export interface Indexed<T> {
  items: { index: number; value: T }[];
  ids: Set<string>;
  /** Every entry with a string id as written, parsed or not. */
  raw: Map<string, Record<string, unknown>>;
}

export interface PartialConfig {
  gatewayId?: string;
  venue?: z.output<typeof VenueSection>;
  buses: Indexed<Bus>;
  devices: Indexed<Device>;
  outputs: Indexed<Output>;
  inputs: Indexed<Input>;
  linkage: Indexed<z.output<typeof LinkageRule>>;
  /** User profiles that parsed, and the names of all user profiles in the file. */
  profiles: Map<string, Profile>;
  profileNames: Set<string>;
  uplink?: z.output<typeof UplinkSection>;
  centre?: z.output<typeof CentreSection>;
  status?: z.output<typeof StatusSection>;
}

export interface CheckContext {
  builtinProfiles: Readonly<Record<string, Profile>>;
  /** Paths whose value came from ${ENV}: such secrets are not inline. */
  fromEnv: ReadonlyMap<string, string[]>;
}

export function crossCheck(c: PartialConfig, ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  const error = (path: PathSegment[], message: string, at?: 'key') => out.push({ severity: 'error', path, message, ...(at ? { at } : {}) });
  const warn = (path: PathSegment[], message: string) => out.push({ severity: 'warning', path, message });

  uniqueIds('buses', c.buses, error);
  uniqueIds('devices', c.devices, error);
  uniqueIds('outputs', c.outputs, error);
  uniqueIds('inputs', c.inputs, error);
  uniqueIds('linkage', c.linkage as Indexed<{ id?: string }>, error);

  checkVenue(c, error, warn);
  checkBuses(c, error, warn);
  const profileOf = checkDevices(c, ctx, error, warn);
  checkProfiles(c, ctx, error, warn);
  checkOutputs(c, profileOf, error);
  checkLinkage(c, profileOf, error, warn);
  checkUplinkAndStatus(c, ctx, error, warn);
  checkCentre(c, profileOf, error);
  return out;
}

type Report = (path: PathSegment[], message: string, at?: 'key') => void;

function uniqueIds(section: string, list: Indexed<{ id?: string | undefined }>, error: Report): void {
  const seen = new Map<string, number>();
  for (const { index, value } of list.items) {
    if (value.id === undefined) continue;
    const first = seen.get(value.id);
    if (first !== undefined) error([section, index, 'id'], `duplicate id "${value.id}": ${section}[${first}] has it already`);
    else seen.set(value.id, index);
  }
}

function checkVenue(c: PartialConfig, error: Report, warn: Report): void {
  const v = c.venue;
  if (!v) return;
  const cat = CATEGORIES[v.category];
  if (cat.alwaysFlammables && !v.flammables) {
    error(['venue', 'flammables'], `a ${v.category} venue (Annex 2 item ${cat.annexItem}) handles flammable or explosive goods by definition: set true`);
  }
  for (const excess of sizeExcesses(v.category, v.size)) warn(['venue', 'size', excess.key], excess.message);

  if (v.lowRisk) {
    const withoutDecision = assessRisk({ ...v, lowRisk: undefined });
    if (withoutDecision.colour === 'red' || withoutDecision.colour === 'orange') {
      const why = withoutDecision.reasons.map((r) => r.text.replace(/ \(Art\. 6\(4\)\)$/, '')).join('; ');
      error(
        ['venue', 'lowRisk'],
        `a low-risk (blue) decision applies only to a venue that would otherwise be yellow; this one is ${withoutDecision.colour} because it ${why}`,
        'key',
      );
    }
  }

  // The code names a township: province(2) city(2) county(2) township(3) village(3).
  const township = v.adminCode.slice(6, 9);
  const village = v.adminCode.slice(9);
  if (township === '000') {
    warn(
      ['venue', 'adminCode'],
      `${v.adminCode} is a county-level code (digits 7–9 are 000): the platform routes alarms by township, give the township's code`,
    );
  } else if (village !== '000') {
    warn(['venue', 'adminCode'], `${v.adminCode} is a village/community code: the platform routes alarms by township, e.g. ${v.adminCode.slice(0, 9)}000`);
  }
}

function checkBuses(c: PartialConfig, error: Report, warn: Report): void {
  const byPath = new Map<string, { index: number; bus: Extract<Bus, { type: 'rtu' }> }>();
  const byEndpoint = new Map<string, { index: number; bus: Bus }>();
  for (const { index, value: bus } of c.buses.items) {
    if (bus.type === 'rtu') {
      const other = byPath.get(bus.path);
      if (other) {
        const line = (b: typeof bus) => `${b.baud} ${b.dataBits}${b.parity[0]?.toUpperCase()}${b.stopBits}`;
        if (line(other.bus) !== line(bus)) {
          error(
            ['buses', index, 'path'],
            `${bus.path} is already bus "${other.bus.id}" at ${line(other.bus)}; one serial line cannot also run at ${line(bus)}`,
          );
        } else {
          error(['buses', index, 'path'], `${bus.path} is already bus "${other.bus.id}": put all devices of one serial line on one bus`);
        }
      } else byPath.set(bus.path, { index, bus });
      if (/^\/dev\/tty(USB|ACM)\d+$/.test(bus.path)) {
        warn(['buses', index, 'path'], `${bus.path} can change after a reboot or replug; prefer the stable /dev/serial/by-id/… path`);
      }
    } else {
      const endpoint = `${bus.host}:${bus.port}`;
      const other = byEndpoint.get(endpoint);
      if (other && (bus.type === 'rtu-over-tcp' || other.bus.type === 'rtu-over-tcp')) {
        error(['buses', index, 'port'], `${endpoint} is already bus "${other.bus.id}": a serial server's line takes one master, put its devices on one bus`);
      } else if (other) {
        warn(['buses', index, 'port'], `${endpoint} is also bus "${other.bus.id}": devices behind one endpoint are better on one bus`);
      } else byEndpoint.set(endpoint, { index, bus });
    }
  }
  const used = new Set(c.devices.items.map((d) => d.value.bus));
  for (const { index, value: bus } of c.buses.items) {
    if (!used.has(bus.id)) warn(['buses', index, 'id'], `bus "${bus.id}" has no devices`);
  }
}

/** Checks devices; returns each valid device's profile (when known) for the later rules. */
function checkDevices(c: PartialConfig, ctx: CheckContext, error: Report, warn: Report): Map<string, { device: Device; profile?: Profile }> {
  const busById = new Map(c.buses.items.map((b) => [b.value.id, b.value]));
  const profileOf = new Map<string, { device: Device; profile?: Profile }>();
  const slaveSeen = new Map<string, string>();
  const knownProfiles = [...Object.keys(ctx.builtinProfiles), ...c.profileNames];

  if (c.devices.items.length === 0 && c.devices.ids.size === 0) warn(['devices'], 'no devices: this gateway watches nothing');

  for (const { index, value: d } of c.devices.items) {
    const here = (...rest: PathSegment[]) => ['devices', index, ...rest];
    const bus = busById.get(d.bus);
    // A broken bus still says what type it is: slave id 0 is wrong on a serial line either way.
    const busType = bus?.type ?? c.buses.raw.get(d.bus)?.type;
    if (!bus && !c.buses.ids.has(d.bus)) {
      const guess = closest(d.bus, busById.keys());
      const list = [...busById.keys()].join(', ') || 'none';
      error(here('bus'), `no bus "${d.bus}"${guess ? ` (did you mean "${guess}"?)` : ''}; buses: ${list}`);
    }
    const serialLine = busType !== 'tcp';
    if (serialLine && d.slaveId === 0) {
      error(here('slaveId'), 'slave id 0 is the broadcast address: no device answers it; use 1–247 (factory default is usually 1)');
    } else if (serialLine && d.slaveId > 247) {
      error(here('slaveId'), `slave id ${d.slaveId} is reserved on a serial line; use 1–247`);
    }
    if (bus) {
      const key = `${bus.id}/${d.slaveId}`;
      const other = slaveSeen.get(key);
      if (other) error(here('slaveId'), `slave id ${d.slaveId} on bus "${bus.id}" is already device "${other}"`);
      else slaveSeen.set(key, d.id);
    }

    const profile = ctx.builtinProfiles[d.profile] ?? c.profiles.get(d.profile);
    if (!profile && !c.profileNames.has(d.profile)) {
      const guess = closest(d.profile, knownProfiles);
      error(here('profile'), `unknown profile "${d.profile}"${guess ? ` (did you mean "${guess}"?)` : ''}; known: ${knownProfiles.join(', ')}`);
    }
    profileOf.set(d.id, profile ? { device: d, profile } : { device: d });
    if (profile) checkChannels(d, profile, here, error);
    if (profile && bus) checkResponseTimes(d, profile, bus.timeoutMs, here, warn);
  }
  return profileOf;
}

function checkChannels(d: Device, profile: Profile, here: (...rest: PathSegment[]) => PathSegment[], error: Report): void {
  for (const [name, ch] of Object.entries(d.channels)) {
    const point: Point | undefined = profile.points[name];
    if (!point) {
      const guess = closest(name, Object.keys(profile.points));
      error(
        here('channels', name),
        `profile "${d.profile}" has no point "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; points: ${Object.keys(profile.points).join(', ')}`,
        'key',
      );
      continue;
    }
    const rule = THRESHOLD_RULES[point.kind];
    for (const level of ['warning', 'alarm', 'lowWarning', 'lowAlarm'] as const) {
      const v = ch[level];
      if (v === undefined || !rule) continue;
      if (v < rule.min || (rule.max !== undefined && v > rule.max)) {
        error(
          here('channels', name, level),
          `${level} ${v} ${rule.unit} is outside the allowed ${point.kind} range ${describeRange(rule)}; source: ${rule.source}`,
        );
      }
    }
    // Compare what will be in force: a default counts too, so alarm: 150 on a residual-current channel
    // (default warning 200) is caught.
    const warning = ch.warning ?? rule?.warning;
    const alarm = ch.alarm ?? rule?.alarm;
    if ((ch.warning !== undefined || ch.alarm !== undefined) && warning !== undefined && alarm !== undefined && warning >= alarm) {
      const tag = (set: number | undefined) => (set === undefined ? ' (default)' : '');
      error(
        here('channels', name, ch.warning !== undefined ? 'warning' : 'alarm'),
        `warning ${warning}${tag(ch.warning)} must be below alarm ${alarm}${tag(ch.alarm)}`,
      );
    }
    if (ch.lowWarning !== undefined && ch.lowAlarm !== undefined && ch.lowAlarm >= ch.lowWarning) {
      error(here('channels', name, 'lowAlarm'), `lowAlarm ${ch.lowAlarm} must be below lowWarning ${ch.lowWarning}`);
    }
    if (ch.rateOfRisePerMin !== undefined && point.kind !== 'temperature') {
      error(here('channels', name, 'rateOfRisePerMin'), `rate-of-rise applies to temperature channels, not ${point.kind}`);
    }
  }
}

/** Worst case from a crossing to the state change: one poll interval + the on-delay + one read. */
function checkResponseTimes(d: Device, profile: Profile, timeoutMs: number, here: (...rest: PathSegment[]) => PathSegment[], warn: Report): void {
  for (const [name, p] of Object.entries(profile.points)) {
    const k = KIND_DEFAULTS[p.kind];
    const ch = d.channels[name];
    if (!k?.responseLimitMs || p.writable || ch?.enabled === false) continue;
    const onDelay = ch?.onDelayMs ?? k.onDelayMs;
    const worst = d.pollIntervalMs + onDelay + timeoutMs;
    if (worst > k.responseLimitMs) {
      warn(
        ch?.onDelayMs !== undefined ? here('channels', name, 'onDelayMs') : here('pollIntervalMs'),
        `${name}: poll ${d.pollIntervalMs} ms + on-delay ${onDelay} ms + timeout ${timeoutMs} ms = ${worst} ms is over the ${k.responseLimitMs / 1000} s response time (${k.responseSource})`,
      );
    }
  }
}

function checkProfiles(c: PartialConfig, ctx: CheckContext, error: Report, warn: Report): void {
  for (const name of c.profileNames) {
    if (ctx.builtinProfiles[name]) error(['profiles', name], `"${name}" is a built-in profile: give yours another name`, 'key');
  }
  for (const [name, profile] of c.profiles) {
    for (const [pointName, p] of Object.entries(profile.points)) {
      // Manuals often print Modicon numbers: 40001 is holding register 0, 30001 input register 0.
      const modicon = p.fc === 3 ? 40001 : p.fc === 4 ? 30001 : undefined;
      if (modicon !== undefined && p.address >= modicon && p.address < modicon + 9999) {
        const wire = p.address - modicon;
        warn(
          ['profiles', name, 'points', pointName, 'address'],
          `${p.address} looks like Modicon notation; on the wire that is register ${wire} (0x${wire.toString(16).toUpperCase().padStart(4, '0')}): write address: ${wire} if so`,
        );
      }
    }
  }
}

function checkOutputs(c: PartialConfig, profileOf: Map<string, { device: Device; profile?: Profile }>, error: Report): void {
  const gpioLines = new Map<string, string>();
  for (const { index, value: i } of c.inputs.items) {
    if (i.driver.type !== 'gpio') continue;
    const key = `${i.driver.chip ?? 'soc'}/${i.driver.line}`;
    const other = gpioLines.get(key);
    if (other) error(['inputs', index, 'driver', 'line'], `GPIO line ${i.driver.line} is already input "${other}"`);
    else gpioLines.set(key, i.id);
    if (profileOf.has(i.id)) error(['inputs', index, 'id'], `"${i.id}" is also a device id: a dry contact appears as a device, give it its own id`);
  }
  const coils = new Map<string, string>();
  for (const { index, value: o } of c.outputs.items) {
    const here = (...rest: PathSegment[]) => ['outputs', index, ...rest];
    if (o.role === 'gas-valve') {
      if (o.closedLevel === undefined) {
        error(here('role'), 'a gas-valve needs closedLevel: the level that closes it (off for a fail-safe, normally closed valve)');
      } else if (o.safeState !== o.closedLevel) {
        error(here('safeState'), `a gas valve's safe state is closed: safeState must be ${o.closedLevel} (its closedLevel)`);
      }
    } else if (o.closedLevel !== undefined) {
      error(here('closedLevel'), `closedLevel only applies to a gas-valve, not a ${o.role}`, 'key');
    }
    const drv = o.driver;
    if (drv.type === 'gpio') {
      const key = `${drv.chip ?? 'soc'}/${drv.line}`;
      const other = gpioLines.get(key);
      if (other) error(here('driver', 'line'), `GPIO line ${drv.line} is already used by "${other}"`);
      else gpioLines.set(key, o.id);
    } else if (drv.type === 'modbus-coil' || drv.type === 'modbus-register') {
      const target = profileOf.get(drv.device);
      if (!target && !c.devices.ids.has(drv.device)) {
        error(here('driver', 'device'), `no device "${drv.device}" to drive; a relay module must be in devices`);
        continue;
      }
      const address = drv.type === 'modbus-coil' ? drv.coil : drv.register;
      const key = `${drv.type}/${drv.device}/${address}`;
      const other = coils.get(key);
      if (other) error(here('driver', drv.type === 'modbus-coil' ? 'coil' : 'register'), `${drv.device} ${address} is already output "${other}"`);
      else coils.set(key, o.id);
      if (drv.type === 'modbus-coil' && target?.profile) {
        const writableCoils = Object.values(target.profile.points)
          .filter((p) => p.fc === 1 && p.writable)
          .map((p) => p.address);
        if (!writableCoils.includes(drv.coil)) {
          error(
            here('driver', 'coil'),
            `device "${drv.device}" (profile ${target.device.profile}) has no writable coil ${drv.coil}; coils: ${writableCoils.join(', ') || 'none'}`,
          );
        }
        if (drv.feedback) {
          const inputs = Object.values(target.profile.points)
            .filter((p) => p.fc === 2)
            .map((p) => p.address);
          if (!inputs.includes(drv.feedback.input)) {
            error(
              here('driver', 'feedback', 'input'),
              `device "${drv.device}" (profile ${target.device.profile}) has no discrete input ${drv.feedback.input}; inputs: ${inputs.join(', ') || 'none'}`,
            );
          }
        }
      }
    }
  }
}

function checkLinkage(c: PartialConfig, profileOf: Map<string, { device: Device; profile?: Profile }>, error: Report, warn: Report): void {
  const outputs = new Map(c.outputs.items.map((o) => [o.value.id, o.value]));
  const groups = new Set(
    [...c.devices.items.map((d) => d.value.group), ...c.inputs.items.map((i) => i.value.group)].filter((g): g is string => g !== undefined),
  );
  const closedValves = new Set<string>();
  for (const { index, value: rule } of c.linkage.items) {
    const here = (...rest: PathSegment[]) => ['linkage', index, ...rest];
    if (rule.when.device !== undefined && rule.when.group !== undefined) {
      error(here('when'), 'name a device or a group, not both');
    }
    if (rule.when.device !== undefined && !profileOf.has(rule.when.device) && !c.devices.ids.has(rule.when.device) && !c.inputs.ids.has(rule.when.device)) {
      error(here('when', 'device'), `no device "${rule.when.device}"`);
    }
    if (rule.when.group !== undefined && !groups.has(rule.when.group)) {
      error(here('when', 'group'), `no device is in group "${rule.when.group}"; groups: ${[...groups].join(', ') || 'none'}`);
    }
    rule.do.forEach((action, i) => {
      const o = outputs.get(action.output);
      if (!o) {
        if (!c.outputs.ids.has(action.output)) error(here('do', i, 'output'), `no output "${action.output}"`);
        return;
      }
      if (o.role === 'gas-valve') {
        if (action.action !== 'close') {
          error(here('do', i, 'action'), `a gas valve can only be closed by linkage; reopening needs a local reset on site (got ${action.action})`);
        } else closedValves.add(o.id);
      } else if (action.action === 'close') {
        error(here('do', i, 'action'), `close is for a gas-valve; "${o.id}" is a ${o.role}: use on or off`);
      }
    });
  }
  const hasGasDetector = [...profileOf.values()].some((e) => e.profile && Object.values(e.profile.points).some((p) => p.kind === 'gas'));
  for (const { index, value: o } of c.outputs.items) {
    if (o.role === 'gas-valve' && hasGasDetector && !closedValves.has(o.id)) {
      warn(['outputs', index, 'id'], `gas valve "${o.id}" is not closed by any linkage rule`);
    }
  }
  const v = c.venue;
  // Only heavy gas use: a fireworks store handles flammables too, but a gas detector is not its sensor.
  // A device entry that failed (its shape, an unknown profile) may well be the gas detector: its own error
  // says what is wrong; guessing "no gas channel" on top would send the installer the wrong way.
  const allDevicesKnown = c.devices.items.length >= c.devices.ids.size && [...profileOf.values()].every((e) => e.profile !== undefined);
  if (v?.heavyGasUse && !hasGasDetector && c.devices.ids.size > 0 && allDevicesKnown) {
    warn(['devices'], 'the venue uses a lot of gas but no device has a gas channel');
  }
}

/** A centre's per-channel settings name channels that exist; two channels do not share an address there. */
function checkCentre(c: PartialConfig, profileOf: Map<string, { device: Device; profile?: Profile }>, error: Report): void {
  const centre = c.centre;
  if (!centre) return;
  const addresses = new Map<number, string>();
  for (const [key, m] of Object.entries(centre.components)) {
    const [device, channel] = key.split('/') as [string, string];
    const target = profileOf.get(device);
    const input = c.inputs.items.find((i) => i.value.id === device);
    if (!target && !input && !c.devices.ids.has(device) && !c.inputs.ids.has(device)) {
      error(['centre', 'components', key], `no device or input "${device}"`, 'key');
    } else if (target?.profile && !target.profile.points[channel]) {
      error(['centre', 'components', key], `device "${device}" has no channel "${channel}"; points: ${Object.keys(target.profile.points).join(', ')}`, 'key');
    } else if (input && channel !== 'contact') {
      error(['centre', 'components', key], `a dry contact's channel is "contact", not "${channel}"`, 'key');
    }
    if (m.componentAddress !== undefined) {
      const other = addresses.get(m.componentAddress);
      if (other) error(['centre', 'components', key, 'componentAddress'], `component address ${m.componentAddress} is already ${other}`);
      else addresses.set(m.componentAddress, key);
    }
  }
}

function checkUplinkAndStatus(c: PartialConfig, ctx: CheckContext, error: Report, warn: Report): void {
  const u = c.uplink;
  if (!u) {
    if (c.gatewayId !== undefined && !c.centre) warn(['uplink'], 'no uplink: alarms are kept and acted on locally but reach no platform');
  } else {
    if (u.password !== undefined && u.passwordFile !== undefined) error(['uplink', 'passwordFile'], 'give password or passwordFile, not both', 'key');
    if (u.password !== undefined && !ctx.fromEnv.has('uplink.password')) {
      warn(['uplink', 'password'], 'the password is inline in the config file: use ${MQTT_PASSWORD} or passwordFile so the file can be shared');
    }
    if (/^[a-z]+:\/\/[^/@\s]*:[^/@\s]*@/i.test(u.url)) {
      error(['uplink', 'url'], 'credentials inside the url: give username and password (or passwordFile) instead');
    }
    const secure = /^(mqtts|wss):/.test(u.url);
    if (u.tls && !secure) error(['uplink', 'tls'], `tls is set but the url ${u.url.replace(/\/\/.*$/, '//…')} is plain: use mqtts:// or wss://`, 'key');
    if (u.tls && (u.tls.cert === undefined) !== (u.tls.key === undefined)) {
      error(['uplink', 'tls', u.tls.cert === undefined ? 'key' : 'cert'], 'a client certificate needs both cert and key');
    }
    if (u.tls && !u.tls.rejectUnauthorized)
      warn(['uplink', 'tls', 'rejectUnauthorized'], "the broker's certificate is not checked: anyone can pose as the platform");
  }

  const s = c.status;
  if (s) {
    if (s.token !== undefined && s.tokenFile !== undefined) error(['status', 'tokenFile'], 'give token or tokenFile, not both', 'key');
    const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(s.host);
    if (s.enabled && !loopback && s.token === undefined && s.tokenFile === undefined) {
      error(['status', 'host'], `the status page on ${s.host} is reachable beyond this box: set token or tokenFile, or bind 127.0.0.1`);
    }
    if (s.token !== undefined && !ctx.fromEnv.has('status.token')) {
      warn(['status', 'token'], 'the token is inline in the config file: use ${STATUS_TOKEN} or tokenFile');
    }
  }
}
