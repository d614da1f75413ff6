package io.kvraft.linearizability;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Wing-Gong-Lowe search for one key: depth-first, always trying to linearize next an op whose call comes before every
 * pending return (the only ops that may go next), backtracking when a return event is reached with its op still
 * unlinearized. The cache of (set of linearized ops, register state) pairs prunes re-exploring a configuration that
 * was already reached through another order; it is what makes thousands of ops per key tractable.
 */
final class KeySearch {
  private record Linearized(Operation op, String stateBefore) {}

  private record Configuration(BitSet linearized, String state) {}

  /** How often to look at the clock; nanoTime is cheap but not free. */
  private static final int STEPS_BETWEEN_DEADLINE_CHECKS = 1024;

  private final String key;
  private final List<Operation> ops;
  private final long deadlineNanos;
  private final long originNanos;

  private List<Operation> longestPrefix = List.of();
  private String stateAfterLongestPrefix = RegisterModel.INITIAL_STATE;

  KeySearch(String key, List<Operation> ops, long deadlineNanos, long originNanos) {
    this.key = key;
    this.ops = ops;
    this.deadlineNanos = deadlineNanos;
    this.originNanos = originNanos;
  }

  Result run() {
    EventList events = new EventList(ops);
    Deque<EventList.Event> linearizedCalls = new ArrayDeque<>();
    Deque<Linearized> linearization = new ArrayDeque<>();
    BitSet linearized = new BitSet(ops.size());
    Set<Configuration> explored = new HashSet<>();
    String state = RegisterModel.INITIAL_STATE;
    EventList.Event event = events.head.next;
    long steps = 0;

    while (!events.isEmpty()) {
      if (steps++ % STEPS_BETWEEN_DEADLINE_CHECKS == 0 && System.nanoTime() - deadlineNanos >= 0) {
        return Result.unknown("key '" + key + "': timed out after linearizing at most "
            + longestPrefix.size() + " of " + ops.size() + " ops");
      }
      if (event.isCall) {
        Operation op = ops.get(event.opIndex);
        String next = RegisterModel.step(state, op.input(), op.output());
        if (next != null) {
          linearized.set(event.opIndex);
          if (explored.add(new Configuration((BitSet) linearized.clone(), next))) {
            linearizedCalls.push(event);
            linearization.push(new Linearized(op, state));
            state = next;
            EventList.lift(event);
            rememberIfLongest(linearization, state);
            event = events.head.next; // the lifted op may have been the only thing holding others back
            continue;
          }
          linearized.clear(event.opIndex); // this configuration is already known to be a dead end
        }
        event = event.next;
      } else {
        // A return event with its op still pending: nothing later can go first, so undo the latest choice.
        if (linearizedCalls.isEmpty()) {
          return Result.illegal(new ViolationReport(key, ops, originNanos)
              .describe(longestPrefix, stateAfterLongestPrefix));
        }
        EventList.Event undone = linearizedCalls.pop();
        state = linearization.pop().stateBefore();
        linearized.clear(undone.opIndex);
        EventList.unlift(undone);
        event = undone.next;
      }
    }
    return Result.ok();
  }

  /** Copying is O(n) but happens at most n times, since the prefix length only ever grows. */
  private void rememberIfLongest(Deque<Linearized> linearization, String state) {
    if (linearization.size() > longestPrefix.size()) {
      List<Operation> inOrder = new ArrayList<>(linearization.size());
      for (Iterator<Linearized> it = linearization.descendingIterator(); it.hasNext(); ) {
        inOrder.add(it.next().op());
      }
      longestPrefix = inOrder;
      stateAfterLongestPrefix = state;
    }
  }
}
