// Worker entry for test/platform/thread-pool.test.ts whose code fails to load.
throw new Error('this entry script does not load');
