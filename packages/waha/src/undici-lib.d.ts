// undici's modules under lib/ carry no types of their own; undici-lean.ts gives them undici's.
declare module 'undici/lib/*';
