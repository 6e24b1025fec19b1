import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadLocalStackConfig } from './config.ts';
import { removeCluster } from './postgres-placement.ts';

// `npm run reset`: deletes the local data (database, secrets, emulated sessions), including a
// cluster kept outside the checkout. Stop `npm start` first.
if (existsSync('.env')) process.loadEnvFile('.env');
const { heraldDataDir } = loadLocalStackConfig(process.env);
for (const cluster of ['postgres', 'test-postgres']) removeCluster(resolve(heraldDataDir, cluster));
removeCluster(heraldDataDir);
process.stdout.write(`removed ${resolve(heraldDataDir)}; the next npm start begins afresh\n`);
