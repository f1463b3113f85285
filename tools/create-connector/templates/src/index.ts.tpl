/**
 * @kinko/connector-__ID__ — the connector for __NAME__ (__FLOW__ flow).
 */
export { define__PASCAL__Connector, __CAMEL__, type __PASCAL__Options } from './connector';
export { __CAMEL__DefaultName, __CAMEL__Manifest } from './manifest';
export { __CAMEL__Banks, type __PASCAL__Bank, type __PASCAL__BankEntry } from './registration';
export { __PASCAL__Config, __PASCAL__Grant } from './schemas';
