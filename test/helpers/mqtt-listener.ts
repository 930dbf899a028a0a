// A platform stand-in for tests: subscribes to everything a gateway sends and keeps it.
import mqtt, { type MqttClient } from 'mqtt';

export interface Received {
  topic: string;
  payload: string;
  json?: Record<string, unknown>;
  retain: boolean;
}

export async function listen(
  url: string,
  filter = 'jx/v1/#',
  options: mqtt.IClientOptions = {},
): Promise<{ client: MqttClient; got: Received[]; close(): Promise<void> }> {
  const client = mqtt.connect(url, { reconnectPeriod: 200, clientId: `platform-${Math.random().toString(16).slice(2)}`, ...options });
  client.on('error', () => undefined);
  const got: Received[] = [];
  client.on('message', (topic, payload, packet) => {
    const text = payload.toString();
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    got.push({ topic, payload: text, retain: packet.retain, ...(json ? { json } : {}) });
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, got, close: () => client.endAsync() };
}
