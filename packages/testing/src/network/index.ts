/** Layer 2: MemoryNetwork, joining memory reactors on one virtual clock. */
export * from "./memory-network.js";
