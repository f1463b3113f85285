// The sandbox bank lives in tools/sandbox-bank (src/gmo-aozora), where `pnpm start` offers it too;
// these are its names as this package's tests use them.
export {
  GMO_AOZORA_BASE_PATH as BASE_PATH,
  startGmoAozoraSandbox as startSandboxBank,
  type GmoAozoraAccount as SandboxAccount,
  type GmoAozoraAnswer as SandboxAnswer,
  type GmoAozoraSandbox as SandboxBank,
  type GmoAozoraTransaction as SandboxTransaction,
  type GmoAozoraUser as SandboxUser,
} from '@kinko/sandbox-bank';
