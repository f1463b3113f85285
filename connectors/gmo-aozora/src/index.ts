/**
 * @kinko/connector-gmo-aozora — the connector for GMO Aozora Net Bank (redirect flow).
 */
export { defineGmoAozoraConnector, gmoAozora, type GmoAozoraOptions } from './connector';
export { gmoAozoraManifest } from './manifest';
export { GmoAozoraConfig, GmoAozoraGrant } from './schemas';
