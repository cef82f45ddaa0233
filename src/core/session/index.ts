export * from './parse';
export * from './refs';
export * from './runner';
export * from './report';
