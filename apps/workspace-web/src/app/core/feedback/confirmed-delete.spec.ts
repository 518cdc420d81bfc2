import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import { Confirm } from '../../ui/confirm';
import { ApiError } from '../api/api-error';
import { ConfirmedDelete } from './confirmed-delete';
import { Notices } from './notices';

describe('ConfirmedDelete', () => {
  let answer: boolean;
  let router: { navigateByUrl: jest.Mock };
  let flow: ConfirmedDelete;
  let notices: Notices;
  const page = () => ({ busy: signal(false), error: signal<string | null>(null) });

  beforeEach(() => {
    answer = true;
    router = { navigateByUrl: jest.fn().mockResolvedValue(true) };
    TestBed.configureTestingModule({
      providers: [
        { provide: Confirm, useValue: { ask: jest.fn(async () => answer) } },
        { provide: Router, useValue: router },
      ],
    });
    flow = TestBed.inject(ConfirmedDelete);
    notices = TestBed.inject(Notices);
  });

  afterEach(() => TestBed.resetTestingModule());

  const request = (remove: () => Promise<unknown>) => ({ name: 'node-22', consequences: 'Runs that name it fail.', confirmLabel: 'Delete environment', remove, listUrl: '/environments' });

  it('deletes nothing when the person says no', async () => {
    answer = false;
    const remove = jest.fn();
    await flow.run(page(), request(remove));
    expect(remove).not.toHaveBeenCalled();
    expect(router.navigateByUrl).not.toHaveBeenCalled();
  });

  it('deletes, says so and goes to the list, busy only meanwhile', async () => {
    const state = page();
    let busyWhileDeleting = false;
    await flow.run(state, request(async () => (busyWhileDeleting = state.busy())));
    expect(busyWhileDeleting).toBe(true);
    expect(state.busy()).toBe(false);
    expect(notices.notices().map((n) => n.text)).toEqual(['node-22 was deleted.']);
    expect(router.navigateByUrl).toHaveBeenCalledWith('/environments');
  });

  it('keeps the page and shows why when the server refuses', async () => {
    const state = page();
    await flow.run(state, request(() => Promise.reject(new ApiError(409, 'conflict', 'An unfinished run uses it'))));
    expect(state.error()).toContain('Not deleted: ');
    expect(state.error()).toContain('An unfinished run uses it');
    expect(state.busy()).toBe(false);
    expect(router.navigateByUrl).not.toHaveBeenCalled();
    expect(notices.notices()).toEqual([]);
  });
});
