export * from './sandbox';
export * from './personas';
