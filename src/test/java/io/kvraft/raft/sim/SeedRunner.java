package io.kvraft.raft.sim;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;

/**
 * Runs seeds [0, count) on a fixed pool. Each seed is its own deterministic run; workers stop
 * claiming seeds above the lowest failing one, so the reported failure is the lowest failing seed
 * whatever the thread timing.
 */
public final class SeedRunner {
  public record Outcome(long seedsRun, SimulationFailure failure, long events, long millis) {
    public double seedsPerSecond() {
      return seedsRun * 1000.0 / Math.max(1, millis);
    }
  }

  private SeedRunner() {}

  public static int seedsFromProperty() {
    return Integer.getInteger("sim.seeds", 2000);
  }

  public static Outcome run(long count, LongFunction<Simulator> oneSeed) {
    long start = System.nanoTime();
    AtomicLong next = new AtomicLong();
    AtomicLong lowestFailing = new AtomicLong(Long.MAX_VALUE);
    AtomicReference<SimulationFailure> failure = new AtomicReference<>();
    AtomicLong events = new AtomicLong();
    AtomicLong ran = new AtomicLong();
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      Future<?>[] workers = new Future<?>[threads];
      for (int t = 0; t < threads; t++) {
        workers[t] =
            pool.submit(
                () -> {
                  while (true) {
                    long seed = next.getAndIncrement();
                    if (seed >= count || seed > lowestFailing.get()) {
                      return;
                    }
                    try {
                      events.addAndGet(oneSeed.apply(seed).events());
                      ran.incrementAndGet();
                    } catch (SimulationFailure f) {
                      ran.incrementAndGet();
                      synchronized (failure) {
                        if (seed < lowestFailing.get()) {
                          lowestFailing.set(seed);
                          failure.set(f);
                        }
                      }
                    }
                  }
                });
      }
      for (Future<?> w : workers) {
        w.get();
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      pool.shutdownNow();
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    SimulationFailure f = failure.get();
    return new Outcome(f == null ? ran.get() : f.seed() + 1, f, events.get(), millis);
  }
}
