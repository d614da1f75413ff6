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
 * Wing-Gong-Lowe search for one key: depth-first, always trying to linearize next an op whose call
 * comes before every pending return (the only ops that may go next), backtracking when a return
 * event is reached with its op still unlinearized. The cache of (set of linearized ops, register
 * state) pairs prunes re-exploring a configuration that was already reached through another order;
 * it is what makes thousands of ops per key tractable.
 *
 * <p>One addition to plain WGL: enabled reads that match the current state are linearized at once,
 * as forced moves. That is complete (see {@link #linearizeMatchingReads}) and avoids the blow-up
 * where the search linearizes a concurrent write too early and only notices when the read's return
 * event comes up, after trying every ordering of the ops called in between.
 */
final class KeySearch {
  /** One linearized op; {@code forced} ones have no alternatives worth trying when backtracking. */
  private record Frame(EventList.Event call, Operation op, String stateBefore, boolean forced) {}

  private record Configuration(BitSet linearized, String state) {}

  /** How often to look at the clock; nanoTime is cheap but not free. */
  private static final int STEPS_BETWEEN_DEADLINE_CHECKS = 1024;

  private final String key;
  private final List<Operation> ops;
  private final long deadlineNanos;
  private final long originNanos;

  private final EventList events;
  private final Deque<Frame> stack = new ArrayDeque<>();
  private final BitSet linearized;
  private final Set<Configuration> explored = new HashSet<>();
  private String state = RegisterModel.INITIAL_STATE;

  private List<Operation> longestPrefix = List.of();
  private String stateAfterLongestPrefix = RegisterModel.INITIAL_STATE;

  KeySearch(String key, List<Operation> ops, long deadlineNanos, long originNanos) {
    this.key = key;
    this.ops = ops;
    this.deadlineNanos = deadlineNanos;
    this.originNanos = originNanos;
    this.events = new EventList(ops);
    this.linearized = new BitSet(ops.size());
  }

  Result run() {
    EventList.Event event = null; // null: a new configuration was just reached
    long steps = 0;
    while (true) {
      if (steps++ % STEPS_BETWEEN_DEADLINE_CHECKS == 0 && System.nanoTime() - deadlineNanos >= 0) {
        return Result.unknown(
            "key '"
                + key
                + "': timed out after linearizing at most "
                + longestPrefix.size()
                + " of "
                + ops.size()
                + " ops");
      }
      if (event == null) {
        if (!linearizeMatchingReads()) {
          event = backtrack();
          if (event == null) {
            return illegal();
          }
          continue;
        }
        if (events.isEmpty()) {
          return Result.ok();
        }
        event = events.head.next;
      }
      if (event.isCall) {
        Operation op = ops.get(event.opIndex);
        String next = RegisterModel.step(state, op.input(), op.output());
        if (next != null && tryLinearize(event, op, next, false)) {
          event = null;
        } else {
          event = event.next;
        }
      } else {
        // A return event with its op still pending: nothing later can go first, so undo the latest
        // choice.
        event = backtrack();
        if (event == null) {
          return illegal();
        }
      }
    }
  }

  /**
   * Linearizes every enabled read (call before the first pending return) that returned the current
   * state. Complete: if any valid continuation exists, moving such a read to its front is also
   * valid, because a read leaves the state unchanged and, being enabled, follows every op that
   * returned before its call.
   *
   * @return false if the current configuration is dead: it leads into an already explored (hence
   *     failed) configuration, or an enabled read can no longer get its value
   */
  private boolean linearizeMatchingReads() {
    EventList.Event e = events.head.next;
    while (e != null && e.isCall) {
      Operation op = ops.get(e.opIndex);
      if (!(op.input() instanceof KvOp.Get) || op.isOutcomeUnknown()) {
        e = e.next;
      } else if (RegisterModel.step(state, op.input(), op.output()) != null) {
        if (!tryLinearize(e, op, state, true)) {
          return false;
        }
        e =
            events
                .head
                .next; // restart: the lifted read's neighbours may have been unlinked along with it
      } else if (!canStillBeRead(e, ((KvOutput.Value) op.output()).value())) {
        return false;
      } else {
        e = e.next;
      }
    }
    return true;
  }

  /**
   * Whether some continuation could make the state equal {@code wanted} before the read returns:
   * appends only extend the state, so it must either extend the current state or a value written by
   * a put still to be linearized and called before the read returned (exactly the put calls met
   * before the read's return event). Without this check a wrong order of concurrent appends is only
   * noticed at the read's return event, after trying every ordering of the ops called in between.
   */
  private boolean canStillBeRead(EventList.Event readCall, String wanted) {
    if (wanted.startsWith(state)) {
      return true;
    }
    for (EventList.Event e = events.head.next; e != readCall.matchingReturn; e = e.next) {
      if (e.isCall
          && ops.get(e.opIndex).input() instanceof KvOp.Put put
          && wanted.startsWith(put.value())) {
        return true;
      }
    }
    return false;
  }

  /** Linearizes {@code op} unless the resulting configuration was explored before. */
  private boolean tryLinearize(
      EventList.Event call, Operation op, String nextState, boolean forced) {
    linearized.set(call.opIndex);
    if (!explored.add(new Configuration((BitSet) linearized.clone(), nextState))) {
      linearized.clear(call.opIndex);
      return false;
    }
    stack.push(new Frame(call, op, state, forced));
    state = nextState;
    EventList.lift(call);
    rememberIfLongest();
    return true;
  }

  /**
   * Undoes linearizations up to and including the latest free choice (forced reads below a failed
   * configuration cannot help: their own configuration failed too).
   *
   * @return the event to try next at the restored configuration, or null if there is nothing left
   *     to try
   */
  private EventList.Event backtrack() {
    while (!stack.isEmpty()) {
      Frame frame = stack.pop();
      state = frame.stateBefore();
      linearized.clear(frame.call().opIndex);
      EventList.unlift(frame.call());
      if (!frame.forced()) {
        return frame.call().next;
      }
    }
    return null;
  }

  private Result illegal() {
    return Result.illegal(
        new ViolationReport(key, ops, originNanos)
            .describe(longestPrefix, stateAfterLongestPrefix));
  }

  /** Copying is O(n) but happens at most n times, since the prefix length only ever grows. */
  private void rememberIfLongest() {
    if (stack.size() > longestPrefix.size()) {
      List<Operation> inOrder = new ArrayList<>(stack.size());
      for (Iterator<Frame> it = stack.descendingIterator(); it.hasNext(); ) {
        inOrder.add(it.next().op());
      }
      longestPrefix = inOrder;
      stateAfterLongestPrefix = state;
    }
  }
}
