import type { ChannelConfig } from '../../../config/alarms.js';
import { EmailNotifier } from './email.js';
import { MqttNotifier } from './mqtt.js';
import { TelegramNotifier } from './telegram.js';
import type { Notifier } from './types.js';
import { WebhookNotifier } from './webhook.js';

type Factory<T extends ChannelConfig['type']> = (
  c: Extract<ChannelConfig, { type: T }>,
  site: string,
) => Notifier;

/** Register, don't branch: one factory per channel type. */
const FACTORIES: { [T in ChannelConfig['type']]: Factory<T> } = {
  telegram: (c) =>
    new TelegramNotifier({
      id: c.id,
      botToken: c.botToken,
      chatId: c.chatId,
      ...(c.baseUrl ? { baseUrl: c.baseUrl } : {}),
    }),
  email: (c) =>
    new EmailNotifier({
      id: c.id,
      host: c.host,
      from: c.from,
      to: c.to,
      ...(c.port !== undefined ? { port: c.port } : {}),
      ...(c.secure !== undefined ? { secure: c.secure } : {}),
      ...(c.username !== undefined ? { username: c.username } : {}),
      ...(c.password !== undefined ? { password: c.password } : {}),
    }),
  webhook: (c, site) => new WebhookNotifier({ id: c.id, url: c.url, secret: c.secret, site }),
  mqtt: (c, site) =>
    new MqttNotifier({
      id: c.id,
      url: c.url,
      topic: c.topic,
      site,
      ...(c.username !== undefined ? { username: c.username } : {}),
      ...(c.password !== undefined ? { password: c.password } : {}),
    }),
};

export function createNotifier(c: ChannelConfig, site: string): Notifier {
  return (FACTORIES[c.type] as Factory<typeof c.type>)(c as never, site);
}
