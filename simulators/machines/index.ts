import type { MachineDeps, MachineModel } from './base.js';
import { CheckweigherMachine } from './checkweigher.js';
import { DryerMachine } from './dryer.js';
import { EnergyMeterMachine } from './energy-meter.js';
import { FryerMachine } from './fryer.js';
import { PackerMachine } from './packer.js';
import { RiceFormerMachine } from './rice-former.js';
import { RoasterMachine } from './roaster.js';
import { VacuumSealerMachine } from './vacuum-sealer.js';

export type { BehaviourOptions, MachineDeps, MachineModel, MachineStatus } from './base.js';
export { QUIET } from './base.js';
export {
  CheckweigherMachine,
  DryerMachine,
  EnergyMeterMachine,
  FryerMachine,
  PackerMachine,
  RiceFormerMachine,
  RoasterMachine,
  VacuumSealerMachine,
};

/** Behaviour models by profile kind. Register, don't branch: add a kind by adding a line. */
export const MACHINE_MODELS: Readonly<Record<string, (deps: MachineDeps) => MachineModel>> = {
  dryer: (d) => new DryerMachine(d),
  roaster: (d) => new RoasterMachine(d),
  fryer: (d) => new FryerMachine(d),
  vacuum_sealer: (d) => new VacuumSealerMachine(d),
  packer: (d) => new PackerMachine(d),
  rice_former: (d) => new RiceFormerMachine(d),
  checkweigher: (d) => new CheckweigherMachine(d),
  energy_meter: (d) => new EnergyMeterMachine(d),
};

/** Build the model for the profile's kind and write its starting values into the image. */
export function createMachine(deps: MachineDeps): MachineModel {
  const make = MACHINE_MODELS[deps.profile.kind];
  if (!make) {
    throw new Error(`profile "${deps.profile.id}": no simulator for kind "${deps.profile.kind}"`);
  }
  const model = make(deps);
  model.init();
  return model;
}
