import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ImagePoint, RegisterImage } from './register-image.js';
import { findProfile } from './sim-profile.js';

const DEVICES = join(import.meta.dirname, '..', 'devices');

const pt = (p: Partial<ImagePoint> & Pick<ImagePoint, 'name' | 'area' | 'address' | 'type'>): ImagePoint => ({
  order: 'ABCD',
  scale: 1,
  offset: 0,
  ...p,
});

describe('RegisterImage', () => {
  it('writes raw = (value − offset) / scale, rounded, and reads it back', () => {
    const image = new RegisterImage([
      pt({ name: 'temp', area: 'input', address: 0x03e8, type: 'int16', scale: 0.1 }),
      pt({ name: 'level', area: 'holding', address: 10, type: 'uint16', scale: 0.5, offset: -20 }),
    ]);
    image.set('temp', -12.34);
    expect(image.readRegisters('input', 0x03e8, 1)).toEqual([0xff85]); // −123
    expect(image.get('temp')).toBeCloseTo(-12.3, 6);
    image.set('level', 30);
    expect(image.readRegisters('holding', 10, 1)).toEqual([100]);
  });

  it('inverts a run flag with scale −1 and offset 1 (Autonics TK 0 = RUN)', () => {
    const image = new RegisterImage([
      pt({ name: 'run', area: 'holding', address: 0x32, type: 'uint16', scale: -1, offset: 1 }),
    ]);
    image.set('run', 1);
    expect(image.readRegisters('holding', 0x32, 1)).toEqual([0]);
    image.set('run', 0);
    expect(image.readRegisters('holding', 0x32, 1)).toEqual([1]);
  });

  it('keeps bit points that share a register independent', () => {
    const image = new RegisterImage([
      pt({ name: 'out1', area: 'input', address: 0x03ee, type: 'bit', bit: 3 }),
      pt({ name: 'al1', area: 'input', address: 0x03ee, type: 'bit', bit: 9 }),
    ]);
    image.set('out1', true);
    image.set('al1', true);
    expect(image.readRegisters('input', 0x03ee, 1)).toEqual([0x0208]);
    image.set('out1', false);
    expect(image.readRegisters('input', 0x03ee, 1)).toEqual([0x0200]);
    expect(image.get('al1')).toBe(true);
  });

  it('writes multi-register values in the point’s order, strings and coils', () => {
    const image = new RegisterImage([
      pt({ name: 'good', area: 'holding', address: 0x112c, type: 'uint32', order: 'CDAB' }),
      pt({ name: 'energy', area: 'input', address: 0x48, type: 'float32' }),
      pt({ name: 'product', area: 'holding', address: 18, type: 'string', length: 4 }),
      pt({ name: 'running', area: 'coil', address: 0x0800, type: 'bool' }),
    ]);
    image.set('good', 0x0001fffe);
    expect(image.readRegisters('holding', 0x112c, 2)).toEqual([0xfffe, 0x0001]);
    image.set('energy', 123.456);
    expect(image.readRegisters('input', 0x48, 2)).toEqual([0x42f6, 0xe979]);
    image.set('product', 'COM');
    expect(image.readRegisters('holding', 18, 4)).toEqual([0x434f, 0x4d00, 0, 0]);
    expect(image.get('product')).toBe('COM');
    image.set('running', true);
    expect(image.readBits('coil', 0x0800, 2)).toEqual([true, false]);
  });

  it('ignores unknown names, reads 0 where nothing is mapped, and refuses addresses past 65535', () => {
    const image = new RegisterImage([]);
    expect(image.set('nothing', 1)).toBe(false);
    expect(image.readRegisters('holding', 65530, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() => image.readRegisters('holding', 65535, 2)).toThrow(RangeError);
    expect(
      () => new RegisterImage([pt({ name: 'x', area: 'holding', address: 65535, type: 'uint32' })]),
    ).toThrow();
  });

  it('places every point of a real profile (TK dryer) where the manual says', () => {
    const profile = findProfile('tea-dryer-autonics-tk4', [DEVICES]);
    const image = new RegisterImage(profile.points);
    image.set('pv', 95.3);
    image.set('sv', 95);
    image.set('decimal_point', 1);
    expect(image.readRegisters('input', 0x03e8, 4)).toEqual([953, 1, 0, 950]);
    image.set('pv', 95, { scale: 1 }); // dP = 0: whole degrees
    expect(image.readRegisters('input', 0x03e8, 1)).toEqual([95]);
  });
});
