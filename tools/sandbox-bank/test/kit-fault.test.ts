import type { SandboxFault } from '@kinko/connector-sdk/testkit';
import { KitFaultSlot } from '../src/kit-fault';

// The one rule the kit's sandboxes share for which data requests a fault hits.
describe('KitFaultSlot', () => {
  const takes = (slot: KitFaultSlot, n: number) => Array.from({ length: n }, () => slot.take()?.type ?? null);
  const drop: SandboxFault = { type: 'dropConnection' };

  it('hits nothing until a fault is set, then every request until cleared', () => {
    const slot = new KitFaultSlot();
    expect(takes(slot, 2)).toEqual([null, null]);
    slot.set(drop);
    expect(takes(slot, 3)).toEqual(['dropConnection', 'dropConnection', 'dropConnection']);
    slot.set(undefined);
    expect(takes(slot, 1)).toEqual([null]);
  });

  it('lets the first afterRequests pass, then hits times requests, then none', () => {
    const slot = new KitFaultSlot();
    slot.set({ type: 'status', status: 503, afterRequests: 2, times: 2 });
    expect(takes(slot, 6)).toEqual([null, null, 'status', 'status', null, null]);
  });

  it('starts counting again when set again', () => {
    const slot = new KitFaultSlot();
    slot.set({ ...drop, times: 1 });
    expect(takes(slot, 2)).toEqual(['dropConnection', null]);
    slot.set({ type: 'malformedBody', times: 1, afterRequests: 1 });
    expect(takes(slot, 3)).toEqual([null, 'malformedBody', null]);
  });
});
