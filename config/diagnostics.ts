// What the config loader says, as codes with parameters. A diagnostic is `{ code, params }` (a `Said`);
// its English sentence is rendered from `DIAGNOSTICS_EN`, its Chinese one from `DIAGNOSTICS_ZH`
// (config/diagnostics-zh.ts), which the compiler holds to exactly the same codes. A parameter may itself
// be a `Said` (a value description, a nested reason), rendered in the same language. Keys, ids, paths,
// numbers and file names are parameters and stay as written in the file: the installer has to find them.
// The codes are stable: the platform gets them with a refused remote config.

import type { ErrorCode as YamlErrorCode } from 'yaml';

/** The YAML library's errors by its own code: its sentence is the detail, our text the explanation. */
const YAML_EN: Record<`yaml.${YamlErrorCode}`, string> = {
  'yaml.ALIAS_PROPS': '{library}',
  'yaml.BAD_ALIAS': '{library}',
  'yaml.BAD_DIRECTIVE': '{library}',
  'yaml.BAD_DQ_ESCAPE': '{library}',
  'yaml.BAD_INDENT': '{library}',
  'yaml.BAD_PROP_ORDER': '{library}',
  'yaml.BAD_SCALAR_START': '{library}',
  'yaml.BLOCK_AS_IMPLICIT_KEY': '{library}',
  'yaml.BLOCK_IN_FLOW': '{library}',
  'yaml.DUPLICATE_KEY': '{library}: this key appears twice in the same block',
  'yaml.IMPOSSIBLE': '{library}',
  'yaml.KEY_OVER_1024_CHARS': '{library}',
  'yaml.MISSING_CHAR': '{library}',
  'yaml.MULTILINE_IMPLICIT_KEY': '{library}',
  'yaml.MULTIPLE_ANCHORS': '{library}',
  'yaml.MULTIPLE_DOCS': '{library}',
  'yaml.MULTIPLE_TAGS': '{library}',
  'yaml.NON_STRING_KEY': '{library}',
  'yaml.RESOURCE_EXHAUSTION': '{library}',
  'yaml.TAB_AS_INDENT': '{library}: indent with spaces',
  'yaml.TAG_RESOLVE_FAILED': '{library}',
  'yaml.UNEXPECTED_TOKEN': '{library}',
  'yaml.BAD_COLLECTION_TYPE': '{library}',
};

/** Annex 2's size measures, for `sizeOver`. */
const MEASURES_EN = {
  'measure.areaM2': 'building area',
  'measure.diners': 'rated diners',
  'measure.beds': 'beds',
  'measure.boardingBeds': 'boarding beds',
  'measure.dayPeople': 'day-school people',
  'measure.staff': 'staff',
  'measure.dormStaff': 'staff dormitory places',
} as const;

export const DIAGNOSTICS_EN = {
  // The file as a whole.
  cannotRead: 'cannot read: {whyText}',
  noSuchFile: 'no such file',
  permissionDenied: 'permission denied',
  isDirectoryNotFile: 'is a directory, not a file',
  isDirectory: 'is a directory',
  /** What the operating system said, in its words (an errno we do not word ourselves). */
  systemSays: '{why}',
  emptyFile: 'the file is empty: a config needs at least gateway and venue',
  topNotBlock: 'expected a block of keys (gateway:, venue:, …) at the top of the file',
  notTimeZone: 'not a time zone: give an IANA name such as Asia/Shanghai',
  // Bounds (config/bounds.ts): what no config may exceed.
  fileTooBig: 'the file is {size}; a config file is at most {limit}',
  streamTooBig: 'the file is over {limit}, the most a config file may be',
  secretFileTooBig: 'the file is {size}; such a file is at most {limit}',
  secretStreamTooBig: 'the file is over {limit}, the most such a file may be',
  textTooBig: 'the config is {size}; a config is at most {limit}',
  indentedTooFar: 'indented more than {n} columns',
  tooManyAliases: 'more than {n} aliases (*{name}): a config needs few, if any',
  valueTooLong: 'a value of {n} characters; values are at most {max}',
  valueTooLongFromEnv: 'with its variables this value is {n} characters; values are at most {max}',
  nestedTooDeep: 'nested more than {n} levels deep',
  tooManyInList: '{n} items in one list; at most {max}',
  tooManyInBlock: '{n} items in one block; at most {max}',
  aliasInItself: 'the alias *{name} refers to a block that contains it',
  aliasBomb: 'expanding the aliases here gives more than {max} values, the most a config may have (an alias bomb?)',
  // YAML syntax: the first error, and how many the parser then stumbled over.
  parserStumbles: '{firstText} (the parser then stumbles over {n} more places after it: fix this one and check again)',
  ...YAML_EN,
  // ${ENV} references.
  unclosedEnv: 'unclosed ${ in "{value}": write ${NAME}',
  notEnvRef: '"${{inner}}" is not a variable reference: write ${NAME} or ${NAME:-default}',
  envNotSet: 'environment variable {name} is not set',
  // Types and values (config/issue-text.ts).
  required: 'is required ({expectedText})',
  quotedBoolean: 'expected true or false, got the quoted string {value}: remove the quotes',
  yaml11Boolean: 'expected true or false, got the string {value} (YAML 1.2 reads only true/false as booleans)',
  quotedNumber: 'expected a number, got the quoted string {value}: remove the quotes',
  oneOf: 'expected one of {options}; got {gotText}',
  oneOfForms: 'expected one of the allowed forms, got {gotText}',
  atMostItems: 'at most {n} items',
  atMostChars: 'at most {n} characters',
  atMostItemsGot: 'at most {n} items, got {got}',
  atMostCharsGot: 'at most {n} characters, got {got}',
  mustBe: 'must be {op} {limit}, got {gotText}',
  atLeastItem: 'needs at least {n} item',
  atLeastItems: 'needs at least {n} items',
  notEmpty: 'must not be empty',
  atLeastChars: 'at least {n} characters',
  multipleOf: 'must be a multiple of {divisor}, got {gotText}',
  expectedFormat: 'expected {format}, got {gotText}',
  unknownKeyGuess: 'unknown key "{key}" (did you mean "{guess}"?)',
  riskTypedIn:
    'unknown key "{key}": the risk colour is derived from the venue facts (flammables, crowded, fireKeyUnit, mixedUse, heavyGasUse, lowRisk), never typed in',
  unknownKey: 'unknown key "{key}"',
  noForm: 'does not match any allowed form',
  badName: 'bad name {name}: {whyText}',
  badEntry: 'bad entry: {whyText}',
  withGot: '{messageText}; got {gotText}',
  expectedGot: 'expected {expectedText}, got {gotText}',
  /** A message of the schema library we have no words of our own for. */
  schemaSays: '{message}',
  theString: 'the string {value}',
  nothing: 'nothing',
  emptyValue: 'an empty value',
  aList: 'a list',
  aBlock: 'a block of keys',
  aNumber: 'a number',
  aWholeNumber: 'a whole number',
  text: 'text',
  trueOrFalse: 'true or false',
  // The schema's own messages (config/schema.ts, config/profile.ts).
  idForm: 'expected an id of letters, digits, ".", "-" or "_" (at most 64, starting with a letter or digit)',
  gatewayIdForm: 'expected 3–64 letters, digits, ".", "-" or "_" (it goes into MQTT topics: no "/", "+", "#" or spaces)',
  nameForm: 'expected a lower-case name: a letter, then letters, digits, "-" or "_" (at most 48)',
  adminCodeForm: 'expected the 12-digit administrative division code of the township (行政区划代码), e.g. 500242100000',
  lowRiskReason: 'give the reason the township recorded',
  linkageNeedsAction: 'a linkage rule needs at least one action',
  uplinkUrlForm: 'expected mqtt://, mqtts://, ws:// or wss:// and a host, e.g. mqtts://platform.example:8883',
  addressForm: 'expected an address 0–65535, or hex 0x0000–0xFFFF',
  busType: 'expected type rtu, tcp or rtu-over-tcp',
  outputDriverType: 'expected driver type gpio, modbus-coil, modbus-register or memory',
  inputDriverType: 'expected driver type gpio or memory',
  fcBitsType: 'fc {fc} reads single bits: type must be bool, got {type}',
  fcRegistersBit: 'fc {fc} reads registers: use bit (with bit: N) for one bit of a register, not bool',
  bitNeedsBit: 'type bit needs bit: 0–15',
  bitOnlyWithBit: 'bit only goes with type bit, not {type}',
  twoRegisters: 'a {type} takes two registers: address must be ≤ 65534',
  rangeOrder: 'range.max {max} must be above range.min {min}',
  scaleZero: 'scale 0 would read every value as the offset',
  stateWhenNames: '"{when}" is neither a bit name nor an enum label of this point ({names})',
  stateWhenNone: '"{when}" is neither a bit name nor an enum label of this point: add bits or enum',
  profileNeedsPoint: 'a profile needs at least one point',
  noPointInProfile: 'no point "{channel}" in this profile',
  deviceChannelKey: 'expected DEVICE/CHANNEL',
  // Secret and TLS files (config/load.ts).
  cannotReadPasswordFile: 'cannot read the password file {file}: {whyText}',
  cannotReadTokenFile: 'cannot read the token file {file}: {whyText}',
  cannotReadTlsFile: 'cannot read the TLS file {file}: {whyText}',
  secretEmpty: 'the file {file} is empty',
  tlsProblem: 'the TLS file {file} {problemText}',
  isEmpty: 'is empty',
  notPem: 'is not PEM (no -----BEGIN …----- block): convert it with openssl x509 -outform PEM',
  notPrivateKey: 'holds {labels}, not a private key',
  notCertificate: 'holds {labels}, not a certificate',
  certDoesNotParse: 'holds a certificate that does not parse ({why})',
  // Venue (config/cross-check.ts, config/venue.ts).
  duplicateId: 'duplicate id "{id}": {section}[{first}] has it already',
  alwaysFlammables: 'a {category} venue (Annex 2 item {item}) handles flammable or explosive goods by definition: set true',
  lowRiskNotYellow: 'a low-risk (blue) decision applies only to a venue that would otherwise be yellow; this one is {colourText} because it {whyText}',
  red: 'red',
  orange: 'orange',
  countyCode: "{code} is a county-level code (digits 7–9 are 000): the platform routes alarms by township, give the township's code",
  villageCode: '{code} is a village/community code: the platform routes alarms by township, e.g. {township}',
  ...MEASURES_EN,
  sizeOver: '{whatText} {value}{unit} is over the limit of {limit}{unit} by {by}{unit}: not a small venue under Annex 2',
  sizeOverHealthCentre:
    '{whatText} {value}{unit} is over the limit of {limit}{unit} by {by}{unit}: not a small venue under Annex 2 (unless it is a township, street or community health centre)',
  floorOutside: 'floor {floor} is outside floors 1–3, where a small entertainment venue must be: not a small venue under Annex 2',
  nurseryPeople:
    'people {people} is over the limit of 100 for a day nursery or kindergarten by {by}: not a small venue under Annex 2 if it is one (a day school is small up to 500)',
  // The reasons of Article 6(4) when a low-risk decision is refused (joined by "; ").
  whyFlammablesAndCrowded: 'handles flammable or explosive goods and {crowdedText}',
  whyFlammables: 'handles flammable or explosive goods',
  whyFireKeyUnit: 'is a fire-safety key unit, 消防重点场所',
  whyMixedUse: 'is a mixed multi-business premises, 多业态混合',
  whyHeavyGas: 'uses a lot of gas, e.g. a hotpot restaurant',
  whyCrowdedByCategory: 'is a crowded place (default for category {category})',
  whyCrowded: 'is a crowded place',
  // Buses.
  serialTwoSettings: '{path} is already bus "{bus}" at {line}; one serial line cannot also run at {other}',
  serialTwice: '{path} is already bus "{bus}": put all devices of one serial line on one bus',
  unstablePath: '{path} can change after a reboot or replug; prefer the stable /dev/serial/by-id/… path',
  serialServerTwice: '{endpoint} is already bus "{bus}": a serial server\'s line takes one master, put its devices on one bus',
  endpointTwice: '{endpoint} is also bus "{bus}": devices behind one endpoint are better on one bus',
  busNoDevices: 'bus "{bus}" has no devices',
  // Devices and channels.
  noDevices: 'no devices: this gateway watches nothing',
  noBusGuess: 'no bus "{bus}" (did you mean "{guess}"?); buses: {list}',
  noBus: 'no bus "{bus}"; buses: {list}',
  none: 'none',
  slaveBroadcast: 'slave id 0 is the broadcast address: no device answers it; use 1–247 (factory default is usually 1)',
  slaveReserved: 'slave id {id} is reserved on a serial line; use 1–247',
  slaveTaken: 'slave id {id} on bus "{bus}" is already device "{device}"',
  unknownProfileGuess: 'unknown profile "{profile}" (did you mean "{guess}"?); known: {list}',
  unknownProfile: 'unknown profile "{profile}"; known: {list}',
  noPointGuess: 'profile "{profile}" has no point "{point}" (did you mean "{guess}"?); points: {list}',
  noPoint: 'profile "{profile}" has no point "{point}"; points: {list}',
  thresholdRange: '{level} {value} {unit} is outside the allowed {kind} range {range}; source: {source}',
  warningBelowAlarm: 'warning {warning} must be below alarm {alarm}',
  defaultValue: '{value} (default)',
  lowAlarmBelow: 'lowAlarm {lowAlarm} must be below lowWarning {lowWarning}',
  rateOfRise: 'rate-of-rise applies to temperature channels, not {kind}',
  responseTime: '{channel}: poll {poll} ms + on-delay {delay} ms + timeout {timeout} ms = {worst} ms is over the {limit} s response time ({source})',
  builtinProfileName: '"{name}" is a built-in profile: give yours another name',
  modicon: '{address} looks like Modicon notation; on the wire that is register {wire} ({hex}): write address: {wire} if so',
  // Inputs, outputs, linkage.
  gpioInputTaken: 'GPIO line {line} is already input "{input}"',
  inputIsDevice: '"{id}" is also a device id: a dry contact appears as a device, give it its own id',
  valveNeedsClosedLevel: 'a gas-valve needs closedLevel: the level that closes it (off for a fail-safe, normally closed valve)',
  valveSafeState: "a gas valve's safe state is closed: safeState must be {level} (its closedLevel)",
  closedLevelOnlyValve: 'closedLevel only applies to a gas-valve, not a {role}',
  gpioTaken: 'GPIO line {line} is already used by "{id}"',
  noDeviceToDrive: 'no device "{device}" to drive; a relay module must be in devices',
  addressTaken: '{device} {address} is already output "{output}"',
  noWritableCoil: 'device "{device}" (profile {profile}) has no writable coil {coil}; coils: {list}',
  noDiscreteInput: 'device "{device}" (profile {profile}) has no discrete input {input}; inputs: {list}',
  deviceOrGroup: 'name a device or a group, not both',
  noDevice: 'no device "{device}"',
  noGroup: 'no device is in group "{group}"; groups: {list}',
  noOutput: 'no output "{output}"',
  valveOnlyClosed: 'a gas valve can only be closed by linkage; reopening needs a local reset on site (got {action})',
  closeIsForValve: 'close is for a gas-valve; "{id}" is a {role}: use on or off',
  valveNotClosed: 'gas valve "{id}" is not closed by any linkage rule',
  gasVenueNoGas: 'the venue uses a lot of gas but no device has a gas channel',
  // A fire-monitoring centre (GB/T 26875.3).
  noDeviceOrInput: 'no device or input "{device}"',
  noChannelOfDevice: 'device "{device}" has no channel "{channel}"; points: {list}',
  contactChannel: 'a dry contact\'s channel is "contact", not "{channel}"',
  componentAddressTaken: 'component address {address} is already {key}',
  // Uplink and status page.
  noUplink: 'no uplink: alarms are kept and acted on locally but reach no platform',
  passwordTwice: 'give password or passwordFile, not both',
  passwordInline: 'the password is inline in the config file: use ${MQTT_PASSWORD} or passwordFile so the file can be shared',
  credentialsInUrl: 'credentials inside the url: give username and password (or passwordFile) instead',
  tlsOnPlain: 'tls is set but the url {url} is plain: use mqtts:// or wss://',
  certAndKey: 'a client certificate needs both cert and key',
  brokerUnchecked: "the broker's certificate is not checked: anyone can pose as the platform",
  tokenTwice: 'give token or tokenFile, not both',
  statusExposed: 'the status page on {host} is reachable beyond this box: set token or tokenFile, or bind 127.0.0.1',
  tokenInline: 'the token is inline in the config file: use ${STATUS_TOKEN} or tokenFile',
  // A config sent from the platform (gateway/fleet/): what only a person on site may change.
  remoteIdentity: '{key} is {old} on this box; a config from the platform cannot change it (on site only)',
  remoteRemovesGas: 'gas channel {device}/{channel} is watched now; a config from the platform cannot remove or disable it (on site only)',
  remoteGasAlarmAbove:
    'gas alarm of {device}/{channel} at {value} %LEL is above {limit} %LEL ({source}); a config from the platform cannot set it (on site only)',
  remoteRemovesValve: 'gas valve {output} is in use now; a config from the platform cannot remove it or change its role (on site only)',
  remoteValveUnlinked: 'gas valve {output} is closed by a gas alarm now; a config from the platform cannot take that away (on site only)',
  sha256Mismatch: 'the config is {size} with SHA-256 {actual}, not the {expected} sent with it',
  // A list of reasons ("a; b; c"), each rendered on its own.
  joined: '{aText}; {bText}',
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTICS_EN;

export type Param = string | number | Said;

/** A diagnostic as data: a stable code and what goes into its sentence. */
export interface Said {
  readonly code: DiagnosticCode;
  readonly params: Readonly<Record<string, Param>>;
}

export function said(code: DiagnosticCode, params: Readonly<Record<string, Param>> = {}): Said {
  return { code, params };
}

/** Several reasons as one ("a; b; c"), or the one. */
export function joinedSaid(parts: readonly Said[]): Said {
  if (parts.length === 0) throw new Error('joinedSaid: nothing to join');
  return parts.slice(1).reduce((a, b) => said('joined', { aText: a, bText: b }), parts[0] as Said);
}

export type DiagnosticCatalogue = Readonly<Record<DiagnosticCode, string>>;

/** The sentence of `s` in the catalogue's language; nested `Said` parameters in the same language. */
export function renderSaid(s: Said, catalogue: DiagnosticCatalogue): string {
  return catalogue[s.code].replace(/\{(\w+)\}/g, (whole, name: string) => {
    const p = s.params[name];
    if (p === undefined) return whole;
    return typeof p === 'object' ? renderSaid(p, catalogue) : String(p);
  });
}

/** The English sentence (what `message` holds everywhere: logs, the platform, tests). */
export function english(s: Said): string {
  return renderSaid(s, DIAGNOSTICS_EN);
}

/** A diagnostic as machines get it (check-config --json, a refused remote config): where, the stable code
 *  with its parameters, the English. Without a place (a whole-config reason): path '' at 0:0. */
export function diagnosticJson(d: { path: string; line: number; column: number; said: Said } | Said): {
  path: string;
  line: number;
  column: number;
  code: DiagnosticCode;
  params: Said['params'];
  message: string;
} {
  const placed = 'said' in d ? d : { path: '', line: 0, column: 0, said: d };
  return { path: placed.path, line: placed.line, column: placed.column, code: placed.said.code, params: placed.said.params, message: english(placed.said) };
}

/** Whether `v` is a `Said` (a schema refinement carries one in its params). */
export function isSaid(v: unknown): v is Said {
  return typeof v === 'object' && v !== null && typeof (v as Said).code === 'string' && (v as Said).code in DIAGNOSTICS_EN;
}

/** The code whose English is exactly `text` when it takes no parameters (the schema's own messages). */
const CODE_OF_TEXT = new Map<string, DiagnosticCode>(
  (Object.entries(DIAGNOSTICS_EN) as [DiagnosticCode, string][]).filter(([, t]) => !/\{\w+\}/.test(t)).map(([c, t]) => [t, c]),
);

export function saidOfText(text: string): Said {
  const code = CODE_OF_TEXT.get(text);
  return code ? said(code) : said('schemaSays', { message: text });
}

/** A schema refinement's issue fields for `s`: the English as zod's message, the `Said` in its params. */
export function saidIssue(s: Said): { message: string; params: { said: Said } } {
  return { message: english(s), params: { said: s } };
}
