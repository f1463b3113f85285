/**
 * @kinko/connector-gmo-aozora — the connector for GMO Aozora Net Bank (redirect flow).
 */
export { defineGmoAozoraConnector, gmoAozora, type GmoAozoraOptions } from './connector';
export { gmoAozoraDefaultName, gmoAozoraManifest } from './manifest';
export { gmoAozoraBanks, type GmoAozoraBank, type GmoAozoraBankEntry } from './registration';
export { GmoAozoraConfig, GmoAozoraGrant } from './schemas';
