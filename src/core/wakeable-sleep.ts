/**
 * A worker's pause between polls, which `wake()` ends at once. A wake while the worker is busy
 * makes its next pause return straight away, so news that arrives mid-round is never slept through.
 */
export function createWakeableSleep() {
  let woken = false;
  let wakeUp: (() => void) | undefined;
  return {
    sleep(ms: number): Promise<void> {
      if (woken) {
        woken = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wakeUp = undefined;
          woken = false;
          resolve();
        }
        wakeUp = done;
      });
    },

    wake(): void {
      woken = true;
      wakeUp?.();
    },
  };
}
