/**
 * A failure meant for a person, for qdrant-local's TypeScript helpers and benchmark: one line
 * naming the fix, an exit code (the same meanings as the suite's commands), maybe a log tail.
 */
export const EXIT = { ok: 0, usage: 2, unreachable: 3, missingTool: 4, internal: 70 } as const;

export class PersonError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'PersonError';
  }
}
