import { readFileSync } from 'node:fs';

/**
 * Bytes this process caused to be written to the storage layer (`write_bytes` of
 * /proc/self/io, Linux: proc(5)), which is what wears an SD card; `wchar` counts every write()
 * including sockets and the page cache, so it is not used. Null where /proc is absent.
 */
export function parseProcIo(text: string): { writeBytes: number; readBytes: number } | null {
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s*(\\d+)$`, 'm').exec(text);
    return m?.[1] === undefined ? null : Number(m[1]);
  };
  const writeBytes = field('write_bytes');
  const readBytes = field('read_bytes');
  return writeBytes === null || readBytes === null ? null : { writeBytes, readBytes };
}

export function readProcIo(path = '/proc/self/io'): { writeBytes: number; readBytes: number } | null {
  try {
    return parseProcIo(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}
