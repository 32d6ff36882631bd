/** What `setup()` hands every iteration (k6 passes it as JSON: plain data only). */
export interface ModelRef {
  name: string;
  collection: string;
  dimension: number;
  distance: string;
}

export interface SetupData {
  models: ModelRef[];
}
