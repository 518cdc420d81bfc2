import { RetryAlarm } from './retry-alarm';

describe('the retry alarm', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('wakes once per due time, earliest first, a little after each', () => {
    const wake = jest.fn();
    const alarm = new RetryAlarm(wake);
    alarm.at(new Date(5_000));
    alarm.at(new Date(1_000));

    jest.advanceTimersByTime(1_000);
    expect(wake).toHaveBeenCalledTimes(0);
    jest.advanceTimersByTime(20);
    expect(wake).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(4_000);
    expect(wake).toHaveBeenCalledTimes(2);
    jest.advanceTimersByTime(60_000);
    expect(wake).toHaveBeenCalledTimes(2);
  });

  it('wakes no more once stopped', () => {
    const wake = jest.fn();
    const alarm = new RetryAlarm(wake);
    alarm.at(new Date(1_000));
    alarm.stop();
    alarm.at(new Date(2_000));
    jest.advanceTimersByTime(10_000);
    expect(wake).not.toHaveBeenCalled();
  });
});
