export * from './store';
export { pinFindings } from './findings';
