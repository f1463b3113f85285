// Berlin Group NextGenPSD2 1.3.12 AIS sandbox bank: see README "Berlin Group NextGenPSD2 1.3.12".
export * from './model';
export * from './personas';
export * from './sandbox';
