export * from './store';
export { pinFindings } from './findings';
export { LockfilePins, type PinCheck, type PinChecker } from './lockfileCheck';
