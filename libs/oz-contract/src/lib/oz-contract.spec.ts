import { ozContract } from './oz-contract';

describe('ozContract', () => {
  it('should work', () => {
    expect(ozContract()).toEqual('oz-contract');
  })
})
