import type { CollectionSpec, ModelSpec } from '../config/load.ts';
import { GatewayError } from '../errors.ts';
import type { QdrantClient } from '../qdrant/client.ts';

const UNKNOWN_TTL_MS = 10_000;

export interface EnsureReport {
  collection: string;
  action: 'created' | 'exists' | 'mismatch';
  detail?: string;
}

/**
 * Knows every collection's dimension (the configured ones from config, others from Qdrant,
 * briefly cached) and which model a collection belongs to.
 */
export class CollectionRegistry {
  private readonly configured = new Map<string, CollectionSpec>();
  private readonly models = new Map<string, ModelSpec>();
  private readonly discovered = new Map<string, { spec: CollectionSpec; at: number }>();
  ensured: EnsureReport[] = [];

  constructor(private readonly qdrant: QdrantClient, collections: CollectionSpec[], models: ModelSpec[]) {
    for (const c of collections) this.configured.set(c.name, c);
    for (const m of models) this.models.set(m.name, m);
  }

  model(name: string): ModelSpec {
    const m = this.models.get(name);
    if (!m) throw new GatewayError('GW_ERR_MODEL_NOT_FOUND', `model ${name} is not configured (models: ${[...this.models.keys()].join(', ')})`);
    return m;
  }

  modelList(): ModelSpec[] {
    return [...this.models.values()];
  }

  configuredCollections(): CollectionSpec[] {
    return [...this.configured.values()];
  }

  modelOf(collection: string): string | null {
    return this.configured.get(collection)?.model ?? null;
  }

  /** The collection's spec; 404 when Qdrant does not have it. */
  async spec(collection: string): Promise<CollectionSpec> {
    const known = this.configured.get(collection);
    if (known) return known;
    const cached = this.discovered.get(collection);
    if (cached && Date.now() - cached.at < UNKNOWN_TTL_MS) return cached.spec;
    const info = await this.qdrant.getCollection(collection);
    if (!info) throw new GatewayError('GW_ERR_COLLECTION_NOT_FOUND', `collection ${collection} does not exist`);
    const vectors = info.config.params.vectors;
    if (!('size' in vectors) || typeof vectors.size !== 'number') {
      throw new GatewayError('GW_ERR_VALIDATION', `collection ${collection} uses named vectors, which the gateway does not serve`);
    }
    const spec: CollectionSpec = { name: collection, vectorSize: vectors.size, distance: vectors.distance as CollectionSpec['distance'], model: null };
    this.discovered.set(collection, { spec, at: Date.now() });
    return spec;
  }

  /** Called after a write: drops what we learnt about a collection we do not configure. */
  forget(collection: string): void {
    this.discovered.delete(collection);
  }

  /** Creates the configured collections that are missing (in parallel); idempotent. */
  async ensureAll(): Promise<EnsureReport[]> {
    const reports = await Promise.all([...this.configured.values()].map((c) => this.ensure(c)));
    this.ensured = reports;
    return reports;
  }

  private async ensure(c: CollectionSpec): Promise<EnsureReport> {
    let info = await this.qdrant.getCollection(c.name);
    if (!info) {
      try {
        await this.qdrant.createCollection(c.name, c.vectorSize, c.distance);
        return { collection: c.name, action: 'created' };
      } catch (err) {
        // another slot may have created it meanwhile
        info = await this.qdrant.getCollection(c.name);
        if (!info) throw err;
      }
    }
    const v = info.config.params.vectors;
    const size = 'size' in v ? v.size : undefined;
    if (size !== c.vectorSize) return { collection: c.name, action: 'mismatch', detail: `Qdrant has dimension ${String(size)}, config says ${c.vectorSize}` };
    return { collection: c.name, action: 'exists' };
  }
}
