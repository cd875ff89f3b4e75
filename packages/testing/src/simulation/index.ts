/** Layer 3 of @lr/testing: deterministic simulation (seeded, fault-injecting hosts on one MemoryNetwork, with exact replay). */
export { ALL_FAULTS, type ResolvedFaults, resolveFaults, type SimulationFaults } from "./faults.js";
export { Prng, type Range } from "./prng.js";
export {
  REPLAY_SEED_ENV,
  type SimulatePropertyOptions,
  type SimulatePropertyResult,
  type SimulationCheck,
  type SimulationProgram,
  SimulationPropertyError,
  simulateProperty,
} from "./property.js";
export {
  Simulation,
  SimulationHost,
  type SimulationOptions,
  type SimulationRunOptions,
  type SimulationRunResult,
  type SimulationStopReason,
  type ThreadJobDuration,
} from "./simulation.js";
export type { SimulationEvent, SimulationFault, SimulationFaultKind } from "./trace.js";
