import { describe, expect, it } from 'vitest';
import { ConfigError } from './issues.js';
import { loadConfigText } from './load.js';
import type { MachineConfig } from './types.js';

const PROFILES = [new URL('../tests/config-errors/_profiles', import.meta.url).pathname];

const base = `
site: { id: htx-test, name: HTX thử }
lines: [{ id: line-1, name: Dây chuyền 1 }]
buses: [{ id: rs485-1, path: /dev/ttyUSB0, baudRate: 19200, stopBits: 2 }]
machines:
`;

describe('loadConfig normalisation', () => {
  it('fills defaults, applies profile overrides and addressBase, freezes', () => {
    const cfg = loadConfigText(
      `${base}
  - id: dryer-1
    name: Máy sấy 1
    line: line-1
    profile: mini-dryer
    connection: { type: rtu, bus: rs485-1, unitId: 7 }
    modbus: { addressBase: 1, maxRegistersPerRead: 20 }
    overrides:
      temperature: { address: 1002, scale: 1, unit: °F }
      running: { enabled: false }
    points:
      - { name: hours, area: input, address: 11, type: uint32, order: word-swap, unit: h }
`,
      'x.yaml',
      { profileDirs: PROFILES, env: {} },
    );
    const m = cfg.machines[0] as MachineConfig | undefined;
    expect(m?.connection).toEqual({ type: 'rtu', bus: 'rs485-1', unitId: 7, timeoutMs: 300 });
    expect(m?.limits.maxRegistersPerRead).toBe(20);
    expect(m?.points.map((p) => [p.name, p.address, p.order, p.scale, p.unit])).toEqual([
      ['temperature', 1001, 'ABCD', 1, '°F'],
      ['hours', 10, 'CDAB', 1, 'h'],
    ]);
    expect(cfg.buses[0]).toMatchObject({
      baudRate: 19200,
      parity: 'none',
      stopBits: 2,
      interFrameDelayMs: 5,
    });
    expect(cfg.site.timezone).toBe('Asia/Ho_Chi_Minh');
    const points = m?.points as unknown as unknown[];
    expect(() => points.push({})).toThrow();
  });

  it('interpolates environment references with types and defaults', () => {
    const cfg = loadConfigText(
      `${base}
  - id: dryer-1
    name: Máy sấy 1
    line: line-1
    profile: mini-dryer
    connection: { type: tcp, host: "\${PLC_HOST}", port: "\${PLC_PORT}", timeoutMs: "\${PLC_TIMEOUT:-800}" }
http: { port: "\${HTTP_PORT:-9090}" }
`,
      'x.yaml',
      { profileDirs: PROFILES, env: { PLC_HOST: '10.0.0.5', PLC_PORT: '5020' } },
    );
    expect(cfg.machines[0]?.connection).toMatchObject({ host: '10.0.0.5', port: 5020, timeoutMs: 800 });
    expect(cfg.http.port).toBe(9090);
  });

  it('reports schema problems first, with a code and the YAML path', () => {
    try {
      loadConfigText(
        `${base}
  - id: a
    name: A
    line: nope
    profile: mini-dryer
    connection: { type: tcp, host: h, port: 0 }
`,
        'x.yaml',
        { profileDirs: PROFILES, env: {} },
      );
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => i.path)).toEqual(['machines[0].connection.port']);
      expect((err as ConfigError).code).toBe('LG_CONFIG_INVALID');
    }
  });

  it('skips disabled machines', () => {
    const cfg = loadConfigText(
      `${base}
  - { id: a, name: A, line: line-1, profile: mini-dryer, enabled: false, connection: { type: tcp, host: h } }
  - { id: b, name: B, line: line-1, profile: mini-dryer, connection: { type: tcp, host: h } }
`,
      'x.yaml',
      { profileDirs: PROFILES, env: {} },
    );
    expect(cfg.machines.map((m) => m.id)).toEqual(['b']);
  });
});
