// The store contract suite against the Postgres store: one throwaway cluster for the file, a fresh database per test.
import { afterAll, beforeAll } from 'vitest';
import { PostgresStore } from '../src/store/postgres-store.js';
import { describeStoreContract } from './store-contract.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});

describeStoreContract('Postgres', async () => {
  const store = await PostgresStore.open(await postgres.createDatabase());
  return { store, cleanup: () => store.close() };
});
