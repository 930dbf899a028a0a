// Rules that look at more than one field: references between sections, uniqueness, thresholds against
// the profile's signal kinds, the venue facts against the risk rules. They run on whatever parts of the
// config parsed, so one broken device does not hide the errors of the others, and an id that exists but
// is itself broken is not reported again as "unknown".

import { assessRisk, type RiskRule } from './risk.js';
import { type Point, type Profile } from './profile.js';
import type { Bus, Device, Input, Output } from './schema.js';
import type { z } from 'zod';
import type { CentreSection, LinkageRule, StatusSection, UplinkSection, VenueSection } from './schema.js';
import { closest } from './issue-text.js';
import { joinedSaid, said, type DiagnosticCode, type Param, type Said } from './diagnostics.js';
import { describeRange, KIND_DEFAULTS, THRESHOLD_RULES } from './signals.js';
import { CATEGORIES, sizeExcesses } from './venue.js';
import type { PathSegment } from './yaml-source.js';

export interface Finding {
  severity: 'error' | 'warning';
  path: PathSegment[];
  said: Said;
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
  const error = (path: PathSegment[], s: Said, at?: 'key') => out.push({ severity: 'error', path, said: s, ...(at ? { at } : {}) });
  const warn = (path: PathSegment[], s: Said) => out.push({ severity: 'warning', path, said: s });

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

type Report = (path: PathSegment[], s: Said, at?: 'key') => void;

function uniqueIds(section: string, list: Indexed<{ id?: string | undefined }>, error: Report): void {
  const seen = new Map<string, number>();
  for (const { index, value } of list.items) {
    if (value.id === undefined) continue;
    const first = seen.get(value.id);
    if (first !== undefined) error([section, index, 'id'], said('duplicateId', { id: value.id, section, first }));
    else seen.set(value.id, index);
  }
}

function checkVenue(c: PartialConfig, error: Report, warn: Report): void {
  const v = c.venue;
  if (!v) return;
  const cat = CATEGORIES[v.category];
  if (cat.alwaysFlammables && !v.flammables) {
    error(['venue', 'flammables'], said('alwaysFlammables', { category: v.category, item: cat.annexItem }));
  }
  for (const excess of sizeExcesses(v.category, v.size)) warn(['venue', 'size', excess.key], excess.said);

  if (v.lowRisk) {
    const withoutDecision = assessRisk({ ...v, lowRisk: undefined });
    if (withoutDecision.colour === 'red' || withoutDecision.colour === 'orange') {
      const crowded = said(withoutDecision.crowdedSource === 'stated' ? 'whyCrowded' : 'whyCrowdedByCategory', { category: v.category });
      const why = withoutDecision.reasons.flatMap((r) => {
        if (r.rule === 'flammables-and-crowded') return [said('whyFlammablesAndCrowded', { crowdedText: crowded })];
        if (r.rule === 'crowded') return [crowded];
        const code = WHY[r.rule];
        return code ? [said(code)] : [];
      });
      error(['venue', 'lowRisk'], said('lowRiskNotYellow', { colourText: said(withoutDecision.colour), whyText: joinedSaid(why) }), 'key');
    }
  }

  // The code names a township: province(2) city(2) county(2) township(3) village(3).
  const township = v.adminCode.slice(6, 9);
  const village = v.adminCode.slice(9);
  if (township === '000') {
    warn(['venue', 'adminCode'], said('countyCode', { code: v.adminCode }));
  } else if (village !== '000') {
    warn(['venue', 'adminCode'], said('villageCode', { code: v.adminCode, township: `${v.adminCode.slice(0, 9)}000` }));
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
          error(['buses', index, 'path'], said('serialTwoSettings', { path: bus.path, bus: other.bus.id, line: line(other.bus), other: line(bus) }));
        } else {
          error(['buses', index, 'path'], said('serialTwice', { path: bus.path, bus: other.bus.id }));
        }
      } else byPath.set(bus.path, { index, bus });
      if (/^\/dev\/tty(USB|ACM)\d+$/.test(bus.path)) {
        warn(['buses', index, 'path'], said('unstablePath', { path: bus.path }));
      }
    } else {
      const endpoint = `${bus.host}:${bus.port}`;
      const other = byEndpoint.get(endpoint);
      if (other && (bus.type === 'rtu-over-tcp' || other.bus.type === 'rtu-over-tcp')) {
        error(['buses', index, 'port'], said('serialServerTwice', { endpoint, bus: other.bus.id }));
      } else if (other) {
        warn(['buses', index, 'port'], said('endpointTwice', { endpoint, bus: other.bus.id }));
      } else byEndpoint.set(endpoint, { index, bus });
    }
  }
  const used = new Set(c.devices.items.map((d) => d.value.bus));
  for (const { index, value: bus } of c.buses.items) {
    if (!used.has(bus.id)) warn(['buses', index, 'id'], said('busNoDevices', { bus: bus.id }));
  }
}

/** Checks devices; returns each valid device's profile (when known) for the later rules. */
function checkDevices(c: PartialConfig, ctx: CheckContext, error: Report, warn: Report): Map<string, { device: Device; profile?: Profile }> {
  const busById = new Map(c.buses.items.map((b) => [b.value.id, b.value]));
  const profileOf = new Map<string, { device: Device; profile?: Profile }>();
  const slaveSeen = new Map<string, string>();
  const knownProfiles = [...Object.keys(ctx.builtinProfiles), ...c.profileNames];

  if (c.devices.items.length === 0 && c.devices.ids.size === 0) warn(['devices'], said('noDevices'));

  for (const { index, value: d } of c.devices.items) {
    const here = (...rest: PathSegment[]) => ['devices', index, ...rest];
    const bus = busById.get(d.bus);
    // A broken bus still says what type it is: slave id 0 is wrong on a serial line either way.
    const busType = bus?.type ?? c.buses.raw.get(d.bus)?.type;
    if (!bus && !c.buses.ids.has(d.bus)) {
      const guess = closest(d.bus, busById.keys());
      const list = listOrNone([...busById.keys()]);
      error(here('bus'), guess ? said('noBusGuess', { bus: d.bus, guess, list }) : said('noBus', { bus: d.bus, list }));
    }
    const serialLine = busType !== 'tcp';
    if (serialLine && d.slaveId === 0) {
      error(here('slaveId'), said('slaveBroadcast'));
    } else if (serialLine && d.slaveId > 247) {
      error(here('slaveId'), said('slaveReserved', { id: d.slaveId }));
    }
    if (bus) {
      const key = `${bus.id}/${d.slaveId}`;
      const other = slaveSeen.get(key);
      if (other) error(here('slaveId'), said('slaveTaken', { id: d.slaveId, bus: bus.id, device: other }));
      else slaveSeen.set(key, d.id);
    }

    const profile = ctx.builtinProfiles[d.profile] ?? c.profiles.get(d.profile);
    if (!profile && !c.profileNames.has(d.profile)) {
      const guess = closest(d.profile, knownProfiles);
      const list = knownProfiles.join(', ');
      error(here('profile'), guess ? said('unknownProfileGuess', { profile: d.profile, guess, list }) : said('unknownProfile', { profile: d.profile, list }));
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
      const list = Object.keys(profile.points).join(', ');
      error(
        here('channels', name),
        guess ? said('noPointGuess', { profile: d.profile, point: name, guess, list }) : said('noPoint', { profile: d.profile, point: name, list }),
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
          said('thresholdRange', { level, value: v, unit: rule.unit, kind: point.kind, range: describeRange(rule), source: rule.source }),
        );
      }
    }
    // Compare what will be in force: a default counts too, so alarm: 150 on a residual-current channel
    // (default warning 200) is caught.
    const warning = ch.warning ?? rule?.warning;
    const alarm = ch.alarm ?? rule?.alarm;
    if ((ch.warning !== undefined || ch.alarm !== undefined) && warning !== undefined && alarm !== undefined && warning >= alarm) {
      const shown = (value: number, set: number | undefined) => (set === undefined ? said('defaultValue', { value }) : value);
      error(
        here('channels', name, ch.warning !== undefined ? 'warning' : 'alarm'),
        said('warningBelowAlarm', { warning: shown(warning, ch.warning), alarm: shown(alarm, ch.alarm) }),
      );
    }
    if (ch.lowWarning !== undefined && ch.lowAlarm !== undefined && ch.lowAlarm >= ch.lowWarning) {
      error(here('channels', name, 'lowAlarm'), said('lowAlarmBelow', { lowAlarm: ch.lowAlarm, lowWarning: ch.lowWarning }));
    }
    if (ch.rateOfRisePerMin !== undefined && point.kind !== 'temperature') {
      error(here('channels', name, 'rateOfRisePerMin'), said('rateOfRise', { kind: point.kind }));
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
        said('responseTime', {
          channel: name,
          poll: d.pollIntervalMs,
          delay: onDelay,
          timeout: timeoutMs,
          worst,
          limit: k.responseLimitMs / 1000,
          source: k.responseSource ?? '',
        }),
      );
    }
  }
}

function checkProfiles(c: PartialConfig, ctx: CheckContext, error: Report, warn: Report): void {
  for (const name of c.profileNames) {
    if (ctx.builtinProfiles[name]) error(['profiles', name], said('builtinProfileName', { name }), 'key');
  }
  for (const [name, profile] of c.profiles) {
    for (const [pointName, p] of Object.entries(profile.points)) {
      // Manuals often print Modicon numbers: 40001 is holding register 0, 30001 input register 0.
      const modicon = p.fc === 3 ? 40001 : p.fc === 4 ? 30001 : undefined;
      if (modicon !== undefined && p.address >= modicon && p.address < modicon + 9999) {
        const wire = p.address - modicon;
        warn(
          ['profiles', name, 'points', pointName, 'address'],
          said('modicon', { address: p.address, wire, hex: `0x${wire.toString(16).toUpperCase().padStart(4, '0')}` }),
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
    if (other) error(['inputs', index, 'driver', 'line'], said('gpioInputTaken', { line: i.driver.line, input: other }));
    else gpioLines.set(key, i.id);
    if (profileOf.has(i.id)) error(['inputs', index, 'id'], said('inputIsDevice', { id: i.id }));
  }
  const coils = new Map<string, string>();
  for (const { index, value: o } of c.outputs.items) {
    const here = (...rest: PathSegment[]) => ['outputs', index, ...rest];
    if (o.role === 'gas-valve') {
      if (o.closedLevel === undefined) {
        error(here('role'), said('valveNeedsClosedLevel'));
      } else if (o.safeState !== o.closedLevel) {
        error(here('safeState'), said('valveSafeState', { level: o.closedLevel }));
      }
    } else if (o.closedLevel !== undefined) {
      error(here('closedLevel'), said('closedLevelOnlyValve', { role: o.role }), 'key');
    }
    const drv = o.driver;
    if (drv.type === 'gpio') {
      const key = `${drv.chip ?? 'soc'}/${drv.line}`;
      const other = gpioLines.get(key);
      if (other) error(here('driver', 'line'), said('gpioTaken', { line: drv.line, id: other }));
      else gpioLines.set(key, o.id);
    } else if (drv.type === 'modbus-coil' || drv.type === 'modbus-register') {
      const target = profileOf.get(drv.device);
      if (!target && !c.devices.ids.has(drv.device)) {
        error(here('driver', 'device'), said('noDeviceToDrive', { device: drv.device }));
        continue;
      }
      const address = drv.type === 'modbus-coil' ? drv.coil : drv.register;
      const key = `${drv.type}/${drv.device}/${address}`;
      const other = coils.get(key);
      if (other) error(here('driver', drv.type === 'modbus-coil' ? 'coil' : 'register'), said('addressTaken', { device: drv.device, address, output: other }));
      else coils.set(key, o.id);
      if (drv.type === 'modbus-coil' && target?.profile) {
        const writableCoils = Object.values(target.profile.points)
          .filter((p) => p.fc === 1 && p.writable)
          .map((p) => p.address);
        if (!writableCoils.includes(drv.coil)) {
          error(
            here('driver', 'coil'),
            said('noWritableCoil', { device: drv.device, profile: target.device.profile, coil: drv.coil, list: listOrNone(writableCoils) }),
          );
        }
        if (drv.feedback) {
          const inputs = Object.values(target.profile.points)
            .filter((p) => p.fc === 2)
            .map((p) => p.address);
          if (!inputs.includes(drv.feedback.input)) {
            error(
              here('driver', 'feedback', 'input'),
              said('noDiscreteInput', { device: drv.device, profile: target.device.profile, input: drv.feedback.input, list: listOrNone(inputs) }),
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
      error(here('when'), said('deviceOrGroup'));
    }
    if (rule.when.device !== undefined && !profileOf.has(rule.when.device) && !c.devices.ids.has(rule.when.device) && !c.inputs.ids.has(rule.when.device)) {
      error(here('when', 'device'), said('noDevice', { device: rule.when.device }));
    }
    if (rule.when.group !== undefined && !groups.has(rule.when.group)) {
      error(here('when', 'group'), said('noGroup', { group: rule.when.group, list: listOrNone([...groups]) }));
    }
    rule.do.forEach((action, i) => {
      const o = outputs.get(action.output);
      if (!o) {
        if (!c.outputs.ids.has(action.output)) error(here('do', i, 'output'), said('noOutput', { output: action.output }));
        return;
      }
      if (o.role === 'gas-valve') {
        if (action.action !== 'close') {
          error(here('do', i, 'action'), said('valveOnlyClosed', { action: action.action }));
        } else closedValves.add(o.id);
      } else if (action.action === 'close') {
        error(here('do', i, 'action'), said('closeIsForValve', { id: o.id, role: o.role }));
      }
    });
  }
  const hasGasDetector = [...profileOf.values()].some((e) => e.profile && Object.values(e.profile.points).some((p) => p.kind === 'gas'));
  for (const { index, value: o } of c.outputs.items) {
    if (o.role === 'gas-valve' && hasGasDetector && !closedValves.has(o.id)) {
      warn(['outputs', index, 'id'], said('valveNotClosed', { id: o.id }));
    }
  }
  const v = c.venue;
  // Only heavy gas use: a fireworks store handles flammables too, but a gas detector is not its sensor.
  // A device entry that failed (its shape, an unknown profile) may well be the gas detector: its own error
  // says what is wrong; guessing "no gas channel" on top would send the installer the wrong way.
  const allDevicesKnown = c.devices.items.length >= c.devices.ids.size && [...profileOf.values()].every((e) => e.profile !== undefined);
  if (v?.heavyGasUse && !hasGasDetector && c.devices.ids.size > 0 && allDevicesKnown) {
    warn(['devices'], said('gasVenueNoGas'));
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
      error(['centre', 'components', key], said('noDeviceOrInput', { device }), 'key');
    } else if (target?.profile && !target.profile.points[channel]) {
      error(['centre', 'components', key], said('noChannelOfDevice', { device, channel, list: Object.keys(target.profile.points).join(', ') }), 'key');
    } else if (input && channel !== 'contact') {
      error(['centre', 'components', key], said('contactChannel', { channel }), 'key');
    }
    if (m.componentAddress !== undefined) {
      const other = addresses.get(m.componentAddress);
      if (other) error(['centre', 'components', key, 'componentAddress'], said('componentAddressTaken', { address: m.componentAddress, key: other }));
      else addresses.set(m.componentAddress, key);
    }
  }
}

function checkUplinkAndStatus(c: PartialConfig, ctx: CheckContext, error: Report, warn: Report): void {
  const u = c.uplink;
  if (!u) {
    if (c.gatewayId !== undefined && !c.centre) warn(['uplink'], said('noUplink'));
  } else {
    if (u.password !== undefined && u.passwordFile !== undefined) error(['uplink', 'passwordFile'], said('passwordTwice'), 'key');
    if (u.password !== undefined && !ctx.fromEnv.has('uplink.password')) {
      warn(['uplink', 'password'], said('passwordInline'));
    }
    if (/^[a-z]+:\/\/[^/@\s]*:[^/@\s]*@/i.test(u.url)) {
      error(['uplink', 'url'], said('credentialsInUrl'));
    }
    const secure = /^(mqtts|wss):/.test(u.url);
    if (u.tls && !secure) error(['uplink', 'tls'], said('tlsOnPlain', { url: u.url.replace(/\/\/.*$/, '//…') }), 'key');
    if (u.tls && (u.tls.cert === undefined) !== (u.tls.key === undefined)) {
      error(['uplink', 'tls', u.tls.cert === undefined ? 'key' : 'cert'], said('certAndKey'));
    }
    if (u.tls && !u.tls.rejectUnauthorized) warn(['uplink', 'tls', 'rejectUnauthorized'], said('brokerUnchecked'));
  }

  const s = c.status;
  if (s) {
    if (s.token !== undefined && s.tokenFile !== undefined) error(['status', 'tokenFile'], said('tokenTwice'), 'key');
    const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(s.host);
    if (s.enabled && !loopback && s.token === undefined && s.tokenFile === undefined) {
      error(['status', 'host'], said('statusExposed', { host: s.host }));
    }
    if (s.token !== undefined && !ctx.fromEnv.has('status.token')) {
      warn(['status', 'token'], said('tokenInline'));
    }
  }
}

/** A list for a message, or "none". */
function listOrNone(items: readonly (string | number)[]): Param {
  return items.length ? items.join(', ') : said('none');
}

/** Article 6(4)'s red and orange rules, as the reason a low-risk decision cannot apply. */
const WHY: Partial<Record<RiskRule, DiagnosticCode>> = {
  'fire-key-unit': 'whyFireKeyUnit',
  'mixed-use': 'whyMixedUse',
  'heavy-gas-use': 'whyHeavyGas',
  flammables: 'whyFlammables',
};
