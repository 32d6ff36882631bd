import { afterEach, beforeEach } from 'vitest';
import { setCurrentTask } from './record.ts';

beforeEach((ctx) => {
  setCurrentTask(ctx.task);
});

afterEach(() => {
  setCurrentTask(undefined);
});
