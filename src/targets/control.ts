/** Control hooks of a target the suite manages: stop and start one of its dependencies. */
export interface ServiceControl {
  /** Services that can be stopped and started (e.g. `redis`, `qdrant`). */
  services: string[];
  stop(service: string): Promise<void>;
  start(service: string): Promise<void>;
}
