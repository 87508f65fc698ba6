import { describe, expect, it } from 'vitest';
import { dataFolderName } from '../../local/services/postgres-layout.js';

describe('dataFolderName', () => {
  it('is readable, stable for one path and different for another', () => {
    const name = dataFolderName('/root/tmp.x/my orders/.local/postgres');
    expect(name).toMatch(/^my-orders-local-postgres-[0-9a-f]{12}$/);
    expect(dataFolderName('/root/tmp.x/my orders/.local/postgres')).toBe(name);
    expect(dataFolderName('/root/tmp.y/my orders/.local/postgres')).not.toBe(name);
  });
});
