export * from './errors.ts';
export * from './jobs.ts';
export * from './phone.ts';
export * from './statuses.ts';
export * from './template.ts';
export * from './workers.ts';
